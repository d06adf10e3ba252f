//go:build linux

package udp

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
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
	zone   zoneCache

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
	wzone   zoneCache
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
	sa := &b.rnames[i]
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), ntohs(sa4.Port))
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(b.zone.name(sa.Scope_id))
		}
		return netip.AddrPortFrom(a, ntohs(sa.Port))
	}
	return netip.AddrPort{}
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

// setDest encodes dest as the socket family's sockaddr into wname.
func (b *batcher) setDest(dest netip.AddrPort) {
	b.wname = unix.RawSockaddrInet6{}
	if b.v4 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&b.wname))
		sa4.Family = unix.AF_INET
		sa4.Port = htons(dest.Port())
		sa4.Addr = dest.Addr().Unmap().As4()
		b.wnamlen = unix.SizeofSockaddrInet4
		return
	}
	b.wname.Family = unix.AF_INET6
	b.wname.Port = htons(dest.Port())
	b.wname.Addr = dest.Addr().As16() // IPv4 becomes IPv4-mapped
	if z := dest.Addr().Zone(); z != "" {
		b.wname.Scope_id = b.wzone.index(z)
	}
	b.wnamlen = unix.SizeofSockaddrInet6
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

// zoneCache remembers the last interface index ↔ name lookup, so that
// link-local traffic only allocates when the zone changes.
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
		z.nm = uitoa(idx)
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

func uitoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
