package variant

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"unicode/utf8"
)

// Decode decodes one Variant from the start of src, like Godot's
// bytes2var (3.2) / bytes_to_var (4.x) and PacketPeer.get_var, and returns
// it with the number of bytes it took. Bytes after it are ignored, as
// get_var ignores them. The Go types of the result are listed at Type.
//
// The layout follows d.Format (the zero Format is Godot4); the decoder
// mirrors Godot's own (core/io/marshalls.cpp decode_variant):
//
//   - header bits 8-31 are ignored except the 64-bit flag of int and float,
//     the float64 flag of math types (4.x only; Godot 3.2 ignores it), the
//     object-as-id flag, and the container kinds of typed Arrays (4.2+) and
//     Dictionaries (4.4+);
//   - a string stops at its first NUL byte and loses a leading UTF-8 BOM;
//     its pad bytes are not checked;
//   - bool is true for any non-zero u32; Array and Dictionary counts ignore
//     bit 31; a negative PackedStringArray count is an empty array;
//   - a PackedByteArray whose padding is missing still counts the padding
//     as consumed, so the next value in a container fails; n never exceeds
//     len(src);
//   - RID has no payload in 3.2 (it decodes as RID(0)) and is a u64 in 4.x;
//     a full Object is returned as *Object data (class name and
//     properties), never instantiated, and only when AllowObjects is set.
//
// Every error is a *DecodeError with the byte offset of the bad field,
// wrapping the Godot error code Godot returns for the same input:
// ErrInvalidData (short input, unknown type id, invalid UTF-8, a count
// larger than the input can hold, PackedVector4Array before 4.3),
// ErrFileEOF (a string length that is negative or runs past the input),
// ErrUnauthorized (a full Object while AllowObjects is false) or
// ErrOutOfMemory (nesting deeper than MaxDepth, or src longer than MaxSize).
// On error n is 0.
//
// Memory use is proportional to len(src): every count is checked against
// the bytes left before anything is allocated for it.
func (d *Decoder) Decode(src []byte) (v any, n int, err error) {
	r := reader{
		src:      src,
		allowObj: d.AllowObjects,
		maxDepth: d.MaxDepth,
	}
	r.a.init()
	r.a.pr.size = len(src)
	f := d.Format.orDefault()
	r.is3 = f.is3()
	r.double = f.wideReals()
	r.typedArr = f.typedArrays()
	r.typedDict = f.typedDictionaries()
	switch {
	case r.is3:
		r.numTypes = godot3NumType
	case f.packedVector4():
		r.numTypes = uint32(typeMax)
	default:
		r.numTypes = uint32(TypePackedVector4Array)
	}
	if r.maxDepth == 0 {
		r.maxDepth = DefaultMaxDepth
	} else if r.maxDepth < 0 || r.maxDepth > maxHardDepth {
		r.maxDepth = maxHardDepth
	}
	maxSize := d.MaxSize
	if maxSize == 0 {
		maxSize = DefaultMaxSize
	}
	if maxSize > 0 && len(src) > maxSize {
		return nil, 0, derr(0, ErrOutOfMemory, "input of %d bytes exceeds the %d-byte limit", len(src), maxSize)
	}
	v, n, err = r.value(0, 0)
	if r.cache != nil {
		cachePool.Put(r.cache)
	}
	if err != nil {
		return nil, 0, err
	}
	if n > len(src) {
		n = len(src) // a final PackedByteArray without its padding
	}
	return v, n, nil
}

// Decode decodes one Variant from the start of src with a Decoder
// configured by opts (a Format, AllowObjects, MaxDepth, MaxSize); the
// default is Godot4 without objects. See Decoder.Decode.
func Decode(src []byte, opts ...Option) (any, int, error) {
	d := decoderFor(opts)
	return d.Decode(src)
}

// decoderFor applies opts, without a heap allocation when they are all
// Formats (the common case).
func decoderFor(opts []Option) Decoder {
	var d Decoder
	for _, opt := range opts {
		switch o := opt.(type) {
		case nil:
		case Format:
			d.Format = o
		default:
			return collect(opts).dec
		}
	}
	return d
}

type reader struct {
	src       []byte
	is3       bool
	typedArr  bool
	typedDict bool
	double    bool // Format.Double: keep float64 components of math types
	allowObj  bool
	numTypes  uint32
	maxDepth  int
	cache     *strCache      // short strings already boxed, taken from cachePool on first use
	hashMemo  map[any]uint64 // content hashes of container keys (see keyHash)
	shape     keyShape       // keys of the last small Dictionary (see dict)
	shapeGen  int            // incremented when shape changes
	a         arena          // where decoded values are boxed (see arena.go)
}

// strCache remembers recently decoded short strings as ready-made `any`
// values: Dictionary keys and enum-like values repeat in game state, and a
// hit costs no allocation. Entries are immutable strings, so a cache may be
// shared by later decodes.
type strCache [strCacheSize]cacheEntry

// cacheEntry is one cached string: its length and first 16 bytes (zero
// padded) as words, so that a lookup of a string of up to 16 bytes compares
// three words, and the string boxed. A free entry has v == nil.
type cacheEntry struct {
	w0, w1 uint64
	n      int
	v      any
}

const (
	strCacheBits = 8
	strCacheSize = 1 << strCacheBits // entries
	strCacheMax  = 32                // longest string cached, in bytes
)

var cachePool = sync.Pool{New: func() any { return new(strCache) }}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// byteMask returns a mask of the low n bytes of a word (all of it when n >= 8).
func byteMask(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return uint64(1)<<(8*uint(max(n, 0))) - 1
}

// words returns the first 16 bytes of b as two little-endian words, zero
// padded.
func words(b []byte) (w0, w1 uint64) {
	if len(b) >= 16 {
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	}
	var t [16]byte
	copy(t[:], b)
	return binary.LittleEndian.Uint64(t[:]), binary.LittleEndian.Uint64(t[8:])
}

// strHash hashes a short string from its length and first 16 bytes (as
// words). Its top strCacheBits bits index the cache.
func strHash(w0, w1 uint64, n int) uint32 {
	x := w0*0x9E3779B97F4A7C15 ^ w1*0xC2B2AE3D27D4EB4F ^ uint64(n)*0x165667B19E3779F9
	x ^= x >> 29
	x *= 0xBF58476D1CE4E5B9
	return uint32(x >> 32)
}

func derr(off int, err error, format string, args ...any) error {
	return &DecodeError{Offset: off, Reason: fmt.Sprintf(format, args...), Err: err}
}

// left returns the bytes available at p (negative after a short
// PackedByteArray whose missing padding was counted as consumed).
func (r *reader) left(p int) int { return len(r.src) - p }

func (r *reader) short(p, need int, what string) error {
	l := r.left(p)
	if l < 0 {
		// A PackedByteArray without its padding counts the missing pad
		// bytes as consumed (as Godot does), which can put p past the end;
		// report the end of the input.
		l = 0
		p = len(r.src)
	}
	return derr(p, ErrInvalidData, "%s needs %d bytes, %d left", what, need, l)
}

func (r *reader) u32(p int) uint32 { return binary.LittleEndian.Uint32(r.src[p:]) }
func (r *reader) u64(p int) uint64 { return binary.LittleEndian.Uint64(r.src[p:]) }

// f32 reads a float32 real at p as a float64.
func (r *reader) f32(p int) float64 { return float64(math.Float32frombits(r.u32(p))) }

// reals reads n real components at p into out: f32, or f64 when wide.
// Unless the Format is Double, wide components are rounded to float32 as a
// single-precision Godot build does when it decodes them into real_t: the
// value then encodes the same way again, and keys that become equal after
// rounding are merged at decode time, as in Godot.
func (r *reader) reals(p int, wide bool, out []float64) int {
	if wide {
		for i := range out {
			f := math.Float64frombits(r.u64(p))
			if !r.double {
				f = float64(float32(f))
			}
			out[i] = f
			p += 8
		}
		return p
	}
	for i := range out {
		out[i] = float64(math.Float32frombits(r.u32(p)))
		p += 4
	}
	return p
}

func (r *reader) i32s(p int, out []int32) int {
	for i := range out {
		out[i] = int32(r.u32(p))
		p += 4
	}
	return p
}

// count checks that n elements of at least minSize bytes each fit in the
// bytes left at p.
func (r *reader) fits(p int, n uint64, minSize uint64) bool {
	l := r.left(p)
	return l >= 0 && n*minSize <= uint64(l)
}

func (r *reader) value(pos, depth int) (any, int, error) {
	if depth > r.maxDepth {
		return nil, 0, derr(pos, ErrOutOfMemory, "nesting deeper than %d", r.maxDepth)
	}
	if r.left(pos) < 4 {
		return nil, 0, r.short(pos, 4, "variant header")
	}
	h := r.u32(pos)
	id := h & 0xFF
	if id >= r.numTypes {
		if !r.is3 && id == uint32(TypePackedVector4Array) {
			return nil, 0, derr(pos, ErrInvalidData, "type id 38 (PackedVector4Array) needs Godot 4.3 or later")
		}
		return nil, 0, derr(pos, ErrInvalidData, "unknown type id %d", id)
	}
	t := Type(id)
	if r.is3 {
		t = from3[id]
	}
	p := pos + 4
	wide := !r.is3 && h&flag64 != 0
	rw := 4
	if wide {
		rw = 8
	}
	switch t {
	case TypeNil:
		return nil, p, nil
	case TypeBool:
		if r.left(p) < 4 {
			return nil, 0, r.short(p, 4, "bool")
		}
		return r.u32(p) != 0, p + 4, nil
	case TypeInt:
		if h&flag64 != 0 {
			if r.left(p) < 8 {
				return nil, 0, r.short(p, 8, "int64")
			}
			return r.a.int64(int64(r.u64(p))), p + 8, nil
		}
		if r.left(p) < 4 {
			return nil, 0, r.short(p, 4, "int32")
		}
		return r.a.int64(int64(int32(r.u32(p)))), p + 4, nil
	case TypeFloat:
		if h&flag64 != 0 {
			if r.left(p) < 8 {
				return nil, 0, r.short(p, 8, "float64")
			}
			return r.a.float64(math.Float64frombits(r.u64(p))), p + 8, nil
		}
		if r.left(p) < 4 {
			return nil, 0, r.short(p, 4, "float32")
		}
		return r.a.float64(float64(math.Float32frombits(r.u32(p)))), p + 4, nil
	case TypeString:
		v, _, p, err := r.strAny(p)
		return v, p, err
	case TypeStringName:
		s, p, err := r.str(p)
		if err != nil {
			return nil, 0, err
		}
		return StringName(s), p, nil
	case TypeVector2:
		if !wide && r.left(p) >= 8 {
			return r.a.v2.box(Vector2{r.f32(p), r.f32(p + 4)}, &r.a.pr), p + 8, nil
		}
		return r.math(t, p, wide)
	case TypeVector3:
		if !wide && r.left(p) >= 12 {
			return r.a.v3.box(Vector3{r.f32(p), r.f32(p + 4), r.f32(p + 8)}, &r.a.pr), p + 12, nil
		}
		return r.math(t, p, wide)
	case TypeRect2, TypeTransform2D, TypeVector4, TypePlane,
		TypeQuaternion, TypeAABB, TypeBasis, TypeTransform3D, TypeProjection:
		return r.math(t, p, wide)
	case TypeVector2i, TypeRect2i, TypeVector3i, TypeVector4i:
		return r.intVec(t, p)
	case TypeColor:
		if r.left(p) < 16 {
			return nil, 0, r.short(p, 16, "Color")
		}
		return r.a.col.box(r.color(p), &r.a.pr), p + 16, nil
	case TypeNodePath:
		return r.nodePath(p)
	case TypeRID:
		if r.is3 {
			return RID(0), p, nil
		}
		if r.left(p) < 8 {
			return nil, 0, r.short(p, 8, "RID")
		}
		return RID(r.u64(p)), p + 8, nil
	case TypeObject:
		return r.object(pos, h, depth)
	case TypeCallable:
		return Callable{}, p, nil
	case TypeSignal:
		name, p, err := r.str(p)
		if err != nil {
			return nil, 0, err
		}
		if r.left(p) < 8 {
			return nil, 0, r.short(p, 8, "Signal object id")
		}
		return Signal{Name: name, Object: ObjectID(r.u64(p))}, p + 8, nil
	case TypeDictionary:
		return r.dict(pos, h, depth)
	case TypeArray:
		return r.array(pos, h, depth)
	case TypePackedByteArray:
		n, p, err := r.packedCount(p, 1, t)
		if err != nil {
			return nil, 0, err
		}
		b := r.a.bytes.take(n, &r.a.pr)
		copy(b, r.src[p:])
		return r.a.byteBx.box(b, &r.a.pr), p + n + pad4(n), nil
	case TypePackedInt32Array:
		n, p, err := r.packedCount(p, 4, t)
		if err != nil {
			return nil, 0, err
		}
		out := r.a.i32Data.take(n, &r.a.pr)
		return r.a.i32Box.box(out, &r.a.pr), r.i32s(p, out), nil
	case TypePackedInt64Array:
		n, p, err := r.packedCount(p, 8, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(r.u64(p))
			p += 8
		}
		return out, p, nil
	case TypePackedFloat32Array:
		n, p, err := r.packedCount(p, 4, t)
		if err != nil {
			return nil, 0, err
		}
		out := r.a.f32Data.take(n, &r.a.pr)
		for i := range out {
			out[i] = math.Float32frombits(r.u32(p))
			p += 4
		}
		return r.a.f32Box.box(out, &r.a.pr), p, nil
	case TypePackedFloat64Array:
		n, p, err := r.packedCount(p, 8, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(r.u64(p))
			p += 8
		}
		return out, p, nil
	case TypePackedStringArray:
		return r.packedStrings(p)
	case TypePackedVector2Array:
		n, p, err := r.packedCount(p, 2*rw, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Vector2, n)
		var c [2]float64
		for i := range out {
			p = r.reals(p, wide, c[:])
			out[i] = Vector2{c[0], c[1]}
		}
		return out, p, nil
	case TypePackedVector3Array:
		n, p, err := r.packedCount(p, 3*rw, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Vector3, n)
		var c [3]float64
		for i := range out {
			p = r.reals(p, wide, c[:])
			out[i] = Vector3{c[0], c[1], c[2]}
		}
		return out, p, nil
	case TypePackedVector4Array:
		n, p, err := r.packedCount(p, 4*rw, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Vector4, n)
		var c [4]float64
		for i := range out {
			p = r.reals(p, wide, c[:])
			out[i] = Vector4{c[0], c[1], c[2], c[3]}
		}
		return out, p, nil
	case TypePackedColorArray:
		n, p, err := r.packedCount(p, 16, t)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Color, n)
		for i := range out {
			out[i] = r.color(p)
			p += 16
		}
		return out, p, nil
	}
	return nil, 0, derr(pos, ErrInvalidData, "unknown type id %d", id) // unreachable
}

func (r *reader) color(p int) Color {
	return Color{
		math.Float32frombits(r.u32(p)), math.Float32frombits(r.u32(p + 4)),
		math.Float32frombits(r.u32(p + 8)), math.Float32frombits(r.u32(p + 12)),
	}
}

// mathCount is the number of real components of each math type.
var mathCount = [typeMax]int{
	TypeVector2: 2, TypeRect2: 4, TypeVector3: 3, TypeTransform2D: 6, TypeVector4: 4,
	TypePlane: 4, TypeQuaternion: 4, TypeAABB: 6, TypeBasis: 9, TypeTransform3D: 12,
	TypeProjection: 16, TypeVector2i: 2, TypeRect2i: 4, TypeVector3i: 3, TypeVector4i: 4,
}

func (r *reader) math(t Type, p int, wide bool) (any, int, error) {
	rw := 4
	if wide {
		rw = 8
	}
	n := mathCount[t]
	if r.left(p) < n*rw {
		return nil, 0, r.short(p, n*rw, t.String())
	}
	var c [16]float64
	p = r.reals(p, wide, c[:n])
	var v any
	switch t {
	case TypeVector2:
		v = r.a.v2.box(Vector2{c[0], c[1]}, &r.a.pr)
	case TypeRect2:
		v = Rect2{Vector2{c[0], c[1]}, Vector2{c[2], c[3]}}
	case TypeVector3:
		v = r.a.v3.box(Vector3{c[0], c[1], c[2]}, &r.a.pr)
	case TypeTransform2D:
		v = Transform2D{Vector2{c[0], c[1]}, Vector2{c[2], c[3]}, Vector2{c[4], c[5]}}
	case TypeVector4:
		v = Vector4{c[0], c[1], c[2], c[3]}
	case TypePlane:
		v = Plane{Vector3{c[0], c[1], c[2]}, c[3]}
	case TypeQuaternion:
		v = Quaternion{c[0], c[1], c[2], c[3]}
	case TypeAABB:
		v = AABB{Vector3{c[0], c[1], c[2]}, Vector3{c[3], c[4], c[5]}}
	case TypeBasis:
		v = Basis{[3]Vector3{{c[0], c[1], c[2]}, {c[3], c[4], c[5]}, {c[6], c[7], c[8]}}}
	case TypeTransform3D:
		v = Transform3D{Basis{[3]Vector3{{c[0], c[1], c[2]}, {c[3], c[4], c[5]}, {c[6], c[7], c[8]}}},
			Vector3{c[9], c[10], c[11]}}
	case TypeProjection:
		v = Projection{[4]Vector4{{c[0], c[1], c[2], c[3]}, {c[4], c[5], c[6], c[7]},
			{c[8], c[9], c[10], c[11]}, {c[12], c[13], c[14], c[15]}}}
	}
	return v, p, nil
}

func (r *reader) intVec(t Type, p int) (any, int, error) {
	n := mathCount[t]
	if r.left(p) < n*4 {
		return nil, 0, r.short(p, n*4, t.String())
	}
	var c [4]int32
	p = r.i32s(p, c[:n])
	var v any
	switch t {
	case TypeVector2i:
		v = Vector2i{c[0], c[1]}
	case TypeRect2i:
		v = Rect2i{Vector2i{c[0], c[1]}, Vector2i{c[2], c[3]}}
	case TypeVector3i:
		v = Vector3i{c[0], c[1], c[2]}
	case TypeVector4i:
		v = Vector4i{c[0], c[1], c[2], c[3]}
	}
	return v, p, nil
}

// str reads a STR block at p: u32 length (signed), the bytes, padding to 4.
func (r *reader) str(p int) (string, int, error) {
	if r.left(p) < 4 {
		return "", 0, r.short(p, 4, "string length")
	}
	l := int64(int32(r.u32(p)))
	if l < 0 {
		return "", 0, derr(p, ErrFileEOF, "string length %d is negative", l)
	}
	end := l + int64(pad4(int(l)))
	if left := int64(r.left(p + 4)); end > left {
		return "", 0, derr(p, ErrFileEOF, "string length %d (padded %d) exceeds the %d bytes left", l, end, max(left, 0))
	}
	b := r.src[p+4 : p+4+int(l)]
	s, err := makeString(b, p+4)
	if err != nil {
		return "", 0, err
	}
	return s, p + 4 + int(end), nil
}

// strAny is str returning the string boxed: short strings from the cache
// (game state repeats its keys), others from the arena. It also returns a
// non-zero tag of the string's content for short strings (0 for long ones):
// equal strings have equal tags, which lets dict skip most key comparisons.
func (r *reader) strAny(p int) (any, uint32, int, error) {
	if r.left(p) < 4 {
		return "", 0, 0, r.short(p, 4, "string length")
	}
	l := int64(int32(r.u32(p)))
	if l < 0 {
		return nil, 0, 0, derr(p, ErrFileEOF, "string length %d is negative", l)
	}
	end := l + int64(pad4(int(l)))
	if left := int64(r.left(p + 4)); end > left {
		return "", 0, 0, derr(p, ErrFileEOF, "string length %d (padded %d) exceeds the %d bytes left", l, end, max(left, 0))
	}
	q := p + 4
	n := int(l)
	next := q + int(end)
	if n <= 16 && len(r.src)-q >= 16 {
		// Fast path: ASCII without NUL has no BOM, no terminator and is
		// valid UTF-8, so the bytes are the string. Bytes past the string
		// are masked off and stand in as 0x01 for the check.
		m0, m1 := byteMask(n), byteMask(n-8)
		w0 := binary.LittleEndian.Uint64(r.src[q:]) & m0
		w1 := binary.LittleEndian.Uint64(r.src[q+8:]) & m1
		x0 := w0 | lowBits&^m0
		x1 := w1 | lowBits&^m1
		if (x0|(x0-lowBits)|x1|(x1-lowBits))&highBits == 0 {
			v, tag := r.cached(r.src[q:q+n], w0, w1)
			return v, tag, next, nil
		}
	}
	b := r.src[q : q+n]
	if len(b) <= strCacheMax {
		ascii := true
		for _, c := range b {
			if c-1 >= 0x7F {
				ascii = false
				break
			}
		}
		if ascii {
			w0, w1 := words(b)
			v, tag := r.cached(b, w0, w1)
			return v, tag, next, nil
		}
	}
	off := q
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
		off += 3
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if !utf8.Valid(b) {
		return nil, 0, 0, derr(off, ErrInvalidData, "string is not valid UTF-8")
	}
	if len(b) > strCacheMax {
		return r.a.string(b), 0, next, nil
	}
	w0, w1 := words(b)
	v, tag := r.cached(b, w0, w1)
	return v, tag, next, nil
}

// cached boxes the valid string b (at most strCacheMax bytes, whose first
// 16 bytes are w0 and w1) through the cache and returns it with its tag.
func (r *reader) cached(b []byte, w0, w1 uint64) (any, uint32) {
	h := strHash(w0, w1, len(b))
	if r.cache == nil {
		r.cache = cachePool.Get().(*strCache)
	}
	e := &r.cache[h>>(32-strCacheBits)]
	if e.n == len(b) && e.w0 == w0 && e.w1 == w1 && e.v != nil &&
		(len(b) <= 16 || e.v.(string)[16:] == string(b[16:])) {
		return e.v, h | 1
	}
	v := r.a.string(b)
	e.w0, e.w1, e.n, e.v = w0, w1, len(b), v
	return v, h | 1
}

// makeString converts Godot string bytes as String::parse_utf8 does: a
// leading BOM is dropped, the string ends at the first NUL, and invalid
// UTF-8 is an error.
func makeString(b []byte, off int) (string, error) {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
		off += 3
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if !utf8.Valid(b) {
		return "", derr(off, ErrInvalidData, "string is not valid UTF-8")
	}
	return string(b), nil
}

func (r *reader) nodePath(p int) (any, int, error) {
	if r.left(p) < 4 {
		return nil, 0, r.short(p, 4, "NodePath")
	}
	first := r.u32(p)
	if first&0x80000000 == 0 {
		return nil, 0, derr(p, ErrInvalidData, "NodePath in the pre-3.0 format (name count without bit 31)")
	}
	if r.left(p) < 12 {
		return nil, 0, r.short(p, 12, "NodePath")
	}
	names := first & 0x7FFFFFFF
	subs := r.u32(p + 4)
	flags := r.u32(p + 8)
	if flags&2 != 0 {
		subs++ // legacy separate property component (uint32 arithmetic as in Godot)
	}
	total := names + subs
	p += 12
	if !r.fits(p, uint64(total), 4) {
		return nil, 0, derr(p-12, ErrInvalidData, "NodePath of %d names exceeds the %d bytes left", uint64(total), max(r.left(p), 0))
	}
	nn := min(names, total)
	np := NodePath{Absolute: flags&1 != 0}
	all := make([]string, total)
	for i := range all {
		s, q, err := r.str(p)
		if err != nil {
			return nil, 0, err
		}
		all[i] = s
		p = q
	}
	if nn > 0 {
		np.Names = all[:nn:nn]
	}
	if total > nn {
		np.SubNames = all[nn:]
	}
	return np, p, nil
}

// packedCount reads a packed array's signed count at p and checks that
// count elements of elem bytes fit.
func (r *reader) packedCount(p, elem int, t Type) (int, int, error) {
	if r.left(p) < 4 {
		return 0, 0, r.short(p, 4, t.String()+" count")
	}
	n := int32(r.u32(p))
	if n < 0 {
		return 0, 0, derr(p, ErrInvalidData, "%v count %d is negative", t, n)
	}
	if !r.fits(p+4, uint64(n), uint64(elem)) {
		return 0, 0, derr(p, ErrInvalidData, "%v count %d exceeds the %d bytes left", t, n, max(r.left(p+4), 0))
	}
	return int(n), p + 4, nil
}

func (r *reader) packedStrings(p int) (any, int, error) {
	if r.left(p) < 4 {
		return nil, 0, r.short(p, 4, "PackedStringArray count")
	}
	n := int32(r.u32(p))
	p += 4
	if n <= 0 {
		return []string{}, p, nil // Godot: a negative count is an empty array
	}
	if !r.fits(p, uint64(n), 4) {
		return nil, 0, derr(p-4, ErrInvalidData, "PackedStringArray count %d exceeds the %d bytes left", n, max(r.left(p), 0))
	}
	out := make([]string, n)
	for i := range out {
		s, q, err := r.str(p)
		if err != nil {
			return nil, 0, err
		}
		out[i] = s
		p = q
	}
	return out, p, nil
}

// containerType reads a typed container descriptor of the given kind.
func (r *reader) containerType(p int, kind ContainerKind) (ContainerType, int, error) {
	c := ContainerType{Kind: kind}
	switch kind {
	case KindNone:
		return c, p, nil
	case KindBuiltin:
		if r.left(p) < 4 {
			return c, 0, r.short(p, 4, "container element type")
		}
		id := r.u32(p)
		if id >= r.numTypes {
			return c, 0, derr(p, ErrInvalidData, "container element type %d is not a Variant type", id)
		}
		c.Builtin = Type(id)
		return c, p + 4, nil
	}
	s, q, err := r.str(p)
	if err != nil {
		return c, 0, err
	}
	c.Class = s
	return c, q, nil
}

func (r *reader) array(pos int, h uint32, depth int) (any, int, error) {
	r.a.pr.pos = pos
	p := pos + 4
	var elem ContainerType
	if r.typedArr {
		var err error
		if elem, p, err = r.containerType(p, ContainerKind(h>>kindShiftArr&3)); err != nil {
			return nil, 0, err
		}
	}
	if r.left(p) < 4 {
		return nil, 0, r.short(p, 4, "Array count")
	}
	n := r.u32(p) & 0x7FFFFFFF
	p += 4
	if !r.fits(p, uint64(n), 4) {
		return nil, 0, derr(p-4, ErrInvalidData, "Array count %d exceeds the %d bytes left", n, max(r.left(p), 0))
	}
	vals := r.a.anyData.take(int(n), &r.a.pr)
	for i := range vals {
		v, q, err := r.value(p, depth+1)
		if err != nil {
			return nil, 0, err
		}
		vals[i] = v
		p = q
	}
	if elem.Kind != KindNone {
		return &TypedArray{Elem: elem, Values: vals}, p, nil
	}
	return r.a.anyBox.box(vals, &r.a.pr), p, nil
}

func (r *reader) dict(pos int, h uint32, depth int) (any, int, error) {
	r.a.pr.pos = pos
	p := pos + 4
	var d *Dictionary
	var kt, vt ContainerType
	if r.typedDict {
		var err error
		if kt, p, err = r.containerType(p, ContainerKind(h>>kindShiftKey&3)); err != nil {
			return nil, 0, err
		}
		if vt, p, err = r.containerType(p, ContainerKind(h>>kindShiftVal&3)); err != nil {
			return nil, 0, err
		}
	}
	if r.left(p) < 4 {
		return nil, 0, r.short(p, 4, "Dictionary count")
	}
	n := r.u32(p) & 0x7FFFFFFF
	p += 4
	if !r.fits(p, uint64(n), 8) {
		return nil, 0, derr(p-4, ErrInvalidData, "Dictionary count %d exceeds the %d bytes left", n, max(r.left(p), 0))
	}
	d = r.a.dict()
	if kt.Kind != KindNone || vt.Kind != KindNone {
		d.KeyType, d.ValueType = kt, vt
	}
	if n == 0 {
		return d, p, nil
	}
	// Entries are written in place into ents (capacity n); d.entries is set
	// once at the end, or kept current while dictPut handles a large map.
	ents := r.a.ents.take(int(n), &r.a.pr)
	cnt := 0
	// tags[i] is the content tag of entry i's key when it is a short
	// String (see strAny), 0 otherwise; a String key is compared only with
	// the entries whose tag matches.
	var tags [indexThreshold]uint32
	// While the keys so far are those of the last small Dictionary (see
	// keyShape), in order, a key whose encoding matches the next one there
	// is that key, distinct from the ones before it.
	var cur keyShape
	sh := &r.shape
	gen := r.shapeGen // a nested Dictionary may record another shape
	onShape := int(n) <= indexThreshold
	record := onShape
	var ix dictIndex
	strFast := depth+1 <= r.maxDepth
	for range n {
		var k, v any
		var tag uint32
		var err error
		if strFast && r.left(p) >= 4 && r.u32(p)&0xFF == 4 { // String, in both formats
			kp := p
			if onShape && r.shapeGen != gen {
				onShape = false
			}
			if onShape && cnt < sh.n && r.sameBytes(p, sh.pos[cnt], sh.size[cnt]) {
				// (read sh before the value: a nested Dictionary may change it)
				k, tag = sh.ents[cnt].Key, sh.tags[cnt]
				cur.pos[cnt], cur.size[cnt] = kp, sh.size[cnt]
				p += sh.size[cnt]
				if v, p, err = r.value(p, depth+1); err != nil {
					return nil, 0, err
				}
				tags[cnt] = tag
				ents[cnt] = DictEntry{Key: k, Value: v}
				cnt++
				continue
			}
			onShape = false
			if k, tag, p, err = r.strAny(p + 4); err != nil {
				return nil, 0, err
			}
			if record && cnt < indexThreshold && tag != 0 {
				cur.pos[cnt], cur.size[cnt] = kp, p-kp
			} else {
				record = false
			}
		} else {
			onShape, record = false, false
			if k, p, err = r.value(p, depth+1); err != nil {
				return nil, 0, err
			}
		}
		if v, p, err = r.value(p, depth+1); err != nil {
			return nil, 0, err
		}
		if cnt < indexThreshold {
			i := smallFind(ents[:cnt], tags[:cnt], k, tag)
			if i >= 0 {
				ents[i].Value = v
				record = false
				continue
			}
			tags[cnt] = tag
			ents[cnt] = DictEntry{Key: k, Value: v}
			cnt++
			continue
		}
		d.entries = ents[:cnt]
		r.dictPut(d, &ix, k, v)
		cnt = len(d.entries)
	}
	d.entries = ents[:cnt]
	if record && cnt > 0 && !(onShape && r.shapeGen == gen && cnt == sh.n) { // (else the keys are sh's)
		cur.n, cur.ents, cur.tags = cnt, ents[:cnt:cnt], tags
		*sh = cur
		r.shapeGen++
	}
	return d, p, nil
}

// keyShape is the String keys of the last small Dictionary decoded with
// only such keys and no duplicates: where each key is encoded (offset and
// size in src), its tag and the entries holding the keys. Game state is
// made of Dictionaries with the same keys, and a key recognised by its
// bytes needs neither the string cache nor a duplicate check.
type keyShape struct {
	n    int
	pos  [indexThreshold]int
	size [indexThreshold]int
	tags [indexThreshold]uint32
	ents []DictEntry
}

// sameBytes reports whether the n >= 8 bytes at p equal those at q (q+n is
// known to be within src).
func (r *reader) sameBytes(p, q, n int) bool {
	if r.left(p) < n {
		return false
	}
	if n <= 16 && r.left(p) >= 16 && r.left(q) >= 16 {
		m := byteMask(n - 8)
		return binary.LittleEndian.Uint64(r.src[p:]) == binary.LittleEndian.Uint64(r.src[q:]) &&
			(binary.LittleEndian.Uint64(r.src[p+8:])^binary.LittleEndian.Uint64(r.src[q+8:]))&m == 0
	}
	return bytes.Equal(r.src[p:p+n], r.src[q:q+n])
}

// smallFind returns the index of key k (with tag, see dict) among the
// entries of a small Dictionary being decoded, or -1.
func smallFind(e []DictEntry, tags []uint32, k any, tag uint32) int {
	if tag != 0 {
		s := k.(string)
		for i, t := range tags {
			if t == tag {
				if es, ok := e[i].Key.(string); ok && es == s {
					return i
				}
			}
		}
		return -1
	}
	switch kk := k.(type) {
	case string:
		for i := range e {
			if s, ok := e[i].Key.(string); ok && s == kk {
				return i
			}
		}
	case int64:
		for i := range e {
			if s, ok := e[i].Key.(int64); ok && s == kk {
				return i
			}
		}
	default:
		for i := range e {
			if KeyEqual(e[i].Key, k) {
				return i
			}
		}
	}
	return -1
}

// dictIndex finds duplicate keys while a large Dictionary is decoded, so
// that decoding stays linear: Dictionary.Set scans container keys one by
// one, which an input of many distinct Array keys would make quadratic.
// Keys with a comparable form go in cmp; containers (compared by content)
// go in hashed under a content hash.
type dictIndex struct {
	cmp    map[any]int
	hashed map[uint64][]int
}

// dictPut inserts as Dictionary.Set does (last duplicate wins, in place)
// without touching d.index, which Dictionary rebuilds on demand. dict uses
// it once a Dictionary has indexThreshold entries; d.entries has room for
// every entry still to come.
func (r *reader) dictPut(d *Dictionary, ix *dictIndex, k, v any) {
	e := d.entries
	if ix.cmp == nil {
		ix.cmp = make(map[any]int, 2*len(e))
		for i := range e {
			if ck, ok := canonicalKey(e[i].Key); ok {
				ix.cmp[ck] = i
			} else {
				ix.addHashed(r.keyHash(e[i].Key), i)
			}
		}
	}
	if ck, ok := canonicalKey(k); ok {
		if i, ok := ix.cmp[ck]; ok {
			e[i].Value = v
			return
		}
		ix.cmp[ck] = len(e)
	} else {
		h := r.keyHash(k)
		for _, i := range ix.hashed[h] {
			if KeyEqual(e[i].Key, k) {
				e[i].Value = v
				return
			}
		}
		ix.addHashed(h, len(e))
	}
	d.entries = append(e, DictEntry{Key: k, Value: v})
}

func (ix *dictIndex) addHashed(h uint64, i int) {
	if ix.hashed == nil {
		ix.hashed = make(map[uint64][]int)
	}
	ix.hashed[h] = append(ix.hashed[h], i)
}

var keySeed = maphash.MakeSeed()

func mix(h, x uint64) uint64 {
	h = (h ^ x) * 0x9E3779B97F4A7C15
	return h ^ h>>31
}

// floatHash hashes a float so that values equal under == hash equal
// (+0 and -0); NaN never equals anything, so its hash does not matter.
func floatHash(f float64) uint64 {
	if f == 0 {
		return 0
	}
	return math.Float64bits(f)
}

// keyHash hashes a Dictionary key consistently with KeyEqual: equal keys
// hash equal. Container hashes are memoized per decode, so keys nested in
// keys are hashed once and the work stays linear in the input.
func (r *reader) keyHash(k any) uint64 {
	if ck, ok := canonicalKey(k); ok {
		return maphash.Comparable(keySeed, ck)
	}
	var memo any
	switch x := k.(type) {
	case []any:
		if len(x) > 0 {
			memo = &x[0]
		}
	case *TypedArray, *Dictionary, *Object:
		memo = x
	}
	if memo != nil {
		if h, ok := r.hashMemo[memo]; ok {
			return h
		}
	}
	var h uint64
	switch x := k.(type) {
	case []any:
		h = mix(1, uint64(len(x)))
		for _, e := range x {
			h = mix(h, r.keyHash(e))
		}
	case *TypedArray:
		h = mix(mix(2, maphash.Comparable(keySeed, x.Elem)), uint64(len(x.Values)))
		for _, e := range x.Values {
			h = mix(h, r.keyHash(e))
		}
	case *Dictionary:
		h = mix(3, maphash.Comparable(keySeed, [2]ContainerType{x.KeyType, x.ValueType}))
		for _, e := range x.entries {
			h = mix(mix(h, r.keyHash(e.Key)), r.keyHash(e.Value))
		}
	case *Object:
		h = mix(4, maphash.String(keySeed, x.Class))
		for _, p := range x.Properties {
			h = mix(mix(h, maphash.String(keySeed, p.Name)), r.keyHash(p.Value))
		}
	case []byte:
		h = mix(5, maphash.Bytes(keySeed, x))
	case []int32:
		h = 6
		for _, e := range x {
			h = mix(h, uint64(e))
		}
	case []int64:
		h = 7
		for _, e := range x {
			h = mix(h, uint64(e))
		}
	case []string:
		h = 8
		for _, e := range x {
			h = mix(h, maphash.String(keySeed, e))
		}
	case []float32:
		h = 9
		for _, e := range x {
			h = mix(h, floatHash(float64(e)))
		}
	case []float64:
		h = 10
		for _, e := range x {
			h = mix(h, floatHash(e))
		}
	case []Vector2:
		h = 11
		for _, e := range x {
			h = mix(mix(h, floatHash(e.X)), floatHash(e.Y))
		}
	case []Vector3:
		h = 12
		for _, e := range x {
			h = mix(mix(mix(h, floatHash(e.X)), floatHash(e.Y)), floatHash(e.Z))
		}
	case []Vector4:
		h = 13
		for _, e := range x {
			h = mix(mix(mix(mix(h, floatHash(e.X)), floatHash(e.Y)), floatHash(e.Z)), floatHash(e.W))
		}
	case []Color:
		h = 14
		for _, e := range x {
			h = mix(mix(mix(mix(h, floatHash(float64(e.R))), floatHash(float64(e.G))), floatHash(float64(e.B))), floatHash(float64(e.A)))
		}
	}
	if memo != nil {
		if r.hashMemo == nil {
			r.hashMemo = make(map[any]uint64)
		}
		r.hashMemo[memo] = h
	}
	return h
}

func (r *reader) object(pos int, h uint32, depth int) (any, int, error) {
	p := pos + 4
	if h&flagObjectID != 0 {
		if r.left(p) < 8 {
			return nil, 0, r.short(p, 8, "object id")
		}
		return ObjectID(r.u64(p)), p + 8, nil
	}
	if !r.allowObj {
		return nil, 0, derr(pos, ErrUnauthorized, "full Object while objects are not allowed")
	}
	class, p, err := r.str(p)
	if err != nil {
		return nil, 0, err
	}
	if class == "" {
		if !r.is3 {
			// Godot 4 holds a null Object and writes it back as NIL;
			// decoding it as nil keeps decode and encode consistent.
			return nil, p, nil
		}
		return &Object{}, p, nil // null object (3.2 full mode)
	}
	if r.left(p) < 4 {
		return nil, 0, r.short(p, 4, "object property count")
	}
	n := max(int32(r.u32(p)), 0) // Godot loops over a signed count
	p += 4
	if !r.fits(p, uint64(n), 8) {
		return nil, 0, derr(p-4, ErrInvalidData, "object property count %d exceeds the %d bytes left", n, max(r.left(p), 0))
	}
	o := &Object{Class: class, Properties: make([]Property, n)}
	for i := range o.Properties {
		name, q, err := r.str(p)
		if err != nil {
			return nil, 0, err
		}
		v, q, err := r.value(q, depth+1)
		if err != nil {
			return nil, 0, err
		}
		o.Properties[i] = Property{Name: name, Value: v}
		p = q
	}
	return o, p, nil
}
