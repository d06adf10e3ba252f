package variant

import (
	"math"
	"testing"
)

// The expected strings below were observed from real engines on this
// project's machines (not computed):
//   - g3: Godot v3.2.3.stable (godot3-server, var2str), printed as UTF-8 hex;
//   - g4: Godot v4.2-dev (web editor build, engine 15998189, var_to_str in
//     headless Chromium), printed as UTF-8 hex.
// Values Godot builds from float literals are float32 where Godot uses real_t.

var txtNegZero = math.Copysign(0, -1)

type txtCase struct {
	v      any
	g3, g4 string
	skip3  bool // not observed from Godot 3.2
	skip4  bool // not observed from Godot 4
}

func txtCases() []txtCase {
	negNaN := math.Float64frombits(0xfff8000000000000)
	nan := math.NaN()
	inf := math.Inf(1)
	return []txtCase{
		{v: nil, g3: "null", g4: "null"},
		{v: true, g3: "true", g4: "true"},
		{v: false, g3: "false", g4: "false"},
		{v: int64(0), g3: "0", g4: "0"},
		{v: int64(-5), g3: "-5", g4: "-5"},
		{v: int64(math.MaxInt64), g3: "9223372036854775807", g4: "9223372036854775807"},
		{v: int64(math.MinInt64), g3: "-9223372036854775808", g4: "-9223372036854775808"},
		{v: 0.0, g3: "0.0", g4: "0.0"},
		{v: txtNegZero, g3: "0.0", g4: "0.0"},
		{v: 1.0, g3: "1.0", g4: "1.0"},
		{v: 1.5, g3: "1.5", g4: "1.5"},
		{v: -2.0, g3: "-2.0", g4: "-2.0"},
		{v: 0.1, g3: "0.1", g4: "0.1"},
		{v: 1.0 / 3.0, g3: "0.333333", g4: "0.333333"},
		{v: 1e20, g3: "1e+20", g4: "1e+20"},
		{v: 1e-7, g3: "1e-07", g4: "1e-07"},
		{v: 123456789.0, g3: "1.23457e+08", g4: "1.23457e+08"},
		{v: 1e300, g3: "inf", g4: "1e+300"}, // 3.2's float is real_t (float32)
		{v: 1e15, g3: "1e+15", g4: "1e+15"},
		{v: 12345.678, g3: "12345.7", g4: "12345.7"},
		{v: nan, g3: "nan", g4: "nan"},
		{v: negNaN, g3: "-nan.0", g4: "nan"},
		{v: inf, g3: "inf", g4: "inf"},
		{v: math.Inf(-1), g3: "-inf.0", g4: "inf_neg"},
		{v: 1e-5, g3: "1e-05", g4: "1e-05"},
		{v: 0.0001, g3: "0.0001", g4: "0.0001"},
		{v: 100000.0, g3: "100000.0", g4: "100000.0"},
		{v: 1000000.0, g3: "1e+06", g4: "1e+06"},
		{v: 1234567.0, g3: "1.23457e+06", g4: "1.23457e+06"},
		{v: 5e-324, g3: "0.0", skip4: true}, // GDScript's literal parser flushed it to 0 in 4.2-dev
		{v: 16777217.0, g3: "1.67772e+07", g4: "1.67772e+07"},
		{v: 2.5e-5, g3: "2.5e-05", g4: "2.5e-05"},
		{v: 0.000123456789, g3: "0.000123457", g4: "0.000123457"},
		{v: 0.30000000000000004, g4: "0.3", skip3: true},
		{v: 1.7976931348623157e308, g4: "1.79769e+308", skip3: true},
		{v: 999999.0, g3: "999999.0", g4: "999999.0"},
		{v: 2.0 / 3.0, g3: "0.666667", g4: "0.666667"},
		{v: "", g3: `""`, g4: `""`},
		{v: "abc", g3: `"abc"`, g4: `"abc"`},
		{v: `a"b`, g3: `"a\"b"`, g4: `"a\"b"`},
		{v: `a\b`, g3: `"a\\b"`, g4: `"a\\b"`},
		{v: "a\nb", g3: "\"a\nb\"", g4: "\"a\nb\""},
		{v: "tab\there", g3: "\"tab\there\"", g4: "\"tab\there\""},
		{v: "unié", g3: `"unié"`, g4: `"unié"`},
		{v: "\x01", g3: "\"\x01\"", g4: "\"\x01\""},
		{v: "a'b?c\rd\te\af\vg\\", g3: "\"a'b?c\rd\te\af\vg\\\\\"", g4: "\"a'b?c\rd\te\af\vg\\\\\""},
		{v: StringName("sn"), g4: `&"sn"`, g3: `"sn"`},
		{v: StringName(`a"b`), g4: `&"a\"b"`, g3: `"a\"b"`},
		{v: StringName(""), g4: `&""`, g3: `""`},
		{v: StringName("a'b?c\rd\te\af\vg\\"), g4: `&"a\'b?c\rd\te\af\vg\\"`, skip3: true},
		{v: Vector2{1.5, -2}, g3: "Vector2( 1.5, -2 )", g4: "Vector2(1.5, -2)"},
		{v: Vector2{0.1, 1e20}, g3: "Vector2( 0.1, 1e+20 )", g4: "Vector2(0.1, 1e+20)"},
		{v: Vector2{txtNegZero, 1}, g3: "Vector2( 0, 1 )", g4: "Vector2(0, 1)"},
		{v: Vector2{nan, inf}, g3: "Vector2( nan, inf )", g4: "Vector2(nan, inf)"},
		{v: Vector2{negNaN, 1}, g3: "Vector2( -nan, 1 )", g4: "Vector2(nan, 1)"},
		{v: Vector2{1.0 / 3.0, 123456789}, g4: "Vector2(0.333333, 1.23457e+08)", skip3: true},
		{v: Vector2{0.1 + 0.2, 1234567.5}, g4: "Vector2(0.3, 1.23457e+06)", skip3: true},
		{v: Vector3{math.Inf(-1), 0, txtNegZero}, g3: "Vector3( -inf, 0, 0 )", g4: "Vector3(inf_neg, 0, 0)"},
		{v: Vector3{1e-7, 1e30, 3.14159265}, g4: "Vector3(1e-07, 1e+30, 3.14159)", skip3: true},
		{v: Vector2i{1, -2}, g4: "Vector2i(1, -2)", skip3: true},
		{v: Rect2{Vector2{1, 2}, Vector2{3, 4}}, g3: "Rect2( 1, 2, 3, 4 )", g4: "Rect2(1, 2, 3, 4)"},
		{v: Rect2{Vector2{0.5, -0.25}, Vector2{1e10, 1e-10}}, g3: "Rect2( 0.5, -0.25, 1e+10, 1e-10 )", skip4: true},
		{v: Rect2i{Vector2i{1, 2}, Vector2i{3, 4}}, g4: "Rect2i(1, 2, 3, 4)", skip3: true},
		{v: Vector3{1, 2, 3}, g3: "Vector3( 1, 2, 3 )", g4: "Vector3(1, 2, 3)"},
		{v: Vector3i{1, 2, 3}, g4: "Vector3i(1, 2, 3)", skip3: true},
		{v: Vector4{1, 2, 3, 4.5}, g4: "Vector4(1, 2, 3, 4.5)", skip3: true},
		{v: Vector4i{1, 2, 3, 4}, g4: "Vector4i(1, 2, 3, 4)", skip3: true},
		{v: Transform2D{Vector2{1, 2}, Vector2{3, 4}, Vector2{5, 6}}, g3: "Transform2D( 1, 2, 3, 4, 5, 6 )", g4: "Transform2D(1, 2, 3, 4, 5, 6)"},
		{v: Plane{Vector3{1, 2, 3}, 4}, g3: "Plane( 1, 2, 3, 4 )", g4: "Plane(1, 2, 3, 4)"},
		{v: Quaternion{1, 2, 3, 4}, g3: "Quat( 1, 2, 3, 4 )", g4: "Quaternion(1, 2, 3, 4)"},
		{v: AABB{Vector3{1, 2, 3}, Vector3{4, 5, 6}}, g3: "AABB( 1, 2, 3, 4, 5, 6 )", g4: "AABB(1, 2, 3, 4, 5, 6)"},
		// Basis(Vector3(1,2,3), Vector3(4,5,6), Vector3(7,8,9)) takes columns: rows are 1 4 7, ...
		{v: Basis{[3]Vector3{{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}}, g3: "Basis( 1, 4, 7, 2, 5, 8, 3, 6, 9 )", g4: "Basis(1, 4, 7, 2, 5, 8, 3, 6, 9)"},
		{v: Transform3D{Basis{[3]Vector3{{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}}, Vector3{10, 11, 12}},
			g3: "Transform( 1, 4, 7, 2, 5, 8, 3, 6, 9, 10, 11, 12 )", g4: "Transform3D(1, 4, 7, 2, 5, 8, 3, 6, 9, 10, 11, 12)"},
		{v: Projection{[4]Vector4{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}}},
			g4: "Projection(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)", skip3: true},
		{v: Color{0.1, 0.5, 1, 1}, g3: "Color( 0.1, 0.5, 1, 1 )", g4: "Color(0.1, 0.5, 1, 1)"},
		{v: Color{1, 0, 0, 1}, g3: "Color( 1, 0, 0, 1 )", g4: "Color(1, 0, 0, 1)"},
		{v: Color{0.123456789, 1.0 / 3.0, 2, -1}, g3: "Color( 0.123457, 0.333333, 2, -1 )", g4: "Color(0.123457, 0.333333, 2, -1)"},
		{v: Color{float32(nan), 0.1, 0.2, 0.3}, g3: "Color( nan, 0.1, 0.2, 0.3 )", g4: "Color(nan, 0.1, 0.2, 0.3)"},
		{v: NodePath{Names: []string{"root", "A"}, SubNames: []string{"b"}, Absolute: true}, g3: `NodePath("/root/A:b")`, g4: `NodePath("/root/A:b")`},
		{v: NodePath{Names: []string{"a", "b"}, SubNames: []string{"c", "d"}}, g3: `NodePath("a/b:c:d")`, g4: `NodePath("a/b:c:d")`},
		{v: NodePath{}, g3: `NodePath("")`, g4: `NodePath("")`},
		{v: NodePath{Names: []string{`x"y`}}, g3: `NodePath("x\"y")`, g4: `NodePath("x\"y")`},
		{v: NodePath{Names: []string{"a\nb\\c"}}, g3: `NodePath("a\nb\\c")`, g4: `NodePath("a\nb\\c")`},
		{v: NodePath{Names: []string{"a'b?c\rd\te\af\vg\\"}}, g3: `NodePath("a\'b\?c\rd\te\af\vg\\")`, g4: `NodePath("a\'b?c\rd\te\af\vg\\")`},
		{v: RID(0), g3: "", g4: "RID()"},
		{v: Callable{}, g4: "Callable()", skip3: true},
		{v: Signal{}, g4: "Signal()", skip3: true},
		{v: NewDictionary(0), g3: "{\n\n}", g4: "{}"},
		{v: txtDict("a", int64(1)), g3: "{\n\"a\": 1\n}", g4: "{\n\"a\": 1\n}"},
		{v: txtDict(int64(1), "x", "k", []any{int64(1), int64(2)}, Vector2{1, 2}, txtDict("n", nil)),
			g3: "{\n1: \"x\",\n\"k\": [ 1, 2 ],\nVector2( 1, 2 ): {\n\"n\": null\n}\n}",
			g4: "{\n1: \"x\",\n\"k\": [1, 2],\nVector2(1, 2): {\n\"n\": null\n}\n}"},
		{v: txtDict("a", txtDict("b", txtDict("c", int64(1))), "d", []any{txtDict("e", int64(1))}),
			g3: "{\n\"a\": {\n\"b\": {\n\"c\": 1\n}\n},\n\"d\": [ {\n\"e\": 1\n} ]\n}",
			g4: "{\n\"a\": {\n\"b\": {\n\"c\": 1\n}\n},\n\"d\": [{\n\"e\": 1\n}]\n}"},
		// Key order: Godot sorts keys (type id first).
		{v: txtDict("b", int64(1), "a", int64(2), "B", int64(3), "é", int64(4), int64(2), int64(0), 1.5, int64(0),
			int64(1), int64(0), true, int64(0), false, int64(0), nil, int64(0), Vector2{2, 1}, int64(0), Vector2{1, 5}, int64(0),
			NodePath{Names: []string{"x"}}, int64(0), Color{1, 1, 1, 1}, int64(0)),
			g3: "{\nnull: 0,\nfalse: 0,\ntrue: 0,\n1: 0,\n2: 0,\n1.5: 0,\n\"B\": 3,\n\"a\": 2,\n\"b\": 1,\n\"é\": 4,\nVector2( 1, 5 ): 0,\nVector2( 2, 1 ): 0,\nColor( 1, 1, 1, 1 ): 0,\nNodePath(\"x\"): 0\n}",
			g4: "{\nnull: 0,\nfalse: 0,\ntrue: 0,\n1: 0,\n2: 0,\n1.5: 0,\n\"B\": 3,\n\"a\": 2,\n\"b\": 1,\n\"é\": 4,\nVector2(1, 5): 0,\nVector2(2, 1): 0,\nColor(1, 1, 1, 1): 0,\nNodePath(\"x\"): 0\n}"},
		{v: txtDict(Vector2i{3, 1}, int64(0), Vector2i{1, 1}, int64(0)), g4: "{\nVector2i(1, 1): 0,\nVector2i(3, 1): 0\n}", skip3: true},
		{v: txtDict([]any{int64(1)}, int64(2), NewDictionary(0), int64(3), "b", int64(1), "a", int64(2)),
			g4: "{\n\"a\": 2,\n\"b\": 1,\n{}: 3,\n[1]: 2\n}", skip3: true},
		{v: txtDict(NewDictionary(0), int64(3), []any{int64(1)}, int64(2)), g3: "{\n{\n\n}: 3,\n[ 1 ]: 2\n}", g4: "{\n{}: 3,\n[1]: 2\n}"},
		{v: txtDict([]any{int64(2)}, int64(0), []any{int64(1), int64(2)}, int64(0), []any{int64(1)}, int64(0), []any{}, int64(0)),
			g4: "{\n[]: 0,\n[1]: 0,\n[1, 2]: 0,\n[2]: 0\n}", skip3: true},
		// Keys Godot 4 does not order keep their order (as observed).
		{v: txtDict(Vector3{2, 1, 0}, int64(0), Vector3{1, 5, 0}, int64(0), Color{0, 1, 1, 1}, int64(0), Color{1, 0, 0, 1}, int64(0),
			Rect2{Vector2{1, 1}, Vector2{1, 1}}, int64(0), Rect2{Vector2{0, 1}, Vector2{1, 1}}, int64(0),
			Plane{Vector3{1, 0, 0}, 0}, int64(0), Plane{Vector3{0, 1, 0}, 0}, int64(0)),
			g4: "{\nRect2(1, 1, 1, 1): 0,\nRect2(0, 1, 1, 1): 0,\nVector3(1, 5, 0): 0,\nVector3(2, 1, 0): 0,\nPlane(1, 0, 0, 0): 0,\nPlane(0, 1, 0, 0): 0,\nColor(0, 1, 1, 1): 0,\nColor(1, 0, 0, 1): 0\n}", skip3: true},
		{v: []any{}, g3: "[  ]", g4: "[]"},
		{v: []any{int64(1), "a", []any{int64(2), []any{}}}, g3: `[ 1, "a", [ 2, [  ] ] ]`, g4: `[1, "a", [2, []]]`},
		{v: []any{"a\nb", txtDict(`q"`, "w")}, g3: "[ \"a\nb\", {\n\"q\\\"\": \"w\"\n} ]", g4: "[\"a\nb\", {\n\"q\\\"\": \"w\"\n}]"},
		{v: &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1), int64(2)}}, g3: "[ 1, 2 ]", g4: "Array[int]([1, 2])"},
		{v: &TypedArray{Elem: ContainerType{Kind: KindClassName, Class: "Node"}}, g3: "[  ]", g4: "Array[Node]([])"},
		{v: &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeVector2}, Values: []any{Vector2{1, 2}}}, g4: "Array[Vector2]([Vector2(1, 2)])", skip3: true},
		{v: &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeDictionary}, Values: []any{NewDictionary(0)}}, g4: "Array[Dictionary]([{}])", skip3: true},
		{v: []byte{1, 2, 255}, g3: "PoolByteArray( 1, 2, 255 )", g4: "PackedByteArray(1, 2, 255)"},
		{v: []byte{}, g3: "PoolByteArray(  )", g4: "PackedByteArray()"},
		{v: []int32{1, -2}, g3: "PoolIntArray( 1, -2 )", g4: "PackedInt32Array(1, -2)"},
		{v: []int32{}, g3: "PoolIntArray(  )", g4: "PackedInt32Array()"},
		{v: []int64{1, math.MaxInt64}, g4: "PackedInt64Array(1, 9223372036854775807)", skip3: true},
		{v: []float32{1.5, 0.1}, g3: "PoolRealArray( 1.5, 0.1 )", g4: "PackedFloat32Array(1.5, 0.1)"},
		{v: []float32{float32(nan), float32(inf), float32(math.Inf(-1))}, g3: "PoolRealArray( nan, inf, -inf )", g4: "PackedFloat32Array(nan, inf, inf_neg)"},
		{v: []float64{1.5, 0.1, 1.0 / 3.0}, g4: "PackedFloat64Array(1.5, 0.1, 0.333333)", skip3: true},
		{v: []string{"a", `b"c`}, g3: `PoolStringArray( "a", "b\"c" )`, g4: `PackedStringArray("a", "b\"c")`},
		{v: []string{"x\ny"}, g3: `PoolStringArray( "x\ny" )`, g4: `PackedStringArray("x\ny")`},
		{v: []string{"a'b?c\rd\te\af\vg\\"}, g3: `PoolStringArray( "a\'b\?c\rd\te\af\vg\\" )`, g4: `PackedStringArray("a\'b?c\rd\te\af\vg\\")`},
		{v: []string{}, g3: "PoolStringArray(  )", g4: "PackedStringArray()"},
		{v: []Vector2{{1, 2}, {3, 4}}, g3: "PoolVector2Array( 1, 2, 3, 4 )", g4: "PackedVector2Array(1, 2, 3, 4)"},
		{v: []Vector2{}, g3: "PoolVector2Array(  )", skip4: true},
		{v: []Vector2{{0.1, nan}}, g4: "PackedVector2Array(0.1, nan)", skip3: true},
		{v: []Vector3{{1, 2, 3}}, g3: "PoolVector3Array( 1, 2, 3 )", g4: "PackedVector3Array(1, 2, 3)"},
		{v: []Color{{1, 0, 0, 1}}, g3: "PoolColorArray( 1, 0, 0, 1 )", g4: "PackedColorArray(1, 0, 0, 1)"},
		{v: []Color{}, g3: "PoolColorArray(  )", skip4: true},
		{v: ObjectID(5), g3: "Object(EncodedObjectAsID,\"object_id\":5,\"script\":null)\n", g4: "Object(EncodedObjectAsID,\"object_id\":5,\"script\":null)\n"},
		{v: &Object{Class: "Object", Properties: []Property{{"script", nil}}}, g3: "Object(Object,\"script\":null)\n", g4: "Object(Object,\"script\":null)\n"},
		{v: &Object{Class: "Node", Properties: []Property{{"_import_path", NodePath{}}, {"pause_mode", int64(0)}, {"process_priority", int64(0)}, {"script", nil}}},
			g3: "Object(Node,\"_import_path\":NodePath(\"\"),\"pause_mode\":0,\"process_priority\":0,\"script\":null)\n", skip4: true},
		{v: &Object{Class: "Node", Properties: []Property{{"_import_path", NodePath{}}, {"unique_name_in_owner", false}, {"process_mode", int64(0)},
			{"process_priority", int64(0)}, {"process_physics_priority", int64(0)}, {"process_thread_group", int64(0)}, {"editor_description", ""}, {"script", nil}}},
			g4: "Object(Node,\"_import_path\":NodePath(\"\"),\"unique_name_in_owner\":false,\"process_mode\":0,\"process_priority\":0,\"process_physics_priority\":0,\"process_thread_group\":0,\"editor_description\":\"\",\"script\":null)\n", skip3: true},
		{v: []any{&Object{Class: "Object", Properties: []Property{{"script", nil}}}}, g3: "[ Object(Object,\"script\":null)\n ]", g4: "[Object(Object,\"script\":null)\n]"},
	}
}

// txtDict builds a Dictionary from alternating keys and values.
func txtDict(kv ...any) *Dictionary {
	d := NewDictionary(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}

func TestFormatTextEngines(t *testing.T) {
	for i, c := range txtCases() {
		if !c.skip4 {
			if got := FormatText(c.v, Godot4); got != c.g4 {
				t.Errorf("%d: Godot 4 FormatText(%#v)\n got %q\nwant %q", i, c.v, got, c.g4)
			}
		}
		if !c.skip3 {
			if got := FormatText(c.v, Godot3); got != c.g3 {
				t.Errorf("%d: Godot 3.2 FormatText(%#v)\n got %q\nwant %q", i, c.v, got, c.g3)
			}
		}
	}
}

func TestFormatTextUnverified(t *testing.T) {
	// Not observed from an engine: documented choices.
	td := NewDictionary(0)
	td.KeyType = ContainerType{Kind: KindBuiltin, Builtin: TypeString}
	td.ValueType = ContainerType{Kind: KindScript, Class: "res://x.gd"}
	td.Set("a", int64(1))
	cases := []struct {
		v    any
		f    Format
		want string
	}{
		{td, Godot4, "Dictionary[String, Resource(\"res://x.gd\")]({\n\"a\": 1\n})"},
		{td, Format{Major: 4, Minor: 2}, "{\n\"a\": 1\n}"},
		{td, Godot3, "{\n\"a\": 1\n}"},
		{Vector2i{1, 2}, Godot3, "Vector2i( 1, 2 )"},
		{Vector2{0.1, 0}, Format{Major: 4, Minor: 4, Double: true}, "Vector2(0.1, 0)"},
		{&Object{}, Godot4, "null"},
		{ObjectID(0), Godot4, "null"},
		{&Object{Class: "X"}, Godot4, "Object(X,)\n"},
		{struct{}{}, Godot4, "<unsupported Go type struct {}>"},
		{int(7), Format{}, "7"},
		{float32(0.5), Godot4, "0.5"},
	}
	for i, c := range cases {
		if got := FormatText(c.v, c.f); got != c.want {
			t.Errorf("%d: got %q want %q", i, got, c.want)
		}
	}
}

func TestFormatTextCycle(t *testing.T) {
	a := []any{nil}
	a[0] = a
	s := FormatText(a, Godot4)
	if len(s) == 0 || s[len(s)-1] != ']' {
		t.Fatalf("cyclic array: %q", s[:min(len(s), 40)])
	}
	d := NewDictionary(0)
	d.Set(int64(1), d)
	deep := []any{}
	for i := 0; i < 3*DefaultMaxDepth; i++ {
		deep = []any{deep}
	}
	d.Set(deep, int64(2)) // array keys are compared element by element: bounded
	d.Set([]any{[]any{}}, int64(3))
	// Equal-depth nested keys that differ only at the bottom: one pass, not
	// two comparisons per level.
	var k1, k2 any = int64(1), int64(2)
	for i := 0; i < 200; i++ {
		k1, k2 = []any{k1}, []any{k2}
	}
	d.Set(k2, int64(4))
	d.Set(k1, int64(5))
	_ = FormatText(d, Godot4)
	_ = FormatText(d, Godot3)
}
