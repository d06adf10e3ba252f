package rangecoder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// The benchmark corpus: datagram bodies of a simulated game session, the
// input libenet's range coder gets in practice. scripts/bench-rangecoder.sh
// writes it with -corpus-out and feeds the same bytes to
// scripts/rangecoder_bench.c (libenet's coder) and to the benchmarks below.

var corpusOut = flag.String("corpus-out", "", "TestDatagramCorpus: also write the benchmark corpus to this file (format in scripts/rangecoder_bench.c)")

const (
	corpusDatagrams = 2000
	corpusSeed      = 20260101
	// Largest body: MTU 1400 minus the 4-byte header with sent time.
	maxBody = 1396
	// What ENet decompresses into: 4096 minus that header.
	decompressLimit = 4092
)

// ENet command numbers and flags (protocol.h).
const (
	cmdAcknowledge     = 1
	cmdPing            = 5
	cmdSendReliable    = 6
	cmdSendUnreliable  = 7
	cmdSendFragment    = 8
	cmdSendUnsequenced = 9
	flagAcknowledge    = 0x80
	flagUnsequenced    = 0x40
)

// Godot 4 Variant type tags used in the payloads (marshalls.cpp numbering).
const (
	vInt     = 2
	vFloat   = 3
	vString  = 4
	vVector2 = 5
	vVector3 = 9
)

var words = []string{"gg", "nice", "shot", "left", "right", "behind", "you", "push", "B", "site", "need", "heals",
	"reloading", "one", "more", "round", "lag", "wait", "go", "the", "flag", "is", "ours", "lol", "ok", "ready"}

var methods = []string{"player_said", "spawn_projectile", "take_damage", "play_sound", "set_animation", "pickup_item", "respawn"}

// corpusGen builds the datagrams: ENet commands as libenet lays them out
// (big-endian headers, each command and each payload a separate buffer, as
// libenet hands them to the compressor) carrying Godot-style high-level
// multiplayer payloads (little-endian Variants) about a world of moving
// entities.
type corpusGen struct {
	rng      *rand.Rand
	seq      [4]uint16 // reliable sequence number per channel
	useq     [4]uint16 // unreliable sequence number per channel
	group    uint16    // unsequenced group
	sentTime uint16
	tick     uint32
	pos, vel [48][3]float32
	bufs     [][]byte
	size     int
}

func newCorpusGen() *corpusGen {
	g := &corpusGen{rng: rand.New(rand.NewPCG(corpusSeed, 7))}
	for i := range g.pos {
		for k := 0; k < 3; k++ {
			g.pos[i][k] = float32(g.rng.IntN(2000)-1000) / 10
			g.vel[i][k] = float32(g.rng.IntN(200)-100) / 100
		}
		g.pos[i][1] = 0 // on the ground
	}
	return g
}

func (g *corpusGen) add(b []byte) {
	g.bufs = append(g.bufs, b)
	g.size += len(b)
}

func (g *corpusGen) header(cmd, flags, ch byte, seq uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte{cmd | flags, ch}, seq)
}

func (g *corpusGen) ack() {
	ch := byte(g.rng.IntN(3))
	seq := g.seq[ch] - uint16(g.rng.IntN(3))
	b := g.header(cmdAcknowledge, 0, ch, seq)
	b = binary.BigEndian.AppendUint16(b, seq)
	g.add(binary.BigEndian.AppendUint16(b, g.sentTime-uint16(20+g.rng.IntN(40))))
}

func (g *corpusGen) reliable(ch byte, payload []byte) {
	g.seq[ch]++
	b := g.header(cmdSendReliable, flagAcknowledge, ch, g.seq[ch])
	g.add(binary.BigEndian.AppendUint16(b, uint16(len(payload))))
	g.add(payload)
}

func (g *corpusGen) unreliable(ch byte, payload []byte) {
	g.useq[ch]++
	b := g.header(cmdSendUnreliable, 0, ch, g.seq[ch])
	b = binary.BigEndian.AppendUint16(b, g.useq[ch])
	g.add(binary.BigEndian.AppendUint16(b, uint16(len(payload))))
	g.add(payload)
}

func (g *corpusGen) unsequenced(ch byte, payload []byte) {
	g.group++
	b := g.header(cmdSendUnsequenced, flagUnsequenced, ch, 0)
	b = binary.BigEndian.AppendUint16(b, g.group)
	g.add(binary.BigEndian.AppendUint16(b, uint16(len(payload))))
	g.add(payload)
}

func vint(b []byte, v int32) []byte {
	b = binary.LittleEndian.AppendUint32(b, vInt)
	return binary.LittleEndian.AppendUint32(b, uint32(v))
}

func vfloat32s(b []byte, typ uint32, fs ...float32) []byte {
	b = binary.LittleEndian.AppendUint32(b, typ)
	for _, f := range fs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

func vstring(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, vString)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	b = append(b, s...)
	for len(s)%4 != 0 {
		b, s = append(b, 0), s+" "
	}
	return b
}

// input is a client's input for one tick: command byte, node cache ID,
// method index, then tick, aim and buttons.
func (g *corpusGen) input() []byte {
	b := []byte{0x00, byte(g.rng.IntN(4)), 0x01}
	b = vint(b, int32(g.tick))
	b = vfloat32s(b, vVector2, float32(g.rng.IntN(3600))/10, float32(g.rng.IntN(900)-450)/10)
	return vint(b, int32(g.rng.IntN(16)))
}

// snapshot is a synchronizer packet with the state of n entities.
func (g *corpusGen) snapshot(n int) []byte {
	b := []byte{0x06}
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	first := g.rng.IntN(len(g.pos))
	for k := 0; k < n; k++ {
		i := (first + k) % len(g.pos)
		b = binary.LittleEndian.AppendUint32(b, uint32(1000+i))
		b = vfloat32s(b, vVector3, g.pos[i][0], g.pos[i][1], g.pos[i][2])
		b = vfloat32s(b, vFloat, float32(int(g.tick)*(i+1)%628)/100)
	}
	return b
}

// rpc is a remote call with a method name and arguments.
func (g *corpusGen) rpc() []byte {
	b := []byte{0x00, byte(8 + g.rng.IntN(8))}
	m := methods[g.rng.IntN(len(methods))]
	b = vstring(b, m)
	switch m {
	case "player_said":
		var s []byte
		for w := 1 + g.rng.IntN(8); w > 0; w-- {
			s = append(s, words[g.rng.IntN(len(words))]...)
			s = append(s, ' ')
		}
		b = vstring(b, string(s[:len(s)-1]))
	case "spawn_projectile":
		i := g.rng.IntN(len(g.pos))
		b = vfloat32s(b, vVector3, g.pos[i][0], g.pos[i][1]+1.5, g.pos[i][2])
		b = vfloat32s(b, vVector3, g.vel[i][0]*20, 0, g.vel[i][2]*20)
	default:
		b = vint(b, int32(1000+g.rng.IntN(len(g.pos))))
		b = vint(b, int32(g.rng.IntN(100)))
	}
	return b
}

// blob is level or inventory data sent in fragments: text-like records.
func (g *corpusGen) blob(n int) []byte {
	var b []byte
	for len(b) < n {
		b = append(b, `{"id":`...)
		b = binary.LittleEndian.AppendUint32(b, uint32(g.rng.IntN(5000)))
		b = append(b, `,"kind":"`...)
		b = append(b, methods[g.rng.IntN(len(methods))]...)
		b = append(b, `","x":`...)
		b = vfloat32s(b, vVector3, float32(g.rng.IntN(1000)), 0, float32(g.rng.IntN(1000)))
		b = append(b, "},\n"...)
	}
	return b[:n]
}

func (g *corpusGen) step() {
	g.tick++
	g.sentTime += uint16(16 + g.rng.IntN(3))
	for i := range g.pos {
		for k := 0; k < 3; k++ {
			g.pos[i][k] += g.vel[i][k] / 60
		}
		if g.rng.IntN(100) == 0 {
			g.vel[i][0] = float32(g.rng.IntN(200)-100) / 100
		}
	}
}

// next returns one datagram body.
func (g *corpusGen) next() [][]byte {
	g.step()
	g.bufs, g.size = nil, 0
	switch r := g.rng.IntN(100); {
	case r < 25: // acknowledgements only, sometimes a ping
		for k := 1 + g.rng.IntN(3); k > 0; k-- {
			g.ack()
		}
		if g.rng.IntN(3) == 0 {
			g.add(g.header(cmdPing, flagAcknowledge, 0xFF, g.seq[0]+1))
			g.seq[0]++
		}
	case r < 55: // a client's input
		g.ack()
		g.unreliable(1, g.input())
	case r < 80: // a state snapshot
		if g.rng.IntN(2) == 0 {
			g.ack()
		}
		g.unsequenced(2, g.snapshot(4+g.rng.IntN(37)))
	case r < 92: // remote calls
		g.ack()
		for k := 1 + g.rng.IntN(3); k > 0; k-- {
			g.reliable(0, g.rpc())
		}
	case r < 97: // a full datagram: calls and a snapshot
		g.ack()
		g.ack()
		for g.size < 900 {
			g.reliable(0, g.rpc())
		}
		g.unsequenced(2, g.snapshot(min(14, (maxBody-g.size-11)/28)))
	default: // one fragment of a large reliable transfer
		g.seq[3]++
		b := g.header(cmdSendFragment, flagAcknowledge, 3, g.seq[3])
		n := maxBody - 24
		b = binary.BigEndian.AppendUint16(b, g.seq[3]-uint16(g.rng.IntN(4)))
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		b = binary.BigEndian.AppendUint32(b, 40)
		b = binary.BigEndian.AppendUint32(b, uint32(g.rng.IntN(40)))
		b = binary.BigEndian.AppendUint32(b, uint32(40*n))
		b = binary.BigEndian.AppendUint32(b, uint32(g.rng.IntN(40)*n))
		g.add(b)
		g.add(g.blob(n))
	}
	return g.bufs
}

// datagramCorpus returns the benchmark corpus: corpusDatagrams datagram
// bodies of 8..1396 bytes, each as its buffers.
func datagramCorpus() [][][]byte {
	g := newCorpusGen()
	out := make([][][]byte, corpusDatagrams)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

// encodeCorpus is the file format scripts/rangecoder_bench.c reads, all
// little-endian uint32: datagram count, then per datagram its buffer count
// and per buffer its length and bytes.
func encodeCorpus(corpus [][][]byte) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, uint32(len(corpus)))
	for _, d := range corpus {
		b = le.AppendUint32(b, uint32(len(d)))
		for _, buf := range d {
			b = le.AppendUint32(b, uint32(len(buf)))
			b = append(b, buf...)
		}
	}
	return b
}

// compressCorpus compresses every datagram as a host does (output limited
// to the input's length) and returns the outputs shorter than their input,
// which are what a receiver decompresses, with their original lengths.
func compressCorpus(c *Coder, corpus [][][]byte) (comp [][]byte, orig []int, in, out int) {
	dst := make([]byte, maxBody)
	for _, d := range corpus {
		n := 0
		for _, b := range d {
			n += len(b)
		}
		in += n
		m, err := c.Compress(dst[:n], d)
		if err != nil || m >= n {
			continue
		}
		out += m
		comp = append(comp, bytes.Clone(dst[:m]))
		orig = append(orig, n)
	}
	return comp, orig, in, out
}

// TestDatagramCorpus checks the benchmark corpus: bodies within ENet's
// limits, most of them compressible, every compressed one decoding back,
// and writes it to -corpus-out when given.
func TestDatagramCorpus(t *testing.T) {
	corpus := datagramCorpus()
	c := New()
	sizes := map[string]int{}
	for i, d := range corpus {
		whole := concat(d)
		switch n := len(whole); {
		case n < 8 || n > maxBody:
			t.Fatalf("datagram %d: %d bytes, outside 8..%d", i, n, maxBody)
		case n < 64:
			sizes["<64"]++
		case n < 400:
			sizes["64..399"]++
		default:
			sizes[">=400"]++
		}
		comp := make([]byte, len(whole))
		m, err := c.Compress(comp, d)
		if errors.Is(err, ErrShortBuffer) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		back := make([]byte, decompressLimit)
		k, err := c.Decompress(back, comp[:m])
		if err != nil || !bytes.Equal(back[:k], whole) {
			t.Fatalf("datagram %d: round trip failed (%v)", i, err)
		}
	}
	comp, orig, in, out := compressCorpus(c, corpus)
	if len(comp) < len(corpus)/2 {
		t.Fatalf("only %d of %d datagrams compress", len(comp), len(corpus))
	}
	shrunk := 0
	for _, n := range orig {
		shrunk += n
	}
	t.Logf("%d datagrams, %d bytes (sizes %v); %d of them (%d bytes) compress to %d bytes (%.1f%%)",
		len(corpus), in, sizes, len(comp), shrunk, out, 100*float64(out)/float64(shrunk))
	if *corpusOut != "" {
		if err := os.WriteFile(*corpusOut, encodeCorpus(corpus), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLibenetDatagrams: libenet compresses the benchmark corpus to the
// same bytes, so the two benchmarks do the same work.
func TestLibenetDatagrams(t *testing.T) {
	h := libenettest.NewHelper(t)
	corpus := datagramCorpus()
	c := New()
	var cases []libenettest.Case
	for _, d := range corpus {
		cases = append(cases, libenettest.Case{Op: libenettest.OpCompress, OutLimit: uint32(len(concat(d))), Buffers: d})
	}
	got := h.Run(t, cases)
	for i, d := range corpus {
		want := compress(t, c, d, len(concat(d)))
		if !bytes.Equal(got[i], want) {
			t.Fatalf("datagram %d: libenet %d bytes, Go %d bytes", i, len(got[i]), len(want))
		}
	}
}

// BenchmarkDatagramsCompress compresses the whole corpus per op, as a
// host compresses each outgoing datagram (output limited to the input's
// length). MB/s and cpuMB/s count input bytes; cbytes/op is the total compressed
// size of the datagrams that got shorter (scripts/bench-rangecoder.sh
// compares it with libenet's).
func BenchmarkDatagramsCompress(b *testing.B) {
	corpus := datagramCorpus()
	c := New()
	_, _, in, out := compressCorpus(c, corpus)
	lens := make([]int, len(corpus))
	for i, d := range corpus {
		lens[i] = len(concat(d))
	}
	dst := make([]byte, maxBody)
	b.SetBytes(int64(in))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		for i, d := range corpus {
			_, _ = c.Compress(dst[:lens[i]], d)
		}
	}
	reportCPU(b, cpu0, in)
	b.ReportMetric(float64(out), "cbytes/op")
}

// reportCPU reports cpuMB/s: bytes per op over the CPU time the loop took,
// which a busy machine disturbs less than the wall-clock MB/s (the loop
// allocates nothing, so no GC work is counted).
func reportCPU(b *testing.B, cpu0 time.Duration, bytes int) {
	if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu.Seconds()/1e6, "cpuMB/s")
	}
}

// BenchmarkDatagramsDecompress decompresses every datagram of the corpus
// that compressed, into a 4092-byte buffer as a host does. MB/s and
// cpuMB/s count output bytes.
func BenchmarkDatagramsDecompress(b *testing.B) {
	c := New()
	comp, orig, _, _ := compressCorpus(c, datagramCorpus())
	total := 0
	for _, n := range orig {
		total += n
	}
	dst := make([]byte, decompressLimit)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		for _, s := range comp {
			if _, err := c.Decompress(dst, s); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, cpu0, total)
}
