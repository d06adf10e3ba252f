//go:build linux

package enet

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/packetpeer/packetpeer/internal/sockaddr"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Every socket call here is non-blocking (MSG_DONTWAIT) and made with
// RawSyscall6: a call that cannot block needs none of the scheduler's
// bookkeeping of a blocking one (entersyscall, which also wakes the
// runtime's monitor thread each time), and waiting is the netpoller's job.
//
// batchIO moves datagrams between a UDP socket and the host in batches:
// recvmmsg for what is waiting, sendmmsg for everything one engine step
// produced. It goes through syscall.RawConn, so the Go netpoller parks a
// goroutine waiting in Service while nothing arrives (the approach of package udp's
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
	wzone   sockaddr.Zones

	// UDP generic segmentation offload: runs of queued datagrams to one
	// destination, all of one size but the last, go out as one message
	// with a UDP_SEGMENT control message (the kernel splits it, or hands
	// it whole to a receiver with UDP_GRO on loopback).
	gso    bool
	ghdrs  []unix.Mmsghdr
	gctl   []byte
	gfirst []int // per message in ghdrs: the index of its first datagram
	gcnt   int

	// Counters for tests: messages sent with UDP_SEGMENT, received with
	// UDP_GRO segments.
	gsoMessages, groMessages uint64
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
	b.prx.init(groEnabled && b.enableGRO())
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
	if gsoEnabled && b.probeGSO() {
		b.gso = true
		b.ghdrs = make([]unix.Mmsghdr, batchSize)
		b.gctl = make([]byte, batchSize*gsoCtlSize)
		b.gfirst = make([]int, batchSize)
	}
	return b
}

// gsoEnabled and groEnabled switch the offloads on where the kernel has
// them (Linux 4.18 and 5.0). The environment variables
// PACKETPEER_DISABLE_GSO=1 and PACKETPEER_DISABLE_GRO=1 turn them off (as
// quic-go's QUIC_GO_DISABLE_GSO does), for a device or tunnel that
// mishandles them and for comparisons; tests cover both paths.
var (
	gsoEnabled = os.Getenv("PACKETPEER_DISABLE_GSO") != "1"
	groEnabled = os.Getenv("PACKETPEER_DISABLE_GRO") != "1"
)

const (
	// gsoMaxSegments and gsoMaxBytes bound one UDP_SEGMENT message
	// (the kernel's UDP_MAX_SEGMENTS is 64 before Linux 5.5 and the
	// payload of one UDP datagram is at most 65507 bytes).
	gsoMaxSegments = 64
	gsoMaxBytes    = 65000
	gsoCtlSize     = 24 // CmsgSpace(2)
)

// probeGSO reports whether the socket accepts UDP_SEGMENT.
func (b *batchIO) probeGSO() bool {
	ok := false
	_ = b.rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_SEGMENT)
		ok = err == nil
	})
	return ok
}

// enableGRO turns UDP_GRO on and reports whether the kernel accepted it.
func (b *batchIO) enableGRO() bool {
	ok := false
	_ = b.rc.Control(func(fd uintptr) {
		ok = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1) == nil
	})
	return ok
}

// rxBatch is the state of one recvmmsg call.
type rxBatch struct {
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	names  []unix.RawSockaddrInet6 // large enough for sockaddr_in too
	bufs   [][]byte
	ctl    []byte // per message: room for one UDP_GRO control message (gro only)
	gro    bool   // UDP_GRO is on: a message may hold several datagrams
	n      int
	err    unix.Errno
	pollFn func(fd uintptr)
	zone   sockaddr.Zones
}

const (
	// groBatch messages of groBufSize bytes each are read per recvmmsg
	// call with UDP_GRO: a coalesced message holds up to 64 KiB of
	// datagrams of one size from one sender. 8 × 64 KiB = 512 KiB per
	// host, against 64 × 4097 bytes = 256 KiB without GRO.
	groBatch   = 8
	groBufSize = 1 << 16
	// groCtlSize holds one control message carrying an int.
	groCtlSize = 32
)

func (r *rxBatch) init(gro bool) {
	r.gro = gro
	count, size := batchSize, batchBufSize
	if gro {
		count, size = groBatch, groBufSize
		r.ctl = make([]byte, count*groCtlSize)
	}
	r.hdrs = make([]unix.Mmsghdr, count)
	r.iovs = make([]unix.Iovec, count)
	r.names = make([]unix.RawSockaddrInet6, count)
	r.bufs = make([][]byte, count)
	slab := make([]byte, count*size)
	for i := range r.hdrs {
		r.bufs[i] = slab[i*size : (i+1)*size : (i+1)*size]
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(size)
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
	}
	r.pollFn = func(fd uintptr) { r.recvmmsg(fd) }
}

// recvmmsg receives what is waiting, without waiting.
func (r *rxBatch) recvmmsg(fd uintptr) {
	for i := range r.hdrs {
		h := &r.hdrs[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet6
		h.Flags = 0
		if r.gro {
			h.Control = &r.ctl[i*groCtlSize]
			h.SetControllen(groCtlSize)
		}
	}
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			r.n, r.err = 0, 0
			return
		}
		r.n, r.err = int(n), e
		return
	}
}

// segSize returns the UDP_GRO segment size of message i, 0 if it holds a
// single datagram.
func (r *rxBatch) segSize(i int) int {
	h := &r.hdrs[i].Hdr
	if !r.gro || h.Controllen < unix.SizeofCmsghdr {
		return 0
	}
	ctl := r.ctl[i*groCtlSize : i*groCtlSize+int(h.Controllen)]
	for len(ctl) >= unix.SizeofCmsghdr {
		c := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
		l := int(c.Len)
		if l < unix.SizeofCmsghdr || l > len(ctl) {
			return 0
		}
		if c.Level == unix.SOL_UDP && c.Type == unix.UDP_GRO && l >= unix.CmsgLen(4) {
			return int(*(*int32)(unsafe.Pointer(&ctl[unix.CmsgLen(0)])))
		}
		ctl = ctl[min(unix.CmsgSpace(l-unix.SizeofCmsghdr), len(ctl)):]
	}
	return 0
}

func (b *batchIO) peekReadable(fd uintptr) bool {
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b.peek[0])), 1,
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

// waitReadable parks the calling goroutine until a datagram is waiting,
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

// poll receives what is waiting, up to one batch of messages, without
// waiting (see pollAt). It returns the number of messages and whether the
// batch was full. Call with Host.mu held.
func (b *batchIO) poll() (int, bool) {
	// Control, unlike Read, does not take the descriptor's read lock,
	// which a goroutine in waitReadable holds while parked.
	b.prx.n, b.prx.err = 0, 0
	if err := b.rc.Control(b.prx.pollFn); err != nil || b.prx.err != 0 {
		return 0, false
	}
	return b.prx.n, b.prx.n == len(b.prx.hdrs)
}

// pollAt returns message i of the last poll, its sender (IPv4 senders as
// plain IPv4), its UDP_GRO segment size (0: one datagram; else the
// message is a run of datagrams of that size, the last possibly shorter)
// and whether it is usable (not truncated, not too long, known family).
func (b *batchIO) pollAt(i int) ([]byte, netip.AddrPort, int, bool) { return b.prx.at(i) }

func (r *rxBatch) at(i int) ([]byte, netip.AddrPort, int, bool) {
	h := &r.hdrs[i]
	n := int(h.Len)
	seg := r.segSize(i)
	if h.Hdr.Flags&unix.MSG_TRUNC != 0 || n > len(r.bufs[i]) {
		return nil, netip.AddrPort{}, 0, false
	}
	if seg >= n {
		seg = 0
	}
	if (seg == 0 && n > protocol.MaximumDatagramSize) || seg > protocol.MaximumDatagramSize {
		return nil, netip.AddrPort{}, 0, false
	}
	from, ok := sockaddr.Decode(&r.names[i], &r.zone)
	if !ok {
		return nil, netip.AddrPort{}, 0, false
	}
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	return r.bufs[i][:n], from, seg, true
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
	n, ok := sockaddr.Encode(&b.wnames[i], b.v4, to, &b.wzone)
	b.whdrs[i].Hdr.Namelen = n
	return ok
}

func (b *batchIO) sendmmsg(fd uintptr) bool {
	hdrs, cnt := b.whdrs, b.wcnt
	if b.gcnt > 0 {
		hdrs, cnt = b.ghdrs, b.gcnt
	}
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&hdrs[b.woff])),
			uintptr(cnt-b.woff), unix.MSG_DONTWAIT, 0, 0)
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
	if b.wcnt == 0 {
		return
	}
	if b.gso && b.wcnt > 1 && b.groupGSO() {
		if b.send(b.gcnt) {
			b.gsoMessages += uint64(b.gcnt)
			b.wcnt, b.gcnt = 0, 0
			return
		}
		// The kernel refused segmentation offload (e.g. a route through
		// a device without it): send the rest one by one from now on.
		b.gso = false
		first := b.gfirst[b.woff]
		b.gcnt = 0
		b.sendFrom(first)
		b.wcnt = 0
		return
	}
	b.gcnt = 0
	b.sendFrom(0)
	b.wcnt = 0
}

// sendFrom sends queued datagrams first.. one per message.
func (b *batchIO) sendFrom(first int) {
	b.woff = first
	for b.woff < b.wcnt {
		if err := b.rc.Write(b.writeFn); err != nil {
			break // closed
		}
		if b.werr != 0 || b.wn <= 0 {
			b.woff++ // skip the datagram that failed
			continue
		}
		b.woff += b.wn
	}
	b.woff = 0
}

// send sends the cnt segmentation messages; false (with b.woff at the
// failed message) when the kernel rejects UDP_SEGMENT itself.
func (b *batchIO) send(cnt int) bool {
	for b.woff = 0; b.woff < cnt; {
		if err := b.rc.Write(b.writeFn); err != nil {
			break // closed
		}
		if b.werr != 0 || b.wn <= 0 {
			if b.ghdrs[b.woff].Hdr.Controllen != 0 && (b.werr == unix.EIO || b.werr == unix.EINVAL || b.werr == unix.EOPNOTSUPP) {
				return false
			}
			b.woff++ // a lost message
			continue
		}
		b.woff += b.wn
	}
	b.woff = 0
	return true
}

// groupGSO builds b.ghdrs from the queued datagrams: each run of
// datagrams to one address, all of one size but a shorter last one,
// becomes one message. It returns false when no run is longer than one
// datagram (then plain sendmmsg is as good).
func (b *batchIO) groupGSO() bool {
	b.gcnt = 0
	merged := false
	for i := 0; i < b.wcnt; {
		size := int(b.wiovs[i].Len)
		total, j := size, i+1
		for j < b.wcnt && j-i < gsoMaxSegments && b.wnames[j] == b.wnames[i] {
			l := int(b.wiovs[j].Len)
			if l > size || total+l > gsoMaxBytes {
				break
			}
			total += l
			j++
			if l < size {
				break // a shorter datagram ends the run
			}
		}
		g := &b.ghdrs[b.gcnt].Hdr
		g.Name = (*byte)(unsafe.Pointer(&b.wnames[i]))
		g.Namelen = b.whdrs[i].Hdr.Namelen
		g.Iov = &b.wiovs[i]
		g.SetIovlen(j - i)
		if j-i > 1 {
			merged = true
			ctl := b.gctl[b.gcnt*gsoCtlSize : (b.gcnt+1)*gsoCtlSize]
			c := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
			c.Level, c.Type = unix.SOL_UDP, unix.UDP_SEGMENT
			c.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&ctl[unix.CmsgLen(0)])) = uint16(size)
			g.Control = &ctl[0]
			g.SetControllen(unix.CmsgSpace(2))
		} else {
			g.Control = nil
			g.SetControllen(0)
		}
		b.gfirst[b.gcnt] = i
		b.gcnt++
		i = j
	}
	if !merged {
		b.gcnt = 0
	}
	return merged
}
