//go:build !linux

package enet

import (
	"net"
	"net/netip"
)

// batchIO is Linux's recvmmsg/sendmmsg path; elsewhere the host reads and
// writes one datagram per system call.
type batchIO struct{ groMessages uint64 }

const batchSize = 1

func newBatchIO(*net.UDPConn) *batchIO { return nil }
func (*batchIO) waitReadable() error   { return nil }
func (*batchIO) poll() (int, bool)     { return 0, false }
func (*batchIO) pollAt(int) ([]byte, netip.AddrPort, int, bool) {
	return nil, netip.AddrPort{}, 0, false
}
func (*batchIO) queue([]byte, netip.AddrPort) {}
func (*batchIO) flush()                       {}
