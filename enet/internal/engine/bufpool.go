package engine

import "math/bits"

// Payload buffers handed to the application (receive events) come from a
// per-host pool of power-of-two size classes, 64 B to 64 KiB, so that a
// steady stream of packets allocates nothing once the application returns
// them with [Host.FreeData]. Larger payloads are allocated and left to the
// garbage collector, as are buffers never returned.
const (
	minDataClassShift = 6  // 64 B
	maxDataClassShift = 16 // 64 KiB
	dataClasses       = maxDataClassShift - minDataClassShift + 1
	// dataPoolBytes bounds the free bytes kept per class: enough for a
	// 1000-packet window of 8 KB packets in flight. The pool only holds
	// what was once in use at the same time.
	dataPoolBytes = 8 << 20
)

type dataPool [dataClasses][][]byte

func dataClass(n int) (int, bool) {
	if n > 1<<maxDataClassShift {
		return 0, false
	}
	if n <= 1<<minDataClassShift {
		return 0, true
	}
	return bits.Len(uint(n-1)) - minDataClassShift, true
}

// allocData returns a buffer of length n, from the pool when it has one.
func (h *Host) allocData(n int) []byte {
	c, ok := dataClass(n)
	if !ok {
		return make([]byte, n)
	}
	l := h.dataFree[c]
	if k := len(l); k > 0 {
		b := l[k-1]
		l[k-1] = nil
		h.dataFree[c] = l[:k-1]
		return b[:n]
	}
	return make([]byte, n, 1<<(c+minDataClassShift))
}

// copyData returns a pooled copy of b.
func (h *Host) copyData(b []byte) []byte {
	d := h.allocData(len(b))
	copy(d, b)
	return d
}

// FreeData returns a payload of a receive event to the pool. b must not be
// used afterwards, nor returned twice. Buffers the pool did not make (by
// capacity) and buffers beyond the pool's bound are dropped.
func (h *Host) FreeData(b []byte) {
	c, ok := dataClass(cap(b))
	if !ok || cap(b) != 1<<(c+minDataClassShift) {
		return
	}
	if len(h.dataFree[c])*cap(b) >= max(dataPoolBytes, 4*cap(b)) {
		return
	}
	h.dataFree[c] = append(h.dataFree[c], b[:0])
}
