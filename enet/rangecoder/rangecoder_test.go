package rangecoder

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// corpus returns named inputs, each as one or more non-empty buffers
// (libenet 1.3.17 mishandles empty buffers other than the first).
func corpus() []struct {
	name string
	bufs [][]byte
} {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	// lowEntropy draws from a small alphabet so that contexts fill up and
	// rescale.
	lowEntropy := func(n, alphabet int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(alphabet))
		}
		return b
	}
	// packet builds something shaped like an ENet datagram body: command
	// headers followed by game-state payloads.
	packet := func(n int) []byte {
		var b []byte
		seq := uint16(rng.Uint32())
		for len(b) < n {
			seq++
			b = append(b, 0x86, 0x00, byte(seq>>8), byte(seq), 0x00, 0x20)
			for i := 0; i < 32; i++ {
				if i%4 == 0 {
					b = append(b, byte(rng.IntN(4)))
				} else {
					b = append(b, byte(i))
				}
			}
		}
		return b[:n]
	}
	text := []byte("ENet's range coder is an adaptive order-2 PPM model. The quick brown fox jumps over the lazy dog. ")
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	out := []struct {
		name string
		bufs [][]byte
	}{
		{"one-zero", [][]byte{{0}}},
		{"one-ff", [][]byte{{0xff}}},
		{"two", [][]byte{{1, 2}}},
		{"text", [][]byte{text}},
		{"text-x10", [][]byte{bytes.Repeat(text, 10)}},
		{"zeros-1400", [][]byte{make([]byte, 1400)}},
		{"zeros-4096", [][]byte{make([]byte, 4096)}},
		{"ab-4096", [][]byte{bytes.Repeat([]byte("ab"), 2048)}},
		{"all-bytes", [][]byte{all}},
		{"all-bytes-x8", [][]byte{bytes.Repeat(all, 8)}},
		{"random-1", [][]byte{random(1)}},
		{"random-64", [][]byte{random(64)}},
		{"random-1400", [][]byte{random(1400)}},
		{"random-4096", [][]byte{random(4096)}}, // exhausts the node pool: model reset
		{"low-entropy-4096", [][]byte{lowEntropy(4096, 3)}},
		{"low-entropy-1400", [][]byte{lowEntropy(1400, 12)}},
		{"packet-1400", [][]byte{packet(1400)}},
		{"packet-4092", [][]byte{packet(4092)}},
		{"multi-2", [][]byte{{0x86, 0x00, 0x00, 0x01, 0x00, 0x05}, []byte("hello")}},
		{"multi-text", [][]byte{text[:10], text[10:11], text[11:50], text[50:]}},
		{"multi-packets", [][]byte{packet(6), packet(100), packet(8), packet(1200), packet(4)}},
	}
	for i := 0; i < 40; i++ {
		n := 1 + rng.IntN(4)
		var bufs [][]byte
		for k := 0; k < n; k++ {
			switch rng.IntN(3) {
			case 0:
				bufs = append(bufs, random(1+rng.IntN(600)))
			case 1:
				bufs = append(bufs, lowEntropy(1+rng.IntN(1500), 1+rng.IntN(40)))
			default:
				bufs = append(bufs, packet(1+rng.IntN(1400)))
			}
		}
		out = append(out, struct {
			name string
			bufs [][]byte
		}{"mixed", bufs})
	}
	return out
}

func concat(bufs [][]byte) []byte { return bytes.Join(bufs, nil) }

func compress(t testing.TB, c *Coder, bufs [][]byte, limit int) []byte {
	t.Helper()
	dst := make([]byte, limit)
	n, err := c.Compress(dst, bufs)
	if errors.Is(err, ErrShortBuffer) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return dst[:n]
}

func TestRoundTrip(t *testing.T) {
	c := New()
	for _, tc := range corpus() {
		in := concat(tc.bufs)
		comp := compress(t, c, tc.bufs, 2*len(in)+16)
		if len(in) > 0 && len(comp) == 0 {
			t.Fatalf("%s: empty output for %d bytes", tc.name, len(in))
		}
		dst := make([]byte, len(in))
		n, err := c.Decompress(dst, comp)
		if err != nil || !bytes.Equal(dst[:n], in) {
			t.Fatalf("%s: round trip failed: err=%v n=%d want %d", tc.name, err, n, len(in))
		}
		// One byte less of output room must fail, never write past dst.
		if len(in) > 0 {
			short := make([]byte, len(in)-1, len(in)+8)
			if _, err := c.Decompress(short, comp); !errors.Is(err, ErrShortBuffer) {
				t.Fatalf("%s: short dst: err=%v", tc.name, err)
			}
			if tail := short[len(short):cap(short)]; !bytes.Equal(tail, make([]byte, len(tail))) {
				t.Fatalf("%s: wrote past len(dst)", tc.name)
			}
			if _, err := c.Compress(make([]byte, len(comp)-1), tc.bufs); len(comp) > 0 && !errors.Is(err, ErrShortBuffer) {
				t.Fatalf("%s: short compress dst: err=%v", tc.name, err)
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	c := New()
	if n, err := c.Compress(make([]byte, 10), nil); n != 0 || err != nil {
		t.Fatalf("Compress(nil) = %d, %v", n, err)
	}
	if n, err := c.Compress(make([]byte, 10), [][]byte{{}, {}}); n != 0 || err != nil {
		t.Fatalf("Compress(empty buffers) = %d, %v", n, err)
	}
	if n, err := c.Decompress(make([]byte, 10), nil); n != 0 || err != nil {
		t.Fatalf("Decompress(nil) = %d, %v", n, err)
	}
}

// Empty buffers are skipped: the result equals compressing the concatenation.
func TestEmptyBuffersSkipped(t *testing.T) {
	c := New()
	a := compress(t, c, [][]byte{[]byte("hello "), {}, {}, []byte("world")}, 64)
	b := compress(t, c, [][]byte{[]byte("hello world")}, 64)
	if !bytes.Equal(a, b) {
		t.Fatalf("%x != %x", a, b)
	}
}

// TestLibenetCompress proves bit-exactness of the encoder against libenet.
func TestLibenetCompress(t *testing.T) {
	h := libenettest.NewHelper(t)
	c := New()
	var cases []libenettest.Case
	var want [][]byte
	for _, tc := range corpus() {
		in := concat(tc.bufs)
		for _, limit := range []int{len(in), 2*len(in) + 16, len(in) / 2} {
			cases = append(cases, libenettest.Case{Op: libenettest.OpCompress, OutLimit: uint32(limit), Buffers: tc.bufs})
			want = append(want, compress(t, c, tc.bufs, limit))
		}
	}
	got := h.Run(t, cases)
	checked := 0
	for i := range cases {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("case %d (%d bytes in, limit %d): libenet %d bytes %x..., Go %d bytes %x...",
				i, len(concat(cases[i].Buffers)), cases[i].OutLimit, len(got[i]), head(got[i]), len(want[i]), head(want[i]))
		}
		if len(got[i]) > 0 {
			checked++
		}
	}
	t.Logf("%d compress calls identical to libenet (%d with non-empty output)", len(cases), checked)
}

func head(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

// TestLibenetDecompress has each side decode the other's output, and both
// decode the same malformed inputs to the same result.
func TestLibenetDecompress(t *testing.T) {
	h := libenettest.NewHelper(t)
	c := New()
	rng := rand.New(rand.NewPCG(3, 4))

	var inputs [][]byte // compressed streams and junk
	var limits []int
	for _, tc := range corpus() {
		in := concat(tc.bufs)
		comp := compress(t, c, tc.bufs, 2*len(in)+16)
		inputs = append(inputs, comp)
		limits = append(limits, 4096)
		inputs = append(inputs, comp)
		limits = append(limits, len(in)) // exact fit
		if len(in) > 1 {
			inputs = append(inputs, comp)
			limits = append(limits, len(in)-1) // one short: both fail
		}
		if len(comp) > 2 {
			mut := bytes.Clone(comp)
			mut[rng.IntN(len(mut))] ^= byte(1 + rng.IntN(255))
			inputs = append(inputs, mut, comp[:len(comp)/2])
			limits = append(limits, 4096, 4096)
		}
	}
	for i := 0; i < 300; i++ {
		junk := make([]byte, rng.IntN(64))
		for k := range junk {
			junk[k] = byte(rng.Uint32())
		}
		inputs = append(inputs, junk)
		limits = append(limits, 1+rng.IntN(4096))
	}

	// C compresses, Go decompresses.
	var ccases []libenettest.Case
	var originals [][]byte
	for _, tc := range corpus() {
		in := concat(tc.bufs)
		ccases = append(ccases, libenettest.Case{Op: libenettest.OpCompress, OutLimit: uint32(2*len(in) + 16), Buffers: tc.bufs})
		originals = append(originals, in)
	}
	var dcases []libenettest.Case
	for i, in := range inputs {
		dcases = append(dcases, libenettest.Case{Op: libenettest.OpDecompress, OutLimit: uint32(limits[i]), Buffers: [][]byte{in}})
	}
	res := h.Run(t, append(ccases, dcases...))
	for i, cOut := range res[:len(ccases)] {
		dst := make([]byte, 4096)
		n, err := c.Decompress(dst, cOut)
		if err != nil || !bytes.Equal(dst[:n], originals[i]) {
			t.Errorf("Go failed to decode libenet's output for input %d (%d bytes): err=%v", i, len(originals[i]), err)
		}
	}
	for i, cOut := range res[len(ccases):] {
		dst := make([]byte, limits[i])
		n, err := c.Decompress(dst, inputs[i])
		if err != nil {
			n = 0 // libenet returns 0 for every failure
		}
		if !bytes.Equal(dst[:n], cOut) {
			t.Errorf("decompress input %d (%x..., limit %d): libenet %d bytes, Go %d bytes (err %v)", i, head(inputs[i]), limits[i], len(cOut), n, err)
		}
	}
	t.Logf("Go decoded %d libenet streams; %d decompress calls identical to libenet", len(ccases), len(dcases))
}

func FuzzDecompress(f *testing.F) {
	c := New()
	for _, tc := range corpus()[:12] {
		in := concat(tc.bufs)
		f.Add(compress(f, c, tc.bufs, 2*len(in)+16), uint16(4096))
	}
	f.Add([]byte{}, uint16(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff}, uint16(10))
	f.Fuzz(func(t *testing.T, src []byte, limit uint16) {
		limit %= 8192
		buf := make([]byte, int(limit)+16)
		dst := buf[:limit]
		n, err := c.Decompress(dst, src)
		if n > int(limit) || (err != nil && n != 0) {
			t.Fatalf("n=%d limit=%d err=%v", n, limit, err)
		}
		if !bytes.Equal(buf[limit:], make([]byte, 16)) {
			t.Fatal("wrote past len(dst)")
		}
		if err == nil {
			// Whatever decodes must re-encode and decode to the same bytes.
			comp := make([]byte, 2*n+16)
			m, err := c.Compress(comp, [][]byte{dst[:n]})
			if err != nil {
				t.Fatal(err)
			}
			back := make([]byte, n)
			k, err := c.Decompress(back, comp[:m])
			if err != nil || !bytes.Equal(back[:k], dst[:n]) {
				t.Fatalf("re-encode round trip failed: %v", err)
			}
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	c := New()
	f.Add([]byte("hello hello hello"), uint8(3))
	f.Add(make([]byte, 2000), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		var bufs [][]byte
		rest := in
		step := int(split)%7 + 1
		for len(rest) > 0 {
			k := min(step, len(rest))
			bufs = append(bufs, rest[:k])
			rest = rest[k:]
			step = step*3%97 + 1
		}
		comp := make([]byte, 2*len(in)+16)
		n, err := c.Compress(comp, bufs)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, len(in))
		m, err := c.Decompress(out, comp[:n])
		if err != nil || !bytes.Equal(out[:m], in) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
