package variant

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jsonCorpus has at least one value of every Variant type, with the edge
// cases of the mapping.
func jsonCorpus() []any {
	godotNaN := math.Float64frombits(0x7ff8000000000000) // Godot's NAN; Go's math.NaN() is ...01
	nanPayload := math.Float64frombits(0x7ff4000000000000)
	negNaN := math.Float64frombits(0xfff8000000000000)
	d := NewDictionary(0)
	d.Set("a", int64(1))
	d.Set(int64(1), "int key")
	d.Set(1.0, "float key")
	d.Set(Vector2{1, 2}, []any{nil, true})
	d.Set([]any{int64(1)}, NewDictionary(0))
	td := &Dictionary{KeyType: ContainerType{Kind: KindBuiltin, Builtin: TypeString}, ValueType: ContainerType{Kind: KindClassName, Class: "Node"}}
	td.Set("k", ObjectID(7))
	return []any{
		nil, true, false, "", "héllo \"q\" \\ \n\t\x01 \u2028",
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(1 << 40),
		0.0, math.Copysign(0, -1), 0.1, 1.0, 1e21, 1e-300, 5e-324, math.MaxFloat64, -1.5,
		math.Inf(1), math.Inf(-1), math.NaN(), godotNaN, nanPayload, negNaN,
		Vector2{1.5, -2}, Vector2{math.NaN(), math.Inf(-1)}, Vector2i{math.MaxInt32, math.MinInt32},
		Rect2{Vector2{1, 2}, Vector2{3, 4}}, Rect2i{Vector2i{1, 2}, Vector2i{3, 4}},
		Vector3{1, 2, 3}, Vector3i{-1, 0, 1}, Transform2D{Vector2{1, 2}, Vector2{3, 4}, Vector2{5, 6}},
		Vector4{1, 2, 3, 4}, Vector4i{1, 2, 3, 4}, Plane{Vector3{0, 1, 0}, 2.5}, Quaternion{0, 0, 0, 1},
		AABB{Vector3{1, 2, 3}, Vector3{4, 5, 6}}, Basis{[3]Vector3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
		Transform3D{Basis{[3]Vector3{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}, Vector3{10, 11, 12}},
		Projection{[4]Vector4{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}}},
		Color{0.1, 0.5, 1, 1}, Color{float32(math.NaN()), math.Float32frombits(0x7fc00001), float32(math.Inf(1)), -0.0},
		StringName("sn"), StringName(""),
		NodePath{Names: []string{"root", "A"}, SubNames: []string{"b"}, Absolute: true}, NodePath{},
		NodePath{Absolute: true}, NodePath{SubNames: []string{"x"}},
		NodePath{Names: []string{"a/b", ""}, SubNames: []string{"c:d"}},
		RID(0), RID(math.MaxUint64), ObjectID(0), ObjectID(math.MaxUint64),
		&Object{Class: "Node", Properties: []Property{{"name", "n"}, {"script", nil}, {"child", &Object{Class: "X"}}}},
		&Object{}, Callable{}, Signal{Name: "pressed", Object: 42},
		d, td, NewDictionary(0),
		[]any{}, []any{int64(1), "a", []any{2.5}},
		&TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1), int64(2)}},
		&TypedArray{Elem: ContainerType{Kind: KindScript, Class: "res://x.gd"}, Values: []any{}},
		[]byte{}, []byte{0, 1, 2, 255}, []int32{math.MinInt32, 0, math.MaxInt32}, []int64{math.MinInt64, math.MaxInt64},
		[]float32{0.1, float32(math.Inf(-1)), float32(math.NaN())}, []float64{0.1, math.NaN(), nanPayload},
		[]string{"a", "", "ü"}, []Vector2{{1, 2}}, []Vector3{{1, 2, 3}}, []Vector4{{1, 2, 3, 4}},
		[]Color{{1, 0, 0, 1}}, []int32{}, []string{},
	}
}

func TestJSONGolden(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{"a\"\n\x01<", `"a\"\n\u0001<"`},
		{int64(math.MinInt64), `{"type":"int","value":-9223372036854775808}`},
		{1.0, `{"type":"float","value":1.0}`},
		{math.Copysign(0, -1), `{"type":"float","value":-0.0}`},
		{0.1, `{"type":"float","value":0.1}`},
		{1e21, `{"type":"float","value":1e+21}`},
		{math.Float64frombits(0x7ff8000000000000), `{"type":"float","value":"nan"}`},
		{math.NaN(), `{"type":"float","value":"nan:0x7ff8000000000001"}`}, // Go's NaN is not Godot's
		{"\x00nul", `"\u0000nul"`},
		{math.Float64frombits(0xfff8000000000000), `{"type":"float","value":"nan:0xfff8000000000000"}`},
		{math.Inf(-1), `{"type":"float","value":"-inf"}`},
		{Vector2{1.5, -2}, `{"type":"Vector2","value":[1.5,-2.0]}`},
		{Vector2i{1, -2}, `{"type":"Vector2i","value":[1,-2]}`},
		{Color{0.1, 0.5, 1, 1}, `{"type":"Color","value":[0.1,0.5,1.0,1.0]}`},
		{Basis{[3]Vector3{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}, `{"type":"Basis","value":[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0]}`},
		{StringName("ab"), `{"type":"StringName","value":"ab"}`},
		{NodePath{Names: []string{"root", "A"}, SubNames: []string{"b"}, Absolute: true}, `{"type":"NodePath","value":"/root/A:b"}`},
		{NodePath{Names: []string{"a:b"}}, `{"type":"NodePath","names":["a:b"],"subnames":[],"absolute":false}`},
		{RID(13), `{"type":"RID","value":13}`},
		{ObjectID(5), `{"type":"Object","id":5}`},
		{&Object{Class: "Node", Properties: []Property{{"name", "x"}}}, `{"type":"Object","class":"Node","properties":[["name","x"]]}`},
		{&Object{}, `{"type":"Object","class":"","properties":[]}`},
		{Callable{}, `{"type":"Callable"}`},
		{Signal{Name: "s", Object: 5}, `{"type":"Signal","name":"s","object":5}`},
		{txtDict("a", int64(1), Vector2{}, nil), `{"type":"Dictionary","value":[["a",{"type":"int","value":1}],[{"type":"Vector2","value":[0.0,0.0]},null]]}`},
		{&Dictionary{KeyType: ContainerType{Kind: KindBuiltin, Builtin: TypeString}}, `{"type":"Dictionary","key_type":{"builtin":"String"},"value":[]}`},
		{[]any{int64(1), "a"}, `[{"type":"int","value":1},"a"]`},
		{&TypedArray{Elem: ContainerType{Kind: KindClassName, Class: "Node"}}, `{"type":"Array","elem":{"class":"Node"},"value":[]}`},
		{&TypedArray{Values: []any{true}}, `[true]`},
		{[]byte{1, 2, 255}, `{"type":"PackedByteArray","value":"AQL/"}`},
		{[]float32{0.1, 1}, `{"type":"PackedFloat32Array","value":[0.1,1.0]}`},
		{[]string{"a"}, `{"type":"PackedStringArray","value":["a"]}`},
		{[]Vector2{{1, 2}}, `{"type":"PackedVector2Array","value":[[1.0,2.0]]}`},
		{[]Color{{1, 0, 0, 1}}, `{"type":"PackedColorArray","value":[[1.0,0.0,0.0,1.0]]}`},
		{int(7), `{"type":"int","value":7}`},
		{float32(0.5), `{"type":"float","value":0.5}`},
	}
	for i, c := range cases {
		got, err := MarshalJSON(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%d: MarshalJSON(%#v) = %s, %v\nwant %s", i, c.v, got, err, c.want)
		}
	}
}

// TestJSONRoundTrip: MarshalJSON then UnmarshalJSON gives an equal value and
// the same JSON.
func TestJSONRoundTrip(t *testing.T) {
	for i, v := range jsonCorpus() {
		j, err := MarshalJSON(v)
		if err != nil {
			t.Fatalf("%d: MarshalJSON(%#v): %v", i, v, err)
		}
		u, err := UnmarshalJSON(j)
		if err != nil {
			t.Fatalf("%d: UnmarshalJSON(%s): %v", i, j, err)
		}
		j2, err := MarshalJSON(u)
		if err != nil || !bytes.Equal(j, j2) {
			t.Errorf("%d: second MarshalJSON = %s, %v\nwant %s", i, j2, err, j)
		}
	}
}

// TestJSONWireLossless is the requirement: bytes -> Decode -> JSON -> encode
// gives back the same bytes, in every Format.
func TestJSONWireLossless(t *testing.T) {
	formats := []Format{Godot3, {Major: 4, Minor: 0}, {Major: 4, Minor: 2}, {Major: 4, Minor: 3}, Godot4, {Major: 4, Minor: 4, Double: true}}
	for _, f := range formats {
		n := 0
		for i, v := range jsonCorpus() {
			wire, err := Append(nil, v, f)
			if err != nil {
				continue // not expressible in this Format
			}
			n++
			checkWireLossless(t, f, wire, i)
		}
		if n < 40 {
			t.Errorf("%v: only %d corpus values encodable", f, n)
		}
	}
	// Hand-made wire vectors with bits the Go encoder never produces itself.
	raw := []struct {
		f   Format
		hex string
	}{
		{Godot4, "05000000 0100c07f 000080ff"},                   // Vector2 with a NaN payload and -inf
		{Godot4, "03000100 010000000000f8ff"},                    // float64 NaN with payload and sign
		{Godot3, "03000100 9a9999999999b93f"},                    // float64 0.1
		{Godot4, "14000000 0100c0ff 00000080 0000803f 0000807f"}, // Color: NaN payload, -0, 1, +inf
		{Godot3, "11000000 00000000"},                            // 3.2 full-mode null object
		{Godot4, "20000000 01000000 0200c07f"},                   // PackedFloat32Array NaN payload
	}
	for i, r := range raw {
		b, err := hex.DecodeString(strings.ReplaceAll(r.hex, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		checkWireLossless(t, r.f, b, 1000+i)
	}
}

func checkWireLossless(t *testing.T, f Format, wire []byte, i int) {
	t.Helper()
	v, _, err := Decode(wire, f, AllowObjects(true))
	if err != nil {
		t.Errorf("%v %d: Decode(%x): %v", f, i, wire, err)
		return
	}
	j, err := MarshalJSON(v)
	if err != nil {
		t.Errorf("%v %d: MarshalJSON(%#v): %v", f, i, v, err)
		return
	}
	u, err := UnmarshalJSON(j)
	if err != nil {
		t.Errorf("%v %d: UnmarshalJSON(%s): %v", f, i, j, err)
		return
	}
	back, err := Append(nil, u, f)
	if err != nil || !bytes.Equal(back, wire) {
		t.Errorf("%v %d: via JSON %s\n got %x, %v\nwant %x", f, i, j, back, err, wire)
	}
}

func TestJSONLenientInput(t *testing.T) {
	cases := []struct {
		in   string
		want string // MarshalJSON of the result
	}{
		{` 12 `, `{"type":"int","value":12}`},
		{`-0`, `{"type":"int","value":0}`},
		{`1.0`, `{"type":"float","value":1.0}`},
		{`1e3`, `{"type":"float","value":1000.0}`},
		{`[1, 2.5, "x"]`, `[{"type":"int","value":1},{"type":"float","value":2.5},"x"]`},
		{`{"type":"Nil"}`, `null`},
		{`{"type":"bool","value":true}`, `true`},
		{`{"type":"String","value":"s"}`, `"s"`},
		{`{"value":3,"type":"REAL"}`, `{"type":"float","value":3.0}`},
		{`{"type":"Quat","value":[0,0,0,1]}`, `{"type":"Quaternion","value":[0.0,0.0,0.0,1.0]}`},
		{`{"type":"Transform","value":[1,0,0,0,1,0,0,0,1,0,0,0]}`, `{"type":"Transform3D","value":[1.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0]}`},
		{`{"type":"_RID","value":0}`, `{"type":"RID","value":0}`},
		{`{"type":"PoolIntArray","value":[1]}`, `{"type":"PackedInt32Array","value":[1]}`},
		{`{"type":"PoolRealArray","value":[0.1]}`, `{"type":"PackedFloat32Array","value":[0.1]}`},
		{`{"type":"PoolByteArray","value":""}`, `{"type":"PackedByteArray","value":""}`},
		{`{"type":"PoolStringArray","value":["a"]}`, `{"type":"PackedStringArray","value":["a"]}`},
		{`{"type":"PoolVector2Array","value":[[1,2]]}`, `{"type":"PackedVector2Array","value":[[1.0,2.0]]}`},
		{`{"type":"PoolVector3Array","value":[]}`, `{"type":"PackedVector3Array","value":[]}`},
		{`{"type":"PoolColorArray","value":[[1,1,1,1]]}`, `{"type":"PackedColorArray","value":[[1.0,1.0,1.0,1.0]]}`},
		{`{"type":"Array","value":[1]}`, `[{"type":"int","value":1}]`},
		{`{"type":"Array","elem":{"builtin":"PoolIntArray"},"value":[]}`, `{"type":"Array","elem":{"builtin":"PackedInt32Array"},"value":[]}`},
		{`{"type":"NodePath","names":["a"]}`, `{"type":"NodePath","value":"a"}`},
		{`{"type":"NodePath","value":"/"}`, `{"type":"NodePath","value":"/"}`},
		{`{"type":"Object","class":"X"}`, `{"type":"Object","class":"X","properties":[]}`},
		{`{"type":"Dictionary","value":[["a",1],["a",2],["b",3]]}`, `{"type":"Dictionary","value":[["a",{"type":"int","value":2}],["b",{"type":"int","value":3}]]}`},
		{`{"type":"float","value":"nan:0x7ff8000000000000"}`, `{"type":"float","value":"nan"}`},
		{`{"type":"Color","value":["nan:0x7fc00001",0,0,0]}`, `{"type":"Color","value":["nan:0x7fc00001",0.0,0.0,0.0]}`},
	}
	for _, c := range cases {
		v, err := UnmarshalJSON([]byte(c.in))
		if err != nil {
			t.Errorf("UnmarshalJSON(%s): %v", c.in, err)
			continue
		}
		got, err := MarshalJSON(v)
		if err != nil || string(got) != c.want {
			t.Errorf("UnmarshalJSON(%s) -> %s, %v\nwant %s", c.in, got, err, c.want)
		}
	}
}

func TestJSONInvalid(t *testing.T) {
	bad := []string{
		``, ` `, `nul`, `1 2`, `{} x`, `[1,]`, `{"a":1}`, `{"type":1}`, `{"type":"Nope"}`,
		`9223372036854775808`, `-9223372036854775809`, `1e400`,
		`{"type":"int","value":1.5}`, `{"type":"int","value":"1"}`, `{"type":"int"}`, `{"type":"int","value":1,"x":2}`,
		`{"type":"float","value":"NaN"}`, `{"type":"float","value":"nan:0x1"}`, `{"type":"float","value":"nan:0x"}`,
		`{"type":"float","value":"nan:0x7ff80000000000000"}`, `{"type":"float","value":1e999}`,
		`{"type":"Vector2","value":[1]}`, `{"type":"Vector2","value":[1,2,3]}`, `{"type":"Vector2","value":{}}`,
		`{"type":"Vector2i","value":[2147483648,0]}`, `{"type":"Vector2i","value":[0.5,0]}`,
		`{"type":"Color","value":[1e39,0,0,0]}`, `{"type":"Color","value":["nan:0x7f800000",0,0,0]}`,
		`{"type":"PackedByteArray","value":"AQL"}`, `{"type":"PackedByteArray","value":[1]}`,
		`{"type":"PackedInt32Array","value":[2147483648]}`, `{"type":"PackedStringArray","value":[1]}`,
		`{"type":"RID","value":-1}`, `{"type":"RID","value":18446744073709551616}`,
		`{"type":"Object"}`, `{"type":"Object","id":-5}`, `{"type":"Object","class":"","properties":[["a",1]]}`,
		`{"type":"Object","class":"X","properties":[["a"]]}`, `{"type":"Signal","name":"s"}`,
		`{"type":"NodePath","value":"a//b"}`, `{"type":"NodePath","value":"a:"}`, `{"type":"NodePath","names":"a"}`,
		`{"type":"Dictionary","value":[[1]]}`, `{"type":"Dictionary","value":{}}`, `{"type":"Dictionary","value":[],"key_type":{"builtin":"Nope"}}`,
		`{"type":"Dictionary","value":[],"key_type":{"builtin":"int","class":"X"}}`, `{"type":"Array","elem":{},"value":[]}`,
		`{"type":"Array","value":{}}`, `{"type":"Callable","value":1}`, `{"type":"bool","value":1}`, `"\ud800"x`,
	}
	for _, in := range bad {
		v, err := UnmarshalJSON([]byte(in))
		if err == nil {
			t.Errorf("UnmarshalJSON(%s) = %#v, want an error", in, v)
			continue
		}
		var je *JSONError
		if !errors.As(err, &je) || !errors.Is(err, ErrInvalidData) {
			t.Errorf("UnmarshalJSON(%s): error %v is not a *JSONError wrapping ErrInvalidData", in, err)
		}
	}
	// The error says where.
	_, err := UnmarshalJSON([]byte(`{"type":"Dictionary","value":[["k",[1,{"type":"Vector2","value":[1]}]]]}`))
	if err == nil || !strings.Contains(err.Error(), "value[0][1][1].value") {
		t.Errorf("error path: %v", err)
	}
}

func TestJSONMarshalErrors(t *testing.T) {
	cyc := []any{nil}
	cyc[0] = cyc
	cases := []struct {
		v    any
		want error
	}{
		{struct{}{}, ErrInvalidParameter},
		{uint64(math.MaxUint64), ErrInvalidParameter},
		{"\xff", ErrInvalidParameter},
		{[]any{1, []string{"ok", "\xfe"}}, ErrInvalidParameter},
		{&TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: typeMax}}, ErrInvalidParameter},
		{&TypedArray{Elem: ContainerType{Kind: 7}}, ErrInvalidParameter},
		{cyc, ErrOutOfMemory},
	}
	for i, c := range cases {
		dst := []byte("keep")
		out, err := AppendJSON(dst, c.v)
		var ee *EncodeError
		if !errors.Is(err, c.want) || !errors.As(err, &ee) || string(out) != "keep" {
			t.Errorf("%d: AppendJSON(%T) = %q, %v; want %v", i, c.v, out, err, c.want)
		}
	}
	_, err := MarshalJSON([]any{1, []string{"ok", "\xfe"}})
	if err == nil || !strings.Contains(err.Error(), "[1][1]") {
		t.Errorf("error path: %v", err)
	}
}

func TestJSONDepth(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("[", n) + strings.Repeat("]", n)
	}
	if _, err := UnmarshalJSON([]byte(nest(DefaultMaxDepth + 1))); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	_, err := UnmarshalJSON([]byte(nest(DefaultMaxDepth + 2)))
	if !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("depth %d: %v, want ErrOutOfMemory", DefaultMaxDepth+1, err)
	}
	var v any = []any{}
	for i := 0; i < DefaultMaxDepth; i++ {
		v = []any{v}
	}
	if _, err := MarshalJSON(v); err != nil {
		t.Errorf("MarshalJSON depth %d: %v", DefaultMaxDepth, err)
	}
	if _, err := MarshalJSON([]any{v}); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("MarshalJSON depth %d: %v", DefaultMaxDepth+1, err)
	}
	// Dictionaries nest deeper in JSON than in Variants, still accepted.
	d := NewDictionary(0)
	for i := 0; i < DefaultMaxDepth; i++ {
		n := NewDictionary(1)
		n.Set("k", d)
		d = n
	}
	j, err := MarshalJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnmarshalJSON(j); err != nil {
		t.Errorf("nested dictionaries: %v", err)
	}
}

// jsonFuzzSeeds are the f.Add seeds; testdata/fuzz/FuzzUnmarshalJSON holds more.
var jsonFuzzSeeds = []string{
	`null`, `[1,2.5,"x",true]`, `{"type":"float","value":"nan:0xfff8000000000001"}`,
	`{"type":"Dictionary","key_type":{"builtin":"int"},"value":[[1,[{"type":"Vector2","value":[1,2]}]]]}`,
	`{"type":"NodePath","names":["a/b"],"subnames":[":"],"absolute":true}`,
	`{"type":"Object","class":"Node","properties":[["p",{"type":"Object","id":3}]]}`,
	`{"type":"PackedColorArray","value":[["nan",0,"-inf",1e-45]]}`,
	`{"type":"Array","elem":{"script":"res://a.gd"},"value":[{"type":"Signal","name":"s","object":1}]}`,
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range jsonFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalJSON(data)
		if err != nil {
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("error %v is not a *JSONError", err)
			}
			return
		}
		j, err := MarshalJSON(v)
		if err != nil {
			t.Fatalf("MarshalJSON of parsed %q: %v", data, err)
		}
		u, err := UnmarshalJSON(j)
		if err != nil {
			t.Fatalf("UnmarshalJSON(%s): %v", j, err)
		}
		j2, err := MarshalJSON(u)
		if err != nil || !bytes.Equal(j, j2) {
			t.Fatalf("not stable: %s then %s (%v)", j, j2, err)
		}
		_ = FormatText(v, Godot3)
		_ = FormatText(v, Godot4)
	})
}

// TestJSONFuzzCorpusFiles checks the checked-in corpus files are well formed
// (the fuzz engine reads them; a bad file fails every go test run).
func TestJSONFuzzCorpusFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzUnmarshalJSON", "*"))
	if len(files) == 0 {
		t.Fatal("no seed corpus files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
			t.Errorf("%s: not a fuzz corpus file (%v)", f, err)
		}
	}
}
