package multiplayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/compress"
	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/variant"
)

var compressionModes = []CompressionMode{CompressNone, CompressRangeCoder, CompressFastLZ, CompressZlib, CompressZstd}

func TestCompressionModeNames(t *testing.T) {
	for _, m := range compressionModes {
		got, err := ParseCompressionMode(" " + m.String() + " ")
		if err != nil || got != m {
			t.Errorf("ParseCompressionMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	for s, want := range map[string]CompressionMode{"ZSTD": CompressZstd, "range-coder": CompressRangeCoder, "RangeCoder": CompressRangeCoder, "FastLZ": CompressFastLZ} {
		if got, err := ParseCompressionMode(s); err != nil || got != want {
			t.Errorf("ParseCompressionMode(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "gzip", "deflate", "5"} {
		if _, err := ParseCompressionMode(s); !errors.Is(err, ErrBadConfig) {
			t.Errorf("ParseCompressionMode(%q): %v", s, err)
		}
	}
	if s := CompressionMode(7).String(); s != "CompressionMode(7)" {
		t.Errorf("String of 7: %q", s)
	}
}

func TestCompressionModeCompressor(t *testing.T) {
	if c, err := CompressNone.Compressor(); c != nil || err != nil {
		t.Errorf("none: %v, %v", c, err)
	}
	want := map[CompressionMode]compress.Mode{CompressFastLZ: compress.FastLZ, CompressZlib: compress.Deflate, CompressZstd: compress.Zstd}
	for _, m := range compressionModes[1:] {
		c, err := m.Compressor()
		if err != nil || c == nil {
			t.Fatalf("%v: %v, %v", m, c, err)
		}
		if cm, ok := want[m]; ok {
			if codec, ok := c.(*compress.Codec); !ok || codec.Mode() != cm {
				t.Errorf("%v: %T, want a %v codec", m, c, cm)
			}
		}
		c2, _ := m.Compressor()
		if c2 == c {
			t.Errorf("%v: Compressor returned the same value twice", m)
		}
	}
	for _, m := range []CompressionMode{-1, 5} {
		if _, err := m.Compressor(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%v: %v", m, err)
		}
	}
}

// countingCompressor wraps a host's Compressor and counts its work, so a
// test can tell that datagrams really travelled compressed. It keeps the
// first few bodies it decompressed (the fuzz seeds come from Godot's).
type countingCompressor struct {
	inner                            enet.Compressor
	compressed, decompressed, failed atomic.Int64

	mu       sync.Mutex
	samples  [][]byte
	failures []string // the first few bodies that failed to decompress
}

func newCounting(t *testing.T, m CompressionMode) *countingCompressor {
	t.Helper()
	c, err := m.Compressor()
	if err != nil || c == nil {
		t.Fatalf("%v: %v", m, err)
	}
	return &countingCompressor{inner: c}
}

func (c *countingCompressor) Compress(dst []byte, src [][]byte) (int, error) {
	n, err := c.inner.Compress(dst, src)
	total := 0
	for _, b := range src {
		total += len(b)
	}
	if err == nil && n > 0 && n < total {
		c.compressed.Add(1)
	}
	return n, err
}

func (c *countingCompressor) Decompress(dst, src []byte) (int, error) {
	n, err := c.inner.Decompress(dst, src)
	if err != nil || n <= 0 {
		c.failed.Add(1)
		c.mu.Lock()
		if len(c.failures) < 4 {
			c.failures = append(c.failures, fmt.Sprintf("%d bytes (%v): %x", len(src), err, src))
		}
		c.mu.Unlock()
		return n, err
	}
	c.decompressed.Add(1)
	c.mu.Lock()
	if len(c.samples) < 4 && len(src) >= 64 {
		c.samples = append(c.samples, bytes.Clone(src))
	}
	c.mu.Unlock()
	return n, err
}

func (c *countingCompressor) String() string {
	s := fmt.Sprintf("%d compressed, %d decompressed, %d failed", c.compressed.Load(), c.decompressed.Load(), c.failed.Load())
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.failures {
		s += "\n  failed: " + f
	}
	return s
}

// hostConfigFor returns a HostConfig with m's compressor (counted), or
// none for CompressNone.
func hostConfigFor(t *testing.T, m CompressionMode) (*enet.HostConfig, *countingCompressor) {
	if m == CompressNone {
		return &enet.HostConfig{}, nil
	}
	cc := newCounting(t, m)
	return &enet.HostConfig{Compressor: cc}, cc
}

// payloads are the data every compression test sends: small, fragmented
// and 1 MiB, compressible and not, with distinct lengths.
type payload struct {
	name string
	data []byte
	mode TransferMode
}

func compressionPayloads() []payload {
	rng := rand.New(rand.NewPCG(42, 43))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	ps := []payload{
		{"text reliable", bytes.Repeat([]byte("reliable "), 3), TransferModeReliable},
		{"text unreliable", bytes.Repeat([]byte("unreliable "), 4), TransferModeUnreliable},
		{"text unreliable ordered", bytes.Repeat([]byte("ordered "), 6), TransferModeUnreliableOrdered},
		{"random small", random(201), TransferModeReliable},
		{"random unreliable", random(1000), TransferModeUnreliable},
		{"text 5000 (fragments)", bytes.Repeat([]byte("godot enet compression "), 5000/23+1)[:5000], TransferModeReliable},
		{"pattern 1 MiB", bigPattern(), TransferModeReliable},
		{"random 1 MiB", random(1<<20 + 1), TransferModeReliable},
	}
	return ps
}

// goVar is the Variant the tests put_var; Godot 3.2 echoes it.
func goVar(rng *rand.Rand) []any {
	b := make([]byte, 8000)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return []any{"go → godot ✓", int64(-7), 2.25, variant.Vector2{X: 3, Y: 4}, b}
}

func readVar(t *testing.T, n *node, vp *packetpeer.VarPeer) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	v, err := vp.ReadVar(ctx)
	if err != nil {
		t.Fatalf("%s: get_var: %v", n.name, err)
	}
	return v
}

// TestCompressionGoGo: a Go server and a Go client in the Godot 4 dialect,
// both hosts compressing in each mode (Godot 4's host.compress(mode) on
// both ends): packets and Variants both ways arrive intact, datagrams
// really were compressed and decompressed, nothing was dropped.
func TestCompressionGoGo(t *testing.T) {
	for _, m := range compressionModes {
		t.Run(m.String(), func(t *testing.T) {
			cfg := &Config{Dialect: Godot4}
			shc, scc := hostConfigFor(t, m)
			sp, err := NewENetServer("127.0.0.1:0", cfg, shc)
			if err != nil {
				t.Fatal(err)
			}
			srv := runNode(t, "server", sp)
			chc, ccc := hostConfigFor(t, m)
			cp, err := NewENetClient(udpAddr(t, sp), cfg, chc)
			if err != nil {
				t.Fatal(err)
			}
			c := runNode(t, "client", cp)
			cid := cp.UniqueID()
			c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			srv.expect(ev(PeerConnected, cid))

			for _, p := range compressionPayloads() {
				srv.send(cid, p.mode, 0, p.data)
				if pk := c.recv(); pk.From != 1 || pk.Mode != p.mode || !bytes.Equal(pk.Data, p.data) {
					t.Fatalf("%s server → client: %d bytes from %d mode %v", p.name, len(pk.Data), pk.From, pk.Mode)
				}
				c.send(1, p.mode, 0, p.data)
				if pk := srv.recv(); pk.From != cid || pk.Mode != p.mode || !bytes.Equal(pk.Data, p.data) {
					t.Fatalf("%s client → server: %d bytes from %d mode %v", p.name, len(pk.Data), pk.From, pk.Mode)
				}
			}
			want := goVar(rand.New(rand.NewPCG(1, 2)))
			svp := packetpeer.NewVarPeer(sp, variant.Godot4)
			cvp := packetpeer.NewVarPeer(cp, variant.Godot4)
			sp.SetTargetPeer(cid)
			if err := svp.PutVar(want); err != nil {
				t.Fatal(err)
			}
			if got := readVar(t, c, cvp); !reflect.DeepEqual(got, want) {
				t.Fatalf("client got_var %#v", got)
			}
			cp.SetTargetPeer(1)
			if err := cvp.PutVar(want); err != nil {
				t.Fatal(err)
			}
			if got := readVar(t, srv, svp); !reflect.DeepEqual(got, want) {
				t.Fatalf("server got_var %#v", got)
			}

			for _, side := range []struct {
				name string
				p    *Peer
				cc   *countingCompressor
			}{{"server", sp, scc}, {"client", cp, ccc}} {
				if st := side.p.ENetHost().Stats(); st.DroppedDatagrams != 0 {
					t.Errorf("%s dropped %d datagrams", side.name, st.DroppedDatagrams)
				}
				if st := side.p.Stats(); st.TotalDropped() != 0 {
					t.Errorf("%s dropped %v", side.name, st.Drops)
				}
				if side.cc != nil {
					if side.cc.compressed.Load() == 0 || side.cc.decompressed.Load() == 0 || side.cc.failed.Load() != 0 {
						t.Errorf("%s compressor: %v", side.name, side.cc)
					}
					t.Logf("%s: %v; %d bytes sent", side.name, side.cc, side.p.ENetHost().Stats().BytesSent)
				}
			}
		})
	}
}

// TestCompressionMismatchGoGo: hosts with different modes. Datagrams the
// sender left uncompressed arrive and compressed ones are dropped and
// counted by the receiver, so either the handshake stalls (the client
// reports ConnectionFailed after its ENet timeout) or, when no handshake
// datagram happened to shrink, the connection opens but a 1 MiB packet
// never arrives and the connection times out. Nothing panics.
func TestCompressionMismatchGoGo(t *testing.T) {
	for _, pair := range [][2]CompressionMode{{CompressZstd, CompressFastLZ}, {CompressNone, CompressZstd}, {CompressZlib, CompressNone}, {CompressRangeCoder, CompressZlib}} {
		t.Run(fmt.Sprintf("server %v client %v", pair[0], pair[1]), func(t *testing.T) {
			cfg := &Config{Dialect: Godot4}
			shc, _ := hostConfigFor(t, pair[0])
			sp, err := NewENetServer("127.0.0.1:0", cfg, shc)
			if err != nil {
				t.Fatal(err)
			}
			srv := runNode(t, "server", sp)
			c, cp := mismatchClient(t, udpAddr(t, sp), cfg, pair[1])
			outcome := "handshake stalled"
			switch e := c.next(); e.Type {
			case ConnectionFailed:
			case PeerConnected:
				outcome = "connected, 1 MiB lost, timed out"
				c.expect(ev(ConnectionSucceeded, 0))
				srv.expect(ev(PeerConnected, cp.UniqueID()))
				// The compressing side's packet is lost; the other side's
				// may arrive. Either way the client times out.
				srv.send(cp.UniqueID(), TransferModeReliable, 0, bigPattern())
				c.send(1, TransferModeReliable, 0, bigPattern())
				for {
					e := c.next()
					if e.Type == ServerDisconnected {
						break
					}
					if e.Type != PeerDisconnected {
						t.Fatalf("client event %v", e)
					}
				}
				// Both 1 MiB packets arriving would mean no mismatch.
				got := 0
				for _, p := range []*Peer{sp, cp} {
					for p.AvailablePacketCount() > 0 {
						if pk, _ := p.Receive(); len(pk.Data) == 1<<20 {
							got++
						}
					}
				}
				if got == 2 {
					t.Errorf("both 1 MiB packets arrived")
				}
			default:
				t.Fatalf("client event %v", e)
			}
			if got := cp.ConnectionStatus(); got != Disconnected {
				t.Errorf("client status %v", got)
			}
			sd, cd := sp.ENetHost().Stats().DroppedDatagrams, cp.ENetHost().Stats().DroppedDatagrams
			if sd+cd == 0 {
				t.Errorf("no datagram dropped")
			}
			t.Logf("%s; dropped datagrams: server %d, client %d", outcome, sd, cd)
		})
	}
}

// mismatchClient connects a client in mode m with a short
// ENet timeout (1 s minimum, 3 s maximum), so that a failing handshake
// fails fast.
func mismatchClient(t *testing.T, addr string, cfg *Config, m CompressionMode) (*node, *Peer) {
	t.Helper()
	hc, _ := hostConfigFor(t, m)
	n := ConnectChannelCount(cfg.Dialect, cfg.ChannelCount)
	hc.PeerLimit = 1
	hc.ChannelLimit = MaxENetChannels
	if cfg.Dialect == Godot3 {
		hc.ChannelLimit = n
	}
	h, err := enet.NewHost(":0", hc)
	if err != nil {
		t.Fatal(err)
	}
	id := GenerateUniqueID()
	p, err := NewClient(NewENetTransport(h, cfg.Dialect), id, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := h.Connect(addr, n, uint32(id))
	if err != nil {
		t.Fatal(err)
	}
	ep.SetTimeout(4, time.Second, 3*time.Second)
	return runNode(t, "client", p), p
}

// BenchmarkCompressionMode measures each mode's Compressor on a typical
// datagram body: a 1200-byte reliable SEND command carrying game-like
// state (Variant-encoded positions), compressed then decompressed into
// the 4092-byte buffer an ENet host uses.
func BenchmarkCompressionMode(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	state := []any{}
	for i := 0; i < 40; i++ {
		state = append(state, []any{int64(i), variant.Vector2{X: float64(rng.IntN(1000)), Y: float64(rng.IntN(1000))}, "idle"})
	}
	enc, err := variant.Marshal(state, variant.Godot3)
	if err != nil {
		b.Fatal(err)
	}
	body := append([]byte{0x86, 1, 0, 7, byte(len(enc) >> 8), byte(len(enc))}, enc...)
	for _, m := range compressionModes[1:] {
		b.Run(m.String(), func(b *testing.B) {
			c, _ := m.Compressor()
			cmp := make([]byte, len(body))
			out := make([]byte, 4092)
			src := [][]byte{body} // as a host reuses its vector
			n, err := c.Compress(cmp, src)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				n, _ = c.Compress(cmp, src)
				if k, err := c.Decompress(out, cmp[:n]); err != nil || k != len(body) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/float64(len(body)), "ratio")
		})
	}
}
