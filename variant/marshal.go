package variant

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Marshaler is implemented by Go types that choose their own Variant.
// MarshalVariant returns the value to encode in the receiver's place: a value
// of the Go representation listed at Type, or any other Go value Marshal
// accepts. Marshal calls it on pointer receivers only for addressable values
// (struct fields reached through a pointer, slice elements), as
// encoding/json does. A nil pointer receiver encodes as Nil without a call.
type Marshaler interface {
	MarshalVariant() (any, error)
}

// Unmarshaler is implemented by Go types that decode their own Variant.
// UnmarshalVariant receives the decoded value in the Go representation listed
// at Type (int64, float64, string, *Dictionary, []any, ...), including nil
// for a Nil Variant. The value belongs to the callee.
type Unmarshaler interface {
	UnmarshalVariant(v any) error
}

// UnmarshalError reports a decoded Variant that does not fit the Go value
// Unmarshal stores it in, or a bad Unmarshal target.
type UnmarshalError struct {
	// Path is where in the Go value, as struct field names (their godot tag
	// names), [index] for slice and array elements and [key] for map
	// entries: "players[2].name". It is empty for the top level.
	Path string
	// Reason says what did not fit: "cannot unmarshal Vector2 into string",
	// "int 300 overflows uint8".
	Reason string
	// Err is ErrInvalidData for a value that does not fit, ErrInvalidParameter
	// for a target that is not a non-nil pointer, or the error an
	// UnmarshalVariant method returned (joined with ErrInvalidData when it
	// wraps no Godot error code).
	Err error
}

func (e *UnmarshalError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("variant: %s (%v)", e.Reason, e.Err)
	}
	return fmt.Sprintf("variant: %s: %s (%v)", e.Path, e.Reason, e.Err)
}

// Unwrap returns Err.
func (e *UnmarshalError) Unwrap() error { return e.Err }

// Marshal returns the Godot binary encoding of the Go value v, the bytes
// Godot's var2bytes (3.2) / var_to_bytes (4.x) produce for the equivalent
// GDScript value. The layout is Godot4 unless an option selects another
// Format: variant.Marshal(v, variant.Godot3). MaxDepth limits nesting (zero
// means DefaultMaxDepth; a negative value means 65536, so that a cyclic
// value still fails instead of overflowing the stack); AllowObjects and
// MaxSize do not apply to encoding.
//
// Go values map to Variants as follows:
//
//   - nil, a nil pointer or a nil interface: Nil;
//   - bool: bool;
//   - every int kind, uint8..uint32, and uint, uint64 and uintptr up to
//     math.MaxInt64: int (written as 4 bytes when it fits in int32, else 8,
//     as Godot does); larger unsigned values are an error wrapping
//     ErrInvalidParameter;
//   - float32, float64: float (4 bytes when the value survives a float32
//     round trip, else 8);
//   - string: String (it must be valid UTF-8, else ErrInvalidParameter);
//   - slices of exactly byte, int32, int64, float32, float64, string,
//     Vector2, Vector3, Color or Vector4 (named slice types included):
//     PackedByteArray, PackedInt32Array, PackedInt64Array,
//     PackedFloat32Array, PackedFloat64Array, PackedStringArray,
//     PackedVector2Array, PackedVector3Array, PackedColorArray,
//     PackedVector4Array. Godot 3.2 has no int64 or float64 packed array:
//     with Godot3, []int64 and []float64 become an Array of ints or floats,
//     which keeps every value (PoolIntArray and PoolRealArray would truncate
//     them to 32 bits); []Vector4 is an error wrapping ErrUnavailable;
//   - other slices and Go arrays: Array (untyped), element by element;
//     a nil slice is an empty Array or packed array, never Nil;
//   - maps: Dictionary. Keys may be any Go type that maps to a Variant. Go
//     maps have no order, so entries are sorted by key (strings and numbers
//     by value, other key types by their encoded bytes) to make the output
//     deterministic; a nil map is an empty Dictionary;
//   - structs: Dictionary with String keys, one entry per exported field in
//     declaration order (see below);
//   - pointers and interfaces: the value they point to or hold;
//   - the Go representation of every Variant listed at Type (Vector2,
//     NodePath, StringName, RID, ObjectID, *Object, *TypedArray, ...): that
//     Variant, exactly as Append writes it. []any and an untyped
//     *Dictionary may hold any Go value Marshal accepts;
//   - types implementing Marshaler: the value MarshalVariant returns.
//
// Channels, functions, complex numbers and unsafe pointers are an error
// wrapping ErrInvalidParameter. time.Duration is an int (nanoseconds); a
// struct such as time.Time with no exported fields is an empty Dictionary.
//
// A struct field's Dictionary key is its Go name, or the name given by a
// `godot:"name"` tag. Options follow the name after a comma: omitempty
// leaves out false, 0, "", nil pointers and interfaces and empty slices,
// maps and Go arrays; omitzero leaves out the field's zero value. The tag
// `godot:"-"` leaves a field out. Exported fields of embedded structs are
// promoted as with encoding/json: a shallower field wins over a deeper one,
// a tagged one over an untagged one at the same depth, and other clashes
// drop every field of that name; a nil embedded pointer contributes nothing.
//
// Errors are *EncodeError values whose Path names the field, element or key
// (such as "players[2].name"), wrapping ErrInvalidParameter, ErrUnavailable
// (a Variant the Format lacks, such as Vector2i for Godot3) or
// ErrOutOfMemory (nesting deeper than MaxDepth, which is how cyclic values
// fail). An error a MarshalVariant method returns is wrapped as is when it
// wraps a godoterr code, else joined with ErrInvalidParameter.
//
// Marshal returns a new slice; MarshalAppend reuses the caller's buffer.
func Marshal(v any, opts ...Option) ([]byte, error) {
	bp := nativeBufPool.Get().(*[]byte)
	b, err := MarshalAppend((*bp)[:0], v, opts...)
	var out []byte
	if err == nil {
		out = make([]byte, len(b))
		copy(out, b)
	}
	if cap(b) <= nativeMaxPooled {
		*bp = b
		nativeBufPool.Put(bp)
	}
	return out, err
}

// MarshalAppend appends the encoding of the Go value v to dst and returns the
// extended buffer, for hot paths that reuse a buffer. The mapping, options
// and errors are Marshal's. On error it returns dst unchanged (its spare
// capacity may have been written to).
//
// With enough capacity and no options, a value passed by pointer encodes
// without allocating when it is made of numbers, strings, structs, slices,
// Vector2, Vector3, Vector2i, Vector3i, Color and []byte, []int32,
// []float32 and []string; maps (sorted first), other Variant types and
// options cost a few small allocations.
func MarshalAppend(dst []byte, v any, opts ...Option) ([]byte, error) {
	var o options
	if len(opts) > 0 {
		o = collect(opts)
	}
	e := nativeEncPool.Get().(*nativeEnc)
	*e = nativeEnc{w: encoder{f: o.dec.Format.orDefault(), maxDepth: encMaxDepth(o.dec.MaxDepth)}}
	out, err := e.value(dst, reflect.ValueOf(v), 0)
	nativeEncPool.Put(e)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Unmarshal decodes the Godot binary encoding in data and stores the result
// in the Go value v points to. v must be a non-nil pointer (else an
// *UnmarshalError wrapping ErrInvalidParameter). The Format (default
// Godot4), AllowObjects, MaxDepth and MaxSize options apply as for Decode,
// and decoding errors are Decode's *DecodeError values. As with Godot's
// get_var, bytes after the first Variant are ignored; use Decode to learn
// how many were used.
//
// A Variant is stored into the Go value by UnmarshalValue's rules.
func Unmarshal(data []byte, v any, opts ...Option) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nativeBadTarget(v)
	}
	var o options
	if len(opts) > 0 {
		o = collect(opts)
	}
	val, _, err := o.dec.Decode(data)
	if err != nil {
		return err
	}
	return nativeAssign(rv.Elem(), val, 0)
}

// UnmarshalValue stores val, a Variant in the Go representation Decode
// returns (see Type), in the Go value v points to, as Unmarshal does after
// decoding. v must be a non-nil pointer. It is useful for values already
// decoded, such as the arguments of a remote call.
//
// The rules mirror Marshal's mapping:
//
//   - into a type whose pointer implements Unmarshaler: its
//     UnmarshalVariant method, which also receives Nil (as nil);
//   - into an empty interface (any): val itself, unchanged; into another
//     interface type: val when its type implements it;
//   - Nil: the zero value of the target (nil for pointers, maps, slices and
//     interfaces);
//   - into a pointer: allocated when nil, then filled;
//   - into a Go value of exactly val's type: val (packed arrays, math
//     types, NodePath, *Dictionary, ...);
//   - bool into bool kinds;
//   - int into every int, uint and float kind; a value outside the target's
//     range is an error;
//   - float into float32 and float64 (a finite value beyond float32's range
//     is an error); a float is never stored in an int;
//   - String and StringName into string kinds;
//   - Array, a typed Array or any packed array into a slice (a new one) or a
//     Go array (extra elements are dropped, missing ones zeroed), element by
//     element; elements stored into an interface take the types above
//     (int64 and float64 for the elements of packed arrays);
//   - Dictionary into a map (made when nil; existing entries are kept), key
//     and value converted like elements; a key that cannot be a Go map key
//     (such as an Array into map[any]V) is an error;
//   - Dictionary, or a full Object's properties, into a struct: String and
//     StringName keys select fields by name (exactly, then ignoring case, as
//     encoding/json does); other keys, unknown names and fields without a
//     key are left alone; nil embedded pointers are allocated as needed;
//   - *Dictionary into Dictionary, *Object into Object, *TypedArray into
//     TypedArray: a copy of the struct.
//
// Anything else is an *UnmarshalError wrapping ErrInvalidData, naming the Go
// path and both types ("players[2].name: cannot unmarshal Vector2 into
// string"). Storing stops at the first error and leaves v partly filled. A
// val nested deeper than 65536 levels (a cyclic *Dictionary) is an error
// wrapping ErrOutOfMemory.
func UnmarshalValue(val any, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nativeBadTarget(v)
	}
	return nativeAssign(rv.Elem(), val, 0)
}

func nativeBadTarget(v any) error {
	what := "nil"
	if v != nil {
		what = reflect.TypeOf(v).String()
	}
	return &UnmarshalError{Reason: "the target must be a non-nil pointer, not " + what, Err: ErrInvalidParameter}
}

// ---- encoding ----

const (
	// nativeMaxHops bounds pointer, interface and MarshalVariant
	// indirections between two containers: a cycle made only of them
	// would otherwise never reach a container's depth check.
	nativeMaxHops = 1000
	// nativeMaxPooled is the largest buffer Marshal keeps for reuse.
	nativeMaxPooled = 64 << 10
)

var (
	nativeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	nativeEncPool = sync.Pool{New: func() any { return new(nativeEnc) }}
)

// nativeEnc is the state of one Marshal call.
type nativeEnc struct {
	w    encoder // Format and depth limit; encodes the Variant types
	hops int     // consecutive indirections since the last container
}

type nativeEncFunc func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error)

var (
	nativeMarshalerT   = reflect.TypeFor[Marshaler]()
	nativeUnmarshalerT = reflect.TypeFor[Unmarshaler]()
	nativeDictT        = reflect.TypeFor[Dictionary]()
	nativeDictPtrT     = reflect.TypeFor[*Dictionary]()
	nativeObjectT      = reflect.TypeFor[Object]()
	nativeTypedArrayT  = reflect.TypeFor[TypedArray]()
)

// nativeModel holds the Go types of Variants (other than the Go kinds
// Marshal maps itself) that are encoded by the Variant encoder as they are.
var nativeModel = map[reflect.Type]bool{}

// nativePacked maps a packed array's element type to its slice type.
var nativePacked = map[reflect.Type]reflect.Type{}

func init() {
	for _, x := range []any{
		Vector2{}, Vector2i{}, Rect2{}, Rect2i{}, Vector3{}, Vector3i{}, Transform2D{},
		Vector4{}, Vector4i{}, Plane{}, Quaternion{}, AABB{}, Basis{}, Transform3D{},
		Projection{}, Color{}, StringName(""), NodePath{}, (*NodePath)(nil), RID(0),
		ObjectID(0), Object{}, (*Object)(nil), Callable{}, Signal{}, TypedArray{},
		(*TypedArray)(nil),
	} {
		nativeModel[reflect.TypeOf(x)] = true
	}
	for _, x := range []any{
		[]byte(nil), []int32(nil), []int64(nil), []float32(nil), []float64(nil), []string(nil),
		[]Vector2(nil), []Vector3(nil), []Color(nil), []Vector4(nil),
	} {
		t := reflect.TypeOf(x)
		nativePacked[t.Elem()] = t
	}
}

var nativeEncCache sync.Map // reflect.Type -> nativeEncFunc

// nativeEncoderFor returns the cached encoder of t, building it once. A
// recursive type finds a forwarding stub while its encoder is being built.
func nativeEncoderFor(t reflect.Type) nativeEncFunc {
	if f, ok := nativeEncCache.Load(t); ok {
		return f.(nativeEncFunc)
	}
	var (
		wg sync.WaitGroup
		f  nativeEncFunc
	)
	wg.Add(1)
	stub := nativeEncFunc(func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		wg.Wait()
		return f(e, dst, v, depth)
	})
	if fi, loaded := nativeEncCache.LoadOrStore(t, stub); loaded {
		return fi.(nativeEncFunc)
	}
	f = nativeNewEncoder(t, true)
	wg.Done()
	nativeEncCache.Store(t, f)
	return f
}

func (e *nativeEnc) value(dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if !v.IsValid() {
		return appendU32(dst, uint32(TypeNil)), nil
	}
	return nativeEncoderFor(v.Type())(e, dst, v, depth)
}

// hop encodes v with f after an indirection.
func (e *nativeEnc) hop(dst []byte, v reflect.Value, depth int, f nativeEncFunc) ([]byte, error) {
	if e.hops >= nativeMaxHops {
		return dst, encErr(ErrOutOfMemory, "more than %d pointer, interface or MarshalVariant indirections in a row (a cycle?)", nativeMaxHops)
	}
	e.hops++
	dst, err := f(e, dst, v, depth)
	e.hops--
	return dst, err
}

// enter checks that a container at depth may hold elements and starts a new
// run of indirections; leave restores the count.
func (e *nativeEnc) enter(depth int) (int, error) {
	if depth >= e.w.maxDepth {
		return 0, e.w.depthErr(depth + 1)
	}
	saved := e.hops
	e.hops = 0
	return saved, nil
}

func (e *nativeEnc) leave(saved int) { e.hops = saved }

func nativeNewEncoder(t reflect.Type, allowAddr bool) nativeEncFunc {
	if t.Implements(nativeMarshalerT) {
		return nativeMarshalerEnc
	}
	if allowAddr && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(nativeMarshalerT) {
		plain := nativeNewEncoder(t, false)
		return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
			if v.CanAddr() {
				return nativeMarshalerEnc(e, dst, v.Addr(), depth)
			}
			return plain(e, dst, v, depth)
		}
	}
	if nativeModel[t] {
		return nativeModelEnc
	}
	if t == nativeDictT || t == nativeDictPtrT {
		return nativeDictEnc
	}
	switch t.Kind() {
	case reflect.Bool:
		return nativeBoolEnc
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return nativeIntEnc
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return nativeUintEnc
	case reflect.Float32, reflect.Float64:
		return nativeFloatEnc
	case reflect.String:
		return nativeStringEnc
	case reflect.Interface:
		return nativeIfaceEnc
	case reflect.Pointer:
		return nativePtrEnc(t)
	case reflect.Struct:
		return nativeStructEnc(t)
	case reflect.Map:
		return nativeMapEnc(t)
	case reflect.Slice:
		if base, ok := nativePacked[t.Elem()]; ok {
			return nativePackedEnc(t, base)
		}
		return nativeSeqEnc(t)
	case reflect.Array:
		return nativeSeqEnc(t)
	}
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		return dst, encErr(ErrInvalidParameter, "Go type %v has no Variant equivalent", v.Type())
	}
}

func nativeNotInterfaceable(v reflect.Value) error {
	return encErr(ErrInvalidParameter, "cannot encode %v reached through an unexported field", v.Type())
}

func nativeMarshalerEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return appendU32(dst, uint32(TypeNil)), nil
	}
	if !v.CanInterface() {
		return dst, nativeNotInterfaceable(v)
	}
	x, err := v.Interface().(Marshaler).MarshalVariant()
	if err != nil {
		return dst, &EncodeError{
			Reason: fmt.Sprintf("%v.MarshalVariant: %v", v.Type(), err),
			Err:    nativeWithCode(err, ErrInvalidParameter),
		}
	}
	return e.hop(dst, reflect.ValueOf(x), depth, func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		return e.value(dst, v, depth)
	})
}

// nativeWithCode returns err if it wraps a Godot error code, else err joined
// with code.
func nativeWithCode(err error, code error) error {
	var g godoterr.Error
	if errors.As(err, &g) {
		return err
	}
	return fmt.Errorf("%w: %w", code, err)
}

func nativeModelEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if !v.CanInterface() {
		return dst, nativeNotInterfaceable(v)
	}
	if out, ok, err := e.fastModel(dst, v); ok {
		return out, err
	}
	return e.w.value(dst, v.Interface(), depth)
}

// fastModel encodes the most common Variant types from an addressable
// value, which v.Interface() would copy to the heap; ok is false for other
// values.
func (e *nativeEnc) fastModel(dst []byte, v reflect.Value) (out []byte, ok bool, err error) {
	if !v.CanAddr() {
		return dst, false, nil
	}
	switch p := v.Addr().Interface().(type) {
	case *Vector2:
		out, err = e.w.math(dst, TypeVector2, p.X, p.Y)
	case *Vector3:
		out, err = e.w.math(dst, TypeVector3, p.X, p.Y, p.Z)
	case *Vector2i:
		out, err = e.w.ints(dst, TypeVector2i, p.X, p.Y)
	case *Vector3i:
		out, err = e.w.ints(dst, TypeVector3i, p.X, p.Y, p.Z)
	case *Color:
		id, _ := e.w.id(TypeColor)
		out = appendColor(appendU32(dst, id), *p)
	case *[]byte:
		out, err = e.w.packedBytes(dst, *p)
	case *[]string:
		out, err = e.w.packedStrings(dst, *p)
	case *[]int32:
		if out, err = e.w.packedHead(dst, TypePackedInt32Array, 0, len(*p)); err == nil {
			for _, x := range *p {
				out = appendU32(out, uint32(x))
			}
		}
	case *[]float32:
		if out, err = e.w.packedHead(dst, TypePackedFloat32Array, 0, len(*p)); err == nil {
			for _, x := range *p {
				out = appendU32(out, math.Float32bits(x))
			}
		}
	default:
		return dst, false, nil
	}
	return out, true, err
}

func nativeBoolEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	b := uint32(0)
	if v.Bool() {
		b = 1
	}
	return appendU32(appendU32(dst, uint32(TypeBool)), b), nil
}

func nativeIntEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	return appendInt(dst, v.Int()), nil
}

func nativeUintEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	u := v.Uint()
	if u > math.MaxInt64 {
		return dst, encErr(ErrInvalidParameter, "%v %d is outside the int64 range of a Godot int", v.Type(), u)
	}
	return appendInt(dst, int64(u)), nil
}

func nativeFloatEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	return appendFloat(dst, v.Float()), nil
}

func nativeStringEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	s := v.String()
	if err := checkStr(s); err != nil {
		return dst, err
	}
	return appendStr(appendU32(dst, uint32(TypeString)), s), nil
}

func nativeIfaceEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return appendU32(dst, uint32(TypeNil)), nil
	}
	el := v.Elem()
	return e.hop(dst, el, depth, nativeEncoderFor(el.Type()))
}

func nativePtrEnc(t reflect.Type) nativeEncFunc {
	elem := nativeEncoderFor(t.Elem())
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return appendU32(dst, uint32(TypeNil)), nil
		}
		return e.hop(dst, v.Elem(), depth, elem)
	}
}

// nativeDictEnc encodes a Dictionary or *Dictionary. Untyped ones (and
// typed ones for Formats without typed dictionaries, which send them
// untyped) are walked here so that their entries may hold any Go value;
// typed ones go to the Variant encoder.
func nativeDictEnc(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if !v.CanInterface() {
		return dst, nativeNotInterfaceable(v)
	}
	var d *Dictionary
	if v.Type() == nativeDictPtrT {
		d = v.Interface().(*Dictionary)
	} else if v.CanAddr() {
		d = v.Addr().Interface().(*Dictionary)
	} else {
		dv := v.Interface().(Dictionary)
		d = &dv
	}
	if d != nil && e.w.f.typedDictionaries() && (d.KeyType.Kind != KindNone || d.ValueType.Kind != KindNone) {
		return e.w.value(dst, d, depth)
	}
	entries := d.Entries()
	if err := checkCount(len(entries), "Dictionary"); err != nil {
		return dst, err
	}
	id, _ := e.w.id(TypeDictionary)
	dst = appendU32(appendU32(dst, id), uint32(len(entries)))
	if len(entries) == 0 {
		return dst, nil
	}
	saved, err := e.enter(depth)
	if err != nil {
		return dst, err
	}
	defer e.leave(saved)
	for i := range entries {
		if dst, err = e.value(dst, reflect.ValueOf(entries[i].Key), depth+1); err != nil {
			return dst, nativePath(err, "{key "+strconv.Itoa(i)+"}")
		}
		if dst, err = e.value(dst, reflect.ValueOf(entries[i].Value), depth+1); err != nil {
			return dst, nativePath(err, keyPath(entries[i].Key))
		}
	}
	return dst, nil
}

// nativePackedEnc encodes a slice whose elements are a packed array's.
func nativePackedEnc(t, base reflect.Type) nativeEncFunc {
	var asArray nativeEncFunc
	if base.Elem().Kind() == reflect.Int64 || base.Elem().Kind() == reflect.Float64 {
		asArray = nativeSeqEnc(t) // Godot 3.2 has no 64-bit packed arrays
	}
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if asArray != nil && e.w.f.is3() {
			return asArray(e, dst, v, depth)
		}
		if !v.CanInterface() {
			return dst, nativeNotInterfaceable(v)
		}
		if t != base {
			if v.CanAddr() {
				v = reflect.NewAt(base, v.Addr().UnsafePointer()).Elem() // same memory, no copy
			} else {
				v = v.Convert(base)
			}
		}
		if out, ok, err := e.fastModel(dst, v); ok {
			return out, err
		}
		return e.w.value(dst, v.Interface(), depth)
	}
}

// nativeSeqEnc encodes a slice or Go array as an untyped Array.
func nativeSeqEnc(t reflect.Type) nativeEncFunc {
	elem := nativeEncoderFor(t.Elem())
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		n := v.Len()
		if err := checkCount(n, "Array"); err != nil {
			return dst, err
		}
		id, _ := e.w.id(TypeArray)
		dst = appendU32(appendU32(dst, id), uint32(n))
		if n == 0 {
			return dst, nil
		}
		saved, err := e.enter(depth)
		if err != nil {
			return dst, err
		}
		defer e.leave(saved)
		for i := range n {
			if dst, err = elem(e, dst, v.Index(i), depth+1); err != nil {
				return dst, nativePath(err, indexPath(i))
			}
		}
		return dst, nil
	}
}

type nativeKV struct {
	k, v   reflect.Value
	kb, ke int // the key's encoding in the scratch buffer, when sorted by it
}

// nativeMapEnc encodes a map as a Dictionary with its entries sorted by key.
func nativeMapEnc(t reflect.Type) nativeEncFunc {
	kenc := nativeEncoderFor(t.Key())
	venc := nativeEncoderFor(t.Elem())
	var less func(a, b *nativeKV) int
	switch t.Key().Kind() {
	case reflect.String:
		less = func(a, b *nativeKV) int { return strings.Compare(a.k.String(), b.k.String()) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		less = func(a, b *nativeKV) int { return cmp.Compare(a.k.Int(), b.k.Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		less = func(a, b *nativeKV) int { return cmp.Compare(a.k.Uint(), b.k.Uint()) }
	case reflect.Float32, reflect.Float64:
		less = func(a, b *nativeKV) int { return cmp.Compare(a.k.Float(), b.k.Float()) }
	case reflect.Bool:
		less = func(a, b *nativeKV) int {
			if a.k.Bool() == b.k.Bool() {
				return 0
			}
			if b.k.Bool() {
				return -1
			}
			return 1
		}
	}
	if t.Key().Implements(nativeMarshalerT) || reflect.PointerTo(t.Key()).Implements(nativeMarshalerT) {
		less = nil // order by what is written
	}
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		n := v.Len()
		if err := checkCount(n, "Dictionary"); err != nil {
			return dst, err
		}
		id, _ := e.w.id(TypeDictionary)
		dst = appendU32(appendU32(dst, id), uint32(n))
		if n == 0 {
			return dst, nil
		}
		saved, err := e.enter(depth)
		if err != nil {
			return dst, err
		}
		defer e.leave(saved)
		kvs := make([]nativeKV, 0, n)
		for it := v.MapRange(); it.Next(); {
			kvs = append(kvs, nativeKV{k: it.Key(), v: it.Value()})
		}
		var keys []byte
		if less != nil {
			slices.SortFunc(kvs, func(a, b nativeKV) int { return less(&a, &b) })
		} else {
			for i := range kvs {
				kvs[i].kb = len(keys)
				if keys, err = kenc(e, keys, kvs[i].k, depth+1); err != nil {
					return dst, nativePath(err, nativeMapKeyPath(kvs[i].k))
				}
				kvs[i].ke = len(keys)
			}
			slices.SortStableFunc(kvs, func(a, b nativeKV) int {
				return bytes.Compare(keys[a.kb:a.ke], keys[b.kb:b.ke])
			})
		}
		for i := range kvs {
			kv := &kvs[i]
			if keys != nil {
				dst = append(dst, keys[kv.kb:kv.ke]...)
			} else if dst, err = kenc(e, dst, kv.k, depth+1); err != nil {
				return dst, nativePath(err, nativeMapKeyPath(kv.k))
			}
			if dst, err = venc(e, dst, kv.v, depth+1); err != nil {
				return dst, nativePath(err, nativeMapKeyPath(kv.k))
			}
		}
		return dst, nil
	}
}

func nativeMapKeyPath(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return "[" + strconv.Quote(k.String()) + "]"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "[" + strconv.FormatInt(k.Int(), 10) + "]"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "[" + strconv.FormatUint(k.Uint(), 10) + "]"
	case reflect.Interface:
		if !k.IsNil() && k.CanInterface() {
			return keyPath(normalizeKey(k.Elem().Interface()))
		}
	}
	return "[" + k.Type().String() + " key]"
}

func nativeStructEnc(t reflect.Type) nativeEncFunc {
	si := nativeStructFor(t)
	encs := make([]nativeEncFunc, len(si.fields))
	for i := range si.fields {
		encs[i] = nativeEncoderFor(si.fields[i].typ)
	}
	return func(e *nativeEnc, dst []byte, v reflect.Value, depth int) ([]byte, error) {
		id, _ := e.w.id(TypeDictionary)
		start := len(dst)
		dst = appendU32(appendU32(dst, id), 0) // the count is filled in below
		saved := e.hops
		e.hops = 0
		dst, n, err := nativeStructFields(e, dst, v, depth, si, encs)
		e.hops = saved
		if err != nil {
			return dst, err
		}
		binary.LittleEndian.PutUint32(dst[start+4:], n)
		return dst, nil
	}
}

// nativeStructFields appends the key and value of every field that is not
// omitted and returns how many it wrote.
func nativeStructFields(e *nativeEnc, dst []byte, v reflect.Value, depth int, si *nativeStruct, encs []nativeEncFunc) ([]byte, uint32, error) {
	n := uint32(0)
	for i := range si.fields {
		f := &si.fields[i]
		fv, ok := nativeFieldGet(v, f.index)
		if !ok || f.omitEmpty && nativeIsEmpty(fv) || f.omitZero && fv.IsZero() {
			continue
		}
		if depth >= e.w.maxDepth {
			return dst, 0, e.w.depthErr(depth + 1)
		}
		dst = append(dst, f.key...)
		var err error
		if dst, err = encs[i](e, dst, fv, depth+1); err != nil {
			return dst, 0, nativePath(err, f.name)
		}
		n++
	}
	return dst, n, nil
}

// nativeFieldGet returns the field at index, or false when a nil embedded
// pointer is on the way.
func nativeFieldGet(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func nativeIsEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String, reflect.Pointer, reflect.Interface:
		return v.IsZero()
	case reflect.Slice, reflect.Map, reflect.Array:
		return v.Len() == 0
	}
	return false
}

// ---- struct fields ----

type nativeField struct {
	name      string       // the Dictionary key
	key       []byte       // name encoded as a String Variant
	index     []int        // reflect field index path, through embedded structs
	typ       reflect.Type // the field's type
	tagged    bool         // name came from a godot tag
	omitEmpty bool
	omitZero  bool
	// unmarshaler: *typ implements Unmarshaler
	unmarshaler bool
}

type nativeStruct struct {
	fields []nativeField  // in declaration order
	byName map[string]int // exact name -> position in fields
}

var nativeStructCache sync.Map // reflect.Type -> *nativeStruct

func nativeStructFor(t reflect.Type) *nativeStruct {
	if s, ok := nativeStructCache.Load(t); ok {
		return s.(*nativeStruct)
	}
	s, _ := nativeStructCache.LoadOrStore(t, nativeBuildStruct(t))
	return s.(*nativeStruct)
}

// nativeBuildStruct lists the encoded fields of struct type t, walking
// embedded structs breadth first and resolving name clashes by depth, then
// by tag, as encoding/json does.
func nativeBuildStruct(t reflect.Type) *nativeStruct {
	type embed struct {
		typ   reflect.Type
		index []int
	}
	var cands []nativeField
	visited := map[reflect.Type]bool{}
	next := []embed{{typ: t}}
	for len(next) > 0 {
		level := next
		next = nil
		for _, c := range level {
			visited[c.typ] = true
		}
		queued := map[reflect.Type]int{}
		for _, c := range level {
			for i := range c.typ.NumField() {
				sf := c.typ.Field(i)
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				tag := sf.Tag.Get("godot")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if sf.Anonymous && !sf.IsExported() {
					// Only the exported fields of an unexported embedded
					// struct are reachable, and not through a pointer that
					// Unmarshal could not allocate.
					if ft.Kind() != reflect.Struct || sf.Type.Kind() == reflect.Pointer {
						continue
					}
					name = ""
				} else if !sf.IsExported() {
					continue
				}
				index := append(slices.Clone(c.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					// Two embeddings of one type at a level are enough to
					// make its fields clash.
					if !visited[ft] && queued[ft] < 2 {
						queued[ft]++
						next = append(next, embed{typ: ft, index: index})
					}
					continue
				}
				f := nativeField{name: name, index: index, typ: sf.Type, tagged: name != "",
					unmarshaler: nativeHasUnmarshaler(sf.Type)}
				if f.name == "" {
					f.name = sf.Name
				}
				for opt := range strings.SplitSeq(opts, ",") {
					switch opt {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					}
				}
				key := strings.ToValidUTF8(f.name, "\uFFFD")
				f.key = appendStr(appendU32(nil, uint32(TypeString)), key)
				cands = append(cands, f)
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b nativeField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return 0
	})
	s := &nativeStruct{byName: map[string]int{}}
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && cands[j].name == cands[i].name {
			j++
		}
		g := cands[i:j]
		if len(g) == 1 || len(g[0].index) < len(g[1].index) || g[0].tagged && !g[1].tagged {
			s.fields = append(s.fields, g[0])
		}
		i = j
	}
	slices.SortFunc(s.fields, func(a, b nativeField) int { return slices.Compare(a.index, b.index) })
	for i := range s.fields {
		s.byName[s.fields[i].name] = i
	}
	return s
}

// lookup finds the field for a Dictionary key: exactly, then ignoring case.
func (s *nativeStruct) lookup(name string) *nativeField {
	if i, ok := s.byName[name]; ok {
		return &s.fields[i]
	}
	for i := range s.fields {
		if strings.EqualFold(s.fields[i].name, name) {
			return &s.fields[i]
		}
	}
	return nil
}

// ---- decoding into Go values ----

var nativeUnmarshalerCache sync.Map // reflect.Type -> bool

// nativeHasUnmarshaler reports whether *T implements Unmarshaler.
func nativeHasUnmarshaler(t reflect.Type) bool {
	if b, ok := nativeUnmarshalerCache.Load(t); ok {
		return b.(bool)
	}
	b := t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		reflect.PointerTo(t).Implements(nativeUnmarshalerT)
	nativeUnmarshalerCache.Store(t, b)
	return b
}

// nativeMaxPath is the path length beyond which nativePath stops
// prepending: a path through thousands of levels is kept as its innermost
// part, marked with a leading "...", instead of being copied at every level.
const nativeMaxPath = 512

// nativePath prepends a path element to the Path of an *EncodeError or
// *UnmarshalError, as prefixPath does.
func nativePath(err error, elem string) error {
	var p *string
	var ee *EncodeError
	var ue *UnmarshalError
	switch {
	case errors.As(err, &ee):
		p = &ee.Path
	case errors.As(err, &ue):
		p = &ue.Path
	default:
		return err
	}
	if len(*p) >= nativeMaxPath {
		if !strings.HasPrefix(*p, "...") {
			*p = "..." + *p
		}
		return err
	}
	if *p != "" && (*p)[0] != '[' && (*p)[0] != '.' && (*p)[0] != '{' {
		*p = "." + *p
	}
	*p = elem + *p
	return err
}

func nativeMismatch(val any, t reflect.Type) error {
	return &UnmarshalError{
		Reason: fmt.Sprintf("cannot unmarshal %s into %v", nativeVariantName(val), t),
		Err:    ErrInvalidData,
	}
}

// nativeVariantName names the Variant type of a decoded value.
func nativeVariantName(val any) string {
	var t Type
	switch val.(type) {
	case nil:
		t = TypeNil
	case bool:
		t = TypeBool
	case int64, int32, uint8:
		t = TypeInt
	case float64, float32:
		t = TypeFloat
	case string:
		t = TypeString
	case StringName:
		t = TypeStringName
	case Vector2:
		t = TypeVector2
	case Vector2i:
		t = TypeVector2i
	case Rect2:
		t = TypeRect2
	case Rect2i:
		t = TypeRect2i
	case Vector3:
		t = TypeVector3
	case Vector3i:
		t = TypeVector3i
	case Transform2D:
		t = TypeTransform2D
	case Vector4:
		t = TypeVector4
	case Vector4i:
		t = TypeVector4i
	case Plane:
		t = TypePlane
	case Quaternion:
		t = TypeQuaternion
	case AABB:
		t = TypeAABB
	case Basis:
		t = TypeBasis
	case Transform3D:
		t = TypeTransform3D
	case Projection:
		t = TypeProjection
	case Color:
		t = TypeColor
	case NodePath, *NodePath:
		t = TypeNodePath
	case RID:
		t = TypeRID
	case *Object, Object, ObjectID:
		t = TypeObject
	case Callable:
		t = TypeCallable
	case Signal:
		t = TypeSignal
	case *Dictionary, Dictionary:
		t = TypeDictionary
	case []any, *TypedArray, TypedArray:
		t = TypeArray
	case []byte:
		t = TypePackedByteArray
	case []int32:
		t = TypePackedInt32Array
	case []int64:
		t = TypePackedInt64Array
	case []float32:
		t = TypePackedFloat32Array
	case []float64:
		t = TypePackedFloat64Array
	case []string:
		t = TypePackedStringArray
	case []Vector2:
		t = TypePackedVector2Array
	case []Vector3:
		t = TypePackedVector3Array
	case []Color:
		t = TypePackedColorArray
	case []Vector4:
		t = TypePackedVector4Array
	default:
		return fmt.Sprintf("Go %T", val)
	}
	return t.String()
}

// nativeAssign stores the decoded Variant val in dst, which is settable.
func nativeAssign(dst reflect.Value, val any, depth int) error {
	return nativeAssignU(dst, val, depth, nativeHasUnmarshaler(dst.Type()))
}

// nativeAssignU is nativeAssign for callers that know whether dst's type
// has an UnmarshalVariant method (um), which is costly to look up per value.
func nativeAssignU(dst reflect.Value, val any, depth int, um bool) error {
	if depth > maxHardDepth {
		return &UnmarshalError{Reason: fmt.Sprintf("nesting deeper than %d (a cycle?)", maxHardDepth), Err: ErrOutOfMemory}
	}
	t := dst.Type()
	if um {
		return nativeCallUnmarshaler(dst.Addr(), val)
	}
	switch t.Kind() {
	case reflect.Interface:
		if val == nil {
			dst.SetZero()
			return nil
		}
		rv := reflect.ValueOf(val)
		if !rv.Type().Implements(t) {
			return nativeMismatch(val, t)
		}
		dst.Set(rv)
		return nil
	case reflect.Pointer:
		if val == nil {
			dst.SetZero()
			return nil
		}
		if reflect.TypeOf(val) == t { // *Dictionary, *Object, *TypedArray
			dst.Set(reflect.ValueOf(val))
			return nil
		}
		for n := 0; dst.Kind() == reflect.Pointer; n++ {
			if n == nativeMaxHops {
				return &UnmarshalError{Reason: fmt.Sprintf("more than %d pointer indirections in %v", nativeMaxHops, t), Err: ErrInvalidData}
			}
			if dst.IsNil() {
				dst.Set(reflect.New(dst.Type().Elem()))
			}
			dst = dst.Elem()
		}
		return nativeAssign(dst, val, depth)
	}
	if val == nil {
		dst.SetZero()
		return nil
	}
	rv := reflect.ValueOf(val)
	if rv.Type() == t {
		dst.Set(rv)
		return nil
	}
	switch x := val.(type) {
	case bool:
		if t.Kind() == reflect.Bool {
			dst.SetBool(x)
			return nil
		}
	case int64:
		return nativeSetInt(dst, x, val)
	case float64:
		return nativeSetFloat(dst, x, val)
	case string:
		if t.Kind() == reflect.String {
			dst.SetString(x)
			return nil
		}
	case StringName:
		if t.Kind() == reflect.String {
			dst.SetString(string(x))
			return nil
		}
	case *Dictionary:
		switch {
		case t == nativeDictT:
			dst.Set(reflect.ValueOf(*x))
			return nil
		case t.Kind() == reflect.Map:
			return nativeSetMap(dst, x, depth)
		case t.Kind() == reflect.Struct:
			si := nativeStructFor(t)
			for _, en := range x.Entries() {
				if err := nativeSetField(dst, si, en.Key, en.Value, depth); err != nil {
					return err
				}
			}
			return nil
		}
	case *Object:
		switch {
		case t == nativeObjectT:
			dst.Set(reflect.ValueOf(*x))
			return nil
		case t.Kind() == reflect.Struct:
			si := nativeStructFor(t)
			for _, p := range x.Properties {
				if err := nativeSetField(dst, si, p.Name, p.Value, depth); err != nil {
					return err
				}
			}
			return nil
		}
	case []any:
		return nativeSetSeq(dst, x, val, depth)
	case *TypedArray:
		if t == nativeTypedArrayT {
			dst.Set(reflect.ValueOf(*x))
			return nil
		}
		return nativeSetSeq(dst, x.Values, val, depth)
	}
	if rv.Kind() == reflect.Slice {
		return nativeSetPacked(dst, rv, val, depth)
	}
	return nativeMismatch(val, t)
}

func nativeCallUnmarshaler(p reflect.Value, val any) error {
	if err := p.Interface().(Unmarshaler).UnmarshalVariant(val); err != nil {
		return &UnmarshalError{
			Reason: fmt.Sprintf("%v.UnmarshalVariant: %v", p.Type(), err),
			Err:    nativeWithCode(err, ErrInvalidData),
		}
	}
	return nil
}

func nativeIsNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return !nativeHasUnmarshaler(t)
	}
	return false
}

// nativeSetInt stores an int into a number; val is i as decoded, for the
// error message.
func nativeSetInt(dst reflect.Value, i int64, val any) error {
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if dst.OverflowInt(i) {
			return nativeRangeErr(i, dst.Type())
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if i < 0 || dst.OverflowUint(uint64(i)) {
			return nativeRangeErr(i, dst.Type())
		}
		dst.SetUint(uint64(i))
		return nil
	case reflect.Float32, reflect.Float64:
		dst.SetFloat(float64(i))
		return nil
	}
	return nativeMismatch(val, dst.Type())
}

func nativeRangeErr(i int64, t reflect.Type) error {
	return &UnmarshalError{Reason: fmt.Sprintf("int %d overflows %v", i, t), Err: ErrInvalidData}
}

func nativeSetFloat(dst reflect.Value, f float64, val any) error {
	switch dst.Kind() {
	case reflect.Float32, reflect.Float64:
		if dst.OverflowFloat(f) {
			return &UnmarshalError{Reason: fmt.Sprintf("float %g overflows %v", f, dst.Type()), Err: ErrInvalidData}
		}
		dst.SetFloat(f)
		return nil
	}
	return nativeMismatch(val, dst.Type())
}

// nativeSetSeq stores Array elements into a slice or Go array.
func nativeSetSeq(dst reflect.Value, vals []any, val any, depth int) error {
	t := dst.Type()
	switch t.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(t, len(vals), len(vals))
		um := nativeHasUnmarshaler(t.Elem())
		for i, x := range vals {
			if err := nativeAssignU(s.Index(i), x, depth+1, um); err != nil {
				return nativePath(err, indexPath(i))
			}
		}
		dst.Set(s)
		return nil
	case reflect.Array:
		um := nativeHasUnmarshaler(t.Elem())
		for i := range t.Len() {
			if i >= len(vals) {
				dst.Index(i).SetZero()
				continue
			}
			if err := nativeAssignU(dst.Index(i), vals[i], depth+1, um); err != nil {
				return nativePath(err, indexPath(i))
			}
		}
		return nil
	}
	return nativeMismatch(val, t)
}

// nativeSetPacked stores a packed array's elements into a slice or Go array
// of another element type.
func nativeSetPacked(dst reflect.Value, src reflect.Value, val any, depth int) error {
	t := dst.Type()
	n := src.Len()
	var out reflect.Value
	switch t.Kind() {
	case reflect.Slice:
		if src.Type().ConvertibleTo(t) && src.Type().Elem() == t.Elem() {
			dst.Set(src.Convert(t)) // a named slice type of the same elements
			return nil
		}
		out = reflect.MakeSlice(t, n, n)
	case reflect.Array:
		out = dst
		for i := n; i < t.Len(); i++ {
			out.Index(i).SetZero()
		}
		n = min(n, t.Len())
	default:
		return nativeMismatch(val, t)
	}
	um := nativeHasUnmarshaler(t.Elem())
	number := !um && nativeIsNumber(t.Elem())
	for i := range n {
		el := out.Index(i)
		sv := src.Index(i)
		var err error
		switch sv.Kind() {
		case reflect.Uint8:
			if number {
				err = nativeSetInt(el, int64(sv.Uint()), int64(0))
			} else {
				err = nativeAssignU(el, int64(sv.Uint()), depth+1, um)
			}
		case reflect.Int32, reflect.Int64:
			if number {
				err = nativeSetInt(el, sv.Int(), int64(0))
			} else {
				err = nativeAssignU(el, sv.Int(), depth+1, um)
			}
		case reflect.Float32, reflect.Float64:
			if number {
				err = nativeSetFloat(el, sv.Float(), float64(0))
			} else {
				err = nativeAssignU(el, sv.Float(), depth+1, um)
			}
		default:
			err = nativeAssignU(el, sv.Interface(), depth+1, um)
		}
		if err != nil {
			return nativePath(err, indexPath(i))
		}
	}
	if t.Kind() == reflect.Slice {
		dst.Set(out)
	}
	return nil
}

func nativeSetMap(dst reflect.Value, d *Dictionary, depth int) error {
	t := dst.Type()
	if dst.IsNil() {
		dst.Set(reflect.MakeMapWithSize(t, d.Len()))
	}
	kv := reflect.New(t.Key()).Elem()
	vv := reflect.New(t.Elem()).Elem()
	kum, vum := nativeHasUnmarshaler(t.Key()), nativeHasUnmarshaler(t.Elem())
	for _, en := range d.Entries() {
		kv.SetZero()
		if err := nativeAssignU(kv, en.Key, depth+1, kum); err != nil {
			return nativePath(err, "{key "+keyPath(en.Key)+"}")
		}
		if !kv.Comparable() {
			return nativePath(&UnmarshalError{
				Reason: fmt.Sprintf("cannot use a key of type %s as a Go map key", nativeVariantName(en.Key)),
				Err:    ErrInvalidData,
			}, keyPath(en.Key))
		}
		vv.SetZero()
		if err := nativeAssignU(vv, en.Value, depth+1, vum); err != nil {
			return nativePath(err, keyPath(en.Key))
		}
		dst.SetMapIndex(kv, vv)
	}
	return nil
}

// nativeSetField stores one Dictionary entry or Object property into the
// struct dst; keys that name no field are ignored.
func nativeSetField(dst reflect.Value, si *nativeStruct, key, val any, depth int) error {
	var name string
	switch k := key.(type) {
	case string:
		name = k
	case StringName:
		name = string(k)
	default:
		return nil
	}
	f := si.lookup(name)
	if f == nil {
		return nil
	}
	v := dst
	for i, x := range f.index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	if err := nativeAssignU(v, val, depth+1, f.unmarshaler); err != nil {
		return nativePath(err, f.name)
	}
	return nil
}
