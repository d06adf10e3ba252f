package engine

import "testing"

func TestDequeShrink(t *testing.T) {
	var d deque[int]
	for i := range 3000 {
		d.PushBack(i)
	}
	d.Shrink(1024) // not empty: kept
	if len(d.buf) != 4096 {
		t.Fatalf("buffer %d after Shrink of a full deque", len(d.buf))
	}
	for i := range 3000 {
		if v := d.PopFront(); v != i {
			t.Fatalf("pop %d: %d", i, v)
		}
	}
	d.Shrink(4096) // small enough: kept
	if len(d.buf) != 4096 {
		t.Fatalf("buffer %d, want 4096 kept", len(d.buf))
	}
	d.Shrink(1024)
	if d.buf != nil || d.Len() != 0 {
		t.Fatalf("buffer %d after Shrink of an empty deque", len(d.buf))
	}
	d.PushBack(7)
	d.PushFront(6)
	if d.Len() != 2 || d.PopFront() != 6 || d.PopFront() != 7 || len(d.buf) != 16 {
		t.Fatal("deque after shrink")
	}
}
