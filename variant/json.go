package variant

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSONError reports why UnmarshalJSON rejected its input. It unwraps to
// ErrInvalidData (malformed or unsupported JSON) or ErrOutOfMemory (nesting
// deeper than DefaultMaxDepth).
type JSONError struct {
	Path   string // where in the document, e.g. "value[2][1]"; empty for the top level
	Reason string // what was wrong
	Err    error  // ErrInvalidData or ErrOutOfMemory
}

func (e *JSONError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("variant: json: %s (%v)", e.Reason, e.Err)
	}
	return fmt.Sprintf("variant: json: at %s: %s (%v)", e.Path, e.Reason, e.Err)
}

func (e *JSONError) Unwrap() error { return e.Err }

// MarshalJSON returns the typed JSON form of the Variant value v.
//
// MarshalJSON, AppendJSON and UnmarshalJSON convert between the Go
// representation of a Variant (see types.go) and a typed JSON document. The
// mapping is lossless: every value the decoder returns (in the Godot 3.2 or
// any 4.x Format) survives MarshalJSON followed by UnmarshalJSON, so
// encoding the result gives back Godot's bytes exactly. The same
// specification is kept in variant/JSON.md.
//
// # Output (MarshalJSON)
//
// Compact (no spaces), deterministic, one value per call. Every value that is
// not null, a bool, a String or an untyped Array is a JSON object whose first
// member is "type", a Godot 4 type name (Type.String()).
//
//	Variant                JSON
//	Nil                    null
//	bool                   true | false
//	String                 "text"
//	int                    {"type":"int","value":-12}                 exact int64
//	float                  {"type":"float","value":0.1}               see Reals below
//	Vector2 ... Projection {"type":"Vector2","value":[1.5,-2.0]}      components, wire order
//	Vector2i ... Vector4i  {"type":"Vector2i","value":[1,-2]}         int32 components
//	Color                  {"type":"Color","value":[1.0,0.5,0.0,1.0]} float32 r,g,b,a
//	StringName             {"type":"StringName","value":"name"}
//	NodePath               {"type":"NodePath","value":"/root/A:b"}
//	                       or {"type":"NodePath","names":[..],"subnames":[..],"absolute":false}
//	RID                    {"type":"RID","value":13}                  uint64
//	Object (ObjectID)      {"type":"Object","id":5}                   uint64
//	Object (*Object)       {"type":"Object","class":"Node","properties":[["name",<value>],...]}
//	Callable               {"type":"Callable"}
//	Signal                 {"type":"Signal","name":"s","object":5}
//	Dictionary             {"type":"Dictionary","value":[[<key>,<value>],...]}
//	                       plus "key_type"/"value_type" (container types) when typed
//	Array (untyped []any)  [<value>,...]
//	Array (*TypedArray)    {"type":"Array","elem":<container type>,"value":[...]}
//	PackedByteArray        {"type":"PackedByteArray","value":"<standard base64, padded>"}
//	PackedInt32/64Array    {"type":"PackedInt32Array","value":[1,2]}
//	PackedFloat32/64Array  {"type":"PackedFloat64Array","value":[1.5,"nan"]}
//	PackedStringArray      {"type":"PackedStringArray","value":["a","b"]}
//	PackedVector2/3/4Array {"type":"PackedVector2Array","value":[[1.0,2.0],...]}
//	PackedColorArray       {"type":"PackedColorArray","value":[[1.0,0.0,0.0,1.0],...]}
//
// Component order is the wire order: Rect2/Rect2i x,y,w,h; Transform2D x axis,
// y axis, origin (6); Plane normal x,y,z then d; Quaternion x,y,z,w; AABB
// position then size (6); Basis 9 values row by row; Transform3D the 9 basis
// values then the origin (12); Projection 16 values column by column.
//
// A container type is {"builtin":"int"}, {"class":"Node"} or
// {"script":"res://x.gd"} (ContainerType kinds builtin, class name, script).
// A *TypedArray whose element type is untyped is written as a plain JSON
// array (it is the same Array on the wire).
//
// Reals. A float64 (float, the real components of math types,
// PackedFloat64Array, and the real vectors) is written as the shortest JSON
// number that parses back to the same float64, always with a '.' or an
// exponent ("1.0", "-0.0", "1e+21"). float32 values (Color,
// PackedFloat32Array, PackedColorArray) are written as the shortest number
// that parses back to the same float32. Non-finite values are the strings
// "inf", "-inf" and "nan"; "nan" is Godot's NaN (float64 bits
// 0x7ff8000000000000, float32 bits 0x7fc00000). Any other NaN is written
// with its bits as "nan:0x" plus 16 (float64) or 8 (float32) lowercase hex
// digits, e.g. "nan:0xfff8000000000000", so that no bit is lost (Go's
// math.NaN() is 0x7ff8000000000001 and is written that way).
//
// A NodePath uses the string form when parsing that string gives back the
// same names, subnames and absolute flag (no name contains '/' or ':' and
// none is empty); otherwise the structured form.
//
// An *Object with an empty class (or a nil *Object) is the null object
// {"type":"Object","class":"","properties":[]}. A nil *Dictionary is an
// empty Dictionary, a nil *TypedArray an empty Array and a nil *NodePath an
// empty NodePath.
//
// MarshalJSON also accepts the conveniences Append accepts: Go int, int8 to
// int32, uint, uint8 to uint64 (when they fit an int64) as int, float32 as
// float, and Dictionary, TypedArray and Object values in place of pointers.
// Strings must be valid UTF-8. Errors are *EncodeError values wrapping
// ErrInvalidParameter (no Variant equivalent, invalid UTF-8, a bad container
// type) or ErrOutOfMemory (nesting deeper than DefaultMaxDepth, which also
// catches cycles).
//
// # Input (UnmarshalJSON)
//
// Accepts everything MarshalJSON writes, and also:
//   - bare JSON numbers: an integer literal (no '.', 'e' or 'E') is an int
//     (it must fit an int64), any other number is a float;
//   - {"type":"Nil"}, {"type":"bool","value":b}, {"type":"String","value":s}
//     and {"type":"Array","value":[...]} without "elem" (an untyped Array);
//   - an integer literal or a JSON number in any real position;
//   - Godot 3.2 type names: "REAL"/"real" (float), "Quat", "Transform",
//     "_RID", "PoolByteArray", "PoolIntArray", "PoolRealArray",
//     "PoolStringArray", "PoolVector2Array", "PoolVector3Array",
//     "PoolColorArray", in "type" and in {"builtin":...}.
//
// JSON objects must carry a "type"; unknown members, unknown types, wrong
// component counts, values out of range (int32 components, int64, uint64,
// float32 overflow, a float beyond ±MaxFloat64), invalid base64, a "nan:"
// string that is not a NaN, and trailing data after the value are errors.
// Duplicate dictionary keys keep the last value at the first key's position
// (Dictionary.Set), as Godot's decoder does. Errors are *JSONError values
// wrapping ErrInvalidData, or ErrOutOfMemory when containers nest deeper
// than DefaultMaxDepth (the top-level value is depth 0; each Array,
// Dictionary or Object level adds one).
func MarshalJSON(v any) ([]byte, error) {
	return AppendJSON(nil, v)
}

// AppendJSON appends the typed JSON form of v to dst and returns the
// extended slice. On error dst is returned unchanged in length.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	out, err := jsAppend(dst, v, 0)
	if err != nil {
		return dst[:n], err
	}
	return out, nil
}

// UnmarshalJSON parses one typed JSON value (the output of MarshalJSON, or
// the lenient input described above) into its Go Variant representation.
// Only whitespace may follow the value.
func UnmarshalJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		if err == io.EOF {
			return nil, jsErr("empty input")
		}
		return nil, jsErr("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsErr("trailing data after the value")
	}
	return jsParse(tree, 0)
}

// ---------------------------------------------------------------- output

func jsEncErr(err error, format string, args ...any) error {
	return &EncodeError{Reason: fmt.Sprintf(format, args...), Err: err}
}

// jsEncPath prepends elem to the Path of an *EncodeError.
func jsEncPath(err error, elem string) error {
	var ee *EncodeError
	if errors.As(err, &ee) {
		if ee.Path != "" && ee.Path[0] != '[' {
			ee.Path = "." + ee.Path
		}
		ee.Path = elem + ee.Path
	}
	return err
}

func jsIndex(i int) string { return "[" + strconv.Itoa(i) + "]" }

func jsType(dst []byte, t Type) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, t.String()...)
	return append(dst, '"')
}

func jsTagged(dst []byte, t Type) []byte {
	return append(jsType(dst, t), `,"value":`...)
}

func jsAppend(dst []byte, v any, depth int) ([]byte, error) {
	if depth > DefaultMaxDepth {
		return dst, jsEncErr(ErrOutOfMemory, "nesting deeper than %d levels (a cycle?)", DefaultMaxDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return jsString(dst, x)
	case int64:
		return append(strconv.AppendInt(jsTagged(dst, TypeInt), x, 10), '}'), nil
	case float64:
		return append(jsF64(jsTagged(dst, TypeFloat), x), '}'), nil
	case float32:
		return append(jsF64(jsTagged(dst, TypeFloat), float64(x)), '}'), nil
	case Vector2:
		return jsReals(dst, TypeVector2, x.X, x.Y), nil
	case Vector3:
		return jsReals(dst, TypeVector3, x.X, x.Y, x.Z), nil
	case Vector4:
		return jsReals(dst, TypeVector4, x.X, x.Y, x.Z, x.W), nil
	case Rect2:
		return jsReals(dst, TypeRect2, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y), nil
	case Transform2D:
		return jsReals(dst, TypeTransform2D, x.X.X, x.X.Y, x.Y.X, x.Y.Y, x.Origin.X, x.Origin.Y), nil
	case Plane:
		return jsReals(dst, TypePlane, x.Normal.X, x.Normal.Y, x.Normal.Z, x.D), nil
	case Quaternion:
		return jsReals(dst, TypeQuaternion, x.X, x.Y, x.Z, x.W), nil
	case AABB:
		return jsReals(dst, TypeAABB, x.Position.X, x.Position.Y, x.Position.Z, x.Size.X, x.Size.Y, x.Size.Z), nil
	case Basis:
		return jsReals(dst, TypeBasis, jsBasis(x)...), nil
	case Transform3D:
		return jsReals(dst, TypeTransform3D, append(jsBasis(x.Basis), x.Origin.X, x.Origin.Y, x.Origin.Z)...), nil
	case Projection:
		xs := make([]float64, 0, 16)
		for _, c := range x.Columns {
			xs = append(xs, c.X, c.Y, c.Z, c.W)
		}
		return jsReals(dst, TypeProjection, xs...), nil
	case Vector2i:
		return jsInts(dst, TypeVector2i, x.X, x.Y), nil
	case Vector3i:
		return jsInts(dst, TypeVector3i, x.X, x.Y, x.Z), nil
	case Vector4i:
		return jsInts(dst, TypeVector4i, x.X, x.Y, x.Z, x.W), nil
	case Rect2i:
		return jsInts(dst, TypeRect2i, x.Position.X, x.Position.Y, x.Size.X, x.Size.Y), nil
	case Color:
		return append(jsColor(jsTagged(dst, TypeColor), x), '}'), nil
	case StringName:
		dst, err := jsString(jsTagged(dst, TypeStringName), string(x))
		return append(dst, '}'), err
	case NodePath:
		return jsNodePath(dst, &x)
	case *NodePath:
		if x == nil {
			return jsNodePath(dst, &NodePath{})
		}
		return jsNodePath(dst, x)
	case RID:
		return append(strconv.AppendUint(jsTagged(dst, TypeRID), uint64(x), 10), '}'), nil
	case ObjectID:
		dst = append(jsType(dst, TypeObject), `,"id":`...)
		return append(strconv.AppendUint(dst, uint64(x), 10), '}'), nil
	case *Object:
		return jsObject(dst, x, depth)
	case Object:
		return jsObject(dst, &x, depth)
	case Callable:
		return append(jsType(dst, TypeCallable), '}'), nil
	case Signal:
		dst = append(jsType(dst, TypeSignal), `,"name":`...)
		dst, err := jsString(dst, x.Name)
		if err != nil {
			return dst, jsEncPath(err, ".name")
		}
		dst = append(dst, `,"object":`...)
		return append(strconv.AppendUint(dst, uint64(x.Object), 10), '}'), nil
	case *Dictionary:
		return jsDict(dst, x, depth)
	case Dictionary:
		return jsDict(dst, &x, depth)
	case []any:
		return jsArray(dst, x, depth)
	case *TypedArray:
		if x == nil {
			return append(dst, "[]"...), nil
		}
		return jsTypedArray(dst, x, depth)
	case TypedArray:
		return jsTypedArray(dst, &x, depth)
	case []byte:
		dst = append(jsTagged(dst, TypePackedByteArray), '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, `"}`...), nil
	case []int32:
		dst = append(jsTagged(dst, TypePackedInt32Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(e), 10)
		}
		return append(dst, "]}"...), nil
	case []int64:
		dst = append(jsTagged(dst, TypePackedInt64Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, e, 10)
		}
		return append(dst, "]}"...), nil
	case []float32:
		dst = append(jsTagged(dst, TypePackedFloat32Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsF32(dst, e)
		}
		return append(dst, "]}"...), nil
	case []float64:
		dst = append(jsTagged(dst, TypePackedFloat64Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsF64(dst, e)
		}
		return append(dst, "]}"...), nil
	case []string:
		dst = append(jsTagged(dst, TypePackedStringArray), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = jsString(dst, e); err != nil {
				return dst, jsEncPath(err, jsIndex(i))
			}
		}
		return append(dst, "]}"...), nil
	case []Vector2:
		dst = append(jsTagged(dst, TypePackedVector2Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsF64List(dst, e.X, e.Y)
		}
		return append(dst, "]}"...), nil
	case []Vector3:
		dst = append(jsTagged(dst, TypePackedVector3Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsF64List(dst, e.X, e.Y, e.Z)
		}
		return append(dst, "]}"...), nil
	case []Vector4:
		dst = append(jsTagged(dst, TypePackedVector4Array), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsF64List(dst, e.X, e.Y, e.Z, e.W)
		}
		return append(dst, "]}"...), nil
	case []Color:
		dst = append(jsTagged(dst, TypePackedColorArray), '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsColor(dst, e)
		}
		return append(dst, "]}"...), nil
	}
	if i, ok := jsGoInt(v); ok {
		return append(strconv.AppendInt(jsTagged(dst, TypeInt), i, 10), '}'), nil
	}
	return dst, jsEncErr(ErrInvalidParameter, "Go type %v has no Variant equivalent", reflect.TypeOf(v))
}

// jsGoInt converts the Go integer types MarshalJSON accepts to int64.
func jsGoInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func jsBasis(b Basis) []float64 {
	xs := make([]float64, 0, 12)
	for _, r := range b.Rows {
		xs = append(xs, r.X, r.Y, r.Z)
	}
	return xs
}

func jsReals(dst []byte, t Type, xs ...float64) []byte {
	return append(jsF64List(jsTagged(dst, t), xs...), '}')
}

func jsF64List(dst []byte, xs ...float64) []byte {
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsF64(dst, x)
	}
	return append(dst, ']')
}

func jsInts(dst []byte, t Type, xs ...int32) []byte {
	dst = append(jsTagged(dst, t), '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(x), 10)
	}
	return append(dst, "]}"...)
}

func jsColor(dst []byte, c Color) []byte {
	dst = append(dst, '[')
	for i, x := range [4]float32{c.R, c.G, c.B, c.A} {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsF32(dst, x)
	}
	return append(dst, ']')
}

// Canonical quiet NaNs, written as plain "nan".
const (
	jsNaN64 = 0x7ff8000000000000
	jsNaN32 = 0x7fc00000
)

func jsF64(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		if b := math.Float64bits(x); b != jsNaN64 {
			return fmt.Appendf(dst, `"nan:0x%016x"`, b)
		}
		return append(dst, `"nan"`...)
	case math.IsInf(x, 1):
		return append(dst, `"inf"`...)
	case math.IsInf(x, -1):
		return append(dst, `"-inf"`...)
	}
	return jsDot(strconv.AppendFloat(dst, x, 'g', -1, 64), len(dst))
}

func jsF32(dst []byte, x float32) []byte {
	f := float64(x)
	switch {
	case x != x:
		if b := math.Float32bits(x); b != jsNaN32 {
			return fmt.Appendf(dst, `"nan:0x%08x"`, b)
		}
		return append(dst, `"nan"`...)
	case math.IsInf(f, 1):
		return append(dst, `"inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-inf"`...)
	}
	return jsDot(strconv.AppendFloat(dst, f, 'g', -1, 32), len(dst))
}

// jsDot appends ".0" to the number written at dst[start:] when it has no
// '.' or exponent, so that it reads as a float.
func jsDot(dst []byte, start int) []byte {
	if bytes.ContainsAny(dst[start:], ".e") {
		return dst
	}
	return append(dst, ".0"...)
}

const jsHex = "0123456789abcdef"

// jsString appends s as a JSON string. Only '"', '\\' and control characters
// are escaped. s must be valid UTF-8.
func jsString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, jsEncErr(ErrInvalidParameter, "string %.40q is not valid UTF-8", s)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', jsHex[c>>4], jsHex[c&15])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

func jsStrings(dst []byte, ss []string) ([]byte, error) {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = jsString(dst, s); err != nil {
			return dst, jsEncPath(err, jsIndex(i))
		}
	}
	return append(dst, ']'), nil
}

// nodePathString is Godot's String form of a NodePath: "/" when absolute,
// the names joined by "/", then ":" before each subname.
func nodePathString(p *NodePath) string {
	var b strings.Builder
	if p.Absolute {
		b.WriteByte('/')
	}
	for i, n := range p.Names {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(n)
	}
	for _, n := range p.SubNames {
		b.WriteByte(':')
		b.WriteString(n)
	}
	return b.String()
}

// jsNodePathSimple reports whether p survives nodePathString + jsParsePath.
func jsNodePathSimple(p *NodePath) bool {
	for _, list := range [2][]string{p.Names, p.SubNames} {
		for _, n := range list {
			if n == "" || strings.ContainsAny(n, "/:") {
				return false
			}
		}
	}
	return true
}

// jsParsePath parses the string form of a NodePath. Empty names are an error.
func jsParsePath(s string) (NodePath, error) {
	var p NodePath
	if strings.HasPrefix(s, "/") {
		p.Absolute = true
		s = s[1:]
	}
	path, subs, hasSubs := strings.Cut(s, ":")
	if path != "" {
		p.Names = strings.Split(path, "/")
	}
	if hasSubs {
		p.SubNames = strings.Split(subs, ":")
	}
	for _, list := range [2][]string{p.Names, p.SubNames} {
		for _, n := range list {
			if n == "" {
				return NodePath{}, jsErr("NodePath %q has an empty name or subname (use the names/subnames form)", s)
			}
		}
	}
	return p, nil
}

func jsNodePath(dst []byte, p *NodePath) ([]byte, error) {
	var err error
	if jsNodePathSimple(p) {
		dst, err = jsString(jsTagged(dst, TypeNodePath), nodePathString(p))
		return append(dst, '}'), err
	}
	dst = append(jsType(dst, TypeNodePath), `,"names":`...)
	if dst, err = jsStrings(dst, p.Names); err != nil {
		return dst, jsEncPath(err, ".names")
	}
	dst = append(dst, `,"subnames":`...)
	if dst, err = jsStrings(dst, p.SubNames); err != nil {
		return dst, jsEncPath(err, ".subnames")
	}
	dst = append(dst, `,"absolute":`...)
	dst = strconv.AppendBool(dst, p.Absolute)
	return append(dst, '}'), nil
}

func jsObject(dst []byte, o *Object, depth int) ([]byte, error) {
	dst = append(jsType(dst, TypeObject), `,"class":`...)
	if o == nil || o.Class == "" {
		return append(dst, `"","properties":[]}`...), nil
	}
	dst, err := jsString(dst, o.Class)
	if err != nil {
		return dst, jsEncPath(err, ".class")
	}
	dst = append(dst, `,"properties":[`...)
	for i := range o.Properties {
		p := &o.Properties[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		if dst, err = jsString(dst, p.Name); err != nil {
			return dst, jsEncPath(err, "."+p.Name)
		}
		dst = append(dst, ',')
		if dst, err = jsAppend(dst, p.Value, depth+1); err != nil {
			return dst, jsEncPath(err, "."+p.Name)
		}
		dst = append(dst, ']')
	}
	return append(dst, "]}"...), nil
}

func jsContainerType(dst []byte, c ContainerType) ([]byte, error) {
	switch c.Kind {
	case KindBuiltin:
		if c.Builtin >= typeMax {
			return dst, jsEncErr(ErrInvalidParameter, "container element type %d is not a Variant type", c.Builtin)
		}
		dst = append(dst, `{"builtin":"`...)
		dst = append(dst, c.Builtin.String()...)
		return append(dst, `"}`...), nil
	case KindClassName, KindScript:
		if c.Kind == KindClassName {
			dst = append(dst, `{"class":`...)
		} else {
			dst = append(dst, `{"script":`...)
		}
		dst, err := jsString(dst, c.Class)
		return append(dst, '}'), err
	}
	return dst, jsEncErr(ErrInvalidParameter, "container kind %d is not 0-3", c.Kind)
}

func jsDict(dst []byte, d *Dictionary, depth int) ([]byte, error) {
	dst = jsType(dst, TypeDictionary)
	var err error
	if d != nil && d.KeyType.Kind != KindNone {
		dst = append(dst, `,"key_type":`...)
		if dst, err = jsContainerType(dst, d.KeyType); err != nil {
			return dst, jsEncPath(err, ".key_type")
		}
	}
	if d != nil && d.ValueType.Kind != KindNone {
		dst = append(dst, `,"value_type":`...)
		if dst, err = jsContainerType(dst, d.ValueType); err != nil {
			return dst, jsEncPath(err, ".value_type")
		}
	}
	dst = append(dst, `,"value":[`...)
	for i, e := range d.Entries() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		if dst, err = jsAppend(dst, e.Key, depth+1); err != nil {
			return dst, jsEncPath(err, jsIndex(i)+".key")
		}
		dst = append(dst, ',')
		if dst, err = jsAppend(dst, e.Value, depth+1); err != nil {
			return dst, jsEncPath(err, jsIndex(i)+".value")
		}
		dst = append(dst, ']')
	}
	return append(dst, "]}"...), nil
}

func jsArray(dst []byte, vals []any, depth int) ([]byte, error) {
	dst = append(dst, '[')
	for i, e := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = jsAppend(dst, e, depth+1); err != nil {
			return dst, jsEncPath(err, jsIndex(i))
		}
	}
	return append(dst, ']'), nil
}

func jsTypedArray(dst []byte, a *TypedArray, depth int) ([]byte, error) {
	if a.Elem.Kind == KindNone {
		return jsArray(dst, a.Values, depth)
	}
	dst = append(jsType(dst, TypeArray), `,"elem":`...)
	dst, err := jsContainerType(dst, a.Elem)
	if err != nil {
		return dst, jsEncPath(err, ".elem")
	}
	dst = append(dst, `,"value":`...)
	if dst, err = jsArray(dst, a.Values, depth); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// ---------------------------------------------------------------- input

func jsErr(format string, args ...any) error {
	return &JSONError{Reason: fmt.Sprintf(format, args...), Err: ErrInvalidData}
}

// jsPath prepends elem to the Path of a *JSONError.
func jsPath(err error, elem string) error {
	var je *JSONError
	if errors.As(err, &je) {
		if je.Path != "" && je.Path[0] != '[' {
			je.Path = "." + je.Path
		}
		je.Path = elem + je.Path
	}
	return err
}

// jsTypeNames maps the accepted "type" names (Godot 4 names and the Godot 3.2
// names that differ) to Types.
var jsTypeNames = func() map[string]Type {
	m := make(map[string]Type, int(typeMax)+16)
	for t := Type(0); t < typeMax; t++ {
		m[t.String()] = t
	}
	for k, t := range map[string]Type{
		"REAL": TypeFloat, "real": TypeFloat, "Quat": TypeQuaternion,
		"Transform": TypeTransform3D, "_RID": TypeRID,
		"PoolByteArray": TypePackedByteArray, "PoolIntArray": TypePackedInt32Array,
		"PoolRealArray": TypePackedFloat32Array, "PoolStringArray": TypePackedStringArray,
		"PoolVector2Array": TypePackedVector2Array, "PoolVector3Array": TypePackedVector3Array,
		"PoolColorArray": TypePackedColorArray,
	} {
		m[k] = t
	}
	return m
}()

// jsLiteralIsInt reports whether a JSON number literal is an integer literal.
func jsLiteralIsInt(s string) bool { return !strings.ContainsAny(s, ".eE") }

func jsParse(v any, depth int) (any, error) {
	if depth > DefaultMaxDepth {
		return nil, &JSONError{Reason: fmt.Sprintf("nesting deeper than %d levels", DefaultMaxDepth), Err: ErrOutOfMemory}
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		s := string(x)
		if jsLiteralIsInt(s) {
			return jsInt64(x)
		}
		return jsFloat(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = jsParse(e, depth+1); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case map[string]any:
		return jsParseObject(x, depth)
	}
	return nil, jsErr("unexpected JSON value %T", v)
}

// jsFields checks that m has only the allowed members and all required ones.
func jsFields(m map[string]any, t Type, required []string, optional ...string) error {
	for k := range m {
		if k == "type" {
			continue
		}
		ok := false
		for _, a := range required {
			ok = ok || a == k
		}
		for _, a := range optional {
			ok = ok || a == k
		}
		if !ok {
			return jsErr("unknown member %q for type %v", k, t)
		}
	}
	for _, r := range required {
		if _, ok := m[r]; !ok {
			return jsErr("type %v needs member %q", t, r)
		}
	}
	return nil
}

func jsParseObject(m map[string]any, depth int) (any, error) {
	tv, ok := m["type"]
	if !ok {
		return nil, jsErr(`JSON object without a "type" member`)
	}
	name, ok := tv.(string)
	if !ok {
		return nil, jsErr(`"type" must be a string`)
	}
	t, ok := jsTypeNames[name]
	if !ok {
		return nil, jsErr("unknown type %q", name)
	}
	var err error
	var out any
	switch t {
	case TypeNil, TypeCallable:
		err = jsFields(m, t, nil)
		if t == TypeCallable {
			out = Callable{}
		}
	case TypeObject:
		out, err = jsParseObjectType(m, depth)
	case TypeNodePath:
		out, err = jsParseNodePath(m)
	case TypeSignal:
		if err = jsFields(m, t, []string{"name", "object"}); err != nil {
			return nil, err
		}
		var s Signal
		var id uint64
		if s.Name, err = jsStr(m["name"]); err != nil {
			return nil, jsPath(err, "name")
		}
		if id, err = jsUint64(m["object"]); err != nil {
			return nil, jsPath(err, "object")
		}
		s.Object = ObjectID(id)
		out = s
	case TypeDictionary:
		out, err = jsParseDict(m, depth)
	case TypeArray:
		out, err = jsParseTypedArray(m, depth)
	default:
		if err = jsFields(m, t, []string{"value"}); err != nil {
			return nil, err
		}
		out, err = jsParseValue(t, m["value"])
		err = jsPath(err, "value")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// jsParseValue parses the "value" member of the simple tagged types.
func jsParseValue(t Type, v any) (any, error) {
	switch t {
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, jsErr("bool value must be true or false")
		}
		return b, nil
	case TypeInt:
		return jsInt64(v)
	case TypeFloat:
		return jsFloat(v)
	case TypeString:
		return jsStr(v)
	case TypeStringName:
		s, err := jsStr(v)
		return StringName(s), err
	case TypeRID:
		u, err := jsUint64(v)
		return RID(u), err
	case TypeVector2:
		var x [2]float64
		err := jsRealsInto(v, x[:])
		return Vector2{x[0], x[1]}, err
	case TypeVector3:
		var x [3]float64
		err := jsRealsInto(v, x[:])
		return Vector3{x[0], x[1], x[2]}, err
	case TypeVector4:
		var x [4]float64
		err := jsRealsInto(v, x[:])
		return Vector4{x[0], x[1], x[2], x[3]}, err
	case TypeRect2:
		var x [4]float64
		err := jsRealsInto(v, x[:])
		return Rect2{Vector2{x[0], x[1]}, Vector2{x[2], x[3]}}, err
	case TypeTransform2D:
		var x [6]float64
		err := jsRealsInto(v, x[:])
		return Transform2D{Vector2{x[0], x[1]}, Vector2{x[2], x[3]}, Vector2{x[4], x[5]}}, err
	case TypePlane:
		var x [4]float64
		err := jsRealsInto(v, x[:])
		return Plane{Vector3{x[0], x[1], x[2]}, x[3]}, err
	case TypeQuaternion:
		var x [4]float64
		err := jsRealsInto(v, x[:])
		return Quaternion{x[0], x[1], x[2], x[3]}, err
	case TypeAABB:
		var x [6]float64
		err := jsRealsInto(v, x[:])
		return AABB{Vector3{x[0], x[1], x[2]}, Vector3{x[3], x[4], x[5]}}, err
	case TypeBasis:
		var x [9]float64
		err := jsRealsInto(v, x[:])
		return jsMakeBasis(x[:]), err
	case TypeTransform3D:
		var x [12]float64
		err := jsRealsInto(v, x[:])
		return Transform3D{jsMakeBasis(x[:9]), Vector3{x[9], x[10], x[11]}}, err
	case TypeProjection:
		var x [16]float64
		err := jsRealsInto(v, x[:])
		var p Projection
		for i := range p.Columns {
			p.Columns[i] = Vector4{x[4*i], x[4*i+1], x[4*i+2], x[4*i+3]}
		}
		return p, err
	case TypeVector2i:
		var x [2]int32
		err := jsInt32sInto(v, x[:])
		return Vector2i{x[0], x[1]}, err
	case TypeVector3i:
		var x [3]int32
		err := jsInt32sInto(v, x[:])
		return Vector3i{x[0], x[1], x[2]}, err
	case TypeVector4i:
		var x [4]int32
		err := jsInt32sInto(v, x[:])
		return Vector4i{x[0], x[1], x[2], x[3]}, err
	case TypeRect2i:
		var x [4]int32
		err := jsInt32sInto(v, x[:])
		return Rect2i{Vector2i{x[0], x[1]}, Vector2i{x[2], x[3]}}, err
	case TypeColor:
		return jsColorOf(v)
	case TypePackedByteArray:
		s, ok := v.(string)
		if !ok {
			return nil, jsErr("PackedByteArray value must be a base64 string")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, jsErr("PackedByteArray value is not standard padded base64: %v", err)
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, jsErr("%v value must be a JSON array", t)
	}
	var err error
	switch t {
	case TypePackedInt32Array:
		out := make([]int32, len(list))
		for i, e := range list {
			if out[i], err = jsInt32(e); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case TypePackedInt64Array:
		out := make([]int64, len(list))
		for i, e := range list {
			if out[i], err = jsInt64(e); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case TypePackedFloat32Array:
		out := make([]float32, len(list))
		for i, e := range list {
			if out[i], err = jsFloat32(e); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case TypePackedFloat64Array:
		out := make([]float64, len(list))
		for i, e := range list {
			if out[i], err = jsFloat(e); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case TypePackedStringArray:
		out := make([]string, len(list))
		for i, e := range list {
			if out[i], err = jsStr(e); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
		}
		return out, nil
	case TypePackedVector2Array:
		out := make([]Vector2, len(list))
		var x [2]float64
		for i, e := range list {
			if err = jsRealsInto(e, x[:]); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
			out[i] = Vector2{x[0], x[1]}
		}
		return out, nil
	case TypePackedVector3Array:
		out := make([]Vector3, len(list))
		var x [3]float64
		for i, e := range list {
			if err = jsRealsInto(e, x[:]); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
			out[i] = Vector3{x[0], x[1], x[2]}
		}
		return out, nil
	case TypePackedVector4Array:
		out := make([]Vector4, len(list))
		var x [4]float64
		for i, e := range list {
			if err = jsRealsInto(e, x[:]); err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
			out[i] = Vector4{x[0], x[1], x[2], x[3]}
		}
		return out, nil
	case TypePackedColorArray:
		out := make([]Color, len(list))
		for i, e := range list {
			c, err := jsColorOf(e)
			if err != nil {
				return nil, jsPath(err, jsIndex(i))
			}
			out[i] = c
		}
		return out, nil
	}
	return nil, jsErr("type %v cannot be read here", t)
}

func jsMakeBasis(x []float64) Basis {
	return Basis{Rows: [3]Vector3{{x[0], x[1], x[2]}, {x[3], x[4], x[5]}, {x[6], x[7], x[8]}}}
}

func jsStr(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", jsErr("expected a JSON string")
	}
	return s, nil
}

func jsList(v any, n int) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, jsErr("expected a JSON array of %d components", n)
	}
	if len(list) != n {
		return nil, jsErr("expected %d components, got %d", n, len(list))
	}
	return list, nil
}

func jsRealsInto(v any, out []float64) error {
	list, err := jsList(v, len(out))
	if err != nil {
		return err
	}
	for i, e := range list {
		if out[i], err = jsFloat(e); err != nil {
			return jsPath(err, jsIndex(i))
		}
	}
	return nil
}

func jsInt32sInto(v any, out []int32) error {
	list, err := jsList(v, len(out))
	if err != nil {
		return err
	}
	for i, e := range list {
		if out[i], err = jsInt32(e); err != nil {
			return jsPath(err, jsIndex(i))
		}
	}
	return nil
}

func jsColorOf(v any) (Color, error) {
	list, err := jsList(v, 4)
	if err != nil {
		return Color{}, err
	}
	var x [4]float32
	for i, e := range list {
		if x[i], err = jsFloat32(e); err != nil {
			return Color{}, jsPath(err, jsIndex(i))
		}
	}
	return Color{x[0], x[1], x[2], x[3]}, nil
}

func jsNumber(v any, what string) (string, error) {
	n, ok := v.(json.Number)
	if !ok {
		return "", jsErr("expected %s, got %s", what, jsKind(v))
	}
	return string(n), nil
}

func jsKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}

func jsInt64(v any) (int64, error) {
	s, err := jsNumber(v, "an integer")
	if err != nil {
		return 0, err
	}
	if !jsLiteralIsInt(s) {
		return 0, jsErr("%s is not an integer literal", s)
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, jsErr("integer %s is out of the int64 range", s)
	}
	return i, nil
}

func jsInt32(v any) (int32, error) {
	i, err := jsInt64(v)
	if err != nil {
		return 0, err
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, jsErr("integer %d is out of the int32 range", i)
	}
	return int32(i), nil
}

func jsUint64(v any) (uint64, error) {
	s, err := jsNumber(v, "an unsigned integer")
	if err != nil {
		return 0, err
	}
	if !jsLiteralIsInt(s) {
		return 0, jsErr("%s is not an integer literal", s)
	}
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, jsErr("%s is out of the uint64 range", s)
	}
	return u, nil
}

// jsNonFinite parses "inf", "-inf", "nan" and "nan:0x<hex>" (bits bits).
func jsNonFinite(s string, bits int) (uint64, float64, bool, error) {
	switch s {
	case "inf":
		return 0, math.Inf(1), false, nil
	case "-inf":
		return 0, math.Inf(-1), false, nil
	case "nan":
		return 0, math.NaN(), true, nil
	}
	if h, ok := strings.CutPrefix(s, "nan:0x"); ok && len(h) > 0 && len(h) <= bits/4 {
		u, err := strconv.ParseUint(h, 16, bits)
		if err == nil {
			return u, 0, true, nil
		}
	}
	return 0, 0, false, jsErr(`%q is not a number, "inf", "-inf", "nan" or "nan:0x<bits>"`, s)
}

func jsFloat(v any) (float64, error) {
	if s, ok := v.(string); ok {
		u, f, isNaN, err := jsNonFinite(s, 64)
		switch {
		case err != nil:
			return 0, err
		case !isNaN:
			return f, nil
		case s == "nan":
			return math.Float64frombits(jsNaN64), nil
		}
		f = math.Float64frombits(u)
		if !math.IsNaN(f) {
			return 0, jsErr("%q: bits %#x are not a float64 NaN", s, u)
		}
		return f, nil
	}
	s, err := jsNumber(v, "a number")
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, jsErr("number %s is out of the float64 range", s)
	}
	return f, nil
}

func jsFloat32(v any) (float32, error) {
	if s, ok := v.(string); ok {
		u, f, isNaN, err := jsNonFinite(s, 32)
		switch {
		case err != nil:
			return 0, err
		case !isNaN:
			return float32(f), nil
		case s == "nan":
			return math.Float32frombits(jsNaN32), nil
		}
		x := math.Float32frombits(uint32(u))
		if x == x {
			return 0, jsErr("%q: bits %#x are not a float32 NaN", s, u)
		}
		return x, nil
	}
	s, err := jsNumber(v, "a number")
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return 0, jsErr("number %s is out of the float32 range", s)
	}
	return float32(f), nil
}

func jsParseNodePath(m map[string]any) (any, error) {
	if _, ok := m["value"]; ok {
		if err := jsFields(m, TypeNodePath, []string{"value"}); err != nil {
			return nil, err
		}
		s, err := jsStr(m["value"])
		if err != nil {
			return nil, jsPath(err, "value")
		}
		p, err := jsParsePath(s)
		return p, jsPath(err, "value")
	}
	if err := jsFields(m, TypeNodePath, nil, "names", "subnames", "absolute"); err != nil {
		return nil, err
	}
	var p NodePath
	var err error
	if p.Names, err = jsStringList(m["names"]); err != nil {
		return nil, jsPath(err, "names")
	}
	if p.SubNames, err = jsStringList(m["subnames"]); err != nil {
		return nil, jsPath(err, "subnames")
	}
	if a, ok := m["absolute"]; ok {
		if p.Absolute, ok = a.(bool); !ok {
			return nil, jsErr(`NodePath "absolute" must be true or false`)
		}
	}
	return p, nil
}

// jsStringList parses an optional list of strings; absent or empty is nil.
func jsStringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, jsErr("expected a JSON array of strings")
	}
	var out []string
	for i, e := range list {
		s, err := jsStr(e)
		if err != nil {
			return nil, jsPath(err, jsIndex(i))
		}
		out = append(out, s)
	}
	return out, nil
}

func jsParseObjectType(m map[string]any, depth int) (any, error) {
	if _, ok := m["id"]; ok {
		if err := jsFields(m, TypeObject, []string{"id"}); err != nil {
			return nil, err
		}
		id, err := jsUint64(m["id"])
		return ObjectID(id), jsPath(err, "id")
	}
	if err := jsFields(m, TypeObject, []string{"class"}, "properties"); err != nil {
		return nil, err
	}
	class, err := jsStr(m["class"])
	if err != nil {
		return nil, jsPath(err, "class")
	}
	o := &Object{Class: class}
	pv, ok := m["properties"]
	if !ok {
		return o, nil
	}
	list, ok := pv.([]any)
	if !ok {
		return nil, jsPath(jsErr("expected a JSON array of [name, value] pairs"), "properties")
	}
	if class == "" && len(list) > 0 {
		return nil, jsPath(jsErr("the null object (empty class) has no properties"), "properties")
	}
	for i, e := range list {
		pair, err := jsList(e, 2)
		if err != nil {
			return nil, jsPath(err, "properties"+jsIndex(i))
		}
		name, err := jsStr(pair[0])
		if err != nil {
			return nil, jsPath(err, "properties"+jsIndex(i)+"[0]")
		}
		val, err := jsParse(pair[1], depth+1)
		if err != nil {
			return nil, jsPath(err, "properties"+jsIndex(i)+"[1]")
		}
		o.Properties = append(o.Properties, Property{Name: name, Value: val})
	}
	return o, nil
}

func jsParseContainerType(v any) (ContainerType, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ContainerType{}, jsErr(`a container type is {"builtin":name}, {"class":name} or {"script":path}`)
	}
	for k, e := range m {
		s, err := jsStr(e)
		if err != nil {
			return ContainerType{}, jsPath(err, k)
		}
		switch k {
		case "builtin":
			t, ok := jsTypeNames[s]
			if !ok {
				return ContainerType{}, jsPath(jsErr("unknown type %q", s), k)
			}
			return ContainerType{Kind: KindBuiltin, Builtin: t}, nil
		case "class":
			return ContainerType{Kind: KindClassName, Class: s}, nil
		case "script":
			return ContainerType{Kind: KindScript, Class: s}, nil
		}
	}
	return ContainerType{}, jsErr(`a container type is {"builtin":name}, {"class":name} or {"script":path}`)
}

func jsParseDict(m map[string]any, depth int) (any, error) {
	if err := jsFields(m, TypeDictionary, []string{"value"}, "key_type", "value_type"); err != nil {
		return nil, err
	}
	list, ok := m["value"].([]any)
	if !ok {
		return nil, jsPath(jsErr("expected a JSON array of [key, value] pairs"), "value")
	}
	d := NewDictionary(len(list))
	var err error
	if kt, ok := m["key_type"]; ok {
		if d.KeyType, err = jsParseContainerType(kt); err != nil {
			return nil, jsPath(err, "key_type")
		}
	}
	if vt, ok := m["value_type"]; ok {
		if d.ValueType, err = jsParseContainerType(vt); err != nil {
			return nil, jsPath(err, "value_type")
		}
	}
	for i, e := range list {
		pair, err := jsList(e, 2)
		if err != nil {
			return nil, jsPath(err, "value"+jsIndex(i))
		}
		k, err := jsParse(pair[0], depth+1)
		if err != nil {
			return nil, jsPath(err, "value"+jsIndex(i)+"[0]")
		}
		val, err := jsParse(pair[1], depth+1)
		if err != nil {
			return nil, jsPath(err, "value"+jsIndex(i)+"[1]")
		}
		d.Set(k, val)
	}
	return d, nil
}

func jsParseTypedArray(m map[string]any, depth int) (any, error) {
	if err := jsFields(m, TypeArray, []string{"value"}, "elem"); err != nil {
		return nil, err
	}
	if _, ok := m["value"].([]any); !ok {
		return nil, jsPath(jsErr("expected a JSON array"), "value")
	}
	vals, err := jsParse(m["value"], depth)
	if err != nil {
		return nil, jsPath(err, "value")
	}
	ev, ok := m["elem"]
	if !ok {
		return vals, nil
	}
	elem, err := jsParseContainerType(ev)
	if err != nil {
		return nil, jsPath(err, "elem")
	}
	return &TypedArray{Elem: elem, Values: vals.([]any)}, nil
}
