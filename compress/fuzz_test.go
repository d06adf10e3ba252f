package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/packetpeer/packetpeer"
)

func fuzzSeeds() [][]byte {
	in := []byte("hello hello hello hello hello, godot godot godot")
	seeds := [][]byte{{}, {0}, {0x1f}, {0xe0, 0, 0}, {0x3f, 0xff, 0xff, 0xff}}
	for _, m := range modes {
		c, _ := Compress(nil, in, m)
		seeds = append(seeds, c)
		c, _ = Compress(nil, bytes.Repeat([]byte{'z'}, 70000), m)
		seeds = append(seeds, c)
	}
	return seeds
}

// FuzzDecompress: no input panics, output never exceeds the size, and every
// error wraps ErrInvalidData or ErrOutOfMemory.
func FuzzDecompress(f *testing.F) {
	for _, s := range fuzzSeeds() {
		for _, m := range modes {
			f.Add(byte(m), uint16(100), s)
		}
	}
	f.Fuzz(func(t *testing.T, mode byte, size uint16, src []byte) {
		m := Mode(mode % 4)
		out, err := Decompress(nil, src, int(size), m)
		if err != nil {
			if !errors.Is(err, ErrInvalidData) && !errors.Is(err, ErrOutOfMemory) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(out) != 0 {
				t.Fatalf("output on error")
			}
			return
		}
		if len(out) > int(size) && !(m == FastLZ && len(out) <= 16) {
			t.Fatalf("%v: %d bytes out with size %d", m, len(out), size)
		}
		if m == Deflate || m == GZIP {
			d, err := DecompressDynamic(nil, src, int(size), m)
			if len(src) > 0 && (err != nil || !bytes.Equal(d, out)) {
				t.Fatalf("dynamic disagrees: %v", err)
			}
		}
	})
}

// FuzzRoundTrip: Compress then Decompress gives the input back, in every mode.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Add(bytes.Repeat([]byte("abcab"), 20000))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, m := range modes {
			c, err := Compress(nil, in, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(c) > MaxCompressedLen(len(in), m) {
				t.Fatalf("%v: %d > MaxCompressedLen %d", m, len(c), MaxCompressedLen(len(in), m))
			}
			want := in
			if m == FastLZ && len(in) > 0 && len(in) < 16 {
				want = append(append([]byte(nil), in...), make([]byte, 16-len(in))...)
			}
			d, err := Decompress(nil, c, len(want), m)
			if err != nil || !bytes.Equal(d, want) {
				t.Fatalf("%v: %v", m, err)
			}
		}
	})
}

// FuzzPeerFraming: any packet arriving at a Peer is either decompressed to
// exactly its declared size (within MaxPacketSize) or dropped with a
// counted reason; it never panics.
func FuzzPeerFraming(f *testing.F) {
	for _, s := range fuzzSeeds() {
		for _, m := range modes {
			f.Add(byte(m), append(binary.LittleEndian.AppendUint32(nil, 48), s...))
		}
	}
	f.Add(byte(0), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, mode byte, pkt []byte) {
		a, b := packetpeer.NewPipe(&packetpeer.PipeConfig{BufferSize: 1 << 17, MaxPacketSize: 1 << 16})
		stats := new(packetpeer.Stats)
		p, _ := NewPeer(b, PeerConfig{Mode: Mode(mode % 4), MaxPacketSize: 4096, Stats: stats})
		if len(pkt) == 0 || len(pkt) > 1<<16 {
			return
		}
		if err := a.PutPacket(pkt); err != nil {
			t.Fatal(err)
		}
		out, err := p.GetPacket()
		if err != nil {
			if stats.Snapshot().Dropped() != 1 {
				t.Fatalf("error %v not counted", err)
			}
			return
		}
		if len(out) != int(binary.LittleEndian.Uint32(pkt)) || len(out) > 4096 {
			t.Fatalf("got %d bytes", len(out))
		}
	})
}
