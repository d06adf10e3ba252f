package udp

import (
	"encoding/binary"
	"net/netip"
)

// recordHeader is the per-packet overhead counted against the queue, as in
// Godot's ring buffer: 16 bytes of address, 4 of port, 4 of size.
const recordHeader = 24

// ring is Godot's PacketPeerUDP receive ring: records of a 24-byte header
// and the payload in a circular byte buffer of which size-1 bytes are
// usable. Not synchronised.
type ring struct {
	buf   []byte
	r     int // read offset
	used  int // bytes stored
	count int // records stored
}

func (q *ring) space() int { return len(q.buf) - 1 - q.used }

func (q *ring) write(p []byte) {
	w := (q.r + q.used) % len(q.buf)
	n := copy(q.buf[w:], p)
	copy(q.buf, p[n:])
	q.used += len(p)
}

func (q *ring) read(p []byte) {
	n := copy(p, q.buf[q.r:])
	copy(p[n:], q.buf)
	q.skip(len(p))
}

func (q *ring) skip(n int) {
	q.r = (q.r + n) % len(q.buf)
	q.used -= n
}

func (q *ring) peek(p []byte) {
	n := copy(p, q.buf[q.r:])
	copy(p[n:], q.buf)
}

// push stores a packet; false when it does not fit (Godot drops it).
func (q *ring) push(from netip.AddrPort, p []byte) bool {
	if q.space() < recordHeader+len(p) {
		return false
	}
	var h [recordHeader]byte
	a := from.Addr().As16()
	copy(h[:16], a[:])
	binary.LittleEndian.PutUint32(h[16:], uint32(from.Port()))
	binary.LittleEndian.PutUint32(h[20:], uint32(len(p)))
	q.write(h[:])
	q.write(p)
	q.count++
	return true
}

// head returns the size and sender of the oldest packet; ok false if empty.
func (q *ring) head() (n int, from netip.AddrPort, ok bool) {
	if q.count == 0 {
		return 0, netip.AddrPort{}, false
	}
	var h [recordHeader]byte
	q.peek(h[:])
	addr := netip.AddrFrom16([16]byte(h[:16])).Unmap()
	return int(binary.LittleEndian.Uint32(h[20:])), netip.AddrPortFrom(addr, uint16(binary.LittleEndian.Uint32(h[16:]))), true
}

// pop copies the oldest packet's payload into dst (len(dst) must be its
// size) and removes it.
func (q *ring) pop(dst []byte) {
	q.skip(recordHeader)
	q.read(dst)
	q.count--
}

func (q *ring) reset() { q.r, q.used, q.count = 0, 0, 0 }
