package variant

import (
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// FormatText returns Godot's text form of the Variant value v, as Godot's
// var_to_str (4.x) or var2str (3.2) prints it for the given Format (the zero
// Format means Godot4). It is meant for printing and logging; it is not a
// parser input and loses information (floats are printed with 6 significant
// digits, as Godot does). Use MarshalJSON for a lossless text form.
//
// Verified against the engines (see text_test.go for the observed strings):
// Godot 3.2.3 (var2str) and Godot 4.2-dev (var_to_str), for nil, bool, int,
// float (including -0, NaN and the infinities), String, StringName, every
// math type, Color, NodePath, RID, Callable, Signal, Object (full and as an
// id), Array (typed and untyped), Dictionary and every packed array.
//
// Godot's rules, as observed:
//   - Reals use C's "%g" (6 significant digits); zero is "0". Godot 4 writes
//     NaN as "nan", +Inf as "inf" and -Inf as "inf_neg"; Godot 3.2 writes
//     "nan" (or "-nan" when the sign bit is set), "inf" and "-inf". A float
//     scalar gets ".0" appended when it has no '.' or 'e' (so -Inf is
//     "-inf.0" in 3.2 and -NaN "-nan.0"). Real components are rounded to
//     float32 first (official single-precision builds; not with
//     Format.Double), and so is a Godot 3.2 float scalar (3.2's real_t).
//   - Godot 4 writes Vector2(1.5, -2); Godot 3.2 writes Vector2( 1.5, -2 ),
//     with its own type names (Quat, Transform, PoolIntArray, ...).
//   - Strings are quoted with only '"' and '\' escaped; StringName (4.x:
//     &"..."), NodePath and packed string elements use C escapes (\n, \t,
//     \', ...; 3.2 also escapes '?'). In 3.2 a StringName prints as a String.
//   - Dictionary keys are sorted as Godot's Variant '<' sorts them: by type
//     id (of the Format), then by value for bool, int, float, String,
//     StringName, Vector2, Vector3, RID, and in 4.x also Vector2i, Vector3i,
//     Vector4, Vector4i and Array (element by element). Keys Godot cannot
//     order keep their insertion order (Godot's own order is then
//     unspecified). A non-empty Dictionary is printed over several lines,
//     "{\n" + "key: value" joined by ",\n" + "\n}"; empty it is "{}" (4.x) or
//     "{\n\n}" (3.2).
//   - Arrays: [1, 2] (4.x), [ 1, 2 ] (3.2); a typed Array in 4.x is
//     Array[int]([1, 2]) (3.2 has none).
//   - Objects: Object(Class,"prop":value,...) followed by a newline; an
//     ObjectID prints as Godot's EncodedObjectAsID object; a null object is
//     null. RID, Callable and Signal carry no value in the text form: RID()
//     (3.2 prints nothing), Callable(), Signal().
//
// Deviations, not verified against an engine: typed Dictionaries print as
// Dictionary[K, V]({...}) for Formats 4.4 and later, with "Variant" for an
// untyped side and Resource("path") for a script type (as in Array[...]);
// Godot 3.2 has no Vector2i, Callable, ... and those print with their 4.x
// names in 3.2's spacing; newer 4.x releases may print floats with more
// digits. Containers nested deeper than DefaultMaxDepth (cycles) print as
// [...] or {...}; a Go value with no Variant equivalent prints as
// <unsupported Go type T>. FormatText never panics.
func FormatText(v any, f Format) string {
	f = f.orDefault()
	w := txtWriter{g4: !f.is3(), double: f.wideReals(), typedDict: f.typedDictionaries()}
	w.value(v, 0)
	return w.b.String()
}

type txtWriter struct {
	g4, double, typedDict bool
	b                     strings.Builder
}

// txtNames3 are Godot 3.2's names of the types it renamed in 4.x.
var txtNames3 = map[Type]string{
	TypeQuaternion:         "Quat",
	TypeTransform3D:        "Transform",
	TypePackedByteArray:    "PoolByteArray",
	TypePackedInt32Array:   "PoolIntArray",
	TypePackedFloat32Array: "PoolRealArray",
	TypePackedStringArray:  "PoolStringArray",
	TypePackedVector2Array: "PoolVector2Array",
	TypePackedVector3Array: "PoolVector3Array",
	TypePackedColorArray:   "PoolColorArray",
}

func (w *txtWriter) name(t Type) string {
	if !w.g4 {
		if n, ok := txtNames3[t]; ok {
			return n
		}
	}
	return t.String()
}

func (w *txtWriter) open(t Type) {
	w.b.WriteString(w.name(t))
	w.b.WriteByte('(')
	if !w.g4 {
		w.b.WriteByte(' ')
	}
}

func (w *txtWriter) close() {
	if !w.g4 {
		w.b.WriteByte(' ')
	}
	w.b.WriteByte(')')
}

func (w *txtWriter) sep(i int) {
	if i > 0 {
		w.b.WriteString(", ")
	}
}

// real formats one real component (Godot's rtos_fix / rtosfix).
func (w *txtWriter) real(x float64, isF32 bool) string {
	if isF32 {
		x = float64(float32(x))
	}
	switch {
	case x == 0:
		return "0"
	case math.IsNaN(x):
		if !w.g4 && math.Signbit(x) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		if w.g4 {
			return "inf_neg"
		}
		return "-inf"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

func (w *txtWriter) reals(t Type, xs ...float64) {
	w.open(t)
	for i, x := range xs {
		w.sep(i)
		w.b.WriteString(w.real(x, !w.double))
	}
	w.close()
}

func (w *txtWriter) ints(t Type, xs ...int32) {
	w.open(t)
	for i, x := range xs {
		w.sep(i)
		w.b.WriteString(strconv.FormatInt(int64(x), 10))
	}
	w.close()
}

func (w *txtWriter) float(x float64) {
	s := w.real(x, !w.g4)
	switch s {
	case "inf", "nan", "inf_neg":
	default:
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
	}
	w.b.WriteString(s)
}

// quoted writes s between double quotes with only '"' and '\' escaped
// (Godot's c_escape_multiline).
func (w *txtWriter) quoted(s string) {
	w.b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			w.b.WriteByte('\\')
		}
		w.b.WriteByte(s[i])
	}
	w.b.WriteByte('"')
}

// cQuoted writes s between double quotes with Godot's c_escape.
func (w *txtWriter) cQuoted(s string) {
	w.b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		var e byte
		switch c {
		case '\\', '\'', '"':
			e = c
		case '?':
			if !w.g4 {
				e = c
			}
		case '\a':
			e = 'a'
		case '\b':
			e = 'b'
		case '\f':
			e = 'f'
		case '\n':
			e = 'n'
		case '\r':
			e = 'r'
		case '\t':
			e = 't'
		case '\v':
			e = 'v'
		}
		if e != 0 {
			w.b.WriteByte('\\')
			w.b.WriteByte(e)
		} else {
			w.b.WriteByte(c)
		}
	}
	w.b.WriteByte('"')
}

func (w *txtWriter) value(v any, depth int) {
	switch x := v.(type) {
	case nil:
		w.b.WriteString("null")
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case int64:
		w.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		w.float(x)
	case float32:
		w.float(float64(x))
	case string:
		w.quoted(x)
	case StringName:
		if w.g4 {
			w.b.WriteByte('&')
			w.cQuoted(string(x))
		} else {
			w.quoted(string(x))
		}
	case Vector2:
		w.reals(TypeVector2, x.X, x.Y)
	case Vector3:
		w.reals(TypeVector3, x.X, x.Y, x.Z)
	case Vector4:
		w.reals(TypeVector4, x.X, x.Y, x.Z, x.W)
	case Rect2:
		w.reals(TypeRect2, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y)
	case Transform2D:
		w.reals(TypeTransform2D, x.X.X, x.X.Y, x.Y.X, x.Y.Y, x.Origin.X, x.Origin.Y)
	case Plane:
		w.reals(TypePlane, x.Normal.X, x.Normal.Y, x.Normal.Z, x.D)
	case Quaternion:
		w.reals(TypeQuaternion, x.X, x.Y, x.Z, x.W)
	case AABB:
		w.reals(TypeAABB, x.Position.X, x.Position.Y, x.Position.Z, x.Size.X, x.Size.Y, x.Size.Z)
	case Basis:
		w.reals(TypeBasis, jsBasis(x)...)
	case Transform3D:
		w.reals(TypeTransform3D, append(jsBasis(x.Basis), x.Origin.X, x.Origin.Y, x.Origin.Z)...)
	case Projection:
		xs := make([]float64, 0, 16)
		for _, c := range x.Columns {
			xs = append(xs, c.X, c.Y, c.Z, c.W)
		}
		w.reals(TypeProjection, xs...)
	case Vector2i:
		w.ints(TypeVector2i, x.X, x.Y)
	case Vector3i:
		w.ints(TypeVector3i, x.X, x.Y, x.Z)
	case Vector4i:
		w.ints(TypeVector4i, x.X, x.Y, x.Z, x.W)
	case Rect2i:
		w.ints(TypeRect2i, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y)
	case Color:
		w.open(TypeColor)
		for i, c := range [4]float32{x.R, x.G, x.B, x.A} {
			w.sep(i)
			w.b.WriteString(w.real(float64(c), true))
		}
		w.close()
	case NodePath:
		w.nodePath(&x)
	case *NodePath:
		if x == nil {
			x = &NodePath{}
		}
		w.nodePath(x)
	case RID:
		if w.g4 {
			w.b.WriteString("RID()")
		}
	case ObjectID:
		if x == 0 {
			w.b.WriteString("null")
			return
		}
		w.b.WriteString(`Object(EncodedObjectAsID,"object_id":`)
		w.b.WriteString(strconv.FormatUint(uint64(x), 10))
		w.b.WriteString(",\"script\":null)\n")
	case *Object:
		w.object(x, depth)
	case Object:
		w.object(&x, depth)
	case Callable:
		w.b.WriteString("Callable()")
	case Signal:
		w.b.WriteString("Signal()")
	case *Dictionary:
		w.dict(x, depth)
	case Dictionary:
		w.dict(&x, depth)
	case []any:
		w.array(ContainerType{}, x, depth)
	case *TypedArray:
		if x == nil {
			x = &TypedArray{}
		}
		w.array(x.Elem, x.Values, depth)
	case TypedArray:
		w.array(x.Elem, x.Values, depth)
	case []byte:
		w.open(TypePackedByteArray)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(strconv.Itoa(int(e)))
		}
		w.close()
	case []int32:
		w.open(TypePackedInt32Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(strconv.FormatInt(int64(e), 10))
		}
		w.close()
	case []int64:
		w.open(TypePackedInt64Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(strconv.FormatInt(e, 10))
		}
		w.close()
	case []float32:
		w.open(TypePackedFloat32Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(float64(e), true))
		}
		w.close()
	case []float64:
		w.open(TypePackedFloat64Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(e, false))
		}
		w.close()
	case []string:
		w.open(TypePackedStringArray)
		for i, e := range x {
			w.sep(i)
			w.cQuoted(e)
		}
		w.close()
	case []Vector2:
		w.open(TypePackedVector2Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(e.X, !w.double) + ", " + w.real(e.Y, !w.double))
		}
		w.close()
	case []Vector3:
		w.open(TypePackedVector3Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(e.X, !w.double) + ", " + w.real(e.Y, !w.double) + ", " + w.real(e.Z, !w.double))
		}
		w.close()
	case []Vector4:
		w.open(TypePackedVector4Array)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(e.X, !w.double) + ", " + w.real(e.Y, !w.double) + ", " +
				w.real(e.Z, !w.double) + ", " + w.real(e.W, !w.double))
		}
		w.close()
	case []Color:
		w.open(TypePackedColorArray)
		for i, e := range x {
			w.sep(i)
			w.b.WriteString(w.real(float64(e.R), true) + ", " + w.real(float64(e.G), true) + ", " +
				w.real(float64(e.B), true) + ", " + w.real(float64(e.A), true))
		}
		w.close()
	default:
		if i, ok := jsGoInt(v); ok {
			w.b.WriteString(strconv.FormatInt(i, 10))
			return
		}
		if u, ok := v.(uint64); ok {
			w.b.WriteString(strconv.FormatUint(u, 10))
			return
		}
		if u, ok := v.(uint); ok {
			w.b.WriteString(strconv.FormatUint(uint64(u), 10))
			return
		}
		w.b.WriteString("<unsupported Go type " + reflect.TypeOf(v).String() + ">")
	}
}

func (w *txtWriter) nodePath(p *NodePath) {
	w.b.WriteString("NodePath(")
	w.cQuoted(nodePathString(p))
	w.b.WriteByte(')')
}

func (w *txtWriter) object(o *Object, depth int) {
	if o == nil || o.Class == "" {
		w.b.WriteString("null")
		return
	}
	if depth >= DefaultMaxDepth {
		w.b.WriteString("Object(...)\n")
		return
	}
	w.b.WriteString("Object(")
	w.b.WriteString(o.Class)
	w.b.WriteByte(',')
	for i := range o.Properties {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.quoted(o.Properties[i].Name)
		w.b.WriteByte(':')
		w.value(o.Properties[i].Value, depth+1)
	}
	w.b.WriteString(")\n")
}

// containerName is the name of a container element type in Array[...] and
// Dictionary[...].
func (w *txtWriter) containerName(c ContainerType) string {
	switch c.Kind {
	case KindBuiltin:
		if c.Builtin != TypeNil {
			return c.Builtin.String()
		}
	case KindClassName:
		return c.Class
	case KindScript:
		var b txtWriter
		b.b.WriteString("Resource(")
		b.quoted(c.Class)
		b.b.WriteByte(')')
		return b.b.String()
	}
	return "Variant"
}

func (w *txtWriter) array(elem ContainerType, vals []any, depth int) {
	typed := w.g4 && elem.Kind != KindNone
	if typed {
		w.b.WriteString("Array[" + w.containerName(elem) + "](")
	}
	switch {
	case depth >= DefaultMaxDepth:
		w.b.WriteString("[...]")
	case len(vals) == 0 && w.g4:
		w.b.WriteString("[]")
	default:
		w.b.WriteByte('[')
		if !w.g4 {
			w.b.WriteByte(' ')
		}
		for i, e := range vals {
			w.sep(i)
			w.value(e, depth+1)
		}
		if !w.g4 {
			w.b.WriteByte(' ')
		}
		w.b.WriteByte(']')
	}
	if typed {
		w.b.WriteByte(')')
	}
}

func (w *txtWriter) dict(d *Dictionary, depth int) {
	typed := d != nil && w.typedDict && (d.KeyType.Kind != KindNone || d.ValueType.Kind != KindNone)
	if typed {
		w.b.WriteString("Dictionary[" + w.containerName(d.KeyType) + ", " + w.containerName(d.ValueType) + "](")
	}
	entries := d.Entries()
	switch {
	case depth >= DefaultMaxDepth:
		w.b.WriteString("{...}")
	case len(entries) == 0 && w.g4:
		w.b.WriteString("{}")
	default:
		order := make([]int, len(entries))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool {
			return w.less(entries[order[i]].Key, entries[order[j]].Key, 0)
		})
		w.b.WriteString("{\n")
		for i, k := range order {
			if i > 0 {
				w.b.WriteString(",\n")
			}
			w.value(entries[k].Key, depth+1)
			w.b.WriteString(": ")
			w.value(entries[k].Value, depth+1)
		}
		w.b.WriteString("\n}")
	}
	if typed {
		w.b.WriteByte(')')
	}
}

// txtIDs3 are Godot 3.2's type ids, for ordering Dictionary keys. Types 3.2
// lacks sort after its own.
var txtIDs3 = [typeMax]uint8{
	TypeNil: 0, TypeBool: 1, TypeInt: 2, TypeFloat: 3, TypeString: 4, TypeStringName: 4,
	TypeVector2: 5, TypeRect2: 6, TypeVector3: 7, TypeTransform2D: 8, TypePlane: 9,
	TypeQuaternion: 10, TypeAABB: 11, TypeBasis: 12, TypeTransform3D: 13, TypeColor: 14,
	TypeNodePath: 15, TypeRID: 16, TypeObject: 17, TypeDictionary: 18, TypeArray: 19,
	TypePackedByteArray: 20, TypePackedInt32Array: 21, TypePackedFloat32Array: 22,
	TypePackedStringArray: 23, TypePackedVector2Array: 24, TypePackedVector3Array: 25,
	TypePackedColorArray: 26,
	TypeVector2i:         27 + 6, TypeRect2i: 27 + 8, TypeVector3i: 27 + 10, TypeVector4: 27 + 12,
	TypeVector4i: 27 + 13, TypeProjection: 27 + 19, TypeCallable: 27 + 25, TypeSignal: 27 + 26,
	TypePackedInt64Array: 27 + 31, TypePackedFloat64Array: 27 + 33, TypePackedVector4Array: 27 + 38,
}

// txtTypeOf returns the Variant type of a Go value, or typeMax.
func txtTypeOf(v any) Type {
	switch v.(type) {
	case nil:
		return TypeNil
	case bool:
		return TypeBool
	case int64, int, int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		return TypeInt
	case float64, float32:
		return TypeFloat
	case string:
		return TypeString
	case StringName:
		return TypeStringName
	case Vector2:
		return TypeVector2
	case Vector2i:
		return TypeVector2i
	case Rect2:
		return TypeRect2
	case Rect2i:
		return TypeRect2i
	case Vector3:
		return TypeVector3
	case Vector3i:
		return TypeVector3i
	case Transform2D:
		return TypeTransform2D
	case Vector4:
		return TypeVector4
	case Vector4i:
		return TypeVector4i
	case Plane:
		return TypePlane
	case Quaternion:
		return TypeQuaternion
	case AABB:
		return TypeAABB
	case Basis:
		return TypeBasis
	case Transform3D:
		return TypeTransform3D
	case Projection:
		return TypeProjection
	case Color:
		return TypeColor
	case NodePath, *NodePath:
		return TypeNodePath
	case RID:
		return TypeRID
	case ObjectID, *Object, Object:
		return TypeObject
	case Callable:
		return TypeCallable
	case Signal:
		return TypeSignal
	case *Dictionary, Dictionary:
		return TypeDictionary
	case []any, *TypedArray, TypedArray:
		return TypeArray
	case []byte:
		return TypePackedByteArray
	case []int32:
		return TypePackedInt32Array
	case []int64:
		return TypePackedInt64Array
	case []float32:
		return TypePackedFloat32Array
	case []float64:
		return TypePackedFloat64Array
	case []string:
		return TypePackedStringArray
	case []Vector2:
		return TypePackedVector2Array
	case []Vector3:
		return TypePackedVector3Array
	case []Color:
		return TypePackedColorArray
	case []Vector4:
		return TypePackedVector4Array
	}
	return typeMax
}

func (w *txtWriter) rank(t Type) int {
	if t >= typeMax {
		return 255
	}
	if w.g4 {
		return int(t)
	}
	return int(txtIDs3[t])
}

// less is Godot's Variant '<' as used to sort Dictionary keys.
func (w *txtWriter) less(a, b any, depth int) bool {
	ta, tb := txtTypeOf(a), txtTypeOf(b)
	if ra, rb := w.rank(ta), w.rank(tb); ra != rb {
		return ra < rb
	}
	switch ta {
	case TypeBool:
		return !a.(bool) && b.(bool)
	case TypeInt:
		x, _ := txtInt(a)
		y, _ := txtInt(b)
		return x < y
	case TypeFloat:
		return txtFloat(a) < txtFloat(b)
	case TypeString, TypeStringName:
		return txtStr(a) < txtStr(b)
	case TypeVector2:
		x, y := a.(Vector2), b.(Vector2)
		return txtLexLess([]float64{x.X, x.Y}, []float64{y.X, y.Y})
	case TypeVector3:
		x, y := a.(Vector3), b.(Vector3)
		return txtLexLess([]float64{x.X, x.Y, x.Z}, []float64{y.X, y.Y, y.Z})
	case TypeRID:
		return a.(RID) < b.(RID)
	}
	if !w.g4 {
		return false
	}
	switch ta {
	case TypeVector4:
		x, y := a.(Vector4), b.(Vector4)
		return txtLexLess([]float64{x.X, x.Y, x.Z, x.W}, []float64{y.X, y.Y, y.Z, y.W})
	case TypeVector2i:
		x, y := a.(Vector2i), b.(Vector2i)
		return txtLexLess([]float64{float64(x.X), float64(x.Y)}, []float64{float64(y.X), float64(y.Y)})
	case TypeVector3i:
		x, y := a.(Vector3i), b.(Vector3i)
		return txtLexLess([]float64{float64(x.X), float64(x.Y), float64(x.Z)}, []float64{float64(y.X), float64(y.Y), float64(y.Z)})
	case TypeVector4i:
		x, y := a.(Vector4i), b.(Vector4i)
		return txtLexLess([]float64{float64(x.X), float64(x.Y), float64(x.Z), float64(x.W)},
			[]float64{float64(y.X), float64(y.Y), float64(y.Z), float64(y.W)})
	case TypeArray:
		return w.arrayCmp(a, b, depth) < 0
	}
	return false
}

// arrayCmp compares two Arrays as Godot's Array '<' does (element by
// element, then by size), in one pass: -1, 0 or +1.
func (w *txtWriter) arrayCmp(a, b any, depth int) int {
	if depth >= DefaultMaxDepth {
		return 0
	}
	x, y := txtArrayValues(a), txtArrayValues(b)
	for i := 0; i < len(x) && i < len(y); i++ {
		if txtTypeOf(x[i]) == TypeArray && txtTypeOf(y[i]) == TypeArray {
			if c := w.arrayCmp(x[i], y[i], depth+1); c != 0 {
				return c
			}
			continue
		}
		if w.less(x[i], y[i], depth+1) {
			return -1
		}
		if w.less(y[i], x[i], depth+1) {
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

// txtLexLess compares component lists as Godot's vector '<' does: the first
// component that differs decides.
func txtLexLess(x, y []float64) bool {
	for i := range x[:len(x)-1] {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return x[len(x)-1] < y[len(y)-1]
}

func txtInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(x), true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(x), true
	}
	return jsGoInt(v)
}

func txtFloat(v any) float64 {
	if x, ok := v.(float32); ok {
		return float64(x)
	}
	x, _ := v.(float64)
	return x
}

func txtStr(v any) string {
	if s, ok := v.(StringName); ok {
		return string(s)
	}
	s, _ := v.(string)
	return s
}

func txtArrayValues(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case *TypedArray:
		if x != nil {
			return x.Values
		}
	case TypedArray:
		return x.Values
	}
	return nil
}
