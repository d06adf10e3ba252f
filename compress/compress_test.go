package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/godoterr"
)

var modes = []Mode{FastLZ, Deflate, Zstd, GZIP}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, in := range [][]byte{{1}, []byte("abc"), bytes.Repeat([]byte("xy"), 5000), randBytes(rng, 70000, 256), mixed(rng, 100000)} {
		for _, m := range modes {
			c, err := Compress([]byte("prefix"), in, m)
			if err != nil || !bytes.HasPrefix(c, []byte("prefix")) {
				t.Fatalf("%v: %v", m, err)
			}
			d, err := Decompress([]byte("keep"), c[6:], len(in), m)
			if err != nil || !bytes.Equal(d[4:], in) || string(d[:4]) != "keep" {
				t.Fatalf("%v len %d: err %v", m, len(in), err)
			}
			// A larger size returns the actual length, like Godot.
			d, err = Decompress(nil, c[6:], len(in)+100, m)
			if m == FastLZ && len(in) < 16 {
				// The padding Godot adds comes back: 16 bytes.
				in = append(in, make([]byte, 16-len(in))...)
			}
			if err != nil || !bytes.Equal(d, in) {
				t.Fatalf("%v: larger size: %v", m, err)
			}
			if len(in) > 16 {
				// A smaller size is ErrOutOfMemory, and dst comes back unextended.
				d, err = Decompress([]byte("keep"), c[6:], len(in)-1, m)
				if !errors.Is(err, ErrOutOfMemory) || string(d) != "keep" {
					t.Fatalf("%v: smaller size: %v %q", m, err, d)
				}
			}
			if m == Deflate || m == GZIP {
				d, err = DecompressDynamic(nil, c[6:], len(in), m)
				if err != nil || !bytes.Equal(d, in) {
					t.Fatalf("%v dynamic: %v", m, err)
				}
				if _, err = DecompressDynamic(nil, c[6:], len(in)-1, m); !errors.Is(err, ErrOutOfMemory) {
					t.Fatalf("%v dynamic over max: %v", m, err)
				}
			}
		}
	}
}

func TestFastLZShortInputsPadded(t *testing.T) {
	// Godot pads inputs under 16 bytes to 16 (observed: "abc" -> 0f 61 62 63 00*13).
	c, _ := Compress(nil, []byte("abc"), FastLZ)
	want := append([]byte{0x0f, 'a', 'b', 'c'}, make([]byte, 13)...)
	if !bytes.Equal(c, want) {
		t.Fatalf("got %x want %x", c, want)
	}
	d, err := Decompress(nil, c, 3, FastLZ)
	if err != nil || string(d) != "abc" {
		t.Fatalf("got %q %v", d, err)
	}
}

func TestEmpty(t *testing.T) {
	for _, m := range modes {
		c, err := Compress(nil, nil, m)
		if err != nil || len(c) != 0 {
			t.Fatalf("%v: %x %v", m, c, err)
		}
		d, err := Decompress(nil, nil, 10, m)
		if err != nil || len(d) != 0 {
			t.Fatalf("%v: %x %v", m, d, err)
		}
	}
}

func TestBadParameters(t *testing.T) {
	if _, err := Compress(nil, []byte("x"), 4); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
	if _, err := Decompress(nil, []byte("x"), 1, -1); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
	if _, err := Decompress(nil, []byte("x"), -1, FastLZ); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
	for _, m := range []Mode{FastLZ, Zstd} {
		if _, err := DecompressDynamic(nil, []byte("x"), 10, m); !errors.Is(err, ErrInvalidParameter) {
			t.Fatalf("%v: %v", m, err)
		}
	}
	if _, err := DecompressDynamic(nil, []byte("x"), -1, Deflate); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
	if Mode(9).String() != "Mode(9)" || GZIP.String() != "COMPRESSION_GZIP" {
		t.Fatal("String")
	}
}

func TestMalformed(t *testing.T) {
	cases := map[string]struct {
		mode Mode
		src  []byte
	}{
		"fastlz level 3":            {FastLZ, []byte{0x40, 0}},
		"fastlz literal past end":   {FastLZ, []byte{0x05, 'a'}},
		"fastlz match before start": {FastLZ, []byte{0x00, 'a', 0x20, 0x05}},
		"fastlz2 truncated far":     {FastLZ, []byte{0x20, 'a', 0x3f, 0xff}},
		"deflate bad header":        {Deflate, []byte{0x78, 0x00, 1, 2}},
		"deflate truncated":         {Deflate, []byte{0x78, 0x9c, 0xcb, 0x48}},
		"gzip bad magic":            {GZIP, []byte{0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 0}},
		"zstd bad magic":            {Zstd, []byte{0x28, 0xb5, 0x2f, 0xfe, 0, 0}},
		"zstd truncated":            {Zstd, []byte{0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x1d, 0x65}},
	}
	for name, c := range cases {
		d, err := Decompress([]byte("k"), c.src, 1000, c.mode)
		if !errors.Is(err, ErrInvalidData) || string(d) != "k" {
			t.Errorf("%s: got %v, %q; want ErrInvalidData", name, err, d)
		}
		if godoterr.Code(err) != godoterr.ErrInvalidData {
			t.Errorf("%s: code %v", name, godoterr.Code(err))
		}
	}
}

// TestBombs: tiny inputs that expand hugely are refused at the caller's
// limit without allocating the full output.
func TestBombs(t *testing.T) {
	big := make([]byte, 16<<20) // 16 MiB of zeros
	for _, m := range modes {
		c, _ := Compress(nil, big, m)
		if len(c) > 4<<20 {
			t.Fatalf("%v: bomb is %d bytes", m, len(c))
		}
		var ms1, ms2 runtimeMem
		ms1.read()
		_, err := Decompress(nil, c, 1<<20, m)
		ms2.read()
		if !errors.Is(err, ErrOutOfMemory) {
			t.Errorf("%v: got %v, want ErrOutOfMemory", m, err)
		}
		if grew := ms2.total - ms1.total; grew > 8<<20 {
			t.Errorf("%v: allocated %d bytes refusing a bomb with a 1 MiB limit", m, grew)
		}
		if m == Deflate || m == GZIP {
			if _, err := DecompressDynamic(nil, c, 1<<20, m); !errors.Is(err, ErrOutOfMemory) {
				t.Errorf("%v dynamic: %v", m, err)
			}
		}
	}
	// A Zstd frame that claims 1 GiB is refused from its header.
	hdr := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40, 0, 0, 0}
	if _, err := Decompress(nil, hdr, 1<<20, Zstd); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("zstd claimed size: %v", err)
	}
}

func TestPeer(t *testing.T) {
	for _, m := range modes {
		a, b := packetpeer.NewPipe(nil)
		stats := new(packetpeer.Stats)
		ca, err := NewPeer(a, PeerConfig{Mode: m, MaxPacketSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		cb, _ := NewPeer(b, PeerConfig{Mode: m, MaxPacketSize: 1000, Stats: stats})
		msg := bytes.Repeat([]byte("godot "), 100)
		if err := ca.PutPacket(msg); err != nil {
			t.Fatal(err)
		}
		raw, _ := b.GetPacket()
		if binary.LittleEndian.Uint32(raw) != uint32(len(msg)) || len(raw) >= len(msg) {
			t.Fatalf("%v: framing %x", m, raw[:8])
		}
		// The raw payload is exactly Godot's compress() output.
		want, _ := Compress(nil, msg, m)
		if m == FastLZ && !bytes.Equal(raw[4:], want) {
			t.Fatalf("payload differs")
		}
		_ = a.PutPacket(raw)
		got, err := cb.GetPacket()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%v: %v", m, err)
		}
		if err := ca.PutPacket(make([]byte, 1001)); !errors.Is(err, ErrInvalidParameter) {
			t.Fatalf("oversize put: %v", err)
		}
		// Bad packets: each is dropped with its reason, and the next one reads.
		bad := [][]byte{{1, 2}, binary.LittleEndian.AppendUint32(nil, 5000), append(binary.LittleEndian.AppendUint32(nil, 10), 0xff, 0xff, 0xff)}
		for _, p := range bad {
			_ = a.PutPacket(p)
		}
		_ = ca.PutPacket([]byte("after"))
		var errs []error
		for range 3 {
			_, err := cb.GetPacket()
			errs = append(errs, err)
		}
		if !errors.Is(errs[0], ErrInvalidData) || !errors.Is(errs[1], ErrOutOfMemory) || !errors.Is(errs[2], ErrInvalidData) {
			t.Fatalf("%v: %v", m, errs)
		}
		if got, err := cb.GetPacket(); err != nil || string(got) != "after" {
			t.Fatalf("%v: after bad packets: %q %v", m, got, err)
		}
		s := stats.Snapshot()
		if s.Drops[packetpeer.DropInvalidData] != 1 || s.Drops[packetpeer.DropOversize] != 1 || s.Drops[packetpeer.DropDecompressError] != 1 {
			t.Fatalf("%v: drops %v", m, s.Drops)
		}
	}
}
