package multiplayer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/variant"
)

// Proof against the real Godot 3.2.3 (godot3-server) of every compression
// mode Godot 3.2 has, in both roles: a Go server with a Godot client that
// set compression_mode before create_client, and a Godot server
// (create_server) with a Go client. testdata/godot3_compress.gd is the
// Godot side: it echoes every packet to its sender, so each payload
// crosses the link in both directions, compressed by Godot one way and by
// Go the other.

// startGodotCompress starts testdata/godot3_compress.gd in role with the
// given compression mode.
func startGodotCompress(t *testing.T, role string, port int, mode CompressionMode) *godotPeer {
	t.Helper()
	script, err := os.ReadFile("testdata/godot3_compress.gd")
	if err != nil {
		t.Fatal(err)
	}
	g := godottest.StartGodot3(t, string(script), godottest.Timeout(150*time.Second),
		godottest.Env("PP_ROLE="+role, fmt.Sprintf("PP_PORT=%d", port), fmt.Sprintf("PP_MODE=%d", int(mode))))
	gp := &godotPeer{Godot3: g, t: t}
	if l := g.WaitForLine("CREATE ", netWait); l != "CREATE 0" {
		t.Fatalf("%s: %s\n%s", role, l, g.Output())
	}
	gp.id, err = strconv.Atoi(strings.TrimPrefix(g.WaitForLine("ID ", netWait), "ID "))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Godot %s:\n%s", role, g.Output())
		}
	})
	if l := g.WaitForLine("MODE ", netWait); l != fmt.Sprintf("MODE %d", int(mode)) {
		t.Fatalf("Godot compression_mode: %s", l)
	}
	return gp
}

// godotValue is what godot3_compress.gd's _value() put_vars.
func godotValue() []any {
	pool := make([]byte, 4096)
	for i := range pool {
		pool[i] = byte(i * 7 % 256)
	}
	return []any{"godot 3.2.3 ü", int64(42), 1.5, variant.Vector2{X: 1, Y: 2}, pool, []int32{1, -2, 300000}}
}

// exchangeWithGodot sends every payload to the Godot peer g (id gid) from
// the Go peer n (id me), checks Godot's digest of it and its echo, then
// put_var both ways.
func exchangeWithGodot(t *testing.T, n *node, g *godotPeer, gid, me int) {
	R := TransferModeReliable
	// Godot → Go, made by Godot: small packets in every mode, sent first:
	// after a 1 MiB transfer ENet's packet throttle may still discard
	// unreliable packets at the sender (libenet's throttle, not
	// compression).
	for _, m := range modes {
		tag := "godot-" + m.String()
		n.send(gid, R, -1, []byte(fmt.Sprintf("CMD:send:%d:%d:%s", me, m, tag)))
		n.expectMode(gid, tag, m)
	}
	// Every payload (the unreliable ones before the 1 MiB ones) to Godot
	// and back.
	for _, p := range compressionPayloads() {
		n.send(gid, p.mode, -1, p.data)
		ch := godot3Channel(p.mode)
		prefix := fmt.Sprintf("GOT from=%d ch=%d len=%d ", me, ch, len(p.data))
		want := fmt.Sprintf("%ssha256=%x", prefix, sha256.Sum256(p.data))
		if l := g.WaitForLine(prefix, netWait); l != want {
			t.Fatalf("%s: Godot printed %q, want %q", p.name, l, want)
		}
		pk := n.recv()
		wantMode := R
		if p.mode != R {
			wantMode = TransferModeUnreliable // the script echoes unreliable
		}
		if pk.From != gid || pk.Channel != ch || pk.Mode != wantMode || !bytes.Equal(pk.Data, p.data) {
			t.Fatalf("%s: echo of %d bytes from %d channel %d mode %v, want %d bytes from %d channel %d mode %v",
				p.name, len(pk.Data), pk.From, pk.Channel, pk.Mode, len(p.data), gid, ch, wantMode)
		}
	}

	// Godot's own 1 MiB.
	n.send(gid, R, -1, []byte(fmt.Sprintf("CMD:big:%d", me)))
	n.expectBig(gid)

	// put_var: Godot decodes ours and sends it back; then its own value.
	vp := packetpeer.NewVarPeer(n.p, variant.Godot3)
	want := goVar(rand.New(rand.NewPCG(5, 6)))
	n.send(gid, R, -1, []byte("CMD:nextvar"))
	n.p.SetTargetPeer(gid)
	if err := vp.PutVar(want); err != nil {
		t.Fatal(err)
	}
	if l := g.WaitForLine("VAR ", netWait); l != "VAR type=19 size=5" {
		t.Fatalf("Godot bytes2var: %q", l)
	}
	if got := readVar(t, n, vp); !reflect.DeepEqual(got, want) {
		t.Fatalf("echoed var %#v", got)
	}
	n.send(gid, R, -1, []byte(fmt.Sprintf("CMD:var:%d", me)))
	if got := readVar(t, n, vp); !reflect.DeepEqual(got, godotValue()) {
		t.Fatalf("Godot's var %#v, want %#v", got, godotValue())
	}
}

// checkCompressed checks that the Go host compressed datagrams, that
// Godot's compressed datagrams decompressed, and that nothing was dropped.
func checkCompressed(t *testing.T, p *Peer, cc *countingCompressor) {
	t.Helper()
	if st := p.ENetHost().Stats(); st.DroppedDatagrams != 0 {
		t.Errorf("Go host dropped %d datagrams", st.DroppedDatagrams)
	}
	if st := p.Stats(); st.TotalDropped() != 0 {
		t.Errorf("Go peer dropped %v", st.Drops)
	}
	if cc.compressed.Load() == 0 || cc.decompressed.Load() == 0 || cc.failed.Load() != 0 {
		t.Errorf("compressor: %v", cc)
	}
	st := p.ENetHost().Stats()
	t.Logf("%v; Go host sent %d bytes, received %d", cc, st.BytesSent, st.BytesReceived)
}

// TestInteropCompressionGodot3 runs the exchange for every mode Godot 3.2
// compresses with, against a Godot client and against a Godot server.
func TestInteropCompressionGodot3(t *testing.T) {
	godottest.RequireGodot3(t)
	R := TransferModeReliable
	for _, mode := range compressionModes[1:] {
		t.Run(mode.String(), func(t *testing.T) {
			t.Run("go server", func(t *testing.T) {
				hc, cc := hostConfigFor(t, mode)
				sp, err := NewENetServer("127.0.0.1:0", &Config{Dialect: Godot3}, hc)
				if err != nil {
					t.Fatal(err)
				}
				srv := runNode(t, "go server", sp)
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("Go server: %v; host %+v; peer %+v", cc, sp.ENetHost().Stats(), sp.Stats())
					}
				})
				g := startGodotCompress(t, "client", sp.ENetHost().LocalAddr().(*net.UDPAddr).Port, mode)
				srv.expect(ev(PeerConnected, g.id))
				g.event("connection_succeeded")
				exchangeWithGodot(t, srv, g, g.id, 1)
				srv.send(g.id, R, -1, []byte("CMD:quit"))
				srv.expect(Event{Type: PeerDisconnected, Peer: g.id, Reason: DisconnectReason(g.id)})
				g.Wait()
				checkCompressed(t, sp, cc)
				writeFuzzSeeds(t, mode, "client", cc)
			})
			t.Run("godot server", func(t *testing.T) {
				port := freeUDPPort(t)
				g := startGodotCompress(t, "server", port, mode)
				hc, cc := hostConfigFor(t, mode)
				cp, err := NewENetClient(fmt.Sprintf("127.0.0.1:%d", port), &Config{Dialect: Godot3}, hc)
				if err != nil {
					t.Fatal(err)
				}
				c := runNode(t, "go client", cp)
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("Go client: %v; host %+v; peer %+v", cc, cp.ENetHost().Stats(), cp.Stats())
					}
				})
				c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
				g.event(fmt.Sprintf("peer_connected(%d)", cp.UniqueID()))
				exchangeWithGodot(t, c, g, 1, cp.UniqueID())
				c.send(1, R, -1, []byte("CMD:quit"))
				c.expect(Event{Type: ServerDisconnected, Reason: 1})
				g.Wait()
				checkCompressed(t, cp, cc)
				writeFuzzSeeds(t, mode, "server", cc)
			})
		})
	}
}

// TestInteropCompressionMismatchGodot3: Go compresses with zstd while
// Godot 3.2.3 uses another mode. Each side drops the compressed datagrams
// it cannot read, so either the handshake stalls (connection_failed /
// ConnectionFailed after ENet's timeout) or, when no handshake datagram
// shrank, the connection opens but a 1 MiB packet from Go never reaches
// Godot and the connection times out. Nothing panics.
func TestInteropCompressionMismatchGodot3(t *testing.T) {
	godottest.RequireGodot3(t)
	big := fmt.Sprintf("GOT from=%%d ch=1 len=%d ", 1<<20)
	t.Run("go zstd server, godot none client", func(t *testing.T) {
		t.Parallel()
		hc, cc := hostConfigFor(t, CompressZstd)
		sp, err := NewENetServer("127.0.0.1:0", &Config{Dialect: Godot3}, hc)
		if err != nil {
			t.Fatal(err)
		}
		srv := runNode(t, "go server", sp)
		g := startGodotCompress(t, "client", sp.ENetHost().LocalAddr().(*net.UDPAddr).Port, CompressNone)
		outcome := "handshake stalled"
		switch l := g.WaitForLine("EV connection_", 2*netWait); l {
		case "EV connection_failed":
			for len(srv.events) > 0 {
				if e := <-srv.events; e.Type == PeerConnected {
					t.Errorf("Go server: %v", e)
				}
			}
		case "EV connection_succeeded":
			outcome = "connected, 1 MiB lost, timed out"
			srv.expect(ev(PeerConnected, g.id))
			srv.send(g.id, TransferModeReliable, -1, bigPattern())
			g.WaitForLine("EV server_disconnected", 2*netWait)
			if strings.Contains(g.Output(), fmt.Sprintf(big, 1)) {
				t.Errorf("Godot received the 1 MiB packet")
			}
		default:
			t.Fatalf("Godot: %s", l)
		}
		g.Wait()
		t.Logf("%s; Go server: %v, %d datagrams dropped", outcome, cc, sp.ENetHost().Stats().DroppedDatagrams)
	})
	t.Run("godot zlib server, go zstd client", func(t *testing.T) {
		t.Parallel()
		port := freeUDPPort(t)
		g := startGodotCompress(t, "server", port, CompressZlib)
		cfg := &Config{Dialect: Godot3}
		c, cp := mismatchClient(t, fmt.Sprintf("127.0.0.1:%d", port), cfg, CompressZstd)
		outcome := "handshake stalled"
		switch e := c.next(); e.Type {
		case ConnectionFailed:
		case PeerConnected:
			outcome = "connected, 1 MiB lost, timed out"
			c.expect(ev(ConnectionSucceeded, 0))
			c.send(1, TransferModeReliable, -1, bigPattern())
			for e := c.next(); e.Type != ServerDisconnected; e = c.next() {
			}
			if strings.Contains(g.Output(), fmt.Sprintf(big, cp.UniqueID())) {
				t.Errorf("Godot received the 1 MiB packet")
			}
		default:
			t.Fatalf("Go client: %v", e)
		}
		r := g.Kill()
		for _, l := range r.Lines {
			if strings.HasPrefix(l, "EV peer_connected") && outcome == "handshake stalled" {
				t.Errorf("Godot server: %s", l)
			}
		}
		t.Logf("%s; Go client dropped %d datagrams; Godot: %q", outcome, cp.ENetHost().Stats().DroppedDatagrams, r.Prefixed("EV "))
	})
}

// writeFuzzSeeds stores the bodies Godot compressed as seeds of the
// compress package's fuzz targets, when PACKETPEER_WRITE_FUZZ_SEEDS=1.
func writeFuzzSeeds(t *testing.T, mode CompressionMode, role string, cc *countingCompressor) {
	if os.Getenv("PACKETPEER_WRITE_FUZZ_SEEDS") != "1" {
		return
	}
	target := map[CompressionMode]string{CompressFastLZ: "FuzzCodecFastLZ", CompressZlib: "FuzzCodecDeflate", CompressZstd: "FuzzCodecZstd"}[mode]
	if target == "" {
		return
	}
	dir := filepath.Join("..", "compress", "testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for i, s := range cc.samples {
		body := fmt.Sprintf("go test fuzz v1\nuint16(4092)\n[]byte(%s)\n", strconv.Quote(string(s)))
		name := filepath.Join(dir, fmt.Sprintf("godot3-%s-%d", role, i))
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
