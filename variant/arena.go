package variant

import (
	"math"
	"unsafe"
)

// Decoding a Variant tree puts most values into interfaces: a Vector3, an
// int64 above 255, a string header or a []int32 header each cost a heap
// allocation when boxed one by one, and on game state that allocation (and
// the garbage collector's share of it) was the largest cost of Decode. The
// reader therefore carves values out of per-decode chunks (slabs) and
// builds the interface values to point into them.
//
// Invariants that make this safe:
//   - A slot is written once, before its interface value is made, and never
//     again: interface values are immutable, as Go requires.
//   - The interface's dynamic type is always T and its data word points at
//     a T, exactly what the compiler would build for any(v) with a
//     non-pointer-shaped T; the GC follows interior pointers, so a chunk
//     lives while any value in it is referenced.
//   - Slices handed out (packed arrays, Array elements, Dictionary entries)
//     are capped with a full slice expression, so a caller's append
//     reallocates instead of writing into a neighbour's slots.
//
// The cost is retention: one small value kept alive keeps its chunk (at
// most slabMaxChunk elements) alive. Memory stays proportional to the
// input: every slot corresponds to at least 4 input bytes, and a chunk is at
// most twice its content or slabMaxChunk elements.

// eface is the layout of an empty interface value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeWord returns the dynamic-type word Go uses for T in an interface.
func typeWord[T any](zero T) unsafe.Pointer {
	v := any(zero)
	return (*eface)(unsafe.Pointer(&v)).typ
}

const (
	slabMinChunk = 8    // elements in a slab's first chunk
	slabMaxChunk = 1024 // elements in its largest chunk
	// slabMaxBytes caps a chunk's size in bytes so that it stays a small
	// object for the allocator (32 KiB less the header of an object with
	// pointers): larger ones take the slower large-object path.
	slabMaxBytes = 32<<10 - 64
)

// progress is how far a decode has read, for sizing chunks: pos is the
// offset of the container being decoded (updated as each one starts), size
// is len(src).
type progress struct {
	pos, size int
}

// slab hands out elements of type T from chunks. The zero slab is ready to
// use once typ is set (see the slab type words below).
type slab[T any] struct {
	buf  []T
	typ  unsafe.Pointer
	used int // elements in chunks before buf
}

// grow starts a chunk with room for at least need elements. Its size is the
// slab's use so far extrapolated to the input still to read (game state is
// regular, so this is close to what the rest of the decode needs and
// avoids most of the slack of plain doubling), at least a quarter of the
// use so far (so that the chunk count stays logarithmic) and at most
// slabMaxChunk elements or one per 8 bytes left; before anything is known
// it doubles from slabMinChunk. A chunk is also at most slabMaxBytes.
func (s *slab[T]) grow(need int, pr *progress) {
	var zero T
	maxChunk := max(min(slabMaxChunk, slabMaxBytes/int(max(unsafe.Sizeof(zero), 1))), slabMinChunk)
	s.used += len(s.buf)
	n := max(min(2*cap(s.buf), maxChunk), slabMinChunk)
	if s.used > 0 && pr.pos > 0 && pr.pos < pr.size {
		left := pr.size - pr.pos
		pred := int(min(uint64(s.used)*uint64(left)/uint64(pr.pos), slabMaxChunk))
		pred += pred/16 + slabMinChunk
		n = max(min(pred, maxChunk, left/8), min(s.used/4, maxChunk), slabMinChunk)
	}
	if need > n {
		n = need
	}
	s.buf = make([]T, 0, n)
}

// box stores v in the slab and returns it as an interface value, as any(v)
// would but without an allocation of its own.
func (s *slab[T]) box(v T, pr *progress) any {
	if len(s.buf) == cap(s.buf) {
		s.grow(1, pr)
	}
	s.buf = append(s.buf, v)
	var out any
	e := (*eface)(unsafe.Pointer(&out))
	e.typ = s.typ
	e.data = unsafe.Pointer(&s.buf[len(s.buf)-1])
	return out
}

// take returns n zeroed elements with capacity n. Requests larger than a
// chunk get their own allocation.
func (s *slab[T]) take(n int, pr *progress) []T {
	if n == 0 {
		return []T{}
	}
	if n > slabMaxChunk/4 {
		return make([]T, n)
	}
	if cap(s.buf)-len(s.buf) < n {
		s.grow(n, pr)
	}
	l := len(s.buf)
	s.buf = s.buf[:l+n]
	return s.buf[l : l+n : l+n]
}

// arena is the set of slabs one decode uses.
type arena struct {
	i64   slab[int64]
	f64   slab[float64]
	str   slab[string]
	bytes slab[byte]
	v2    slab[Vector2]
	v3    slab[Vector3]
	col   slab[Color]

	i32Data slab[int32]
	f32Data slab[float32]
	anyData slab[any]
	ents    slab[DictEntry]
	dicts   slab[Dictionary]

	i32Box slab[[]int32]
	f32Box slab[[]float32]
	byteBx slab[[]byte]
	anyBox slab[[]any]

	pr progress
}

var (
	typInt64   = typeWord(int64(0))
	typFloat64 = typeWord(float64(0))
	typString  = typeWord("")
	typVector2 = typeWord(Vector2{})
	typVector3 = typeWord(Vector3{})
	typColor   = typeWord(Color{})
	typI32s    = typeWord([]int32(nil))
	typF32s    = typeWord([]float32(nil))
	typBytes   = typeWord([]byte(nil))
	typAnys    = typeWord([]any(nil))
)

func (a *arena) init() {
	a.i64.typ = typInt64
	a.f64.typ = typFloat64
	a.str.typ = typString
	a.v2.typ = typVector2
	a.v3.typ = typVector3
	a.col.typ = typColor
	a.i32Box.typ = typI32s
	a.f32Box.typ = typF32s
	a.byteBx.typ = typBytes
	a.anyBox.typ = typAnys
}

// int64 boxes v; values below 256 use Go's static table and cost nothing.
func (a *arena) int64(v int64) any {
	if uint64(v) < 256 {
		return v
	}
	return a.i64.box(v, &a.pr)
}

func (a *arena) float64(v float64) any {
	if v == 0 && !math.Signbit(v) {
		return v
	}
	return a.f64.box(v, &a.pr)
}

// string copies b into the arena and boxes it as a string.
func (a *arena) string(b []byte) any {
	if len(b) == 0 {
		return ""
	}
	var s string
	if len(b) > slabMaxChunk/4 {
		s = string(b)
	} else {
		d := a.bytes.take(len(b), &a.pr)
		copy(d, b)
		s = unsafe.String(&d[0], len(d))
	}
	return a.str.box(s, &a.pr)
}

// dict returns an empty Dictionary.
func (a *arena) dict() *Dictionary {
	if len(a.dicts.buf) == cap(a.dicts.buf) {
		a.dicts.grow(1, &a.pr)
	}
	a.dicts.buf = a.dicts.buf[:len(a.dicts.buf)+1]
	return &a.dicts.buf[len(a.dicts.buf)-1]
}
