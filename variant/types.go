package variant

import (
	"fmt"
)

// Type is a Variant type, numbered as in Godot 4.x (core/variant/variant.h,
// 4.3+). Godot 3.2 numbers its types differently on the wire; the codec
// translates (see Format). Names follow Godot 4; the 3.2 name is given where
// it differs.
type Type uint8

// The Variant types. The value is the Godot 4.x wire id.
const (
	TypeNil                Type = 0
	TypeBool               Type = 1
	TypeInt                Type = 2
	TypeFloat              Type = 3 // 3.2: REAL
	TypeString             Type = 4
	TypeVector2            Type = 5
	TypeVector2i           Type = 6 // 4.x only
	TypeRect2              Type = 7
	TypeRect2i             Type = 8 // 4.x only
	TypeVector3            Type = 9
	TypeVector3i           Type = 10 // 4.x only
	TypeTransform2D        Type = 11
	TypeVector4            Type = 12 // 4.x only
	TypeVector4i           Type = 13 // 4.x only
	TypePlane              Type = 14
	TypeQuaternion         Type = 15 // 3.2: Quat
	TypeAABB               Type = 16
	TypeBasis              Type = 17
	TypeTransform3D        Type = 18 // 3.2: Transform
	TypeProjection         Type = 19 // 4.x only
	TypeColor              Type = 20
	TypeStringName         Type = 21 // 4.x only; 3.2 sends StringName as String
	TypeNodePath           Type = 22
	TypeRID                Type = 23 // 3.2: _RID
	TypeObject             Type = 24
	TypeCallable           Type = 25 // 4.x only
	TypeSignal             Type = 26 // 4.x only
	TypeDictionary         Type = 27
	TypeArray              Type = 28
	TypePackedByteArray    Type = 29 // 3.2: PoolByteArray
	TypePackedInt32Array   Type = 30 // 3.2: PoolIntArray
	TypePackedInt64Array   Type = 31 // 4.x only
	TypePackedFloat32Array Type = 32 // 3.2: PoolRealArray
	TypePackedFloat64Array Type = 33 // 4.x only
	TypePackedStringArray  Type = 34 // 3.2: PoolStringArray
	TypePackedVector2Array Type = 35 // 3.2: PoolVector2Array
	TypePackedVector3Array Type = 36 // 3.2: PoolVector3Array
	TypePackedColorArray   Type = 37 // 3.2: PoolColorArray
	TypePackedVector4Array Type = 38 // 4.3+ only
	typeMax                Type = 39
)

var typeNames = [typeMax]string{
	"Nil", "bool", "int", "float", "String", "Vector2", "Vector2i", "Rect2", "Rect2i",
	"Vector3", "Vector3i", "Transform2D", "Vector4", "Vector4i", "Plane", "Quaternion",
	"AABB", "Basis", "Transform3D", "Projection", "Color", "StringName", "NodePath", "RID",
	"Object", "Callable", "Signal", "Dictionary", "Array", "PackedByteArray",
	"PackedInt32Array", "PackedInt64Array", "PackedFloat32Array", "PackedFloat64Array",
	"PackedStringArray", "PackedVector2Array", "PackedVector3Array", "PackedColorArray",
	"PackedVector4Array",
}

// String returns Godot 4's name of the type ("int", "Vector2", "PackedByteArray").
func (t Type) String() string {
	if t < typeMax {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Go representations of the Variant types. Decode returns, and Append
// accepts, exactly these dynamic types inside an `any`:
//
//	Nil                 nil
//	bool                bool
//	int                 int64 (Append also takes int, int8..int32, uint8..uint32)
//	float               float64 (Append also takes float32)
//	String              string
//	StringName          StringName
//	NodePath            NodePath
//	RID                 RID
//	Object              *Object (a full object) or ObjectID (object-as-id)
//	Callable            Callable
//	Signal              Signal
//	Dictionary          *Dictionary
//	Array               []any (untyped) or *TypedArray
//	PackedByteArray     []byte
//	PackedInt32Array    []int32
//	PackedInt64Array    []int64
//	PackedFloat32Array  []float32
//	PackedFloat64Array  []float64
//	PackedStringArray   []string
//	PackedVector2Array  []Vector2
//	PackedVector3Array  []Vector3
//	PackedColorArray    []Color
//	PackedVector4Array  []Vector4
//	math types          the struct of the same name (Vector2, Rect2i, ...)
//
// Real-valued components are float64 in Go. On the wire they are float32
// (official single-precision builds) unless the Format says Double.

// Vector2 is Godot's Vector2: x, y.
type Vector2 struct{ X, Y float64 }

// Vector2i is Godot 4's Vector2i: two int32.
type Vector2i struct{ X, Y int32 }

// Vector3 is Godot's Vector3.
type Vector3 struct{ X, Y, Z float64 }

// Vector3i is Godot 4's Vector3i.
type Vector3i struct{ X, Y, Z int32 }

// Vector4 is Godot 4's Vector4.
type Vector4 struct{ X, Y, Z, W float64 }

// Vector4i is Godot 4's Vector4i.
type Vector4i struct{ X, Y, Z, W int32 }

// Rect2 is Godot's Rect2: a position and a size.
type Rect2 struct{ Position, Size Vector2 }

// Rect2i is Godot 4's Rect2i.
type Rect2i struct{ Position, Size Vector2i }

// Transform2D is Godot's Transform2D: the x and y axis columns and the origin,
// in that order on the wire.
type Transform2D struct{ X, Y, Origin Vector2 }

// Plane is Godot's Plane: a normal and the distance D from the origin.
type Plane struct {
	Normal Vector3
	D      float64
}

// Quaternion is Godot 4's Quaternion (3.2: Quat): x, y, z, w.
type Quaternion struct{ X, Y, Z, W float64 }

// AABB is Godot's axis-aligned bounding box: a position and a size.
type AABB struct{ Position, Size Vector3 }

// Basis is Godot's Basis, stored as its three rows (the wire order).
type Basis struct{ Rows [3]Vector3 }

// Transform3D is Godot 4's Transform3D (3.2: Transform): a basis and an origin.
type Transform3D struct {
	Basis  Basis
	Origin Vector3
}

// Projection is Godot 4's Projection: four columns of Vector4 (the wire order).
type Projection struct{ Columns [4]Vector4 }

// Color is Godot's Color; its components are always float32 on the wire.
type Color struct{ R, G, B, A float32 }

// StringName is Godot 4's StringName. Godot 3.2 has no wire type for it and
// sends a String instead.
type StringName string

// NodePath is Godot's NodePath: "/root/A:b" has Names ["root", "A"],
// SubNames ["b"] and Absolute true.
type NodePath struct {
	Names    []string
	SubNames []string
	Absolute bool
}

// RID is a resource id. Godot 3.2 sends no payload (every RID decodes as 0);
// Godot 4.x sends it as a u64.
type RID uint64

// ObjectID is an Object sent as its instance id (put_var with
// full_objects=false). Zero is a null object.
type ObjectID uint64

// Object is a full Object as sent with full_objects=true: its class name and
// its stored properties, in order. packetpeer never instantiates it; it is
// data. An empty Class is a null object (Godot 3.2's full-mode encoding of
// null; Godot 4.x encodes a null object as Nil).
type Object struct {
	Class      string
	Properties []Property
}

// Property is one property of a full Object.
type Property struct {
	Name  string
	Value any
}

// Callable is Godot 4's Callable. Godot sends no payload: every Callable
// decodes empty.
type Callable struct{}

// Signal is Godot 4's Signal: a signal name on an object, by instance id.
type Signal struct {
	Name   string
	Object ObjectID
}

// ContainerKind says how a typed Array's elements (or a typed Dictionary's
// keys or values) are typed, as in Godot 4's ContainerTypeKind.
type ContainerKind uint8

// The container kinds, with their 2-bit wire values.
const (
	KindNone      ContainerKind = 0 // untyped
	KindBuiltin   ContainerKind = 1 // a builtin Variant type
	KindClassName ContainerKind = 2 // an Object of a native class
	KindScript    ContainerKind = 3 // an Object with a script, by res:// path
)

// ContainerType is the element type of a typed Array or the key or value type
// of a typed Dictionary (Godot 4.2+ arrays, 4.4+ dictionaries). The zero value
// is untyped.
type ContainerType struct {
	Kind    ContainerKind
	Builtin Type   // KindBuiltin: the element type
	Class   string // KindClassName: the class name; KindScript: the script's res:// path
}

// TypedArray is a typed Array, such as Array[int]. Each element still carries
// its own Variant header on the wire. Formats before 4.2 have no typed arrays
// and send it as an untyped Array.
type TypedArray struct {
	Elem   ContainerType
	Values []any
}
