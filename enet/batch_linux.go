//go:build linux

package enet

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// batchIO moves datagrams between a UDP socket and the host in batches:
// recvmmsg on the reader goroutine, sendmmsg for everything one engine
// step produced. It goes through syscall.RawConn, so the Go netpoller
// parks the reader while nothing arrives (the approach of package udp's
// batcher). Headers, iovecs, addresses and buffers are allocated once: a
// batch allocates nothing.
type batchIO struct {
	rc syscall.RawConn
	v4 bool // AF_INET socket; else AF_INET6 (possibly dual-stack)

	// Receive side, guarded by Host.mu: every datagram is read under the
	// host's lock, so that two readers never reorder datagrams (which
	// would make the engine drop sequenced packets as late).
	prx    rxBatch
	peekFn func(fd uintptr) bool
	peek   [1]byte
	perr   unix.Errno

	// Send side, guarded by Host.mu.
	whdrs   []unix.Mmsghdr
	wiovs   []unix.Iovec
	wnames  []unix.RawSockaddrInet6
	wslab   []byte
	wcnt    int // datagrams queued
	woff    int
	wn      int
	werr    unix.Errno
	writeFn func(fd uintptr) bool
	wzone   zoneCache
}

const (
	// batchSize is the number of datagrams per recvmmsg/sendmmsg call.
	batchSize = 64
	// batchBufSize holds the largest datagram ENet accepts plus one byte,
	// so that a longer one is seen as too long.
	batchBufSize = protocol.MaximumDatagramSize + 1
)

// newBatchIO prepares batched I/O on c, or returns nil if the socket does
// not allow it.
func newBatchIO(c *net.UDPConn) *batchIO {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	var family int
	cerr := rc.Control(func(fd uintptr) {
		sa, err := unix.Getsockname(int(fd))
		if err != nil {
			return
		}
		switch sa.(type) {
		case *unix.SockaddrInet4:
			family = unix.AF_INET
		case *unix.SockaddrInet6:
			family = unix.AF_INET6
		}
	})
	if cerr != nil || family == 0 {
		return nil
	}
	b := &batchIO{rc: rc, v4: family == unix.AF_INET}
	b.prx.init(true)
	b.peekFn = b.peekReadable
	b.whdrs = make([]unix.Mmsghdr, batchSize)
	b.wiovs = make([]unix.Iovec, batchSize)
	b.wnames = make([]unix.RawSockaddrInet6, batchSize)
	b.wslab = make([]byte, batchSize*protocol.MaximumDatagramSize)
	for i := range b.whdrs {
		h := &b.whdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&b.wnames[i]))
		h.Iov = &b.wiovs[i]
		h.SetIovlen(1)
		b.wiovs[i].Base = &b.wslab[i*protocol.MaximumDatagramSize]
	}
	b.writeFn = b.sendmmsg
	return b
}

// rxBatch is the state of one recvmmsg call.
type rxBatch struct {
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	names  []unix.RawSockaddrInet6 // large enough for sockaddr_in too
	bufs   [][]byte
	n      int
	err    unix.Errno
	poll   bool // never wait: return at once when nothing is there
	readFn func(fd uintptr) bool
	pollFn func(fd uintptr)
	zone   zoneCache
}

func (r *rxBatch) init(poll bool) {
	r.poll = poll
	r.hdrs = make([]unix.Mmsghdr, batchSize)
	r.iovs = make([]unix.Iovec, batchSize)
	r.names = make([]unix.RawSockaddrInet6, batchSize)
	r.bufs = make([][]byte, batchSize)
	slab := make([]byte, batchSize*batchBufSize)
	for i := range r.hdrs {
		r.bufs[i] = slab[i*batchBufSize : (i+1)*batchBufSize : (i+1)*batchBufSize]
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(batchBufSize)
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
	}
	r.readFn = r.recvmmsg
	r.pollFn = func(fd uintptr) { r.recvmmsg(fd) }
}

func (r *rxBatch) recvmmsg(fd uintptr) bool {
	for i := range r.hdrs {
		r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		r.hdrs[i].Hdr.Flags = 0
	}
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if r.poll {
				r.n, r.err = 0, 0
				return true
			}
			return false // let the netpoller wait for readability
		}
		r.n, r.err = int(n), e
		return true
	}
}

func (b *batchIO) peekReadable(fd uintptr) bool {
	for {
		_, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b.peek[0])), 1,
			unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // let the netpoller wait for readability
		}
		b.perr = e
		return true
	}
}

// waitReadable parks the reader goroutine until a datagram is waiting,
// without receiving it. Errors: net.ErrClosed (or the deadline error) when
// the host stops, or a pending socket error (transient).
func (b *batchIO) waitReadable() error {
	if err := b.rc.Read(b.peekFn); err != nil {
		return err
	}
	if b.perr != 0 {
		return b.perr
	}
	return nil
}

// poll receives up to batchSize datagrams without waiting, into the
// polling batch (see pollAt). Call with Host.mu held.
func (b *batchIO) poll() int {
	// Control, unlike Read, does not take the descriptor's read lock,
	// which the reader goroutine holds while parked in the netpoller.
	b.prx.n, b.prx.err = 0, 0
	if err := b.rc.Control(b.prx.pollFn); err != nil || b.prx.err != 0 {
		return 0
	}
	return b.prx.n
}

// pollAt returns datagram i of the last poll, its sender (IPv4 senders as
// plain IPv4) and whether it is usable (not truncated, known family).
func (b *batchIO) pollAt(i int) ([]byte, netip.AddrPort, bool) { return b.prx.at(i) }

func (r *rxBatch) at(i int) ([]byte, netip.AddrPort, bool) {
	h := &r.hdrs[i]
	n := int(h.Len)
	if n > protocol.MaximumDatagramSize || h.Hdr.Flags&unix.MSG_TRUNC != 0 {
		return nil, netip.AddrPort{}, false
	}
	sa := &r.names[i]
	var from netip.AddrPort
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		from = netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), ntohs(sa4.Port))
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if a.Is4In6() {
			a = a.Unmap()
		} else if sa.Scope_id != 0 {
			a = a.WithZone(r.zone.name(sa.Scope_id))
		}
		from = netip.AddrPortFrom(a, ntohs(sa.Port))
	default:
		return nil, netip.AddrPort{}, false
	}
	return r.bufs[i][:n], from, true
}

// queue copies a datagram for the next flush, flushing first when the
// batch is full. Call with Host.mu held.
func (b *batchIO) queue(p []byte, to netip.AddrPort) {
	if len(p) > protocol.MaximumDatagramSize {
		return
	}
	if b.wcnt == batchSize {
		b.flush()
	}
	i := b.wcnt
	if !b.setDest(i, to) {
		return // unroutable from this socket: a lost datagram
	}
	copy(b.wslab[i*protocol.MaximumDatagramSize:], p)
	b.wiovs[i].SetLen(len(p))
	b.wcnt++
}

// setDest encodes to as the socket family's sockaddr for message i.
func (b *batchIO) setDest(i int, to netip.AddrPort) bool {
	sa := &b.wnames[i]
	*sa = unix.RawSockaddrInet6{}
	a := to.Addr()
	if b.v4 {
		if !a.Unmap().Is4() {
			return false
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Port = htons(to.Port())
		sa4.Addr = a.Unmap().As4()
		b.whdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet4
		return true
	}
	sa.Family = unix.AF_INET6
	sa.Port = htons(to.Port())
	sa.Addr = a.As16() // IPv4 becomes IPv4-mapped
	if z := a.Zone(); z != "" {
		sa.Scope_id = b.wzone.index(z)
	}
	b.whdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
	return true
}

func (b *batchIO) sendmmsg(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.whdrs[b.woff])),
			uintptr(b.wcnt-b.woff), unix.MSG_DONTWAIT, 0, 0)
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

// flush sends the queued datagrams. A datagram the kernel refuses is
// treated as lost: reliable data is retransmitted and a peer that stays
// unreachable times out. Call with Host.mu held.
func (b *batchIO) flush() {
	for b.woff = 0; b.woff < b.wcnt; {
		if err := b.rc.Write(b.writeFn); err != nil {
			break // closed
		}
		if b.werr != 0 || b.wn <= 0 {
			b.woff++ // skip the datagram that failed
			continue
		}
		b.woff += b.wn
	}
	b.wcnt, b.woff = 0, 0
}

// ntohs reads a sockaddr port field, stored in network byte order.
func ntohs(port uint16) uint16 {
	p := (*[2]byte)(unsafe.Pointer(&port))
	return uint16(p[0])<<8 | uint16(p[1])
}

// htons makes a sockaddr port field (network byte order).
func htons(port uint16) uint16 {
	var v uint16
	p := (*[2]byte)(unsafe.Pointer(&v))
	p[0], p[1] = byte(port>>8), byte(port)
	return v
}

// zoneCache remembers the last interface index ↔ name lookup, so that
// link-local traffic only allocates when the zone changes (as in package
// udp).
type zoneCache struct {
	idx uint32
	nm  string
}

func (z *zoneCache) name(idx uint32) string {
	if z.idx == idx && z.nm != "" {
		return z.nm
	}
	z.idx, z.nm = idx, ""
	if ifi, err := net.InterfaceByIndex(int(idx)); err == nil {
		z.nm = ifi.Name
	}
	if z.nm == "" {
		var buf [10]byte
		i := len(buf)
		for v := idx; ; v /= 10 {
			i--
			buf[i] = byte('0' + v%10)
			if v < 10 {
				break
			}
		}
		z.nm = string(buf[i:])
	}
	return z.nm
}

func (z *zoneCache) index(name string) uint32 {
	if z.nm == name && z.idx != 0 {
		return z.idx
	}
	var idx uint32
	if ifi, err := net.InterfaceByName(name); err == nil {
		idx = uint32(ifi.Index)
	} else {
		for _, c := range name {
			if c < '0' || c > '9' {
				return 0
			}
			idx = idx*10 + uint32(c-'0')
		}
	}
	z.idx, z.nm = idx, name
	return idx
}
