package multiplayer

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/internal/godottest"
)

// Proof against the real Godot 3.2.3 (godot3-server): Godot's
// NetworkedMultiplayerENet clients on a Go server, and a Go client in a
// Godot-hosted game. testdata/godot3_peer.gd is the Godot side: it prints
// every signal and packet and obeys commands the Go test sends it as
// packets, so the Go test drives the whole room.

type godotPeer struct {
	*godottest.Godot3
	t  *testing.T
	id int
}

func startGodotPeer(t *testing.T, role string, port int) *godotPeer {
	t.Helper()
	script, err := os.ReadFile("testdata/godot3_peer.gd")
	if err != nil {
		t.Fatal(err)
	}
	g := godottest.StartGodot3(t, string(script), godottest.Timeout(150*time.Second),
		godottest.Env("PP_ROLE="+role, fmt.Sprintf("PP_PORT=%d", port)))
	gp := &godotPeer{Godot3: g, t: t}
	if l := g.WaitForLine("CREATE ", netWait); l != "CREATE 0" {
		t.Fatalf("%s: %s\n%s", role, l, g.Output())
	}
	gp.id, err = strconv.Atoi(strings.TrimPrefix(g.WaitForLine("ID ", netWait), "ID "))
	if err != nil {
		t.Fatal(err)
	}
	return gp
}

// got waits for Godot's line about the packet tag and checks sender and
// channel.
func (g *godotPeer) got(tag string, from, ch int) {
	g.t.Helper()
	want := fmt.Sprintf("GOT %s from=%d ch=%d len=%d", tag, from, ch, len(tag))
	if l := g.WaitForLine("GOT "+tag+" ", netWait); l != want {
		g.t.Fatalf("Godot %d: %q, want %q", g.id, l, want)
	}
}

func (g *godotPeer) gotBig(from int) {
	g.t.Helper()
	want := fmt.Sprintf("GOT BIG from=%d ch=1 len=%d same=True", from, 1<<20)
	if l := g.WaitForLine("GOT BIG ", netWait); l != want {
		g.t.Fatalf("Godot %d: %q, want %q", g.id, l, want)
	}
}

// never checks that Godot has not printed a line about tag (call it after
// a later packet on the same reliable channel arrived).
func (g *godotPeer) never(tag string) {
	g.t.Helper()
	if strings.Contains(g.Output(), "GOT "+tag+" ") {
		g.t.Fatalf("Godot %d received %q:\n%s", g.id, tag, g.Output())
	}
}

func (g *godotPeer) event(line string) {
	g.t.Helper()
	g.WaitForLine("EV "+line, netWait)
}

// godot3Channel is the ENet channel 3.2 sends a mode on by default.
func godot3Channel(m TransferMode) int {
	if m == TransferModeReliable {
		return Godot3ChannelReliable
	}
	return Godot3ChannelUnreliable
}

var modes = []TransferMode{TransferModeReliable, TransferModeUnreliable, TransferModeUnreliableOrdered}

// expectMode checks a packet received from Godot: sender, data, the raw
// ENet channel and the mode from the ENet flags.
func (n *node) expectMode(from int, tag string, m TransferMode) {
	n.t.Helper()
	pk := n.expectPacket(from, tag)
	if pk.Channel != godot3Channel(m) || pk.Mode != m {
		n.t.Fatalf("%s: %q on channel %d mode %v, want %d %v", n.name, tag, pk.Channel, pk.Mode, godot3Channel(m), m)
	}
}

func (n *node) expectBig(from int) {
	n.t.Helper()
	pk := n.recv()
	if pk.From != from || pk.Channel != 1 || pk.Mode != TransferModeReliable || !bytes.Equal(pk.Data, bigPattern()) {
		n.t.Fatalf("%s: %d bytes from %d channel %d mode %v, want the 1 MiB pattern from %d", n.name, len(pk.Data), pk.From, pk.Channel, pk.Mode, from)
	}
}

// TestInteropGodot3GoServer: two Godot 3.2.3 clients and a Go client on a
// Go server speaking the 3.2 dialect.
func TestInteropGodot3GoServer(t *testing.T) {
	godottest.RequireGodot3(t)
	cfg := &Config{Dialect: Godot3}
	sp, err := NewENetServer("127.0.0.1:0", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := runNode(t, "server", sp)
	port := sp.ENetHost().LocalAddr().(*net.UDPAddr).Port
	R := TransferModeReliable
	cmd := func(to int, s string) { srv.send(to, R, -1, []byte("CMD:"+s)) }

	// Ids and peer events on every side.
	g1 := startGodotPeer(t, "client", port)
	srv.expect(ev(PeerConnected, g1.id))
	g1.event("peer_connected(1)")
	g1.event("connection_succeeded")
	g2 := startGodotPeer(t, "client", port)
	srv.expect(ev(PeerConnected, g2.id))
	g2.event("connection_succeeded")
	g2.event(fmt.Sprintf("peer_connected(%d)", g1.id))
	g1.event(fmt.Sprintf("peer_connected(%d)", g2.id))
	cp, err := NewENetClient(fmt.Sprintf("127.0.0.1:%d", port), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := runNode(t, "go client", cp)
	cid := cp.UniqueID()
	c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
	c.expectSet(ev(PeerConnected, g1.id), ev(PeerConnected, g2.id))
	srv.expect(ev(PeerConnected, cid))
	g1.event(fmt.Sprintf("peer_connected(%d)", cid))
	g2.event(fmt.Sprintf("peer_connected(%d)", cid))

	// Godot → Godot, targeted, relayed by the Go server; then a marker
	// broadcast proves nobody else got it. (Markers are reliable packets
	// on the channel of the packet they follow: wherever that packet
	// went, it arrived before the marker.)
	cmd(g1.id, fmt.Sprintf("send:%d:2:-1:g1-to-g2", g2.id))
	g2.got("g1-to-g2", g1.id, 1)
	cmd(g1.id, "send:0:2:-1:mark1")
	srv.expectPacket(g1.id, "mark1")
	c.expectPacket(g1.id, "mark1")
	g2.got("mark1", g1.id, 1)

	// Godot → Go client and Go server, every mode.
	for _, m := range modes {
		tag := "g1-to-c-" + m.String()
		cmd(g1.id, fmt.Sprintf("send:%d:%d:-1:%s", cid, m, tag))
		c.expectMode(g1.id, tag, m)
		tag = "g1-to-s-" + m.String()
		cmd(g1.id, fmt.Sprintf("send:1:%d:-1:%s", m, tag))
		srv.expectMode(g1.id, tag, m)
	}
	// Godot broadcast and excludes.
	cmd(g1.id, "send:0:2:-1:g1-all")
	srv.expectPacket(g1.id, "g1-all")
	c.expectPacket(g1.id, "g1-all")
	g2.got("g1-all", g1.id, 1)
	cmd(g1.id, fmt.Sprintf("send:%d:2:-1:g1-not-g2", -g2.id))
	srv.expectPacket(g1.id, "g1-not-g2")
	c.expectPacket(g1.id, "g1-not-g2")
	cmd(g1.id, fmt.Sprintf("send:%d:2:-1:mark2", g2.id))
	g2.got("mark2", g1.id, 1)
	g2.never("g1-not-g2")
	cmd(g1.id, "send:-1:2:-1:g1-not-srv")
	c.expectPacket(g1.id, "g1-not-srv")
	g2.got("g1-not-srv", g1.id, 1)
	cmd(g1.id, "send:1:2:-1:mark3")
	srv.expectPacket(g1.id, "mark3")

	// Go client → Godot, every mode, broadcast, exclude.
	for _, m := range modes {
		tag := "c-to-g1-" + m.String()
		c.send(g1.id, m, -1, []byte(tag))
		g1.got(tag, cid, godot3Channel(m))
	}
	c.send(0, R, -1, []byte("c-all"))
	srv.expectPacket(cid, "c-all")
	g1.got("c-all", cid, 1)
	g2.got("c-all", cid, 1)
	c.send(-1, R, -1, []byte("c-not-srv"))
	g1.got("c-not-srv", cid, 1)
	g2.got("c-not-srv", cid, 1)
	c.send(1, R, -1, []byte("mark4"))
	srv.expectPacket(cid, "mark4")

	// Go server → Godot, every mode, broadcast, exclude.
	for _, m := range modes {
		tag := "s-to-g1-" + m.String()
		srv.send(g1.id, m, -1, []byte(tag))
		g1.got(tag, 1, godot3Channel(m))
	}
	srv.send(0, R, -1, []byte("s-all"))
	g1.got("s-all", 1, 1)
	g2.got("s-all", 1, 1)
	c.expectPacket(1, "s-all")
	srv.send(-g1.id, R, -1, []byte("s-not-g1"))
	g2.got("s-not-g1", 1, 1)
	c.expectPacket(1, "s-not-g1")
	srv.send(g1.id, R, -1, []byte("mark5"))
	g1.got("mark5", 1, 1)
	g1.never("s-not-g1")

	// 1 MiB reliable packets: Godot → Go client (relayed), Go client →
	// Godot (relayed), Go server → Godot, Godot → Go server.
	cmd(g1.id, fmt.Sprintf("big:%d", cid))
	c.expectBig(g1.id)
	c.send(g2.id, R, -1, bigPattern())
	g2.gotBig(cid)
	srv.send(g1.id, R, -1, bigPattern())
	g1.gotBig(1)
	cmd(g2.id, "big:1")
	srv.expectBig(g2.id)

	// refuse_new_connections: a new Godot client is turned away and nobody
	// hears of it.
	sp.SetRefuseNewConnections(true)
	g3 := startGodotPeer(t, "client", port)
	res := g3.Wait()
	if !slices_contains(res.Lines, "EV server_disconnected") && !slices_contains(res.Lines, "EV connection_failed") {
		t.Fatalf("refused Godot client:\n%s", res.Output())
	}
	for _, l := range res.Lines {
		if strings.HasPrefix(l, "EV peer_connected(") && l != "EV peer_connected(1)" {
			t.Errorf("refused Godot client saw %s", l)
		}
	}
	t.Logf("refused Godot client: %q", res.Prefixed("EV "))
	if st := sp.Stats(); st.PeersRefused != 1 {
		t.Errorf("server refused %d", st.PeersRefused)
	}
	sp.SetRefuseNewConnections(false)

	// A Godot client leaves: everyone hears of it.
	cmd(g2.id, "leave")
	srv.expect(Event{Type: PeerDisconnected, Peer: g2.id, Reason: DisconnectReason(g2.id)})
	c.expect(ev(PeerDisconnected, g2.id))
	g1.event(fmt.Sprintf("peer_disconnected(%d)", g2.id))
	g2.Wait()
	g1.never(fmt.Sprintf("peer_connected(%d)", g3.id))

	// Server shutdown: Godot sees server_disconnected.
	srv.close()
	g1.event("server_disconnected")
	c.expect(Event{Type: ServerDisconnected, Reason: 1})
	g1.Wait()
	if st := sp.Stats(); st.TotalDropped() != 0 {
		t.Errorf("server dropped %v", st.Drops)
	}
}

func slices_contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestInteropGodot3GodotServer: a Go client joins a Godot 3.2.3-hosted
// game (create_server) with a Godot client.
func TestInteropGodot3GodotServer(t *testing.T) {
	godottest.RequireGodot3(t)
	port := freeUDPPort(t)
	gs := startGodotPeer(t, "server", port)
	if gs.id != 1 {
		t.Fatalf("Godot server id %d", gs.id)
	}
	g1 := startGodotPeer(t, "client", port)
	gs.event(fmt.Sprintf("peer_connected(%d)", g1.id))
	g1.event("connection_succeeded")
	cp, err := NewENetClient(fmt.Sprintf("127.0.0.1:%d", port), &Config{Dialect: Godot3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := runNode(t, "go client", cp)
	cid := cp.UniqueID()
	c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, g1.id))
	gs.event(fmt.Sprintf("peer_connected(%d)", cid))
	g1.event(fmt.Sprintf("peer_connected(%d)", cid))
	R := TransferModeReliable
	cmd := func(to int, s string) { c.send(to, R, -1, []byte("CMD:"+s)) }

	// Go client → Godot server and → Godot client through Godot's relay,
	// every mode; broadcast; excludes.
	for _, m := range modes {
		tag := "c-to-gs-" + m.String()
		c.send(1, m, -1, []byte(tag))
		gs.got(tag, cid, godot3Channel(m))
		tag = "c-to-g1-" + m.String()
		c.send(g1.id, m, -1, []byte(tag))
		g1.got(tag, cid, godot3Channel(m))
	}
	c.send(0, R, -1, []byte("c-all"))
	gs.got("c-all", cid, 1)
	g1.got("c-all", cid, 1)
	c.send(-g1.id, R, -1, []byte("c-not-g1"))
	gs.got("c-not-g1", cid, 1)
	c.send(-1, R, -1, []byte("c-not-gs"))
	g1.got("c-not-gs", cid, 1)
	c.send(0, R, -1, []byte("mark1"))
	gs.got("mark1", cid, 1)
	g1.got("mark1", cid, 1)
	g1.never("c-not-g1")
	gs.never("c-not-gs")

	// Godot server → Go client, every mode, and its broadcast.
	for _, m := range modes {
		tag := "gs-to-c-" + m.String()
		cmd(1, fmt.Sprintf("send:%d:%d:-1:%s", cid, m, tag))
		c.expectMode(1, tag, m)
	}
	cmd(1, "send:0:2:-1:gs-all")
	c.expectPacket(1, "gs-all")
	g1.got("gs-all", 1, 1)

	// Godot client → Go client through Godot's relay, every mode (the
	// relay keeps the flags), broadcast and exclude.
	for _, m := range modes {
		tag := "g1-to-c-" + m.String()
		cmd(g1.id, fmt.Sprintf("send:%d:%d:-1:%s", cid, m, tag))
		c.expectMode(g1.id, tag, m)
	}
	cmd(g1.id, "send:0:2:-1:g1-all")
	c.expectPacket(g1.id, "g1-all")
	gs.got("g1-all", g1.id, 1)
	cmd(g1.id, fmt.Sprintf("send:%d:2:-1:g1-not-c", -cid))
	gs.got("g1-not-c", g1.id, 1)
	cmd(g1.id, "send:0:2:-1:mark2")
	c.expectPacket(g1.id, "mark2")

	// 1 MiB both ways, direct and relayed.
	c.send(g1.id, R, -1, bigPattern())
	g1.gotBig(cid)
	cmd(g1.id, fmt.Sprintf("big:%d", cid))
	c.expectBig(g1.id)
	c.send(1, R, -1, bigPattern())
	gs.gotBig(cid)
	cmd(1, fmt.Sprintf("big:%d", cid))
	c.expectBig(1)

	// The Godot client leaves; then the Godot server shuts down.
	cmd(g1.id, "leave")
	c.expect(ev(PeerDisconnected, g1.id))
	gs.event(fmt.Sprintf("peer_disconnected(%d)", g1.id))
	g1.Wait()
	cmd(1, "quit")
	c.expect(Event{Type: ServerDisconnected, Reason: 1}) // close_connection sends the server's id
	gs.Wait()
	if st := cp.Stats(); st.TotalDropped() != 0 {
		t.Errorf("go client dropped %v", st.Drops)
	}
}
