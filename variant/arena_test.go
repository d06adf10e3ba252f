package variant

import (
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
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
		{a.v2.box(Vector2{1, 2}, &a.pr), Vector2{1, 2}},
		{a.v3.box(Vector3{1, 2, 3}, &a.pr), Vector3{1, 2, 3}},
		{a.col.box(Color{1, 0, 0, 1}, &a.pr), Color{1, 0, 0, 1}},
	}
	for _, c := range cases {
		if c.got != c.want || reflect.TypeOf(c.got) != reflect.TypeOf(c.want) {
			t.Errorf("boxed %#v (%T), want %#v (%T)", c.got, c.got, c.want, c.want)
		}
	}
	if s, ok := a.i32Box.box([]int32{1}, &a.pr).([]int32); !ok || s[0] != 1 {
		t.Errorf("[]int32 box = %#v", s)
	}
}

// rawDict builds wire bytes (both formats agree on these ids) and the
// Dictionary that Set semantics give, for random nested Dictionaries with
// few distinct keys, so that duplicate keys, repeated key sequences and
// nested Dictionaries between them are common.
type rawDict struct {
	b             []byte
	rng           *rand.Rand
	dictID, arrID uint32
}

func (w *rawDict) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

func (w *rawDict) str(s string) {
	w.u32(4)
	w.u32(uint32(len(s)))
	w.b = append(w.b, s...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *rawDict) dict(depth int) *Dictionary {
	keys := []string{"id", "hp", "pos", "a", "", "name", "x\x00y", "\xef\xbb\xbfid", "long-key-of-more-than-sixteen-bytes", "é"}
	n := w.rng.IntN(10)
	want := NewDictionary(n)
	w.u32(w.dictID)
	w.u32(uint32(n))
	for range n {
		var k any
		switch w.rng.IntN(8) {
		case 0:
			w.u32(2)
			i := int32(w.rng.IntN(3))
			w.u32(uint32(i))
			k = int64(i)
		default:
			s := keys[w.rng.IntN(len(keys))]
			if w.rng.IntN(4) > 0 {
				s = keys[w.rng.IntN(3)]
			}
			w.str(s)
			k = s
			if i := strings.IndexByte(s, 0); i >= 0 {
				k = s[:i]
			}
			k = strings.TrimPrefix(k.(string), "\xef\xbb\xbf")
		}
		var v any
		if depth < 3 && w.rng.IntN(3) == 0 {
			v = w.dict(depth + 1)
		} else {
			i := int32(w.rng.IntN(1000))
			w.u32(2)
			w.u32(uint32(i))
			v = int64(i)
		}
		want.Set(k, v)
	}
	return want
}

func sameDict(t *testing.T, got, want any) bool {
	t.Helper()
	g, ok1 := got.(*Dictionary)
	w, ok2 := want.(*Dictionary)
	if !ok1 || !ok2 {
		return reflect.DeepEqual(got, want)
	}
	if g.Len() != w.Len() {
		return false
	}
	for i, e := range w.Entries() {
		f := g.Entries()[i]
		if !KeyEqual(f.Key, e.Key) || reflect.TypeOf(f.Key) != reflect.TypeOf(e.Key) || !sameDict(t, f.Value, e.Value) {
			return false
		}
	}
	return true
}

// TestDecodeRepeatedKeys checks the Dictionary fast paths (string cache,
// key shapes, tags) against Set semantics: last duplicate wins, in place.
func TestDecodeRepeatedKeys(t *testing.T) {
	for i := range 3000 {
		for _, f := range []Format{Godot3, Godot4} {
			w := &rawDict{rng: rand.New(rand.NewPCG(1, uint64(i))), dictID: 27, arrID: 28}
			if f == Godot3 {
				w.dictID, w.arrID = 18, 19
			}
			// Several sibling Dictionaries in an Array, as in game state.
			m := w.rng.IntN(6) + 1
			w.u32(w.arrID)
			w.u32(uint32(m))
			want := make([]any, m)
			for j := range want {
				want[j] = w.dict(0)
			}
			got, n, err := Decode(w.b, f)
			if err != nil || n != len(w.b) {
				t.Fatalf("case %d %v: n=%d err=%v", i, f, n, err)
			}
			arr := got.([]any)
			for j := range want {
				if !sameDict(t, arr[j], want[j]) {
					t.Fatalf("case %d %v element %d:\ngot  %#v\nwant %#v", i, f, j, arr[j], want[j])
				}
			}
		}
	}
}
