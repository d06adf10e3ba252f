package compress

import (
	"bytes"
	stdzlib "compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// codecModes are the modes NewCodec supports (Godot's ENet modes).
var codecModes = []Mode{FastLZ, Deflate, Zstd}

// enetBodyLimit is the buffer an ENet host decompresses into: 4096 minus
// the 4-byte header (libenet 1.3.17).
const enetBodyLimit = 4096 - 4

func newCodec(t testing.TB, m Mode) *Codec {
	t.Helper()
	c, err := NewCodec(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// codecInputs are datagram-sized bodies: tiny, game-like, incompressible.
func codecInputs() [][]byte {
	rng := rand.New(rand.NewPCG(11, 12))
	ins := [][]byte{{7}, []byte("fifteen bytes!!"), []byte("sixteen bytes!!!"), bytes.Repeat([]byte{0}, 100)}
	for _, n := range []int{17, 64, 500, 1392, 4092} {
		ins = append(ins, mixed(rng, n), randBytes(rng, n, 256))
	}
	return ins
}

// TestCodecRoundTrip: Codec output decodes with the package's Decompress,
// package Compress output decodes with Codec.Decompress, and Codec
// round-trips, for inputs given whole and in parts.
func TestCodecRoundTrip(t *testing.T) {
	for _, m := range codecModes {
		c := newCodec(t, m)
		for _, in := range codecInputs() {
			want := in
			if m == FastLZ && len(in) < 16 {
				want = append(append([]byte(nil), in...), make([]byte, 16-len(in))...)
			}
			dst := make([]byte, MaxCompressedLen(len(in), m))
			parts := [][]byte{in}
			if len(in) > 3 {
				parts = [][]byte{in[:1], in[1 : len(in)/2], {}, in[len(in)/2:]}
			}
			n, err := c.Compress(dst, parts)
			if err != nil {
				t.Fatalf("%v %d bytes: %v", m, len(in), err)
			}
			cmp := dst[:n]
			ref, _ := Compress(nil, in, m)
			if m == FastLZ && !bytes.Equal(cmp, ref) {
				t.Fatalf("FastLZ codec output differs from Compress (which matches Godot)")
			}
			if d, err := Decompress(nil, cmp, len(want), m); err != nil || !bytes.Equal(d, want) {
				t.Fatalf("%v %d bytes: package Decompress of codec output: %v", m, len(in), err)
			}
			out := make([]byte, enetBodyLimit)
			for _, src := range [][]byte{cmp, ref} {
				k, err := c.Decompress(out, src)
				if err != nil || !bytes.Equal(out[:k], want) {
					t.Fatalf("%v %d bytes: codec Decompress: %d, %v", m, len(in), k, err)
				}
			}
		}
	}
}

// TestCodecFormats checks the framing of each mode: what Godot reads.
func TestCodecFormats(t *testing.T) {
	in := bytes.Repeat([]byte("godot enet datagram "), 40)
	dst := make([]byte, len(in))

	n, err := newCodec(t, Deflate).Compress(dst, [][]byte{in})
	if err != nil {
		t.Fatal(err)
	}
	if dst[0] != 0x78 || dst[1] != 0x9c {
		t.Errorf("zlib header % x, want 78 9c (deflateInit2 level 6, window 15)", dst[:2])
	}
	zr, err := stdzlib.NewReader(bytes.NewReader(dst[:n]))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, in) {
		t.Fatalf("standard zlib reader: %v", err)
	}

	n, err = newCodec(t, Zstd).Compress(dst, [][]byte{in})
	if err != nil {
		t.Fatal(err)
	}
	var h zstd.Header
	if err := h.Decode(dst[:n]); err != nil {
		t.Fatal(err)
	}
	if !h.SingleSegment || !h.HasFCS || h.FrameContentSize != uint64(len(in)) || h.HasCheckSum || h.DictionaryID != 0 {
		t.Errorf("zstd frame header %+v, want single segment, content size %d, no checksum, no dictionary", h, len(in))
	}

	n, err = newCodec(t, FastLZ).Compress(dst, [][]byte{in})
	if err != nil {
		t.Fatal(err)
	}
	if dst[0]>>5 != 0 {
		t.Errorf("FastLZ level bits %d, want 0 (level 1 below 64 KiB)", dst[0]>>5)
	}
}

// TestCodecLimits: output never passes len(dst), in either direction.
func TestCodecLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zeros := make([]byte, 1<<20) // a bomb: 1 MiB of zeros
	for _, m := range codecModes {
		c := newCodec(t, m)
		// Incompressible data does not fit in its own length.
		in := randBytes(rng, 1000, 256)
		buf := bytes.Repeat([]byte{0xAA}, 2000)
		if n, err := c.Compress(buf[:1000], [][]byte{in}); !errors.Is(err, ErrOutOfMemory) || n != 0 {
			t.Errorf("%v: incompressible: %d, %v; want ErrOutOfMemory", m, n, err)
		}
		if !bytes.Equal(buf[1000:], bytes.Repeat([]byte{0xAA}, 1000)) {
			t.Errorf("%v: Compress wrote past len(dst)", m)
		}

		bomb, _ := Compress(nil, zeros, m)
		out := bytes.Repeat([]byte{0xAA}, enetBodyLimit+100)
		if n, err := c.Decompress(out[:enetBodyLimit], bomb); !errors.Is(err, ErrOutOfMemory) || n != 0 {
			t.Errorf("%v: bomb: %d, %v; want ErrOutOfMemory", m, n, err)
		}
		if !bytes.Equal(out[enetBodyLimit:], bytes.Repeat([]byte{0xAA}, 100)) {
			t.Errorf("%v: Decompress wrote past len(dst)", m)
		}
		allocs := testing.AllocsPerRun(20, func() { _, _ = c.Decompress(out[:enetBodyLimit], bomb) })
		if allocs != 0 {
			t.Errorf("%v: rejecting a bomb allocates %.0f times", m, allocs)
		}

		// Exactly len(dst) bytes fit; one more does not.
		exact := mixed(rng, 3000)
		cmp, _ := Compress(nil, exact, m)
		if n, err := c.Decompress(out[:3000], cmp); err != nil || n != 3000 || !bytes.Equal(out[:3000], exact) {
			t.Errorf("%v: exact fit: %d, %v", m, n, err)
		}
		if _, err := c.Decompress(out[:2999], cmp); !errors.Is(err, ErrOutOfMemory) {
			t.Errorf("%v: one byte short: %v", m, err)
		}
		if _, err := c.Decompress(out[:0], cmp); !errors.Is(err, ErrOutOfMemory) {
			t.Errorf("%v: empty dst: %v", m, err)
		}
	}
}

func TestCodecMalformed(t *testing.T) {
	in := bytes.Repeat([]byte("0123456789"), 50)
	for _, m := range codecModes {
		c := newCodec(t, m)
		good, _ := Compress(nil, in, m)
		out := make([]byte, enetBodyLimit)
		bad := map[string][]byte{
			"empty":     {},
			"truncated": good[:len(good)/2],
		}
		switch m {
		case FastLZ:
			bad["level 3"] = append([]byte{0x40}, good[1:]...)
			bad["match before start"] = []byte{0x00, 'a', 0x20, 0x05}
		case Deflate:
			bad["no trailer"] = good[:len(good)-4]
			bad["bad adler"] = append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1)
			bad["bad header"] = append([]byte{0x78, 0x9d}, good[2:]...)
			bad["preset dictionary"] = []byte{0x78, 0xbb, 0, 0, 0, 1, 3, 0}
			bad["window 64 KiB"] = append([]byte{0x88, 0x98}, good[2:]...)
		case Zstd:
			bad["bad magic"] = append([]byte{0x29}, good[1:]...)
			// Frame header: window descriptor asking for 2^31 bytes.
			bad["huge window"] = []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00}
		}
		for name, src := range bad {
			if n, err := c.Decompress(out, src); !errors.Is(err, ErrInvalidData) || n != 0 {
				t.Errorf("%v %s: %d, %v; want ErrInvalidData", m, name, n, err)
			}
		}
		// The codec still works after errors.
		if n, err := c.Decompress(out, good); err != nil || !bytes.Equal(out[:n], in) {
			t.Errorf("%v after errors: %v", m, err)
		}
		// Bytes after a zlib stream are ignored, as inflate does; Zstd
		// decodes every frame.
		if m == Deflate {
			if n, err := c.Decompress(out, append(append([]byte(nil), good...), 1, 2, 3)); err != nil || !bytes.Equal(out[:n], in) {
				t.Errorf("zlib with trailing bytes: %v", err)
			}
		}
		if m == Zstd {
			two := append(append([]byte(nil), good...), good...)
			if n, err := c.Decompress(out, two); err != nil || !bytes.Equal(out[:n], append(append([]byte(nil), in...), in...)) {
				t.Errorf("two zstd frames: %v", err)
			}
		}
	}
}

// TestCodecFastLZShortBuffer: as Godot, sizes under 16 use a 16-byte
// scratch buffer (what an input padded to 16 decodes to).
func TestCodecFastLZShortBuffer(t *testing.T) {
	c := newCodec(t, FastLZ)
	cmp := make([]byte, 64)
	n, err := c.Compress(cmp, [][]byte{[]byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 8)
	if k, err := c.Decompress(out, cmp[:n]); err != nil || string(out[:k]) != "hello\x00\x00\x00" {
		t.Fatalf("%q, %v", out[:k], err)
	}
	big := make([]byte, 64)
	if k, err := c.Decompress(big, cmp[:n]); err != nil || string(big[:k]) != "hello"+string(make([]byte, 11)) {
		t.Fatalf("%q, %v", big[:k], err)
	}
}

func TestNewCodecModes(t *testing.T) {
	for _, m := range []Mode{GZIP, Mode(-1), Mode(9)} {
		if _, err := NewCodec(m); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("NewCodec(%v): %v", m, err)
		}
	}
	if c := newCodec(t, Zstd); c.Mode() != Zstd {
		t.Error("Mode")
	}
	if n, err := newCodec(t, Deflate).Compress(make([]byte, 10), nil); n != 0 || err != nil {
		t.Errorf("empty input: %d, %v", n, err)
	}
}

// TestCodecNoAllocs: in steady state a Codec allocates nothing per call.
func TestCodecNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	in := mixed(rng, 1200)
	for _, m := range codecModes {
		c := newCodec(t, m)
		cmp := make([]byte, len(in))
		out := make([]byte, enetBodyLimit)
		n, _ := c.Compress(cmp, [][]byte{in})
		if got := testing.AllocsPerRun(50, func() { _, _ = c.Compress(cmp, [][]byte{in}) }); got != 0 {
			t.Errorf("%v: Compress allocates %.1f times per call", m, got)
		}
		if got := testing.AllocsPerRun(50, func() { _, _ = c.Decompress(out, cmp[:n]) }); got != 0 {
			t.Errorf("%v: Decompress allocates %.1f times per call", m, got)
		}
	}
}

// BenchmarkCodec measures one ENet-datagram-sized body (1200 bytes of
// mixed data) per operation.
func BenchmarkCodec(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	in := mixed(rng, 1200)
	for _, m := range codecModes {
		c := newCodec(b, m)
		cmp := make([]byte, len(in))
		n, err := c.Compress(cmp, [][]byte{in})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%v/compress", m), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.Compress(cmp, [][]byte{in})
			}
			b.ReportMetric(float64(n)/float64(len(in)), "ratio")
		})
		b.Run(fmt.Sprintf("%v/decompress", m), func(b *testing.B) {
			out := make([]byte, enetBodyLimit)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Decompress(out, cmp[:n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fuzzCodec: no input panics, output stays within len(dst), errors wrap
// ErrInvalidData or ErrOutOfMemory, and the result agrees with the
// package's Decompress (an independent path for Deflate and Zstd).
func fuzzCodec(f *testing.F, m Mode) {
	in := []byte("hello hello hello hello hello, godot godot godot")
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range [][]byte{in, mixed(rng, 1392), bytes.Repeat([]byte{'z'}, 5000), {1}} {
		c, _ := Compress(nil, s, m)
		f.Add(uint16(enetBodyLimit), c)
		f.Add(uint16(len(s)), c)
	}
	f.Add(uint16(8), []byte{0x1f})
	c := newCodec(f, m)
	f.Fuzz(func(t *testing.T, size uint16, src []byte) {
		limit := int(size % (enetBodyLimit + 1))
		buf := bytes.Repeat([]byte{0xAA}, limit+16)
		n, err := c.Decompress(buf[:limit], src)
		if !bytes.Equal(buf[limit:], bytes.Repeat([]byte{0xAA}, 16)) {
			t.Fatalf("wrote past len(dst) %d", limit)
		}
		ref, rerr := Decompress(nil, src, limit, m)
		if err != nil {
			if n != 0 || !errors.Is(err, ErrInvalidData) && !errors.Is(err, ErrOutOfMemory) {
				t.Fatalf("%d, %v", n, err)
			}
			if rerr == nil && len(src) > 0 {
				t.Fatalf("codec: %v; Decompress accepts %d bytes", err, len(ref))
			}
			return
		}
		if n > limit {
			t.Fatalf("%d bytes out, limit %d", n, limit)
		}
		if rerr != nil || !bytes.Equal(ref, buf[:n]) {
			t.Fatalf("codec gives %d bytes, Decompress %d, %v", n, len(ref), rerr)
		}
	})
}

func FuzzCodecFastLZ(f *testing.F)  { fuzzCodec(f, FastLZ) }
func FuzzCodecDeflate(f *testing.F) { fuzzCodec(f, Deflate) }
func FuzzCodecZstd(f *testing.F)    { fuzzCodec(f, Zstd) }

// TestCodecFastLZGodotDatagrams: datagram bodies Godot 3.2.3 compressed
// with FastLZ (captured by the multiplayer interop test into the fuzz
// corpus) decompress, and compressing the result again gives Godot's
// bytes exactly.
func TestCodecFastLZGodotDatagrams(t *testing.T) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzCodecFastLZ/godot3-*")
	if len(files) == 0 {
		t.Fatal("no Godot datagrams in testdata/fuzz/FuzzCodecFastLZ")
	}
	c := newCodec(t, FastLZ)
	for _, name := range files {
		src := corpusBytes(t, name)
		out := make([]byte, enetBodyLimit)
		n, err := c.Decompress(out, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again := make([]byte, n)
		m, err := c.Compress(again, [][]byte{out[:n]})
		if err != nil || !bytes.Equal(again[:m], src) {
			t.Errorf("%s: recompressed %d bytes differ from Godot's %d (%v)", name, m, len(src), err)
		}
	}
}

// corpusBytes reads the []byte argument of a fuzz corpus file.
func corpusBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if s, ok := strings.CutPrefix(l, "[]byte("); ok {
			v, err := strconv.Unquote(strings.TrimSuffix(s, ")"))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return []byte(v)
		}
	}
	t.Fatalf("%s: no []byte line", name)
	return nil
}

// TestCodecStartsNoGoroutine: a Codec needs no Close; its zstd encoder
// and decoder run in the caller's goroutine.
func TestCodecStartsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, m := range codecModes {
		c := newCodec(t, m)
		dst := make([]byte, 300)
		n, err := c.Compress(dst, [][]byte{make([]byte, 300)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Decompress(make([]byte, 300), dst[:n]); err != nil {
			t.Fatal(err)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}
