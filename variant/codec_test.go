package variant

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func isDecodeErr(err error, sentinel error) bool {
	var de *DecodeError
	return errors.As(err, &de) && errors.Is(err, sentinel)
}

func isEncodeErr(err error, sentinel error) bool {
	var ee *EncodeError
	return errors.As(err, &ee) && errors.Is(err, sentinel)
}

// codecSamples returns one value of every type the Format can express.
func codecSamples(f Format) []any {
	d := NewDictionary(3)
	d.Set("k", int64(1))
	d.Set(int64(2), []any{"x", 1.5})
	d.Set(Vector2{1, 2}, nil)
	vs := []any{
		nil, true, false, int64(0), int64(-7), int64(math.MaxInt64), int64(math.MinInt64),
		0.5, 0.1, math.Inf(-1), math.MaxFloat64, "", "abc", "héllo wörld ✓",
		Vector2{1.5, -2}, Rect2{Vector2{1, 2}, Vector2{3, 4}}, Vector3{1, 2, 3},
		Transform2D{Vector2{1, 0}, Vector2{0, 1}, Vector2{5, 6}}, Plane{Vector3{0, 1, 0}, 2},
		Quaternion{0, 0, 0, 1}, AABB{Vector3{1, 2, 3}, Vector3{4, 5, 6}},
		Basis{[3]Vector3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
		Transform3D{Basis{[3]Vector3{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}, Vector3{10, 11, 12}},
		Color{0.25, 0.5, 0.75, 1}, NodePath{}, NodePath{Names: []string{"a"}, SubNames: []string{"b", "c"}, Absolute: true},
		ObjectID(0), ObjectID(1 << 40), d, NewDictionary(0), []any{}, []any{int64(1), []any{"nested", []any{}}},
		[]byte{}, []byte{1, 2, 3, 4, 5}, []int32{1, -2, 3}, []float32{1.5, -0.25}, []string{"a", "", "bcd"},
		[]Vector2{{1, 2}, {3, 4}}, []Vector3{{1, 2, 3}}, []Color{{1, 0, 0, 1}},
	}
	if f.is3() {
		return append(vs, RID(0))
	}
	vs = append(vs,
		Vector2i{1, -1}, Rect2i{Vector2i{1, 2}, Vector2i{3, 4}}, Vector3i{1, 2, 3}, Vector4i{1, 2, 3, 4},
		Vector4{1, 2, 3, 4}, Projection{[4]Vector4{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}},
		StringName("name"), RID(1<<50), Callable{}, Signal{Name: "hit", Object: 42},
		[]int64{1, math.MinInt64}, []float64{0.1, math.Inf(1)},
	)
	if f.packedVector4() {
		vs = append(vs, []Vector4{{1, 2, 3, 4}})
	}
	if f.typedArrays() {
		vs = append(vs, &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeString}, Values: []any{"a"}},
			&TypedArray{Elem: ContainerType{Kind: KindScript, Class: "res://x.gd"}, Values: []any{ObjectID(3)}})
	}
	if f.typedDictionaries() {
		td := &Dictionary{KeyType: ContainerType{Kind: KindBuiltin, Builtin: TypeString}, ValueType: ContainerType{Kind: KindClassName, Class: "Node"}}
		td.Set("a", ObjectID(9))
		vs = append(vs, td)
	}
	return vs
}

var codecFormats = []Format{Godot3, {Major: 4, Minor: 0}, {Major: 4, Minor: 2}, {Major: 4, Minor: 3}, Godot4, {Major: 4, Minor: 4, Double: true}}

func TestRoundTrip(t *testing.T) {
	for _, f := range codecFormats {
		for _, v := range codecSamples(f) {
			b, err := Append(nil, v, f)
			if err != nil {
				t.Errorf("%v Append(%#v): %v", f, v, err)
				continue
			}
			if len(b)%4 != 0 {
				t.Errorf("%v %#v: length %d is not a multiple of 4", f, v, len(b))
			}
			if n, err := (&Encoder{Format: f}).Len(v); err != nil || n != len(b) {
				t.Errorf("%v Len(%#v) = %d, %v; want %d", f, v, n, err, len(b))
			}
			got, n, err := Decode(b, f)
			if err != nil || n != len(b) {
				t.Errorf("%v Decode(% x) = n %d, %v", f, b, n, err)
				continue
			}
			if !codecSame(got, v) {
				t.Errorf("%v round trip of %#v gave %#v", f, v, got)
			}
		}
	}
}

func TestGoInputConveniences(t *testing.T) {
	for _, v := range []any{int(-5), int8(-5), int16(-5), int32(-5)} {
		b, err := Append(nil, v)
		if err != nil || !bytes.Equal(b, codecHex(t, "02000000 fbffffff")) {
			t.Errorf("%T: % x, %v", v, b, err)
		}
	}
	for _, v := range []any{uint(7), uint8(7), uint16(7), uint32(7), uint64(7)} {
		b, err := Append(nil, v)
		if err != nil || !bytes.Equal(b, codecHex(t, "02000000 07000000")) {
			t.Errorf("%T: % x, %v", v, b, err)
		}
	}
	if _, err := Append(nil, uint64(math.MaxUint64)); !isEncodeErr(err, ErrInvalidParameter) {
		t.Errorf("uint64 max: %v", err)
	}
	b, err := Append(nil, float32(0.1))
	if err != nil || !bytes.Equal(b, codecHex(t, "03000000 cdcccc3d")) {
		t.Errorf("float32: % x, %v", b, err)
	}
	nan32 := float32(math.NaN())
	b, _ = Append(nil, nan32)
	if n, _ := (&Encoder{}).Len(nan32); n != len(b) || n != 12 {
		t.Errorf("float32 NaN: Len %d, encoded % x", n, b)
	}
	ta := TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}}
	b1, _ := Append(nil, ta)
	b2, _ := Append(nil, &ta)
	if !bytes.Equal(b1, b2) {
		t.Error("TypedArray value and pointer differ")
	}
	d := NewDictionary(0)
	d.Set("a", 1)
	b1, _ = Append(nil, *d)
	b2, _ = Append(nil, d)
	if !bytes.Equal(b1, b2) {
		t.Error("Dictionary value and pointer differ")
	}
	_, err = Append(nil, struct{}{})
	if !isEncodeErr(err, ErrInvalidParameter) || !strings.Contains(err.Error(), "struct {}") {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := (&Encoder{}).Len(map[string]int{}); !isEncodeErr(err, ErrInvalidParameter) {
		t.Errorf("Len unknown type: %v", err)
	}
	if _, err := Append(nil, "bad \xff"); !isEncodeErr(err, ErrInvalidParameter) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestEncodeErrorPath(t *testing.T) {
	d := NewDictionary(1)
	d.Set("players", []any{int64(1), &Object{Class: "X", Properties: []Property{{"pos", Vector2i{}}}}})
	_, err := Append(nil, d, Godot3)
	var ee *EncodeError
	if !errors.As(err, &ee) || !errors.Is(err, ErrUnavailable) || ee.Path != `["players"][1].pos` {
		t.Fatalf("err = %v (path %q)", err, ee.Path)
	}
}

func TestFormatAvailability(t *testing.T) {
	for _, v := range []any{Vector2i{}, Rect2i{}, Vector3i{}, Vector4i{}, Vector4{}, Projection{}, Callable{},
		Signal{}, []int64{}, []float64{}, []Vector4{}} {
		if _, err := Append(nil, v, Godot3); !isEncodeErr(err, ErrUnavailable) {
			t.Errorf("3.2 %T: %v", v, err)
		}
		if _, err := (&Encoder{Format: Godot3}).Len(v); !isEncodeErr(err, ErrUnavailable) {
			t.Errorf("3.2 Len %T: %v", v, err)
		}
	}
	f42 := Format{Major: 4, Minor: 2}
	if _, err := Append(nil, []Vector4{}, f42); !isEncodeErr(err, ErrUnavailable) {
		t.Errorf("4.2 PackedVector4Array: %v", err)
	}
	pv4 := &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypePackedVector4Array}}
	if _, err := Append(nil, pv4, f42); !isEncodeErr(err, ErrUnavailable) {
		t.Errorf("4.2 Array[PackedVector4Array]: %v", err)
	}
	if _, err := (&Encoder{Format: f42}).Len(pv4); !isEncodeErr(err, ErrUnavailable) {
		t.Errorf("4.2 Len Array[PackedVector4Array]: %v", err)
	}
	// Decoding id 38 before 4.3 fails like an old Godot.
	if _, _, err := Decode(codecHex(t, "26000000 00000000"), f42); !isDecodeErr(err, ErrInvalidData) {
		t.Errorf("4.2 decode id 38: %v", err)
	}
	// 4.x-only ids beyond 26 in 3.2.
	if _, _, err := Decode(codecHex(t, "1b000000 00000000"), Godot3); !isDecodeErr(err, ErrInvalidData) {
		t.Errorf("3.2 decode id 27: %v", err)
	}
	// StringName goes out as a String in 3.2.
	b, _ := Append(nil, StringName("ab"), Godot3)
	if !bytes.Equal(b, codecHex(t, "04000000 02000000 61620000")) {
		t.Errorf("3.2 StringName: % x", b)
	}
	// RID has no payload in 3.2.
	b, _ = Append(nil, RID(99), Godot3)
	if !bytes.Equal(b, codecHex(t, "10000000")) {
		t.Errorf("3.2 RID: % x", b)
	}
	// Typed containers go out untyped to versions without typed headers.
	ta := &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}}
	b, _ = Append(nil, ta, Format{Major: 4, Minor: 1})
	if !bytes.Equal(b, codecHex(t, "1c000000 01000000 02000000 01000000")) {
		t.Errorf("4.1 typed array: % x", b)
	}
	b, _ = Append(nil, ta, Godot3)
	if !bytes.Equal(b, codecHex(t, "13000000 01000000 02000000 01000000")) {
		t.Errorf("3.2 typed array: % x", b)
	}
	td := &Dictionary{KeyType: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}}
	b, _ = Append(nil, td, f42)
	if !bytes.Equal(b, codecHex(t, "1b000000 00000000")) {
		t.Errorf("4.2 typed dictionary: % x", b)
	}
	// Null objects: NIL in 4.x, empty class in 3.2 full mode.
	b, _ = Append(nil, (*Object)(nil), Godot4)
	if !bytes.Equal(b, codecHex(t, "00000000")) {
		t.Errorf("4.x null object: % x", b)
	}
	b, _ = Append(nil, ObjectID(0), Godot4)
	if !bytes.Equal(b, codecHex(t, "18000100 00000000 00000000")) {
		t.Errorf("4.x ObjectID(0): % x", b)
	}
}

func TestDoublePrecision(t *testing.T) {
	fd := Format{Major: 4, Minor: 4, Double: true}
	b, _ := Append(nil, Vector2{0.1, 2}, fd)
	want := codecHex(t, "05000100 9a9999999999b93f 0000000000000040")
	if !bytes.Equal(b, want) {
		t.Fatalf("double Vector2: % x", b)
	}
	// Any 4.x Format decodes the wide layout: a Double format keeps the
	// float64 components, a single-precision one rounds them to float32 as
	// a single-precision Godot build does.
	v, _, err := Decode(want, fd)
	if err != nil || v != (Vector2{0.1, 2}) {
		t.Fatalf("decode wide (double): %v %v", v, err)
	}
	v, _, err = Decode(want, Godot4)
	if err != nil || v != (Vector2{float64(float32(0.1)), 2}) {
		t.Fatalf("decode wide (single): %v %v", v, err)
	}
	// Color and integer vectors never widen.
	b, _ = Append(nil, Color{1, 1, 1, 1}, fd)
	if len(b) != 20 || b[2] != 0 {
		t.Errorf("double Color: % x", b)
	}
	b, _ = Append(nil, []Vector3{{1, 2, 3}}, fd)
	if !bytes.Equal(b[:8], codecHex(t, "24000100 01000000")) || len(b) != 8+24 {
		t.Errorf("double PackedVector3Array: % x", b)
	}
	// 3.2 ignores bit 16 on math types: f32 components.
	v, n, err := Decode(codecHex(t, "05000100 0000803f 00000040"), Godot3)
	if err != nil || n != 12 || v != (Vector2{1, 2}) {
		t.Errorf("3.2 bit 16 on Vector2: %v %d %v", v, n, err)
	}
}

func TestDecodeQuirks(t *testing.T) {
	cases := []struct {
		name string
		f    Format
		hex  string
		want any
		n    int
	}{
		{"bool non-zero", Godot4, "01000000 05000000", true, 8},
		{"header bits ignored", Godot4, "0400ffff 01000000 61000000", "a", 12},
		{"string NUL stops", Godot4, "04000000 05000000 61620063 64000000", "ab", 16},
		{"string BOM stripped", Godot4, "04000000 04000000 efbbbf61", "a", 12},
		{"string pad not checked", Godot4, "04000000 01000000 61ffffff", "a", 12},
		{"packed string negative count", Godot4, "22000000 ffffffff", []string{}, 8},
		{"packed string without NUL", Godot4, "22000000 01000000 02000000 61620000", []string{"ab"}, 16},
		{"array count bit 31", Godot4, "1c000000 01000080 00000000", []any{nil}, 12},
		{"byte array missing pad", Godot4, "1d000000 03000000 010203", []byte{1, 2, 3}, 11},
		{"3.2 RID", Godot3, "10000000", RID(0), 4},
		{"NodePath legacy property", Godot4, "16000000 01000080 00000000 02000000 01000000 61000000 01000000 62000000",
			NodePath{Names: []string{"a"}, SubNames: []string{"b"}}, 32},
		{"3.2 full null object", Godot3, "11000000 00000000", &Object{}, 8},
		{"int 64-bit flag in 3.2", Godot3, "02000100 01000000 00000000", int64(1), 12},
		{"Callable", Godot4, "19000000", Callable{}, 4},
		{"typed dict bits ignored in 4.2", Format{Major: 4, Minor: 2}, "1b000500 00000000", NewDictionary(0), 8},
		{"typed array bits ignored in 4.1", Format{Major: 4, Minor: 1}, "1c000100 00000000", []any{}, 8},
		{"3.2 typed bits ignored", Godot3, "13000100 00000000", []any{}, 8},
	}
	for _, c := range cases {
		v, n, err := Decode(codecHex(t, c.hex), c.f, AllowObjects(true))
		if err != nil || n != c.n || !codecSame(v, c.want) {
			t.Errorf("%s: got %#v n=%d err=%v; want %#v n=%d", c.name, v, n, err, c.want, c.n)
		}
	}
	// A byte array without padding inside a container makes the next element fail.
	_, _, err := Decode(codecHex(t, "1c000000 02000000 1d000000 01000000 aa 000000"), Godot4)
	if !isDecodeErr(err, ErrInvalidData) {
		t.Errorf("short byte array then NIL: %v", err)
	}
	// Duplicate keys: last wins, in place.
	v, _, err := Decode(codecHex(t, "1b000000 03000000 04000000 01000000 61000000 02000000 01000000"+
		"04000000 01000000 62000000 02000000 02000000 04000000 01000000 61000000 02000000 03000000"), Godot4)
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*Dictionary)
	if d.Len() != 2 || d.Entries()[0].Key != "a" || d.Entries()[0].Value != int64(3) {
		t.Errorf("duplicate keys: %#v", d.Entries())
	}
}

func TestDictionaryManyKeys(t *testing.T) {
	d := NewDictionary(0)
	for i := range 50 {
		d.Set(int64(i), "v")
		d.Set(strings.Repeat("k", i), int64(i))
	}
	d.Set(int64(3), "again")
	b, err := Append(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := Decode(b)
	if err != nil || !KeyEqual(v, d) {
		t.Fatalf("many keys: %v", err)
	}
}

func TestEncodeNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	vals := []any{nil, true, int64(1 << 40), 0.1, "hello world", StringName("n"), Vector3{1, 2, 3},
		Transform3D{}, Color{}, RID(1), ObjectID(2), Signal{Name: "s"},
		NodePath{Names: []string{"a", "b"}}, []byte{1, 2, 3}, []int32{1, 2}, []int64{3}, []float32{1},
		[]float64{2}, []string{"a", "b"}, []Vector2{{1, 2}}, []Vector3{{1, 2, 3}}, []Color{{}},
		[]any{int64(1), "x"}, Projection{}}
	enc := &Encoder{}
	for _, v := range vals {
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if buf, err = enc.Append(buf[:0], v); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Append(%T) allocates %v times", v, allocs)
		}
		allocs = testing.AllocsPerRun(100, func() { _, _ = enc.Len(v) })
		if allocs != 0 {
			t.Errorf("Len(%T) allocates %v times", v, allocs)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	cases := []struct {
		v   any
		max float64
	}{
		{int64(5), 0}, {true, 0}, {nil, 0}, {make([]float32, 1000), 2}, {make([]byte, 1000), 2},
		{make([]Vector3, 100), 2}, {"some string", 2},
	}
	for _, c := range cases {
		b, _ := Append(nil, c.v)
		allocs := testing.AllocsPerRun(100, func() { _, _, _ = Decode(b) })
		if allocs > c.max {
			t.Errorf("Decode(%T) allocates %v times, want <= %v", c.v, allocs, c.max)
		}
	}
}

func TestEncodeCycle(t *testing.T) {
	a := []any{nil}
	a[0] = a
	if _, err := Append(nil, a); !isEncodeErr(err, ErrOutOfMemory) {
		t.Errorf("cycle: %v", err)
	}
	d := NewDictionary(1)
	d.Set("self", d)
	if _, err := (&Encoder{}).Len(d); !isEncodeErr(err, ErrOutOfMemory) {
		t.Errorf("dict cycle Len: %v", err)
	}
	// Depth exactly at the limit is fine; one more is not.
	deep := any(int64(1))
	for range DefaultMaxDepth {
		deep = []any{deep}
	}
	if _, err := Append(nil, deep); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	if _, err := Append(nil, []any{deep}); !isEncodeErr(err, ErrOutOfMemory) {
		t.Errorf("depth %d: %v", DefaultMaxDepth+1, err)
	}
}
