package variant

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// mHex decodes hex with spaces.
func mHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mAppend encodes a value of the Variant model with Append, as the
// reference for Marshal's output.
func mAppend(t testing.TB, v any, f Format) []byte {
	t.Helper()
	b, err := Append(nil, v, f)
	if err != nil {
		t.Fatalf("Append(%#v): %v", v, err)
	}
	return b
}

func mDict(kv ...any) *Dictionary {
	d := NewDictionary(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}

type mPlayer struct {
	Name   string   `godot:"name"`
	HP     uint8    `godot:"hp"`
	Pos    Vector2  `godot:"pos"`
	Tags   []string `godot:"tags,omitempty"`
	Scores []int32  `godot:"scores"`
	Secret string   `godot:"-"`
	Rank   *int     `godot:"rank,omitempty"`
	Speed  float32  `godot:"speed,omitzero"`
	Ratio  float64  // no tag: key "Ratio"
	Extra  any      `godot:"extra"`
	hidden int      // unexported: never encoded
	Path   NodePath `godot:"path,omitzero"`
	Flags  [2]bool  `godot:"flags"`
	Inv    map[string]int16
	Seen   *mPlayer  `godot:"seen,omitempty"`
	Pts    []Vector2 `godot:"pts,omitempty"`
}

func TestMarshalScalars(t *testing.T) {
	type myInt int16
	type myStr string
	cases := []struct {
		in   any
		want any // the equivalent value of the Variant model
	}{
		{nil, nil},
		{true, true},
		{int(-1), int64(-1)},
		{int8(-128), int64(-128)},
		{uint16(65535), int64(65535)},
		{uint32(math.MaxUint32), int64(math.MaxUint32)},
		{uint64(math.MaxInt64), int64(math.MaxInt64)},
		{uintptr(7), int64(7)},
		{myInt(42), int64(42)},
		{float32(0.5), 0.5},
		{0.1, 0.1},
		{math.Inf(-1), math.Inf(-1)},
		{"Godot Rules!!!", "Godot Rules!!!"},
		{myStr("x"), "x"},
		{StringName("sn"), StringName("sn")},
		{Vector2{1, 2}, Vector2{1, 2}},
		{&Vector3{1, 2, 3}, Vector3{1, 2, 3}},
		{Color{1, 0, 0, 1}, Color{1, 0, 0, 1}},
		{RID(5), RID(5)},
		{ObjectID(9), ObjectID(9)},
		{NodePath{Names: []string{"root"}, Absolute: true}, NodePath{Names: []string{"root"}, Absolute: true}},
		{(*int)(nil), nil},
	}
	for _, f := range []Format{Godot3, Godot4} {
		for _, c := range cases {
			got, err := Marshal(c.in, f)
			if err != nil {
				t.Errorf("%v: Marshal(%#v): %v", f, c.in, err)
				continue
			}
			if want := mAppend(t, c.want, f); !bytes.Equal(got, want) {
				t.Errorf("%v: Marshal(%#v) = %x, want %x", f, c.in, got, want)
			}
		}
	}
}

func TestMarshalGodotBytes(t *testing.T) {
	// var2bytes({"a": 1}) in Godot 3.2.
	got, err := Marshal(map[string]int{"a": 1}, Godot3)
	if err != nil {
		t.Fatal(err)
	}
	if want := mHex(t, "12000000 01000000 04000000 01000000 61000000 02000000 01000000"); !bytes.Equal(got, want) {
		t.Errorf("Godot3 {a: 1} = %x, want %x", got, want)
	}
	got, err = Marshal(map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := mHex(t, "1b000000 01000000 04000000 01000000 61000000 02000000 01000000"); !bytes.Equal(got, want) {
		t.Errorf("Godot4 {a: 1} = %x, want %x", got, want)
	}
	// The 64-bit int and double rules (golden vectors B3, B5).
	got, _ = Marshal(int64(-0x0EDCBA9876543211))
	if want := mHex(t, "02000100 efcdab89 674523f1"); !bytes.Equal(got, want) {
		t.Errorf("int64 = %x, want %x", got, want)
	}
	got, _ = Marshal(0.33333333333333333)
	if want := mHex(t, "03000100 55555555 5555d53f"); !bytes.Equal(got, want) {
		t.Errorf("double = %x, want %x", got, want)
	}
}

func TestMarshalContainers(t *testing.T) {
	type key struct{ A, B int }
	cases := []struct {
		name string
		in   any
		want func(f Format) any
	}{
		{"bytes", []byte{1, 2, 3}, func(Format) any { return []byte{1, 2, 3} }},
		{"nil bytes", []byte(nil), func(Format) any { return []byte{} }},
		{"int32s", []int32{1, -2}, func(Format) any { return []int32{1, -2} }},
		{"float32s", []float32{1.5}, func(Format) any { return []float32{1.5} }},
		{"strings", []string{"a", "bc"}, func(Format) any { return []string{"a", "bc"} }},
		{"vector2s", []Vector2{{1, 2}}, func(Format) any { return []Vector2{{1, 2}} }},
		{"colors", []Color{{1, 1, 1, 1}}, func(Format) any { return []Color{{1, 1, 1, 1}} }},
		{"int64s", []int64{1, 1 << 40}, func(f Format) any {
			if f.is3() {
				return []any{int64(1), int64(1 << 40)}
			}
			return []int64{1, 1 << 40}
		}},
		{"float64s", []float64{0.1}, func(f Format) any {
			if f.is3() {
				return []any{0.1}
			}
			return []float64{0.1}
		}},
		{"ints", []int{1, 2}, func(Format) any { return []any{int64(1), int64(2)} }},
		{"nil ints", []int(nil), func(Format) any { return []any{} }},
		{"go array", [3]uint8{1, 2, 3}, func(Format) any { return []any{int64(1), int64(2), int64(3)} }},
		{"anys", []any{1, "x", []uint16{7}, nil}, func(Format) any {
			return []any{int64(1), "x", []any{int64(7)}, nil}
		}},
		{"map sorted by string", map[string]bool{"b": true, "a": false, "c": true}, func(Format) any {
			return mDict("a", false, "b", true, "c", true)
		}},
		{"map sorted by int", map[int8]string{3: "c", -1: "a", 2: "b"}, func(Format) any {
			return mDict(int64(-1), "a", int64(2), "b", int64(3), "c")
		}},
		{"map sorted by float", map[float64]int{2.5: 1, -1: 0}, func(Format) any {
			return mDict(-1.0, int64(0), 2.5, int64(1))
		}},
		{"map sorted by bool", map[bool]int{true: 1, false: 0}, func(Format) any {
			return mDict(false, int64(0), true, int64(1))
		}},
		{"nil map", map[string]int(nil), func(Format) any { return mDict() }},
		{"struct keys", map[key]int{{1, 2}: 1}, func(Format) any {
			return mDict(mDict("A", int64(1), "B", int64(2)), int64(1))
		}},
		{"untyped dictionary with Go values", mDict("p", struct{ X uint8 }{7}), func(Format) any {
			return mDict("p", mDict("X", int64(7)))
		}},
		{"dictionary by value", *mDict("k", 1), func(Format) any { return mDict("k", int64(1)) }},
		{"typed array", &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}},
			func(Format) any {
				return &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}}
			}},
	}
	for _, f := range []Format{Godot3, Godot4} {
		for _, c := range cases {
			got, err := Marshal(c.in, f)
			if err != nil {
				t.Errorf("%v %s: %v", f, c.name, err)
				continue
			}
			if want := mAppend(t, c.want(f), f); !bytes.Equal(got, want) {
				t.Errorf("%v %s:\n got %x\nwant %x", f, c.name, got, want)
			}
		}
	}
}

func TestMarshalMixedKeysDeterministic(t *testing.T) {
	m := map[any]int{"b": 1, int64(2): 2, "a": 3, 1.5: 4, Vector2{1, 1}: 5, nil: 6}
	first, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := Marshal(m)
		if err != nil || !bytes.Equal(first, again) {
			t.Fatalf("output changed between calls: %x vs %x (%v)", first, again, err)
		}
	}
	var back map[any]int
	if err := Unmarshal(first, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, map[any]int{"b": 1, int64(2): 2, "a": 3, 1.5: 4, Vector2{1, 1}: 5, nil: 6}) {
		t.Errorf("round trip = %#v", back)
	}
}

func TestMarshalStruct(t *testing.T) {
	rank := 3
	p := mPlayer{
		Name: "ann", HP: 100, Pos: Vector2{1, 2}, Scores: []int32{5},
		Secret: "s", Rank: &rank, Ratio: 0.5, hidden: 1,
		Inv: map[string]int16{"z": 1, "a": 2},
	}
	want := mDict(
		"name", "ann", "hp", int64(100), "pos", Vector2{1, 2}, "scores", []int32{5},
		"rank", int64(3), "Ratio", 0.5, "extra", nil, "flags", []any{false, false},
		"Inv", mDict("a", int64(2), "z", int64(1)),
	)
	for _, f := range []Format{Godot3, Godot4} {
		got, err := Marshal(p, f)
		if err != nil {
			t.Fatal(err)
		}
		if w := mAppend(t, want, f); !bytes.Equal(got, w) {
			t.Errorf("%v:\n got %x\nwant %x", f, got, w)
		}
		var back mPlayer
		if err := Unmarshal(got, &back, f); err != nil {
			t.Fatal(err)
		}
		p2 := p
		p2.Secret, p2.hidden = "", 0
		if !reflect.DeepEqual(back, p2) {
			t.Errorf("%v round trip:\n got %+v\nwant %+v", f, back, p2)
		}
	}
}

type mBase struct {
	ID    int    `godot:"id"`
	Shape string // hidden by mOuter.Shape, which is shallower
	Both  int    // clashes with mOther.Both at the same depth: both dropped
}

type mOther struct {
	Both  int
	Label string `godot:"label"`
}

type mTagged struct {
	Y int `godot:"Z"` // tagged: beats mUntagged.Z at the same depth
}

type mUntagged struct{ Z int }

// MInner is embedded through an exported pointer.
type MInner struct{ Deep int }

type mHidden struct{ Gone int }

type mOuter struct {
	mBase
	mOther
	mTagged
	mUntagged
	Shape string
	*MInner
	*mHidden // an unexported embedded pointer is skipped, as in encoding/json
}

func TestMarshalEmbedded(t *testing.T) {
	v := mOuter{
		mBase: mBase{ID: 1, Shape: "hidden", Both: 5}, mOther: mOther{Both: 2, Label: "l"},
		mTagged: mTagged{Y: 9}, mUntagged: mUntagged{Z: 8}, Shape: "round", mHidden: &mHidden{Gone: 1},
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// MInner is nil: its fields are left out.
	want := mDict("id", int64(1), "label", "l", "Z", int64(9), "Shape", "round")
	if w := mAppend(t, want, Godot4); !bytes.Equal(got, w) {
		t.Errorf("\n got %x\nwant %x", got, w)
	}
	v.MInner = &MInner{Deep: 3}
	got, _ = Marshal(v)
	want.Set("Deep", int64(3))
	if w := mAppend(t, want, Godot4); !bytes.Equal(got, w) {
		t.Errorf("\n got %x\nwant %x", got, w)
	}
	var back mOuter
	in := mAppend(t, mDict("id", int64(4), "Deep", int64(6), "z", int64(7), "shape", "sq", "Both", int64(1), "Gone", int64(1)), Godot4)
	if err := Unmarshal(in, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != 4 || back.MInner == nil || back.Deep != 6 || back.Y != 7 || back.Shape != "sq" ||
		back.mBase.Both != 0 || back.mOther.Both != 0 || back.mHidden != nil {
		t.Errorf("Unmarshal embedded = %+v", back)
	}
}

type mPointOpt struct {
	A int   `godot:"a,omitempty"`
	B *int  `godot:"b,omitempty"`
	C []int `godot:"c,omitempty"`
	D any   `godot:"d,omitempty"`
	E [0]int
	F struct{ Q int } `godot:"f,omitzero"`
	G bool            `godot:",omitempty"` // empty name: the Go name
}

func TestMarshalOmit(t *testing.T) {
	got, err := Marshal(mPointOpt{})
	if err != nil {
		t.Fatal(err)
	}
	if w := mAppend(t, mDict("E", []any{}), Godot4); !bytes.Equal(got, w) {
		t.Errorf("empty: got %x want %x", got, w)
	}
	one := 0
	got, err = Marshal(mPointOpt{B: &one, D: 0, F: struct{ Q int }{1}, G: true})
	if err != nil {
		t.Fatal(err)
	}
	if w := mAppend(t, mDict("b", int64(0), "d", int64(0), "E", []any{}, "f", mDict("Q", int64(1)), "G", true), Godot4); !bytes.Equal(got, w) {
		t.Errorf("set: got %x want %x", got, w)
	}
}

type mCelsius float64

func (c mCelsius) MarshalVariant() (any, error) { return map[string]float64{"c": float64(c)}, nil }

func (c *mCelsius) UnmarshalVariant(v any) error {
	d, ok := v.(*Dictionary)
	if !ok {
		return errors.New("want a Dictionary")
	}
	x, _ := d.Get("c")
	f, ok := x.(float64)
	if !ok {
		return ErrInvalidParameter
	}
	*c = mCelsius(f)
	return nil
}

type mLevel int

func (l *mLevel) MarshalVariant() (any, error) { return "L" + strconv.Itoa(int(*l)), nil }

func (l *mLevel) UnmarshalVariant(v any) error {
	s, _ := v.(string)
	n, err := strconv.Atoi(strings.TrimPrefix(s, "L"))
	if err != nil || !strings.HasPrefix(s, "L") {
		return errors.New("bad level")
	}
	*l = mLevel(n)
	return nil
}

type mSelf struct{}

func (s mSelf) MarshalVariant() (any, error) { return s, nil }

type mFail struct{}

func (mFail) MarshalVariant() (any, error) { return nil, errors.New("boom") }

func TestMarshaler(t *testing.T) {
	type holder struct {
		T  mCelsius
		L  mLevel
		LP *mLevel
		Ls []mLevel
	}
	two := mLevel(2)
	h := holder{T: 21.5, L: 3, LP: &two, Ls: []mLevel{1}}
	// Through a pointer, L is addressable and its pointer method applies.
	got, err := Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	want := mDict("T", mDict("c", 21.5), "L", "L3", "LP", "L2", "Ls", []any{"L1"})
	if w := mAppend(t, want, Godot4); !bytes.Equal(got, w) {
		t.Errorf("\n got %x\nwant %x", got, w)
	}
	var back holder
	if err := Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, h) {
		t.Errorf("round trip %+v, want %+v", back, h)
	}
	// A value that is not addressable uses the plain int.
	got, _ = Marshal(mLevel(4))
	if w := mAppend(t, int64(4), Godot4); !bytes.Equal(got, w) {
		t.Errorf("unaddressable: %x", got)
	}
	// A nil pointer receiver is Nil.
	got, _ = Marshal((*mLevel)(nil))
	if !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Errorf("nil Marshaler: %x", got)
	}
	// Errors.
	_, err = Marshal(mSelf{})
	if !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("self-returning Marshaler: %v", err)
	}
	_, err = Marshal(map[string]any{"f": mFail{}})
	var ee *EncodeError
	if !errors.Is(err, ErrInvalidParameter) || !errors.As(err, &ee) || ee.Path != `["f"]` || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing Marshaler: %v", err)
	}
	err = Unmarshal(mAppend(t, mDict("T", "hot"), Godot4), &back)
	if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), "T:") || !strings.Contains(err.Error(), "want a Dictionary") {
		t.Errorf("failing Unmarshaler: %v", err)
	}
	err = Unmarshal(mAppend(t, mDict("T", mDict("c", "x")), Godot4), &back)
	if !errors.Is(err, ErrInvalidParameter) || errors.Is(err, ErrInvalidData) {
		t.Errorf("Unmarshaler's own Godot code should be kept: %v", err)
	}
}

type mNode struct {
	Name string
	Next *mNode
}

func TestMarshalErrors(t *testing.T) {
	cyc := &mNode{Name: "a"}
	cyc.Next = cyc
	var self any
	self = &self
	loop := map[string]any{}
	loop["me"] = loop
	cases := []struct {
		name string
		in   any
		f    Format
		err  error
		path string
	}{
		{"uint64 overflow", struct{ N []uint64 }{[]uint64{1, math.MaxUint64}}, Godot4, ErrInvalidParameter, "N[1]"},
		{"uint overflow", map[string]uint{"u": math.MaxUint}, Godot4, ErrInvalidParameter, `["u"]`},
		{"chan", struct{ C chan int }{make(chan int)}, Godot4, ErrInvalidParameter, "C"},
		{"func", []any{1, func() {}}, Godot4, ErrInvalidParameter, "[1]"},
		{"complex", complex(1, 2), Godot4, ErrInvalidParameter, ""},
		{"bad utf8", []any{"ok", "\xff"}, Godot4, ErrInvalidParameter, "[1]"},
		{"bad utf8 key", map[string]int{"\xff": 1}, Godot4, ErrInvalidParameter, `["\xff"]`},
		{"vector2i in 3.2", struct{ P Vector2i }{}, Godot3, ErrUnavailable, "P"},
		{"vector4s in 3.2", [][]Vector4{{}}, Godot3, ErrUnavailable, "[0]"},
		{"pointer cycle", cyc, Godot4, ErrOutOfMemory, ""},
		{"interface cycle", self, Godot4, ErrOutOfMemory, ""},
		{"map cycle", loop, Godot4, ErrOutOfMemory, ""},
	}
	for _, c := range cases {
		b, err := Marshal(c.in, c.f)
		if !errors.Is(err, c.err) || b != nil {
			t.Errorf("%s: got %x, %v; want %v", c.name, b, err, c.err)
			continue
		}
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Errorf("%s: %T is not an *EncodeError", c.name, err)
			continue
		}
		if c.path != "" && ee.Path != c.path {
			t.Errorf("%s: path %q, want %q (%v)", c.name, ee.Path, c.path, err)
		}
	}
	// MarshalAppend leaves dst as it was.
	dst := []byte("keep")
	out, err := MarshalAppend(dst, []any{1, complex(1, 1)})
	if err == nil || string(out) != "keep" {
		t.Errorf("MarshalAppend on error = %q, %v", out, err)
	}
}

func TestMarshalDepth(t *testing.T) {
	var v any = []any{}
	for range 3 {
		v = []any{v}
	}
	// Depths 0..3, the innermost empty Array at depth 3.
	if _, err := Marshal(v, MaxDepth(3)); err != nil {
		t.Errorf("depth 3 with MaxDepth 3: %v", err)
	}
	if _, err := Marshal(v, MaxDepth(2)); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("depth 3 with MaxDepth 2: %v", err)
	}
	type deep struct{ A struct{ B struct{ C int } } }
	if _, err := Marshal(deep{}, MaxDepth(3)); err != nil {
		t.Errorf("struct depth 3: %v", err)
	}
	if _, err := Marshal(deep{}, MaxDepth(2)); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("struct depth 3 with MaxDepth 2: %v", err)
	}
	// The limit counts Variants passed through to Append as well: the
	// typed Array is at depth 2, its innermost element at depth 4.
	typed := &TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeArray}, Values: []any{[]any{[]any{}}}}
	in := map[string]any{"a": []any{typed}}
	if _, err := Marshal(in, MaxDepth(4)); err != nil {
		t.Errorf("typed Array within MaxDepth: %v", err)
	}
	if _, err := Marshal(in, MaxDepth(3)); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("typed Array past MaxDepth: %v", err)
	}
}

func TestMarshalAppendReuse(t *testing.T) {
	buf := make([]byte, 0, 256)
	p := mPlayer{Name: "x", Scores: []int32{1}}
	var err error
	for range 3 {
		if buf, err = MarshalAppend(buf[:0], p); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := Marshal(p)
	if !bytes.Equal(buf, want) {
		t.Errorf("MarshalAppend = %x, Marshal = %x", buf, want)
	}
	prefix := []byte{0xAA}
	out, _ := MarshalAppend(prefix, 1)
	if !bytes.Equal(out, []byte{0xAA, 2, 0, 0, 0, 1, 0, 0, 0}) {
		t.Errorf("MarshalAppend after a prefix = %x", out)
	}
}

func TestUnmarshalConversions(t *testing.T) {
	enc := func(v any) []byte { return mAppend(t, v, Godot4) }
	var (
		i8  int8
		u16 uint16
		f32 float32
		f64 float64
		s   string
		sn  StringName
		bs  []byte
		i64 []int64
		fs  []float64
		a3  [3]int
		ifc any
		pp  **int
		m   map[int]string
		ma  map[any]any
		arr []any
		v2  Vector2
		d   Dictionary
		dp  *Dictionary
	)
	check := func(name string, data []byte, dst any, want any) {
		t.Helper()
		if err := Unmarshal(data, dst); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if got := reflect.ValueOf(dst).Elem().Interface(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", name, got, want)
		}
	}
	check("int into int8", enc(int64(-5)), &i8, int8(-5))
	check("int into uint16", enc(int64(65535)), &u16, uint16(65535))
	check("int into float32", enc(int64(3)), &f32, float32(3))
	check("float into float32", enc(0.5), &f32, float32(0.5))
	check("float into float64", enc(0.1), &f64, 0.1)
	check("String into string", enc("hé"), &s, "hé")
	check("StringName into string", enc(StringName("n")), &s, "n")
	check("String into StringName", enc("m"), &sn, StringName("m"))
	check("PackedByteArray", enc([]byte{1, 2}), &bs, []byte{1, 2})
	check("Array of ints into []byte", enc([]any{int64(255)}), &bs, []byte{255})
	check("PackedInt32Array into []int64", enc([]int32{-1, 2}), &i64, []int64{-1, 2})
	check("PackedFloat32Array into []float64", enc([]float32{1.5}), &fs, []float64{1.5})
	check("PackedByteArray into [3]int", enc([]byte{9}), &a3, [3]int{9, 0, 0})
	check("Array into [3]int, extra dropped", enc([]any{int64(1), int64(2), int64(3), int64(4)}), &a3, [3]int{1, 2, 3})
	check("packed into []any", enc([]int32{7}), &arr, []any{int64(7)})
	check("packed Vector2 into []any", enc([]Vector2{{1, 2}}), &arr, []any{Vector2{1, 2}})
	check("typed Array into []any", enc(&TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}}), &arr, []any{int64(1)})
	check("anything into any", enc(mDict("k", Vector3{1, 2, 3})), &ifc, mDict("k", Vector3{1, 2, 3}))
	check("into **int", enc(int64(8)), &pp, func() **int { x := 8; p := &x; return &p }())
	check("Nil into **int", enc(nil), &pp, (**int)(nil))
	check("Dictionary into map[int]string", enc(mDict(int64(1), "a", int64(2), StringName("b"))), &m, map[int]string{1: "a", 2: "b"})
	check("Dictionary into map[any]any", enc(mDict("x", int64(1), Vector2{}, nil)), &ma, map[any]any{"x": int64(1), Vector2{}: nil})
	check("math type", enc(Vector2{3, 4}), &v2, Vector2{3, 4})
	check("Dictionary by value", enc(mDict("a", int64(1))), &d, *mDict("a", int64(1)))
	check("*Dictionary", enc(mDict("a", int64(1))), &dp, mDict("a", int64(1)))
	check("Nil into string", enc(nil), &s, "")

	// Existing map entries are kept; Nil clears a map.
	m = map[int]string{9: "z"}
	check("map merge", enc(mDict(int64(1), "a")), &m, map[int]string{9: "z", 1: "a"})
	check("Nil into map", enc(nil), &m, map[int]string(nil))
}

func TestUnmarshalStructMatching(t *testing.T) {
	type T struct {
		Name  string `godot:"name"`
		Level int
		Keep  string
	}
	v := T{Keep: "kept"}
	in := mAppend(t, mDict("NAME", "a", StringName("level"), int64(2), int64(5), "ignored", "unknown", true), Godot4)
	if err := Unmarshal(in, &v); err != nil {
		t.Fatal(err)
	}
	if v != (T{Name: "a", Level: 2, Keep: "kept"}) {
		t.Errorf("got %+v", v)
	}
	// An exact match wins over a case-insensitive one.
	type U struct {
		A int `godot:"a"`
		B int `godot:"A"`
	}
	var u U
	if err := Unmarshal(mAppend(t, mDict("A", int64(1)), Godot4), &u); err != nil || u != (U{B: 1}) {
		t.Errorf("exact match: %+v %v", u, err)
	}
	// Full Objects fill structs from their properties.
	obj := &Object{Class: "Node2D", Properties: []Property{{Name: "name", Value: "o"}, {Name: "Level", Value: int64(3)}}}
	var w T
	if err := Unmarshal(mAppend(t, obj, Godot4), &w, AllowObjects(true)); err != nil || w.Name != "o" || w.Level != 3 {
		t.Errorf("Object into struct: %+v %v", w, err)
	}
	if err := Unmarshal(mAppend(t, obj, Godot4), &w); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Object without AllowObjects: %v", err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	type P struct {
		Name string `godot:"name"`
		HP   uint8  `godot:"hp"`
	}
	type Game struct {
		Players []P          `godot:"players"`
		Grid    [2][2]int8   `godot:"grid"`
		ByID    map[int]P    `godot:"by_id"`
		Keys    map[any]bool `godot:"keys"`
		Speed   float32      `godot:"speed"`
	}
	enc := func(v any) []byte { return mAppend(t, v, Godot4) }
	players := []any{mDict("name", "a"), mDict("name", "b"), mDict("name", Vector2{})}
	cases := []struct {
		name, in string
		data     []byte
		path     string
		reason   string
	}{
		{"type mismatch", "", enc(mDict("players", players)), "players[2].name", "cannot unmarshal Vector2 into string"},
		{"range", "", enc(mDict("players", []any{mDict("hp", int64(300))})), "players[0].hp", "int 300 overflows uint8"},
		{"negative into uint", "", enc(mDict("players", []any{mDict("hp", int64(-1))})), "players[0].hp", "int -1 overflows uint8"},
		{"packed element range", "", enc(mDict("grid", []any{[]int32{1, 200}})), "grid[0][1]", "int 200 overflows int8"},
		{"map value", "", enc(mDict("by_id", mDict(int64(7), "x"))), "by_id[7]", "cannot unmarshal String into"},
		{"map key", "", enc(mDict("by_id", mDict("seven", mDict()))), `by_id{key ["seven"]}`, "cannot unmarshal String into int"},
		{"unhashable key", "", enc(mDict("keys", mDict([]any{}, true))), "keys[[]interface {} key]", "cannot use a key of type Array as a Go map key"},
		{"float into int", "", enc(mDict("players", []any{mDict("hp", 1.0)})), "players[0].hp", "cannot unmarshal float into uint8"},
		{"float32 overflow", "", enc(mDict("speed", 1e300)), "speed", "float 1e+300 overflows float32"},
		{"array into struct", "", enc([]any{}), "", "cannot unmarshal Array into variant.Game"},
	}
	for _, c := range cases {
		var g Game
		err := Unmarshal(c.data, &g)
		var ue *UnmarshalError
		if !errors.As(err, &ue) || !errors.Is(err, ErrInvalidData) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ue.Path != c.path || !strings.Contains(ue.Reason, c.reason) {
			t.Errorf("%s: path %q reason %q, want %q / %q", c.name, ue.Path, ue.Reason, c.path, c.reason)
		}
	}
	var g Game
	err := Unmarshal(enc(mDict("players", players)), &g)
	if want := "variant: players[2].name: cannot unmarshal Vector2 into string (ERR_INVALID_DATA)"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// Bad targets.
	for _, target := range []any{nil, g, (*Game)(nil)} {
		if err := Unmarshal(enc(int64(1)), target); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("target %T: %v", target, err)
		}
	}
	// Decoding errors come through unchanged.
	var de *DecodeError
	if err := Unmarshal([]byte{1}, &g); !errors.As(err, &de) || !errors.Is(err, ErrInvalidData) {
		t.Errorf("short input: %v", err)
	}
	if err := Unmarshal(enc(mDict("a", []any{})), &g, MaxSize(8)); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("MaxSize: %v", err)
	}
	if err := Unmarshal(enc([]any{[]any{[]any{}}}), new(any), MaxDepth(1)); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("MaxDepth: %v", err)
	}
	// A non-empty interface takes only values that implement it.
	var st interface{ String() string }
	if err := Unmarshal(enc(int64(1)), &st); !errors.Is(err, ErrInvalidData) {
		t.Errorf("into fmt.Stringer: %v", err)
	}
	// Recursive pointer types stop.
	type P2 *P2
	var p2 P2
	if err := Unmarshal(enc(int64(1)), &p2); !errors.Is(err, ErrInvalidData) {
		t.Errorf("recursive pointer: %v", err)
	}
}

type mRec struct {
	Self *mRec `godot:"self"`
}

func TestDeepCycles(t *testing.T) {
	// Cycles with no depth limit still end, and quickly: paths are capped.
	cyc := &mNode{Name: "a"}
	cyc.Next = cyc
	_, err := Marshal(cyc, MaxDepth(-1))
	var ee *EncodeError
	if !errors.Is(err, ErrOutOfMemory) || !errors.As(err, &ee) || !strings.HasPrefix(ee.Path, "...") || len(ee.Path) > 2*nativeMaxPath {
		t.Errorf("Marshal of a cycle without limit: %.200v", err)
	}
	d := NewDictionary(1)
	d.Set("self", d)
	var r mRec
	err = UnmarshalValue(d, &r)
	if !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("UnmarshalValue of a cyclic Dictionary: %.200v", err)
	}
}

func TestUnmarshalValue(t *testing.T) {
	var args struct {
		ID  int
		Pos Vector2
	}
	if err := UnmarshalValue(mDict("id", int64(7), "pos", Vector2{1, 2}), &args); err != nil || args.ID != 7 || args.Pos != (Vector2{1, 2}) {
		t.Errorf("UnmarshalValue = %+v, %v", args, err)
	}
	if err := UnmarshalValue(1, args); !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("non-pointer target: %v", err)
	}
}

func TestUnmarshalIgnoresTrailingBytes(t *testing.T) {
	data := append(mAppend(t, int64(3), Godot4), 0xFF, 0xFF)
	var n int
	if err := Unmarshal(data, &n); err != nil || n != 3 {
		t.Errorf("got %d, %v", n, err)
	}
}

func TestUnmarshalGodot3Bytes(t *testing.T) {
	var m map[string]int
	if err := Unmarshal(mHex(t, "12000000 01000000 04000000 01000000 61000000 02000000 01000000"), &m, Godot3); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, map[string]int{"a": 1}) {
		t.Errorf("got %v", m)
	}
}

// mGameState is the layout of testdata/bench/game_state_v3.bin, written by
// Godot 3.2.3's var2bytes.
type mGameState struct {
	Tick    int64 `godot:"tick"`
	Players []struct {
		ID    int64   `godot:"id"`
		Name  string  `godot:"name"`
		Pos   Vector3 `godot:"pos"`
		Vel   Vector2 `godot:"vel"`
		HP    uint8   `godot:"hp"`
		Alive bool    `godot:"alive"`
		Inv   []int32 `godot:"inv"`
	} `godot:"players"`
	Map string `godot:"map"`
}

func mLoadGameState(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/bench/game_state_v3.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGameStateTyped(t *testing.T) {
	data := mLoadGameState(t)
	var gs mGameState
	if err := Unmarshal(data, &gs, Godot3); err != nil {
		t.Fatal(err)
	}
	if gs.Tick != 123456 || len(gs.Players) != 200 || gs.Map != "arena_01" || gs.Players[0].Name != "player_0" {
		t.Fatalf("unexpected game state: tick %d, %d players, map %q", gs.Tick, len(gs.Players), gs.Map)
	}
	// Marshal writes Godot's bytes back exactly: same key order, same
	// int and float widths.
	out, err := Marshal(gs, Godot3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		i := 0
		for i < len(out) && i < len(data) && out[i] == data[i] {
			i++
		}
		t.Errorf("Marshal differs from Godot 3.2.3's bytes at offset %d (%d vs %d bytes)", i, len(out), len(data))
	}
}

func BenchmarkUnmarshalGameState(b *testing.B) {
	data := mLoadGameState(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var gs mGameState
		if err := Unmarshal(data, &gs, Godot3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalGameState(b *testing.B) {
	var gs mGameState
	if err := Unmarshal(mLoadGameState(b), &gs, Godot3); err != nil {
		b.Fatal(err)
	}
	buf, _ := Marshal(gs, Godot3)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = MarshalAppend(buf[:0], gs, Godot3); err != nil {
			b.Fatal(err)
		}
	}
}

// mState is a representative game-state message.
type mState struct {
	Tick    uint32            `godot:"tick"`
	Players []mStatePlayer    `godot:"players"`
	Events  []string          `godot:"events,omitempty"`
	Meta    map[string]string `godot:"meta"`
	Extra   any               `godot:"extra,omitempty"`
}

type mStatePlayer struct {
	ID     int64     `godot:"id"`
	Name   string    `godot:"name"`
	Pos    Vector2   `godot:"pos"`
	Vel    Vector2   `godot:"vel"`
	HP     uint8     `godot:"hp"`
	Alive  bool      `godot:"alive"`
	Ammo   []int32   `godot:"ammo"`
	Rot    float32   `godot:"rot"`
	Path   []Vector2 `godot:"path,omitempty"`
	Target *int64    `godot:"target,omitempty"`
}

func mSampleState() mState {
	s := mState{Tick: 123456, Meta: map[string]string{"map": "dust", "mode": "ctf"}, Events: []string{"spawn", "hit"}}
	for i := range 16 {
		tg := int64(i * 3)
		s.Players = append(s.Players, mStatePlayer{
			ID: int64(1000 + i), Name: "player" + string(rune('a'+i)), Pos: Vector2{float64(i), 2.5},
			Vel: Vector2{0.25, -1}, HP: uint8(100 - i), Alive: i%3 != 0, Ammo: []int32{30, 90, int32(i)},
			Rot: float32(i) / 4, Target: &tg,
		})
	}
	return s
}

func TestStateRoundTrip(t *testing.T) {
	s := mSampleState()
	for _, f := range []Format{Godot3, {Major: 4, Minor: 0}, Godot4, {Major: 4, Minor: 4, Double: true}} {
		b, err := Marshal(s, f)
		if err != nil {
			t.Fatal(f, err)
		}
		var back mState
		if err := Unmarshal(b, &back, f); err != nil {
			t.Fatal(f, err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%v: round trip differs:\n got %+v\nwant %+v", f, back, s)
		}
		// The raw value decodes to the same bytes again.
		raw, _, err := Decode(b, f)
		if err != nil {
			t.Fatal(err)
		}
		if again := mAppend(t, raw, f); !bytes.Equal(again, b) {
			t.Errorf("%v: Decode+Append differs from Marshal", f)
		}
	}
}

func TestMarshalAllocs(t *testing.T) {
	s := mSampleState()
	s.Meta = nil // map sorting allocates; measure the struct path
	buf := make([]byte, 0, 8192)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = MarshalAppend(buf[:0], s); err != nil {
			t.Fatal(err)
		}
	})
	// Only boxing s itself (a struct, passed by value) may allocate: its
	// fields are encoded in place.
	if allocs > 1 {
		t.Errorf("MarshalAppend allocates %.0f times per call, want at most 1", allocs)
	}
	p := &s // addressable fields take the fast paths too
	allocs = testing.AllocsPerRun(100, func() {
		buf, _ = MarshalAppend(buf[:0], p)
	})
	if allocs > 0 {
		t.Errorf("MarshalAppend of a pointer allocates %.0f times per call, want 0", allocs)
	}
}

func BenchmarkMarshalStruct(b *testing.B) {
	s := mSampleState()
	n, _ := Marshal(s)
	b.SetBytes(int64(len(n)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalAppendStruct(b *testing.B) {
	s := mSampleState()
	buf, _ := Marshal(s)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = MarshalAppend(buf[:0], s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalStruct(b *testing.B) {
	data, _ := Marshal(mSampleState())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var s mState
		if err := Unmarshal(data, &s); err != nil {
			b.Fatal(err)
		}
	}
}

// mFuzzTarget is a representative Unmarshal target for FuzzUnmarshal.
type mFuzzTarget struct {
	mState
	Name  string           `godot:"name"`
	N     int8             `godot:"n"`
	U     uint64           `godot:"u"`
	F     float32          `godot:"f"`
	B     []byte           `godot:"b"`
	Arr   [2]uint16        `godot:"arr"`
	M     map[int]string   `godot:"m"`
	MA    map[any]any      `godot:"ma"`
	Any   any              `godot:"any"`
	Ptr   *mFuzzTarget     `godot:"ptr"`
	Vecs  []Vector3        `godot:"vecs"`
	Lvl   mLevel           `godot:"lvl"`
	Temp  *mCelsius        `godot:"temp"`
	Dict  *Dictionary      `godot:"dict"`
	Names map[string][]int `godot:"names"`
}

func FuzzUnmarshal(f *testing.F) {
	seed := mFuzzTarget{
		mState: mSampleState(), Name: "n", N: -3, U: 9, F: 1.5, B: []byte{1, 2, 3}, Arr: [2]uint16{4, 5},
		M: map[int]string{1: "a"}, MA: map[any]any{"k": Vector2{1, 2}}, Any: []any{int64(1), "x"},
		Ptr: &mFuzzTarget{Name: "inner"}, Vecs: []Vector3{{1, 2, 3}}, Lvl: 4, Dict: mDict("d", 1.5),
		Names: map[string][]int{"x": {1, 2}},
	}
	seed.mState.Players = seed.mState.Players[:2]
	for _, fm := range []Format{Godot3, Godot4} {
		b, err := Marshal(seed, fm)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, fm.is3())
	}
	f.Add([]byte{0x12, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, godot3 bool) {
		fm := Godot4
		if godot3 {
			fm = Godot3
		}
		var v mFuzzTarget
		if err := Unmarshal(data, &v, fm, MaxDepth(64)); err != nil {
			var ue *UnmarshalError
			var de *DecodeError
			if !errors.As(err, &ue) && !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// Whatever was stored encodes, and encoding is stable.
		b1, err := Marshal(&v, fm)
		if err != nil {
			if errors.Is(err, ErrOutOfMemory) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidParameter) {
				return // e.g. an "any" field holding a deep value, or a level Marshal cannot write
			}
			t.Fatalf("Marshal after Unmarshal: %v", err)
		}
		var w mFuzzTarget
		if err := Unmarshal(b1, &w, fm); err != nil {
			t.Fatalf("Unmarshal(Marshal(v)): %v\n%x", err, b1)
		}
		b2, err := Marshal(&w, fm)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("Marshal not stable: %v\n%x\n%x", err, b1, b2)
		}
	})
}
