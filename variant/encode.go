package variant

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Header bits shared by the encoder and the decoder (the upper 16 bits of
// the 4-byte header word, see Godot's HEADER_DATA_FLAG_* / ENCODE_FLAG_*).
const (
	flag64        = 1 << 16 // INT, FLOAT: 64-bit payload; 4.x math types: float64 components
	flagObjectID  = 1 << 16 // OBJECT: u64 instance id instead of a full object
	kindShiftArr  = 16      // ARRAY (4.2+): element ContainerKind in bits 16-17
	kindShiftKey  = 16      // DICTIONARY (4.4+): key ContainerKind in bits 16-17
	kindShiftVal  = 18      // DICTIONARY (4.4+): value ContainerKind in bits 18-19
	maxHardDepth  = 1 << 14 // nesting cap when MaxDepth is negative or larger: keeps the recursion (Go stack) bounded
	godot3NumType = 27      // Godot 3.2's VARIANT_MAX
)

// noID marks a Type that has no wire id in Godot 3.2.
const noID = 0xFF

// id3 maps a Type (the 4.x id) to Godot 3.2's wire id, or noID.
var id3 = [typeMax]uint8{
	TypeNil: 0, TypeBool: 1, TypeInt: 2, TypeFloat: 3, TypeString: 4, TypeVector2: 5,
	TypeVector2i: noID, TypeRect2: 6, TypeRect2i: noID, TypeVector3: 7, TypeVector3i: noID,
	TypeTransform2D: 8, TypeVector4: noID, TypeVector4i: noID, TypePlane: 9, TypeQuaternion: 10,
	TypeAABB: 11, TypeBasis: 12, TypeTransform3D: 13, TypeProjection: noID, TypeColor: 14,
	TypeStringName: 4, TypeNodePath: 15, TypeRID: 16, TypeObject: 17, TypeCallable: noID,
	TypeSignal: noID, TypeDictionary: 18, TypeArray: 19, TypePackedByteArray: 20,
	TypePackedInt32Array: 21, TypePackedInt64Array: noID, TypePackedFloat32Array: 22,
	TypePackedFloat64Array: noID, TypePackedStringArray: 23, TypePackedVector2Array: 24,
	TypePackedVector3Array: 25, TypePackedColorArray: 26, TypePackedVector4Array: noID,
}

// from3 maps Godot 3.2's wire id to the Type.
var from3 = [godot3NumType]Type{
	TypeNil, TypeBool, TypeInt, TypeFloat, TypeString, TypeVector2, TypeRect2, TypeVector3,
	TypeTransform2D, TypePlane, TypeQuaternion, TypeAABB, TypeBasis, TypeTransform3D, TypeColor,
	TypeNodePath, TypeRID, TypeObject, TypeDictionary, TypeArray, TypePackedByteArray,
	TypePackedInt32Array, TypePackedFloat32Array, TypePackedStringArray, TypePackedVector2Array,
	TypePackedVector3Array, TypePackedColorArray,
}

// Append appends the encoding of the Variant v to dst and returns the
// extended buffer, like Godot's var2bytes (3.2) / var_to_bytes (4.x) with
// full_objects=true for *Object values and as-id for ObjectID values.
//
// v must hold one of the Go types listed at Type (Append also accepts int,
// int8..int32, uint, uint8..uint64 up to math.MaxInt64, float32, and the
// Dictionary, TypedArray and Object structs by value). The layout follows
// e.Format (the zero Format is Godot4):
//
//   - every value starts with a u32 LE header: the type id (3.2 or 4.x
//     numbering) in bits 0-7 and type-specific flags in bits 16-19;
//   - int is i32, or i64 with header bit 16 when outside the int32 range;
//     float is f32 when float64(float32(x)) == x, else f64 with bit 16
//     (so NaN is always 8 bytes and ±Inf 4);
//   - math types are f32, or f64 with bit 16 when Format.Double (4.x);
//     Color and integer vectors never widen;
//   - strings are u32 byte length, UTF-8 bytes, zero padding to 4.
//
// Errors are *EncodeError values wrapping ErrUnavailable (a type or feature
// the Format lacks, such as Vector2i for 3.2 or PackedVector4Array before
// 4.3), ErrInvalidParameter (a Go type with no Variant equivalent, invalid
// UTF-8, an out-of-range integer or container kind) or ErrOutOfMemory
// (nesting deeper than MaxDepth, which is also how cycles are caught). On
// error the returned slice may end in a partial encoding: discard it.
//
// Appending to a buffer with enough capacity allocates nothing.
func (e *Encoder) Append(dst []byte, v any) ([]byte, error) {
	w := encoder{f: e.Format.orDefault(), maxDepth: encMaxDepth(e.MaxDepth)}
	return w.value(dst, v, 0)
}

// Len returns the number of bytes Append would write for v, without
// encoding it; it fails exactly when Append fails. PacketPeer's put_var
// uses it for its encode_buffer_max_size check.
func (e *Encoder) Len(v any) (int, error) {
	w := encoder{f: e.Format.orDefault(), maxDepth: encMaxDepth(e.MaxDepth)}
	return w.size(v, 0)
}

// Append appends the encoding of v to dst with an Encoder configured by
// opts (a Format, MaxDepth); the default is Godot4. See Encoder.Append.
func Append(dst []byte, v any, opts ...Option) ([]byte, error) {
	d := decoderFor(opts)
	e := Encoder{Format: d.Format, MaxDepth: d.MaxDepth}
	return e.Append(dst, v)
}

func encMaxDepth(n int) int {
	switch {
	case n == 0:
		return DefaultMaxDepth
	case n < 0 || n > maxHardDepth:
		return maxHardDepth
	}
	return n
}

type encoder struct {
	f        Format
	maxDepth int
}

// encErr builds an EncodeError; the path is filled in while unwinding.
func encErr(err error, format string, args ...any) error {
	return &EncodeError{Reason: fmt.Sprintf(format, args...), Err: err}
}

// prefixPath prepends a path element to an EncodeError from a nested value.
func prefixPath(err error, elem string) error {
	if ee, ok := err.(*EncodeError); ok {
		if ee.Path != "" && ee.Path[0] != '[' && ee.Path[0] != '.' {
			ee.Path = "." + ee.Path
		}
		ee.Path = elem + ee.Path
	}
	return err
}

func indexPath(i int) string { return "[" + strconv.Itoa(i) + "]" }

func keyPath(k any) string {
	switch k := k.(type) {
	case string:
		return "[" + strconv.Quote(k) + "]"
	case StringName:
		return "[&" + strconv.Quote(string(k)) + "]"
	case int64, bool, float64, nil:
		return fmt.Sprintf("[%v]", k)
	}
	return fmt.Sprintf("[%T key]", k)
}

// id returns the wire id of t in the encoder's Format.
func (w *encoder) id(t Type) (uint32, error) {
	if w.f.is3() {
		if id := id3[t]; id != noID {
			return uint32(id), nil
		}
		return 0, encErr(ErrUnavailable, "%v does not exist in Godot %v", t, w.f)
	}
	if t == TypePackedVector4Array && !w.f.packedVector4() {
		return 0, encErr(ErrUnavailable, "%v needs Godot 4.3 or later, not %v", t, w.f)
	}
	return uint32(t), nil
}

// realWidth returns the bytes per real component of a math type and the
// header flag that goes with it.
func (w *encoder) realWidth() (int, uint32) {
	if w.f.wideReals() {
		return 8, flag64
	}
	return 4, 0
}

func appendU32(dst []byte, x uint32) []byte { return binary.LittleEndian.AppendUint32(dst, x) }
func appendU64(dst []byte, x uint64) []byte { return binary.LittleEndian.AppendUint64(dst, x) }

// appendReals appends real components as f32, or f64 when wide.
func appendReals(dst []byte, wide bool, xs ...float64) []byte {
	if wide {
		for _, x := range xs {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
		}
		return dst
	}
	for _, x := range xs {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(x)))
	}
	return dst
}

func pad4(n int) int { return (4 - n&3) & 3 }

var zeros [4]byte

// appendStr appends a STR block: u32 length, bytes, zero padding to 4.
func appendStr(dst []byte, s string) []byte {
	dst = appendU32(dst, uint32(len(s)))
	dst = append(dst, s...)
	return append(dst, zeros[:pad4(len(s))]...)
}

func strSize(s string) int { return 4 + len(s) + pad4(len(s)) }

// checkStr rejects strings Godot cannot hold: invalid UTF-8 or too long.
func checkStr(s string) error {
	if len(s) > math.MaxInt32-4 {
		return encErr(ErrInvalidParameter, "string of %d bytes is too long", len(s))
	}
	if !utf8.ValidString(s) {
		return encErr(ErrInvalidParameter, "string %.40q is not valid UTF-8", s)
	}
	return nil
}

func checkCount(n int, what string) error {
	if n > math.MaxInt32 {
		return encErr(ErrInvalidParameter, "%s of %d elements is too long", what, n)
	}
	return nil
}

func (w *encoder) depthErr(depth int) error {
	return encErr(ErrOutOfMemory, "nesting deeper than %d (a cycle?)", w.maxDepth)
}

// intOf converts the Go integer types Append accepts to int64.
func intOf(v any) (int64, bool, error) {
	switch x := v.(type) {
	case int64:
		return x, true, nil
	case int:
		return int64(x), true, nil
	case int32:
		return int64(x), true, nil
	case int16:
		return int64(x), true, nil
	case int8:
		return int64(x), true, nil
	case uint8:
		return int64(x), true, nil
	case uint16:
		return int64(x), true, nil
	case uint32:
		return int64(x), true, nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, true, encErr(ErrInvalidParameter, "uint %d is outside the int64 range", x)
		}
		return int64(x), true, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, encErr(ErrInvalidParameter, "uint64 %d is outside the int64 range", x)
		}
		return int64(x), true, nil
	}
	return 0, false, nil
}

func fitsInt32(x int64) bool { return x >= math.MinInt32 && x <= math.MaxInt32 }

// float64IsF32 reports whether x survives a float32 round trip (Godot's rule
// for writing a FLOAT as 4 bytes).
func float64IsF32(x float64) bool { return float64(float32(x)) == x }

func kindOK(c ContainerType) error {
	if c.Kind > KindScript {
		return encErr(ErrInvalidParameter, "container kind %d is not 0-3", c.Kind)
	}
	if c.Kind == KindBuiltin && c.Builtin >= typeMax {
		return encErr(ErrInvalidParameter, "container element type %d is not a Variant type", c.Builtin)
	}
	if c.Kind != KindBuiltin && c.Kind != KindNone {
		if err := checkStr(c.Class); err != nil {
			return err
		}
	}
	return nil
}

// typeDesc appends a container type descriptor (4.2+, §6.3).
func (w *encoder) typeDesc(dst []byte, c ContainerType) ([]byte, error) {
	switch c.Kind {
	case KindNone:
		return dst, nil
	case KindBuiltin:
		if c.Builtin == TypePackedVector4Array && !w.f.packedVector4() {
			return dst, encErr(ErrUnavailable, "%v needs Godot 4.3 or later, not %v", c.Builtin, w.f)
		}
		return appendU32(dst, uint32(c.Builtin)), nil
	}
	return appendStr(dst, c.Class), nil
}

func typeDescSize(c ContainerType) int {
	switch c.Kind {
	case KindNone:
		return 0
	case KindBuiltin:
		return 4
	}
	return strSize(c.Class)
}

// value appends v at nesting depth depth.
func (w *encoder) value(dst []byte, v any, depth int) ([]byte, error) {
	if depth > w.maxDepth {
		return dst, w.depthErr(depth)
	}
	is3 := w.f.is3()
	switch x := v.(type) {
	case nil:
		return appendU32(dst, 0), nil
	case bool:
		b := uint32(0)
		if x {
			b = 1
		}
		return appendU32(appendU32(dst, uint32(TypeBool)), b), nil
	case int64:
		return appendInt(dst, x), nil
	case float64:
		return appendFloat(dst, x), nil
	case string:
		if err := checkStr(x); err != nil {
			return dst, err
		}
		return appendStr(appendU32(dst, uint32(TypeString)), x), nil
	case StringName:
		if err := checkStr(string(x)); err != nil {
			return dst, err
		}
		id := uint32(TypeStringName)
		if is3 {
			id = uint32(TypeString) // Godot 3 sends a StringName as a String
		}
		return appendStr(appendU32(dst, id), string(x)), nil
	case float32:
		return appendFloat(dst, float64(x)), nil
	case Vector2:
		return w.math(dst, TypeVector2, x.X, x.Y)
	case Rect2:
		return w.math(dst, TypeRect2, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y)
	case Vector3:
		return w.math(dst, TypeVector3, x.X, x.Y, x.Z)
	case Transform2D:
		return w.math(dst, TypeTransform2D, x.X.X, x.X.Y, x.Y.X, x.Y.Y, x.Origin.X, x.Origin.Y)
	case Vector4:
		return w.math(dst, TypeVector4, x.X, x.Y, x.Z, x.W)
	case Plane:
		return w.math(dst, TypePlane, x.Normal.X, x.Normal.Y, x.Normal.Z, x.D)
	case Quaternion:
		return w.math(dst, TypeQuaternion, x.X, x.Y, x.Z, x.W)
	case AABB:
		return w.math(dst, TypeAABB, x.Position.X, x.Position.Y, x.Position.Z, x.Size.X, x.Size.Y, x.Size.Z)
	case Basis:
		r := &x.Rows
		return w.math(dst, TypeBasis, r[0].X, r[0].Y, r[0].Z, r[1].X, r[1].Y, r[1].Z, r[2].X, r[2].Y, r[2].Z)
	case Transform3D:
		r := &x.Basis.Rows
		return w.math(dst, TypeTransform3D, r[0].X, r[0].Y, r[0].Z, r[1].X, r[1].Y, r[1].Z, r[2].X, r[2].Y, r[2].Z,
			x.Origin.X, x.Origin.Y, x.Origin.Z)
	case Projection:
		c := &x.Columns
		return w.math(dst, TypeProjection, c[0].X, c[0].Y, c[0].Z, c[0].W, c[1].X, c[1].Y, c[1].Z, c[1].W,
			c[2].X, c[2].Y, c[2].Z, c[2].W, c[3].X, c[3].Y, c[3].Z, c[3].W)
	case Vector2i:
		return w.ints(dst, TypeVector2i, x.X, x.Y)
	case Rect2i:
		return w.ints(dst, TypeRect2i, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y)
	case Vector3i:
		return w.ints(dst, TypeVector3i, x.X, x.Y, x.Z)
	case Vector4i:
		return w.ints(dst, TypeVector4i, x.X, x.Y, x.Z, x.W)
	case Color:
		id, _ := w.id(TypeColor)
		dst = appendU32(dst, id)
		return appendColor(dst, x), nil
	case NodePath:
		return w.nodePath(dst, &x)
	case *NodePath:
		if x == nil {
			return w.nodePath(dst, &NodePath{})
		}
		return w.nodePath(dst, x)
	case RID:
		id, _ := w.id(TypeRID)
		dst = appendU32(dst, id)
		if is3 {
			return dst, nil // Godot 3.2 sends no RID payload
		}
		return appendU64(dst, uint64(x)), nil
	case ObjectID:
		id, _ := w.id(TypeObject)
		return appendU64(appendU32(dst, id|flagObjectID), uint64(x)), nil
	case *Object:
		return w.object(dst, x, depth)
	case Object:
		return w.object(dst, &x, depth)
	case Callable:
		id, err := w.id(TypeCallable)
		if err != nil {
			return dst, err
		}
		return appendU32(dst, id), nil
	case Signal:
		id, err := w.id(TypeSignal)
		if err != nil {
			return dst, err
		}
		if err := checkStr(x.Name); err != nil {
			return dst, err
		}
		return appendU64(appendStr(appendU32(dst, id), x.Name), uint64(x.Object)), nil
	case *Dictionary:
		return w.dict(dst, x, depth)
	case Dictionary:
		return w.dict(dst, &x, depth)
	case []any:
		return w.array(dst, ContainerType{}, x, depth)
	case *TypedArray:
		if x == nil {
			return w.array(dst, ContainerType{}, nil, depth)
		}
		return w.array(dst, x.Elem, x.Values, depth)
	case TypedArray:
		return w.array(dst, x.Elem, x.Values, depth)
	case []byte:
		return w.packedBytes(dst, x)
	case []int32:
		dst, err := w.packedHead(dst, TypePackedInt32Array, 0, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendU32(dst, uint32(e))
		}
		return dst, nil
	case []int64:
		dst, err := w.packedHead(dst, TypePackedInt64Array, 0, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendU64(dst, uint64(e))
		}
		return dst, nil
	case []float32:
		dst, err := w.packedHead(dst, TypePackedFloat32Array, 0, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendU32(dst, math.Float32bits(e))
		}
		return dst, nil
	case []float64:
		dst, err := w.packedHead(dst, TypePackedFloat64Array, 0, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendU64(dst, math.Float64bits(e))
		}
		return dst, nil
	case []string:
		return w.packedStrings(dst, x)
	case []Vector2:
		width, flag := w.realWidth()
		dst, err := w.packedHead(dst, TypePackedVector2Array, flag, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendReals(dst, width == 8, e.X, e.Y)
		}
		return dst, nil
	case []Vector3:
		width, flag := w.realWidth()
		dst, err := w.packedHead(dst, TypePackedVector3Array, flag, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendReals(dst, width == 8, e.X, e.Y, e.Z)
		}
		return dst, nil
	case []Vector4:
		width, flag := w.realWidth()
		dst, err := w.packedHead(dst, TypePackedVector4Array, flag, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendReals(dst, width == 8, e.X, e.Y, e.Z, e.W)
		}
		return dst, nil
	case []Color:
		dst, err := w.packedHead(dst, TypePackedColorArray, 0, len(x))
		if err != nil {
			return dst, err
		}
		for _, e := range x {
			dst = appendColor(dst, e)
		}
		return dst, nil
	}
	if i, ok, err := intOf(v); ok {
		if err != nil {
			return dst, err
		}
		return appendInt(dst, i), nil
	}
	return dst, unknownType(v)
}

func unknownType(v any) error {
	return encErr(ErrInvalidParameter, "Go type %v has no Variant equivalent", reflect.TypeOf(v))
}

func appendInt(dst []byte, x int64) []byte {
	if fitsInt32(x) {
		return appendU32(appendU32(dst, uint32(TypeInt)), uint32(int32(x)))
	}
	return appendU64(appendU32(dst, uint32(TypeInt)|flag64), uint64(x))
}

func appendFloat(dst []byte, x float64) []byte {
	if float64IsF32(x) {
		return appendU32(appendU32(dst, uint32(TypeFloat)), math.Float32bits(float32(x)))
	}
	return appendU64(appendU32(dst, uint32(TypeFloat)|flag64), math.Float64bits(x))
}

func appendColor(dst []byte, c Color) []byte {
	dst = appendU32(dst, math.Float32bits(c.R))
	dst = appendU32(dst, math.Float32bits(c.G))
	dst = appendU32(dst, math.Float32bits(c.B))
	return appendU32(dst, math.Float32bits(c.A))
}

// math appends a real-valued math type.
func (w *encoder) math(dst []byte, t Type, xs ...float64) ([]byte, error) {
	id, err := w.id(t)
	if err != nil {
		return dst, err
	}
	width, flag := w.realWidth()
	return appendReals(appendU32(dst, id|flag), width == 8, xs...), nil
}

// ints appends an integer vector type (4.x only).
func (w *encoder) ints(dst []byte, t Type, xs ...int32) ([]byte, error) {
	id, err := w.id(t)
	if err != nil {
		return dst, err
	}
	dst = appendU32(dst, id)
	for _, x := range xs {
		dst = appendU32(dst, uint32(x))
	}
	return dst, nil
}

func (w *encoder) nodePath(dst []byte, p *NodePath) ([]byte, error) {
	if err := checkCount(len(p.Names), "NodePath"); err != nil {
		return dst, err
	}
	if err := checkCount(len(p.SubNames), "NodePath"); err != nil {
		return dst, err
	}
	for _, s := range p.Names {
		if err := checkStr(s); err != nil {
			return dst, err
		}
	}
	for _, s := range p.SubNames {
		if err := checkStr(s); err != nil {
			return dst, err
		}
	}
	id, _ := w.id(TypeNodePath)
	flags := uint32(0)
	if p.Absolute {
		flags = 1
	}
	dst = appendU32(dst, id)
	dst = appendU32(dst, uint32(len(p.Names))|0x80000000)
	dst = appendU32(dst, uint32(len(p.SubNames)))
	dst = appendU32(dst, flags)
	for _, s := range p.Names {
		dst = appendStr(dst, s)
	}
	for _, s := range p.SubNames {
		dst = appendStr(dst, s)
	}
	return dst, nil
}

func (w *encoder) object(dst []byte, o *Object, depth int) ([]byte, error) {
	id, _ := w.id(TypeObject)
	if o == nil || o.Class == "" {
		if w.f.is3() {
			// 3.2 full mode: empty class name (null object).
			return appendU32(appendU32(dst, id), 0), nil
		}
		return appendU32(dst, 0), nil // 4.x writes a null object as NIL
	}
	if err := checkStr(o.Class); err != nil {
		return dst, err
	}
	if err := checkCount(len(o.Properties), "object property list"); err != nil {
		return dst, err
	}
	dst = appendStr(appendU32(dst, id), o.Class)
	dst = appendU32(dst, uint32(len(o.Properties)))
	for i := range o.Properties {
		p := &o.Properties[i]
		if err := checkStr(p.Name); err != nil {
			return dst, prefixPath(err, "."+p.Name)
		}
		dst = appendStr(dst, p.Name)
		var err error
		if dst, err = w.value(dst, p.Value, depth+1); err != nil {
			return dst, prefixPath(err, "."+p.Name)
		}
	}
	return dst, nil
}

func (w *encoder) dict(dst []byte, d *Dictionary, depth int) ([]byte, error) {
	id, _ := w.id(TypeDictionary)
	hdr := id
	if w.f.typedDictionaries() && d != nil {
		if err := kindOK(d.KeyType); err != nil {
			return dst, err
		}
		if err := kindOK(d.ValueType); err != nil {
			return dst, err
		}
		hdr |= uint32(d.KeyType.Kind)<<kindShiftKey | uint32(d.ValueType.Kind)<<kindShiftVal
	}
	entries := d.Entries()
	if err := checkCount(len(entries), "Dictionary"); err != nil {
		return dst, err
	}
	dst = appendU32(dst, hdr)
	if w.f.typedDictionaries() && d != nil {
		var err error
		if dst, err = w.typeDesc(dst, d.KeyType); err != nil {
			return dst, err
		}
		if dst, err = w.typeDesc(dst, d.ValueType); err != nil {
			return dst, err
		}
	}
	dst = appendU32(dst, uint32(len(entries)))
	for i := range entries {
		var err error
		if dst, err = w.value(dst, entries[i].Key, depth+1); err != nil {
			return dst, prefixPath(err, "{key "+strconv.Itoa(i)+"}")
		}
		if dst, err = w.value(dst, entries[i].Value, depth+1); err != nil {
			return dst, prefixPath(err, keyPath(entries[i].Key))
		}
	}
	return dst, nil
}

func (w *encoder) array(dst []byte, elem ContainerType, vals []any, depth int) ([]byte, error) {
	id, _ := w.id(TypeArray)
	typed := w.f.typedArrays() && elem.Kind != KindNone
	if typed {
		if err := kindOK(elem); err != nil {
			return dst, err
		}
		id |= uint32(elem.Kind) << kindShiftArr
	}
	if err := checkCount(len(vals), "Array"); err != nil {
		return dst, err
	}
	dst = appendU32(dst, id)
	if typed {
		var err error
		if dst, err = w.typeDesc(dst, elem); err != nil {
			return dst, err
		}
	}
	dst = appendU32(dst, uint32(len(vals)))
	for i, e := range vals {
		var err error
		if dst, err = w.value(dst, e, depth+1); err != nil {
			return dst, prefixPath(err, indexPath(i))
		}
	}
	return dst, nil
}

// packedHead appends a packed array's header and count, growing dst once
// for elements of the given total size.
func (w *encoder) packedHead(dst []byte, t Type, flag uint32, n int) ([]byte, error) {
	id, err := w.id(t)
	if err != nil {
		return dst, err
	}
	if err := checkCount(n, t.String()); err != nil {
		return dst, err
	}
	return appendU32(appendU32(dst, id|flag), uint32(n)), nil
}

func (w *encoder) packedBytes(dst []byte, b []byte) ([]byte, error) {
	dst, err := w.packedHead(dst, TypePackedByteArray, 0, len(b))
	if err != nil {
		return dst, err
	}
	dst = append(dst, b...)
	return append(dst, zeros[:pad4(len(b))]...), nil
}

// packedStrings appends a packed string array: each element is u32
// (length+1), the bytes, a NUL, and zero padding to 4.
func (w *encoder) packedStrings(dst []byte, ss []string) ([]byte, error) {
	for i, s := range ss {
		if err := checkStr(s); err != nil {
			return dst, prefixPath(err, indexPath(i))
		}
	}
	dst, err := w.packedHead(dst, TypePackedStringArray, 0, len(ss))
	if err != nil {
		return dst, err
	}
	for _, s := range ss {
		dst = appendU32(dst, uint32(len(s)+1))
		dst = append(dst, s...)
		dst = append(dst, zeros[:1+pad4(len(s)+1)]...)
	}
	return dst, nil
}

// size computes the encoded length of v; it fails exactly when value does.
func (w *encoder) size(v any, depth int) (int, error) {
	if depth > w.maxDepth {
		return 0, w.depthErr(depth)
	}
	wide := w.f.wideReals()
	real := func(t Type, n int) (int, error) {
		if _, err := w.id(t); err != nil {
			return 0, err
		}
		if wide {
			return 4 + 8*n, nil
		}
		return 4 + 4*n, nil
	}
	fixed := func(t Type, n int) (int, error) {
		if _, err := w.id(t); err != nil {
			return 0, err
		}
		return n, nil
	}
	packed := func(t Type, n, elem int) (int, error) {
		if _, err := w.id(t); err != nil {
			return 0, err
		}
		if err := checkCount(n, t.String()); err != nil {
			return 0, err
		}
		return 8 + n*elem, nil
	}
	realElem := 4
	if wide {
		realElem = 8
	}
	switch x := v.(type) {
	case nil:
		return 4, nil
	case bool:
		return 8, nil
	case int64:
		return intSize(x), nil
	case float64:
		return floatSize(x), nil
	case float32:
		return floatSize(float64(x)), nil // NaN widens to 8 bytes
	case string:
		if err := checkStr(x); err != nil {
			return 0, err
		}
		return 4 + strSize(x), nil
	case StringName:
		if err := checkStr(string(x)); err != nil {
			return 0, err
		}
		return 4 + strSize(string(x)), nil
	case Vector2:
		return real(TypeVector2, 2)
	case Rect2:
		return real(TypeRect2, 4)
	case Vector3:
		return real(TypeVector3, 3)
	case Transform2D:
		return real(TypeTransform2D, 6)
	case Vector4:
		return real(TypeVector4, 4)
	case Plane:
		return real(TypePlane, 4)
	case Quaternion:
		return real(TypeQuaternion, 4)
	case AABB:
		return real(TypeAABB, 6)
	case Basis:
		return real(TypeBasis, 9)
	case Transform3D:
		return real(TypeTransform3D, 12)
	case Projection:
		return real(TypeProjection, 16)
	case Vector2i:
		return fixed(TypeVector2i, 12)
	case Rect2i:
		return fixed(TypeRect2i, 20)
	case Vector3i:
		return fixed(TypeVector3i, 16)
	case Vector4i:
		return fixed(TypeVector4i, 20)
	case Color:
		return 20, nil
	case NodePath:
		return nodePathSize(&x)
	case *NodePath:
		if x == nil {
			return 16, nil
		}
		return nodePathSize(x)
	case RID:
		if w.f.is3() {
			return 4, nil
		}
		return 12, nil
	case ObjectID:
		return 12, nil
	case *Object:
		return w.objectSize(x, depth)
	case Object:
		return w.objectSize(&x, depth)
	case Callable:
		return fixed(TypeCallable, 4)
	case Signal:
		if _, err := w.id(TypeSignal); err != nil {
			return 0, err
		}
		if err := checkStr(x.Name); err != nil {
			return 0, err
		}
		return 4 + strSize(x.Name) + 8, nil
	case *Dictionary:
		return w.dictSize(x, depth)
	case Dictionary:
		return w.dictSize(&x, depth)
	case []any:
		return w.arraySize(ContainerType{}, x, depth)
	case *TypedArray:
		if x == nil {
			return 8, nil
		}
		return w.arraySize(x.Elem, x.Values, depth)
	case TypedArray:
		return w.arraySize(x.Elem, x.Values, depth)
	case []byte:
		n, err := packed(TypePackedByteArray, len(x), 1)
		return n + pad4(len(x)), err
	case []int32:
		return packed(TypePackedInt32Array, len(x), 4)
	case []int64:
		return packed(TypePackedInt64Array, len(x), 8)
	case []float32:
		return packed(TypePackedFloat32Array, len(x), 4)
	case []float64:
		return packed(TypePackedFloat64Array, len(x), 8)
	case []string:
		n := 8
		for _, s := range x {
			if err := checkStr(s); err != nil {
				return 0, err
			}
			n += 4 + len(s) + 1 + pad4(len(s)+1)
		}
		if err := checkCount(len(x), "PackedStringArray"); err != nil {
			return 0, err
		}
		return n, nil
	case []Vector2:
		return packed(TypePackedVector2Array, len(x), 2*realElem)
	case []Vector3:
		return packed(TypePackedVector3Array, len(x), 3*realElem)
	case []Vector4:
		return packed(TypePackedVector4Array, len(x), 4*realElem)
	case []Color:
		return packed(TypePackedColorArray, len(x), 16)
	}
	if i, ok, err := intOf(v); ok {
		if err != nil {
			return 0, err
		}
		return intSize(i), nil
	}
	return 0, unknownType(v)
}

func intSize(x int64) int {
	if fitsInt32(x) {
		return 8
	}
	return 12
}

func floatSize(x float64) int {
	if float64IsF32(x) {
		return 8
	}
	return 12
}

func nodePathSize(p *NodePath) (int, error) {
	if err := checkCount(len(p.Names), "NodePath"); err != nil {
		return 0, err
	}
	if err := checkCount(len(p.SubNames), "NodePath"); err != nil {
		return 0, err
	}
	n := 16
	for _, s := range p.Names {
		if err := checkStr(s); err != nil {
			return 0, err
		}
		n += strSize(s)
	}
	for _, s := range p.SubNames {
		if err := checkStr(s); err != nil {
			return 0, err
		}
		n += strSize(s)
	}
	return n, nil
}

func (w *encoder) objectSize(o *Object, depth int) (int, error) {
	if o == nil || o.Class == "" {
		if w.f.is3() {
			return 8, nil
		}
		return 4, nil
	}
	if err := checkStr(o.Class); err != nil {
		return 0, err
	}
	if err := checkCount(len(o.Properties), "object property list"); err != nil {
		return 0, err
	}
	n := 4 + strSize(o.Class) + 4
	for i := range o.Properties {
		p := &o.Properties[i]
		if err := checkStr(p.Name); err != nil {
			return 0, prefixPath(err, "."+p.Name)
		}
		m, err := w.size(p.Value, depth+1)
		if err != nil {
			return 0, prefixPath(err, "."+p.Name)
		}
		n += strSize(p.Name) + m
	}
	return n, nil
}

func (w *encoder) dictSize(d *Dictionary, depth int) (int, error) {
	n := 8
	if w.f.typedDictionaries() && d != nil {
		if err := kindOK(d.KeyType); err != nil {
			return 0, err
		}
		if err := kindOK(d.ValueType); err != nil {
			return 0, err
		}
		for _, c := range [2]ContainerType{d.KeyType, d.ValueType} {
			if c.Kind == KindBuiltin && c.Builtin == TypePackedVector4Array && !w.f.packedVector4() {
				return 0, encErr(ErrUnavailable, "%v needs Godot 4.3 or later, not %v", c.Builtin, w.f)
			}
		}
		n += typeDescSize(d.KeyType) + typeDescSize(d.ValueType)
	}
	entries := d.Entries()
	if err := checkCount(len(entries), "Dictionary"); err != nil {
		return 0, err
	}
	for i := range entries {
		m, err := w.size(entries[i].Key, depth+1)
		if err != nil {
			return 0, prefixPath(err, "{key "+strconv.Itoa(i)+"}")
		}
		n += m
		if m, err = w.size(entries[i].Value, depth+1); err != nil {
			return 0, prefixPath(err, keyPath(entries[i].Key))
		}
		n += m
	}
	return n, nil
}

func (w *encoder) arraySize(elem ContainerType, vals []any, depth int) (int, error) {
	n := 8
	if w.f.typedArrays() && elem.Kind != KindNone {
		if err := kindOK(elem); err != nil {
			return 0, err
		}
		if elem.Kind == KindBuiltin && elem.Builtin == TypePackedVector4Array && !w.f.packedVector4() {
			return 0, encErr(ErrUnavailable, "%v needs Godot 4.3 or later, not %v", elem.Builtin, w.f)
		}
		n += typeDescSize(elem)
	}
	if err := checkCount(len(vals), "Array"); err != nil {
		return 0, err
	}
	for i, e := range vals {
		m, err := w.size(e, depth+1)
		if err != nil {
			return 0, prefixPath(err, indexPath(i))
		}
		n += m
	}
	return n, nil
}
