package variant

import (
	"reflect"
	"runtime"
	"testing"
)

// Decoded values share arena chunks; these tests pin the invariants that
// make that invisible to callers (see arena.go).
func TestArenaSlicesAreCapped(t *testing.T) {
	in := []any{[]int32{1, 2}, []int32{3, 4}, []byte{5, 6}, []byte{7, 8}, []any{int64(300)}, []any{int64(400)}}
	b, err := Append(nil, in, Godot4)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := Decode(b, Godot4)
	if err != nil {
		t.Fatal(err)
	}
	arr := v.([]any)
	a0 := arr[0].([]int32)
	if cap(a0) != len(a0) {
		t.Fatalf("packed slice cap %d > len %d: an append would write into the next value", cap(a0), len(a0))
	}
	_ = append(a0, 99)
	_ = append(arr[2].([]byte), 99)
	_ = append(arr[4].([]any), "x")
	if !reflect.DeepEqual(arr[1], []int32{3, 4}) || !reflect.DeepEqual(arr[3], []byte{7, 8}) || !reflect.DeepEqual(arr[5], []any{int64(400)}) {
		t.Fatalf("append to one decoded value changed its neighbour: %#v", arr)
	}
}

func TestArenaValuesSurviveGC(t *testing.T) {
	src := make([]any, 0, 3000)
	for i := range 1000 {
		src = append(src, int64(1000+i), Vector3{float64(i), 1, 2}, "s"+string(rune('a'+i%26))+string(rune('A'+i%26))+"-long-enough-to-skip-the-cache-"+string(rune('0'+i%10)))
	}
	b, err := Append(nil, src, Godot4)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := Decode(b, Godot4)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		runtime.GC()
		_, _, _ = Decode(b, Godot4) // churn the heap so a freed chunk would be reused
	}
	if !reflect.DeepEqual(v, src) {
		t.Fatal("decoded values changed after garbage collection")
	}
}

func TestArenaBoxedTypes(t *testing.T) {
	// The hand-built interface values must carry the same dynamic types as
	// ordinary conversions, so type switches and == work on them.
	var a arena
	a.init()
	cases := []struct{ got, want any }{
		{a.int64(1 << 40), int64(1 << 40)},
		{a.int64(7), int64(7)},
		{a.float64(2.5), 2.5},
		{a.string([]byte("hello")), "hello"},
		{a.v2.box(Vector2{1, 2}), Vector2{1, 2}},
		{a.v3.box(Vector3{1, 2, 3}), Vector3{1, 2, 3}},
		{a.col.box(Color{1, 0, 0, 1}), Color{1, 0, 0, 1}},
	}
	for _, c := range cases {
		if c.got != c.want || reflect.TypeOf(c.got) != reflect.TypeOf(c.want) {
			t.Errorf("boxed %#v (%T), want %#v (%T)", c.got, c.got, c.want, c.want)
		}
	}
	if s, ok := a.i32Box.box([]int32{1}).([]int32); !ok || s[0] != 1 {
		t.Errorf("[]int32 box = %#v", s)
	}
}
