package variant

import "testing"

// The game-state payload was written by Godot 3.2.3's var2bytes (see
// shared/bench/godot3_codec.gd for Godot's own speed on it: about 50-65 MB/s
// encode and 75-90 MB/s decode).

func BenchmarkEncodeGameState(b *testing.B) {
	in := loadGameState(b)
	v, _, err := Decode(in, Godot3)
	if err != nil {
		b.Fatal(err)
	}
	enc := &Encoder{Format: Godot3}
	buf := make([]byte, 0, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = enc.Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGameState(b *testing.B) {
	in := loadGameState(b)
	dec := &Decoder{Format: Godot3}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := dec.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLenGameState(b *testing.B) {
	in := loadGameState(b)
	v, _, err := Decode(in, Godot3)
	if err != nil {
		b.Fatal(err)
	}
	enc := &Encoder{Format: Godot3}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.Len(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePackedFloat32(b *testing.B) {
	in, _ := Append(nil, make([]float32, 4096))
	dec := &Decoder{}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := dec.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeScalar(b *testing.B) {
	enc := &Encoder{}
	buf := make([]byte, 0, 64)
	var v any = 0.1
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = enc.Append(buf[:0], v)
	}
}
