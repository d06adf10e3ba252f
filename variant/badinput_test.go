package variant

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"testing"
	"time"
)

// checkDecodeInvariants checks the invariants every Decode call keeps, valid or not: no
// panic, n within the input, errors are *DecodeError with an offset inside
// the input and a sentinel.
func checkDecodeInvariants(t *testing.T, name string, src []byte, opts ...Option) (any, error) {
	t.Helper()
	v, n, err := Decode(src, opts...)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("%s: error %v is not a *DecodeError", name, err)
		}
		if de.Offset < 0 || de.Offset > len(src) {
			t.Fatalf("%s: offset %d outside the %d-byte input", name, de.Offset, len(src))
		}
		if n != 0 || v != nil {
			t.Fatalf("%s: error with n=%d v=%v", name, n, v)
		}
		known := false
		for _, s := range []error{ErrInvalidData, ErrFileEOF, ErrUnauthorized, ErrOutOfMemory} {
			known = known || errors.Is(err, s)
		}
		if !known || de.Reason == "" {
			t.Fatalf("%s: unexpected error %v", name, err)
		}
		return nil, err
	}
	if n < 4 || n > len(src) {
		t.Fatalf("%s: n=%d for %d-byte input", name, n, len(src))
	}
	return v, nil
}

func TestTruncated(t *testing.T) {
	type input struct {
		f   Format
		src []byte
	}
	var ins []input
	for _, g := range goldenVectors() {
		ins = append(ins, input{g.f, codecHex(t, g.hex)})
	}
	for _, f := range codecFormats {
		for _, v := range codecSamples(f) {
			b, err := Append(nil, v, f)
			if err != nil {
				t.Fatal(err)
			}
			ins = append(ins, input{f, b})
		}
	}
	ins = append(ins, input{Godot3, loadGameState(t)[:4096]})
	for _, in := range ins {
		for i := range len(in.src) {
			_, err := checkDecodeInvariants(t, "truncated", in.src[:i], in.f, AllowObjects(true))
			if err == nil && !truncationMayDecode(in.src[:i]) {
				t.Errorf("%v: % x truncated to %d decoded without error", in.f, in.src, i)
			}
		}
	}
}

// truncationMayDecode reports whether a truncated input may legitimately decode: a
// PackedByteArray missing only its padding.
func truncationMayDecode(b []byte) bool {
	return len(b) >= 8 && (b[0] == 0x1d || b[0] == 0x14)
}

func TestGameStateTruncatedEverywhere(t *testing.T) {
	in := loadGameState(t)
	// Every offset near both ends, every 13th in between (all of them
	// would take seconds, longer still under -race).
	for i := 0; i < len(in); i++ {
		if i > 4096 && i < len(in)-4096 && i%13 != 0 {
			continue
		}
		if _, err := checkDecodeInvariants(t, "game state", in[:i], Godot3); err == nil {
			t.Fatalf("prefix of %d bytes decoded", i)
		}
	}
}

func TestEveryTypeID(t *testing.T) {
	payload := make([]byte, 64)
	for _, f := range codecFormats {
		for id := range 256 {
			src := append([]byte{byte(id), 0, 0, 0}, payload...)
			_, err := checkDecodeInvariants(t, "type id", src, f, AllowObjects(true))
			limit := 39
			if f.is3() {
				limit = 27
			} else if !f.packedVector4() {
				limit = 38
			}
			if id >= limit && !isDecodeErr(err, ErrInvalidData) {
				t.Errorf("%v id %d: %v", f, id, err)
			}
			// Upper header bits set must not panic either.
			src[1], src[2], src[3] = 0xFF, 0xFF, 0xFF
			checkDecodeInvariants(t, "type id flags", src, f, AllowObjects(true))
		}
	}
}

func TestHugeLengths(t *testing.T) {
	le := func(x uint32) []byte { return binary.LittleEndian.AppendUint32(nil, x) }
	for _, f := range []Format{Godot3, Godot4} {
		ids := map[Type]byte{}
		for tp := Type(0); tp < typeMax; tp++ {
			if f.is3() {
				if id3[tp] != noID {
					ids[tp] = id3[tp]
				}
			} else {
				ids[tp] = byte(tp)
			}
		}
		for _, n := range []uint32{0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x7FFFFFFC, 0x40000000, 1000} {
			cases := map[string][]byte{
				"string":       append(append([]byte{ids[TypeString], 0, 0, 0}, le(n)...), "abcdefgh"...),
				"array":        append(append([]byte{ids[TypeArray], 0, 0, 0}, le(n)...), 0, 0, 0, 0),
				"dictionary":   append(append([]byte{ids[TypeDictionary], 0, 0, 0}, le(n)...), 0, 0, 0, 0, 0, 0, 0, 0),
				"nodepath":     append(append([]byte{ids[TypeNodePath], 0, 0, 0}, le(n|0x80000000)...), append(le(n), 0, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0)...),
				"nodepath sub": append(append([]byte{ids[TypeNodePath], 0, 0, 0}, le(0x80000001)...), append(le(n), 2, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0)...),
				"object":       append(append([]byte{ids[TypeObject], 0, 0, 0, 1, 0, 0, 0, 'X', 0, 0, 0}, le(n)...), 0, 0, 0, 0),
				"object class": append(append([]byte{ids[TypeObject], 0, 0, 0}, le(n)...), 0, 0, 0, 0),
			}
			for _, pt := range []Type{TypePackedByteArray, TypePackedInt32Array, TypePackedFloat32Array, TypePackedStringArray,
				TypePackedVector2Array, TypePackedVector3Array, TypePackedColorArray, TypePackedInt64Array,
				TypePackedFloat64Array, TypePackedVector4Array} {
				if id, ok := ids[pt]; ok {
					cases[pt.String()] = append(append([]byte{id, 0, 0, 0}, le(n)...), 1, 0, 0, 0, 0x61, 0, 0, 0)
				}
			}
			if !f.is3() {
				cases["typed array class"] = append(append([]byte{ids[TypeArray], 0, 2, 0}, le(n)...), 0, 0, 0, 0)
				cases["typed dict class"] = append(append([]byte{ids[TypeDictionary], 0, 0x0a, 0}, le(n)...), 0, 0, 0, 0)
				cases["signal"] = append(append([]byte{ids[TypeSignal], 0, 0, 0}, le(n)...), 0, 0, 0, 0)
			}
			for name, src := range cases {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				v, err := checkDecodeInvariants(t, name, src, f, AllowObjects(true))
				runtime.ReadMemStats(&after)
				// Godot's quirks make some of these valid: Array and Dictionary
				// counts ignore bit 31, a negative PackedStringArray or object
				// property count is empty, and the NodePath legacy flag adds one
				// to the subname count in uint32 arithmetic.
				quirk := (int32(n) < 0 && (name == "PackedStringArray" || name == "object")) ||
					(n == 0x80000000 && (name == "array" || name == "dictionary")) ||
					(n == 0xFFFFFFFF && name == "nodepath sub")
				if err == nil && !quirk {
					t.Errorf("%v %s count %#x decoded: %#v", f, name, n, v)
				}
				if d := after.TotalAlloc - before.TotalAlloc; d > 4096 {
					t.Errorf("%v %s count %#x allocated %d bytes", f, name, n, d)
				}
				if name == "string" && !errors.Is(err, ErrFileEOF) {
					t.Errorf("%v string length %#x: %v, want ErrFileEOF", f, n, err)
				}
			}
		}
	}
}

func TestBoundedMemory(t *testing.T) {
	// 16 bytes claiming 2^31-1 Array elements, Dictionary entries, strings.
	for _, src := range [][]byte{
		{0x1c, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x1b, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x22, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x1d, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := Decode(src)
		runtime.ReadMemStats(&after)
		if !isDecodeErr(err, ErrInvalidData) {
			t.Errorf("% x: %v", src, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 2048 {
			t.Errorf("% x: allocated %d bytes", src, d)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	const depth = 100_000
	for _, c := range []struct {
		name string
		f    Format
		unit []byte
		leaf []byte
	}{
		{"array 4", Godot4, []byte{0x1c, 0, 0, 0, 1, 0, 0, 0}, []byte{0, 0, 0, 0}},
		{"dict 4", Godot4, []byte{0x1b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 0, 0}},
		{"array 3", Godot3, []byte{0x13, 0, 0, 0, 1, 0, 0, 0}, []byte{0, 0, 0, 0}},
		{"dict 3", Godot3, []byte{0x12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 0, 0}},
		{"object 3", Godot3, []byte{0x11, 0, 0, 0, 1, 0, 0, 0, 'X', 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'p', 0, 0, 0}, []byte{0, 0, 0, 0}},
	} {
		src := append(bytes.Repeat(c.unit, depth), c.leaf...)
		for _, opts := range [][]Option{{c.f, AllowObjects(true)}, {c.f, AllowObjects(true), MaxDepth(-1), MaxSize(-1)}} {
			start := time.Now()
			_, _, err := Decode(src, opts...)
			if !isDecodeErr(err, ErrOutOfMemory) {
				t.Errorf("%s: %v", c.name, err)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("%s: took %v", c.name, el)
			}
		}
	}
	// 4.x depth rule: the top level is depth 0, each element depth+1, fail
	// past 1024 (Variant::MAX_RECURSION_DEPTH).
	arr := []byte{0x1c, 0, 0, 0, 1, 0, 0, 0}
	src := append(bytes.Repeat(arr, DefaultMaxDepth), 0, 0, 0, 0)
	if _, _, err := Decode(src); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	src = append(bytes.Repeat(arr, DefaultMaxDepth+1), 0, 0, 0, 0)
	if _, _, err := Decode(src); !isDecodeErr(err, ErrOutOfMemory) {
		t.Errorf("depth %d: %v", DefaultMaxDepth+1, err)
	}
	if _, _, err := Decode(src, MaxDepth(2000)); err != nil {
		t.Errorf("MaxDepth(2000): %v", err)
	}
}

func TestMaxSize(t *testing.T) {
	src := make([]byte, 100)
	if _, _, err := Decode(src, MaxSize(99)); !isDecodeErr(err, ErrOutOfMemory) {
		t.Errorf("MaxSize(99): %v", err)
	}
	if _, _, err := Decode(src, MaxSize(100)); err != nil {
		t.Errorf("MaxSize(100): %v", err)
	}
	big := make([]byte, DefaultMaxSize+1)
	if _, _, err := Decode(big); !isDecodeErr(err, ErrOutOfMemory) {
		t.Errorf("default MaxSize: %v", err)
	}
	if _, _, err := Decode(big, MaxSize(-1)); err != nil {
		t.Errorf("MaxSize(-1): %v", err)
	}
}

func TestObjects(t *testing.T) {
	// A full Object of class "Node2D" with one property "hp" = 5.
	obj := codecHex(t, "18000000 06000000 4e6f6465 32440000 01000000 02000000 68700000 02000000 05000000")
	if _, _, err := Decode(obj); !isDecodeErr(err, ErrUnauthorized) {
		t.Fatalf("objects not allowed: %v", err)
	}
	var de *DecodeError
	if _, _, err := Decode(obj); !errors.As(err, &de) || de.Offset != 0 {
		t.Fatalf("offset: %v", err)
	}
	// Nested: the error carries the nested offset.
	nested := append(codecHex(t, "1c000000 01000000"), obj...)
	if _, _, err := Decode(nested); !errors.As(err, &de) || de.Offset != 8 || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("nested: %v", err)
	}
	v, n, err := Decode(obj, AllowObjects(true))
	if err != nil || n != len(obj) {
		t.Fatal(err)
	}
	want := &Object{Class: "Node2D", Properties: []Property{{"hp", int64(5)}}}
	if !KeyEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	b, _ := Append(nil, v)
	if !bytes.Equal(b, obj) {
		t.Fatalf("re-encoded % x", b)
	}
	// 3.2 layout, and object-as-id is always accepted.
	b3, _ := Append(nil, v, Godot3)
	if b3[0] != 0x11 {
		t.Fatalf("3.2 object header % x", b3[:4])
	}
	if _, _, err := Decode(b3, Godot3); !isDecodeErr(err, ErrUnauthorized) {
		t.Fatalf("3.2 not allowed: %v", err)
	}
	if v, _, err := Decode(codecHex(t, "11000100 07000000 00000000"), Godot3); err != nil || v != ObjectID(7) {
		t.Fatalf("3.2 id: %v %v", v, err)
	}
}

func TestStringErrors(t *testing.T) {
	cases := []struct {
		hex string
		err error
		off int
	}{
		{"04000000 ffffffff", ErrFileEOF, 4},
		{"04000000 05000000 61626364", ErrFileEOF, 4},
		{"04000000 02000000 c328 0000", ErrInvalidData, 8},
		{"04000000 01000000", ErrFileEOF, 4},
		{"04000000 0100", ErrInvalidData, 4},
		{"22000000 01000000 ffffffff", ErrFileEOF, 8},
		{"16000000 01000000", ErrInvalidData, 4},      // NodePath without the new-format bit
		{"16000000 01000080 0000", ErrInvalidData, 4}, // NodePath header cut
	}
	for _, c := range cases {
		_, _, err := Decode(codecHex(t, c.hex))
		var de *DecodeError
		if !errors.Is(err, c.err) || !errors.As(err, &de) || de.Offset != c.off {
			t.Errorf("%s: %v, want %v at %d", c.hex, err, c.err, c.off)
		}
	}
}

// TestManyContainerKeys: distinct Array keys must not make decoding
// quadratic (Dictionary.Set compares container keys one by one).
func TestManyContainerKeys(t *testing.T) {
	const n = 50_000
	src := binary.LittleEndian.AppendUint32([]byte{0x1b, 0, 0, 0}, n)
	for i := range n {
		src = append(src, 0x1c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0)
		src = binary.LittleEndian.AppendUint32(src, uint32(i))
		src = append(src, 0, 0, 0, 0)
	}
	start := time.Now()
	v, _, err := Decode(src)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
	if d := v.(*Dictionary); d.Len() != n {
		t.Errorf("Len = %d", d.Len())
	}
}

// TestDictDuplicatesMatchSet checks that decoding inserts exactly as
// Dictionary.Set does, for small and large dictionaries with keys of every
// kind, including duplicates, +0/-0 and NaN.
func TestDictDuplicatesMatchSet(t *testing.T) {
	nan := math.NaN()
	keys := []any{
		"a", "b", StringName("a"), int64(1), 1.0, 0.0, math.Copysign(0, -1), nan, nil, true,
		Vector2{0, 1}, Vector2{math.Copysign(0, -1), 1}, []any{}, []any{int64(1)}, []any{1.0},
		[]any{[]any{"x"}}, []byte{1}, []int32{1}, []float32{0}, []float32{float32(math.Copysign(0, -1))},
		[]Vector2{{1, 2}}, []string{"s"}, NodePath{Names: []string{"a"}}, ObjectID(1), RID(1),
		&TypedArray{Elem: ContainerType{Kind: KindBuiltin, Builtin: TypeInt}, Values: []any{int64(1)}},
	}
	d1 := NewDictionary(1)
	d1.Set("k", int64(1))
	d2 := NewDictionary(1)
	d2.Set("k", int64(1))
	keys = append(keys, d1, d2)
	for _, size := range []int{3, len(keys), 3 * len(keys)} {
		var entries [][2]any
		for i := range size {
			entries = append(entries, [2]any{keys[(i*7)%len(keys)], int64(i)})
		}
		want := NewDictionary(0)
		src := binary.LittleEndian.AppendUint32([]byte{0x1b, 0, 0, 0}, uint32(len(entries)))
		for _, e := range entries {
			want.Set(e[0], e[1])
			var err error
			if src, err = Append(src, e[0]); err != nil {
				t.Fatal(err)
			}
			src, _ = Append(src, e[1])
		}
		v, _, err := Decode(src)
		if err != nil {
			t.Fatal(err)
		}
		got := v.(*Dictionary)
		if got.Len() != want.Len() {
			t.Fatalf("size %d: %d entries, want %d", size, got.Len(), want.Len())
		}
		for i, e := range want.Entries() {
			g := got.Entries()[i]
			if !KeyEqual(g.Key, e.Key) && !(codecSame(g.Key, e.Key)) || g.Value != e.Value {
				t.Errorf("size %d entry %d: %#v=%v, want %#v=%v", size, i, g.Key, g.Value, e.Key, e.Value)
			}
		}
	}
}
