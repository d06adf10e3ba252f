//go:build !linux

package udp

import (
	"net"
	"net/netip"
	"sync"
)

// batcher is the portable fallback of the Linux recvmmsg/sendmmsg batcher:
// one datagram per system call, still without allocating per datagram
// (net.UDPConn's AddrPort methods). x/net's ReadBatch and WriteBatch do
// the same loop outside Linux, plus an address allocation per datagram.
type batcher struct {
	conn *net.UDPConn
	rbuf []byte
	wmu  sync.Mutex
}

func newBatcher(conn *net.UDPConn, _ bool, batch int) (*batcher, error) {
	b := &batcher{conn: conn}
	if batch > 1 {
		b.rbuf = make([]byte, readBufSize)
	}
	return b, nil
}

// read receives one datagram and passes it to deliver (see the Linux
// version for the contract).
func (b *batcher) read(deliver func(from netip.AddrPort, p []byte, last bool)) error {
	n, from, err := b.conn.ReadFromUDPAddrPort(b.rbuf)
	if err != nil {
		return err
	}
	deliver(from, b.rbuf[:n], true)
	return nil
}

// write sends every non-empty packet of pkts to dest and returns how many
// leading entries were sent, with the payload bytes sent.
func (b *batcher) write(pkts [][]byte, dest netip.AddrPort) (int, uint64, error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	var bytes uint64
	for i, p := range pkts {
		if len(p) == 0 {
			continue
		}
		if _, err := b.conn.WriteToUDPAddrPort(p, dest); err != nil {
			return i, bytes, err
		}
		bytes += uint64(len(p))
	}
	return len(pkts), bytes, nil
}
