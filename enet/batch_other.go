//go:build !linux

package enet

import (
	"net"
	"net/netip"
)

// batchIO is Linux's recvmmsg/sendmmsg path; elsewhere the host reads and
// writes one datagram per system call.
type batchIO struct{}

const batchSize = 1

func newBatchIO(*net.UDPConn) *batchIO                     { return nil }
func (*batchIO) waitReadable() error                       { return nil }
func (*batchIO) poll() int                                 { return 0 }
func (*batchIO) pollAt(int) ([]byte, netip.AddrPort, bool) { return nil, netip.AddrPort{}, false }
func (*batchIO) queue([]byte, netip.AddrPort)              {}
func (*batchIO) flush()                                    {}
