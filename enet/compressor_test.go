package enet

import (
	"bytes"
	"testing"
)

func TestRangeCoderCompressor(t *testing.T) {
	c := NewRangeCoder()
	in := bytes.Repeat([]byte("godot "), 100)
	dst := make([]byte, len(in))
	n, err := c.Compress(dst, [][]byte{in[:7], in[7:]})
	if err != nil || n == 0 || n >= len(in) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	out := make([]byte, 4092)
	m, err := c.Decompress(out, dst[:n])
	if err != nil || !bytes.Equal(out[:m], in) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := c.Compress(make([]byte, 2), [][]byte{in}); err == nil {
		t.Fatal("no error for a short dst")
	}
}
