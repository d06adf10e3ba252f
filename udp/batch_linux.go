//go:build linux

package udp

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/packetpeer/packetpeer/internal/sockaddr"
)

// batcher does batched datagram I/O on one socket with recvmmsg and
// sendmmsg, going through syscall.RawConn so that the Go netpoller parks
// the goroutine while the socket is not ready (no busy loop). All message
// headers, iovecs, sender addresses and receive buffers are allocated once,
// so a batch in steady state allocates nothing, unlike x/net's ReadBatch
// and WriteBatch, which convert every address to a *net.UDPAddr.
//
// read is called by the socket's single reader goroutine; write may be
// called from any goroutine (it is serialised by wmu).
type batcher struct {
	rc   syscall.RawConn
	conn *net.UDPConn
	v4   bool // AF_INET socket; else AF_INET6 (possibly dual-stack)

	// Receive side, owned by the reader goroutine.
	rhdrs  []unix.Mmsghdr
	riovs  []unix.Iovec
	rnames []unix.RawSockaddrInet6 // large enough for sockaddr_in too
	rbufs  [][]byte
	rn     int
	rerr   unix.Errno
	readFn func(fd uintptr) bool
	zone   sockaddr.Zones

	// Send side, guarded by wmu; arrays allocated on first write.
	wmu     sync.Mutex
	whdrs   []unix.Mmsghdr
	wiovs   []unix.Iovec
	widx    []int // index in the caller's slice of each message
	wname   unix.RawSockaddrInet6
	wnamlen uint32
	woff    int
	wcnt    int
	wn      int
	werr    unix.Errno
	writeFn func(fd uintptr) bool
	wzone   sockaddr.Zones
}

// writeBatchMax is the number of messages one sendmmsg call is given.
const writeBatchMax = 64

// newBatcher prepares batched I/O on conn with batch receive buffers of
// readBufSize bytes (none when batch <= 1: the reader then uses conn
// directly).
func newBatcher(conn *net.UDPConn, v4 bool, batch int) (*batcher, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &batcher{rc: rc, conn: conn, v4: v4}
	if batch > 1 {
		b.rhdrs = make([]unix.Mmsghdr, batch)
		b.riovs = make([]unix.Iovec, batch)
		b.rnames = make([]unix.RawSockaddrInet6, batch)
		b.rbufs = make([][]byte, batch)
		slab := make([]byte, batch*readBufSize)
		for i := range b.rhdrs {
			b.rbufs[i] = slab[i*readBufSize : (i+1)*readBufSize : (i+1)*readBufSize]
			b.riovs[i].Base = &b.rbufs[i][0]
			b.riovs[i].SetLen(readBufSize)
			h := &b.rhdrs[i].Hdr
			h.Name = (*byte)(unsafe.Pointer(&b.rnames[i]))
			h.Iov = &b.riovs[i]
			h.SetIovlen(1)
		}
		b.readFn = b.recvmmsg
	}
	b.writeFn = b.sendmmsg
	return b, nil
}

func (b *batcher) recvmmsg(fd uintptr) bool {
	for i := range b.rhdrs {
		b.rhdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		b.rhdrs[i].Hdr.Flags = 0
	}
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rhdrs[0])),
			uintptr(len(b.rhdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // let the netpoller wait for readability
		}
		b.rn, b.rerr = int(n), e
		return true
	}
}

// read receives one batch (parked in the netpoller until at least one
// datagram is there) and passes each datagram to deliver, last true for the
// final one. The slice passed to deliver is only valid during the call.
// Errors: net.ErrClosed once the socket is closed, or the socket's error
// (e.g. ECONNREFUSED after an ICMP port unreachable).
func (b *batcher) read(deliver func(from netip.AddrPort, p []byte, last bool)) error {
	if err := b.rc.Read(b.readFn); err != nil {
		return err
	}
	if b.rerr != 0 {
		return b.rerr
	}
	for i := 0; i < b.rn; i++ {
		n := min(int(b.rhdrs[i].Len), readBufSize)
		deliver(b.sockaddrAt(i), b.rbufs[i][:n], i == b.rn-1)
	}
	return nil
}

func (b *batcher) sockaddrAt(i int) netip.AddrPort {
	a, _ := sockaddr.Decode(&b.rnames[i], &b.zone)
	return a
}

// setDest encodes dest as the socket family's sockaddr into wname (the
// caller has checked that the socket can reach it).
func (b *batcher) setDest(dest netip.AddrPort) {
	b.wnamlen, _ = sockaddr.Encode(&b.wname, b.v4, dest, &b.wzone)
}

func (b *batcher) sendmmsg(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.whdrs[b.woff])),
			uintptr(b.wcnt), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // socket buffer full: wait for writability
		}
		b.wn, b.werr = int(n), e
		return true
	}
}

// write sends every non-empty packet of pkts to dest, up to writeBatchMax
// per system call, and returns how many leading entries of pkts were sent
// (empty ones count as sent), with the payload bytes sent.
func (b *batcher) write(pkts [][]byte, dest netip.AddrPort) (n int, bytes uint64, err error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if b.whdrs == nil {
		b.whdrs = make([]unix.Mmsghdr, writeBatchMax)
		b.wiovs = make([]unix.Iovec, writeBatchMax)
		b.widx = make([]int, writeBatchMax)
		for i := range b.whdrs {
			h := &b.whdrs[i].Hdr
			h.Name = (*byte)(unsafe.Pointer(&b.wname))
			h.Iov = &b.wiovs[i]
			h.SetIovlen(1)
		}
	}
	b.setDest(dest)
	defer b.release()
	for j := 0; j < len(pkts); {
		k := 0
		for ; j < len(pkts) && k < writeBatchMax; j++ {
			if len(pkts[j]) == 0 {
				continue
			}
			b.wiovs[k].Base = &pkts[j][0]
			b.wiovs[k].SetLen(len(pkts[j]))
			b.whdrs[k].Hdr.Namelen = b.wnamlen
			b.widx[k] = j
			k++
		}
		for off := 0; off < k; off += b.wn {
			b.woff, b.wcnt = off, k-off
			if err := b.rc.Write(b.writeFn); err != nil {
				return b.widx[off], bytes, err
			}
			if b.werr != 0 {
				return b.widx[off], bytes, b.werr
			}
			for i := off; i < off+b.wn; i++ {
				bytes += uint64(b.wiovs[i].Len)
			}
		}
	}
	return len(pkts), bytes, nil
}

// release drops the references to the caller's buffers.
func (b *batcher) release() {
	for i := range b.wiovs {
		b.wiovs[i].Base = nil
	}
}
