package multiplayer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/internal/godottest"
)

// Custom channels against the real Godot 3.2.3: NetworkedMultiplayerENet
// with channel_count > 3 and transfer_channel set to a custom channel, in
// both roles, every transfer mode, both directions, relayed by a Go server
// and by a Godot server. testdata/godot3_channels.gd is the Godot side: it
// reports get_packet_channel() before get_packet() and
// get_last_packet_channel() after it; the Go side checks PacketChannel()
// and PacketMode() before Receive() and the Packet's Channel and Mode.
//
// What a transfer_channel beyond the channel count does (3.2 numbers its
// channels 0 config, 1 reliable, 2 unreliable, 3 … channel_count-1 custom):
//
//   - Godot's setter prints an error ("The transfer channel must be set
//     between 0 and N-1") and keeps the previous value; 0 is refused as
//     reserved, -2 and below as out of range. put_packet then sends on the
//     kept channel.
//   - Our SetTransferChannel returns ErrBadChannel (ERR_INVALID_PARAMETER)
//     and keeps the previous value.
//   - A channel valid for the local channel_count but beyond the count the
//     ENet handshake negotiated (the smaller of the client's request and
//     the server's limit): Godot's put_packet returns OK and the packet
//     silently never leaves (it ignores enet_peer_send's failure); our
//     PutPacket returns ERR_INVALID_PARAMETER wrapping enet.ErrChannel. A
//     Go server's broadcast reaches everyone whose connection has the
//     channel and returns that error for the others; Godot's
//     enet_host_broadcast skips them silently.

const channelCount = 6 // channels 3, 4, 5 are custom

// customChannels are the custom channels the tests use: the first and the
// last.
var customChannels = []int{3, channelCount - 1}

func startGodotChannels(t *testing.T, role string, port, channels int) *godotPeer {
	t.Helper()
	script, err := os.ReadFile("testdata/godot3_channels.gd")
	if err != nil {
		t.Fatal(err)
	}
	g := godottest.StartGodot3(t, string(script), godottest.Timeout(150*time.Second),
		godottest.Env("PP_ROLE="+role, fmt.Sprintf("PP_PORT=%d", port), fmt.Sprintf("PP_CHANNELS=%d", channels)))
	gp := &godotPeer{Godot3: g, t: t}
	if l := g.WaitForLine("CREATE ", netWait); l != "CREATE 0" {
		t.Fatalf("%s: %s\n%s", role, l, g.Output())
	}
	gp.id, err = strconv.Atoi(strings.TrimPrefix(g.WaitForLine("ID ", netWait), "ID "))
	if err != nil {
		t.Fatal(err)
	}
	if l, want := g.WaitForLine("CHANNELS ", netWait), fmt.Sprintf("CHANNELS %d tc=-1", channels); l != want {
		t.Fatalf("%s: %q, want %q", role, l, want)
	}
	return gp
}

// gotOn waits for Godot's line about the packet tag and checks its sender
// and channel, read both before (get_packet_channel) and after
// (get_last_packet_channel) get_packet.
func (g *godotPeer) gotOn(tag string, from, ch int) {
	g.t.Helper()
	want := fmt.Sprintf("GOT %s from=%d ch=%d last=%d len=%d", tag, from, ch, ch, len(tag))
	if l := g.WaitForLine("GOT "+tag+" ", netWait); l != want {
		g.t.Fatalf("Godot %d: %q, want %q", g.id, l, want)
	}
}

// line waits for a line with prefix and checks it is want.
func (g *godotPeer) line(prefix, want string) {
	g.t.Helper()
	if l := g.WaitForLine(prefix, netWait); l != want {
		g.t.Fatalf("Godot %d: %q, want %q\n%s", g.id, l, want, g.Output())
	}
}

// Unreliable packets may be lost even on loopback: ENet's packet throttle
// drops them when round trips vary, as they do on a loaded machine. So a
// packet sent with an unreliable mode is sent again, as base~2, base~3 …,
// until one arrives (any attempt counts); reliable packets are sent once,
// as base~1.
const (
	unreliableAttempts = 10
	unreliableWait     = 3 * time.Second
)

// retrier tracks the bases delivered, so that a late copy of an earlier
// attempt is recognized and skipped.
type retrier struct {
	t    *testing.T
	done map[string]bool
}

func newRetrier(t *testing.T) *retrier { return &retrier{t: t, done: map[string]bool{}} }

// awaitFunc waits up to wait for an attempt of base; false if none came.
type awaitFunc func(base string, wait time.Duration) bool

// deliver sends base with mode m, send(tag) sending one attempt, until
// await sees an attempt arrive.
func (r *retrier) deliver(m TransferMode, base string, send func(tag string), await awaitFunc) {
	r.t.Helper()
	attempts, wait := 1, netWait
	if m != TransferModeReliable {
		attempts, wait = unreliableAttempts, unreliableWait
	}
	for k := 1; k <= attempts; k++ {
		send(fmt.Sprintf("%s~%d", base, k))
		if await(base, wait) {
			if k > 1 {
				r.t.Logf("%s (%v): arrived after %d attempts", base, m, k)
			}
			r.done[base] = true
			return
		}
	}
	r.t.Fatalf("%s (%v): none of %d attempts arrived", base, m, attempts)
}

// stale reports a late copy of an already delivered base.
func (r *retrier) stale(data []byte) bool {
	base, _, ok := strings.Cut(string(data), "~")
	return ok && r.done[base]
}

// both waits for an attempt at a and at b.
func both(a, b awaitFunc) awaitFunc {
	return func(base string, wait time.Duration) bool { return a(base, wait) && b(base, wait) }
}

// godot waits for Godot's line about an attempt of base and checks its
// sender and channel (before and after get_packet).
func (r *retrier) godot(g *godotPeer, from, ch int) awaitFunc {
	return func(base string, wait time.Duration) bool {
		r.t.Helper()
		deadline := time.Now().Add(wait)
		for {
			for _, l := range strings.Split(g.Output(), "\n") {
				if !strings.HasPrefix(l, "GOT "+base+"~") {
					continue
				}
				tag := strings.Fields(l)[1]
				if want := fmt.Sprintf("GOT %s from=%d ch=%d last=%d len=%d", tag, from, ch, ch, len(tag)); l != want {
					r.t.Fatalf("Godot %d: %q, want %q", g.id, l, want)
				}
				return true
			}
			if time.Now().After(deadline) {
				return false
			}
			select {
			case <-g.Done():
				r.t.Fatalf("Godot %d exited waiting for %s:\n%s", g.id, base, g.Output())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// node waits for an attempt of base at n (skipping late copies of
// earlier packets) and checks it as expectOn does.
func (r *retrier) node(n *node, from, ch int, m TransferMode) awaitFunc {
	return func(base string, wait time.Duration) bool {
		r.t.Helper()
		pk, ok := r.next(n, wait)
		if !ok {
			return false
		}
		if !strings.HasPrefix(string(pk.Data), base+"~") {
			r.t.Fatalf("%s: %q from %d, want %s~…", n.name, short(pk.Data), pk.From, base)
		}
		checkPacket(n, pk, from, string(pk.Data), ch, m)
		return true
	}
}

// accessed is a received packet with what the accessors said before it
// was taken.
type accessed struct {
	Packet
	pf, pc int
	pm     TransferMode
}

// next returns the next packet at n that is not a stale copy, waiting up
// to wait (false if none came).
func (r *retrier) next(n *node, wait time.Duration) (accessed, bool) {
	n.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := n.p.Wait(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return accessed{}, false
		}
		if err != nil {
			n.t.Fatalf("%s: waiting for a packet: %v", n.name, err)
		}
		a := accessed{pf: n.p.PacketPeer(), pc: n.p.PacketChannel(), pm: n.p.PacketMode()}
		a.Packet, err = n.p.Receive()
		if err != nil {
			n.t.Fatalf("%s: %v", n.name, err)
		}
		if r.stale(a.Data) {
			n.t.Logf("%s: late copy %q skipped", n.name, a.Data)
			continue
		}
		return a, true
	}
}

// expectOn checks the next packet (late copies skipped): sender, data, and
// channel and mode both from the accessors (get_packet_peer/channel/mode,
// read before the packet is taken) and from Receive.
func (r *retrier) expectOn(n *node, from int, tag string, ch int, m TransferMode) {
	n.t.Helper()
	pk, ok := r.next(n, netWait)
	if !ok {
		n.t.Fatalf("%s: no packet %q within %v", n.name, tag, netWait)
	}
	checkPacket(n, pk, from, tag, ch, m)
}

func checkPacket(n *node, pk accessed, from int, tag string, ch int, m TransferMode) {
	n.t.Helper()
	if pk.From != from || string(pk.Data) != tag || pk.Channel != ch || pk.Mode != m {
		n.t.Fatalf("%s: %q from %d on channel %d mode %v, want %q from %d on %d %v",
			n.name, short(pk.Data), pk.From, pk.Channel, pk.Mode, tag, from, ch, m)
	}
	if pk.pf != from || pk.pc != ch || pk.pm != m {
		n.t.Fatalf("%s: %q: accessors said from %d channel %d mode %v", n.name, tag, pk.pf, pk.pc, pk.pm)
	}
}

// checkBadChannels: our setter refuses what Godot's refuses (and 255, 256,
// beyond ENet), keeping the previous value.
func checkBadChannels(t *testing.T, p *Peer, count int) {
	t.Helper()
	if err := p.SetTransferChannel(4); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int{count, count + 1, 0, -2, 255, 256} {
		if err := p.SetTransferChannel(bad); !errors.Is(err, ErrBadChannel) || !errors.Is(err, godoterr.ErrInvalidParameter) {
			t.Errorf("SetTransferChannel(%d) with %d channels: %v, want ErrBadChannel", bad, count, err)
		}
		if got := p.TransferChannel(); got != 4 {
			t.Errorf("after SetTransferChannel(%d): transfer channel %d, want 4 kept", bad, got)
		}
	}
	if err := p.SetTransferChannel(count - 1); err != nil {
		t.Errorf("SetTransferChannel(%d) with %d channels: %v", count-1, count, err)
	}
}

// godotBadChannels: Godot's setter refuses a channel ≥ channel_count, 0
// and < -1, printing an error and keeping the previous value.
func godotBadChannels(t *testing.T, g *godotPeer, cmd func(to int, s string), count int) {
	t.Helper()
	cmd(g.id, "setch:4")
	g.line("TC 4 ", "TC 4 -> 4")
	for _, bad := range []int{count, 0, -2} {
		cmd(g.id, fmt.Sprintf("setch:%d", bad))
		g.line(fmt.Sprintf("TC %d ", bad), fmt.Sprintf("TC %d -> 4", bad))
	}
	out := g.Output()
	for _, want := range []string{
		fmt.Sprintf("between 0 and %d, inclusive (got %d)", count-1, count),
		"The channel 0 is reserved",
		fmt.Sprintf("between 0 and %d, inclusive (got -2)", count-1),
	} {
		if !strings.Contains(out, want) {
			t.Logf("Godot's error message lacks %q (wording differs?):\n%s", want, out)
		}
	}
}

// TestInteropGodot3ChannelsGoServer: two Godot 3.2.3 clients, a Go client
// with the same channel_count and one with the default 3, on a Go server
// with channel_count 6; then a Godot client asking for 8.
func TestInteropGodot3ChannelsGoServer(t *testing.T) {
	godottest.RequireGodot3(t)
	cfg := &Config{Dialect: Godot3, ChannelCount: channelCount}
	sp, err := NewENetServer("127.0.0.1:0", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := runNode(t, "server", sp)
	addr := udpAddr(t, sp)
	port := sp.ENetHost().LocalAddr().(*net.UDPAddr).Port
	R := TransferModeReliable
	cmd := func(to int, s string) { srv.send(to, R, -1, []byte("CMD:"+s)) }

	g1 := startGodotChannels(t, "client", port, channelCount)
	srv.expect(ev(PeerConnected, g1.id))
	g1.event("connection_succeeded")
	g2 := startGodotChannels(t, "client", port, channelCount)
	srv.expect(ev(PeerConnected, g2.id))
	g2.event("connection_succeeded")
	g1.event(fmt.Sprintf("peer_connected(%d)", g2.id))
	cp, err := NewENetClient(addr, cfg, nil)
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
	if n := cp.srv.link.(enetLink).p.Stats().Channels; n != channelCount {
		t.Fatalf("go client negotiated %d ENet channels, want %d", n, channelCount)
	}

	r := newRetrier(t)
	for _, ch := range customChannels {
		for _, m := range modes {
			sfx := fmt.Sprintf("%d-%s", ch, m)
			godot := func(g *godotPeer, to int) func(string) {
				return func(tag string) { cmd(g.id, fmt.Sprintf("send:%d:%d:%d:%s", to, m, ch, tag)) }
			}
			goSend := func(n *node, to int) func(string) {
				return func(tag string) { n.send(to, m, ch, []byte(tag)) }
			}
			// Godot → Go server.
			r.deliver(m, "g1-s-"+sfx, godot(g1, 1), r.node(srv, g1.id, ch, m))
			g1.line("SENT g1-s-"+sfx+"~1 ", fmt.Sprintf("SENT g1-s-%s~1 0 tc=%d", sfx, ch))
			// Godot → Godot, relayed by the Go server on the same channel.
			r.deliver(m, "g1-g2-"+sfx, godot(g1, g2.id), r.godot(g2, g1.id, ch))
			// Godot → Go client, relayed: channel and flags survive.
			r.deliver(m, "g1-c-"+sfx, godot(g1, cid), r.node(c, g1.id, ch, m))
			// Go server → Godot.
			r.deliver(m, "s-g1-"+sfx, goSend(srv, g1.id), r.godot(g1, 1, ch))
			// Go client → Godot, relayed.
			r.deliver(m, "c-g2-"+sfx, goSend(c, g2.id), r.godot(g2, cid, ch))
			// Go client → Go server.
			r.deliver(m, "c-s-"+sfx, goSend(c, 1), r.node(srv, cid, ch, m))
		}
	}

	// Broadcasts and excludes on a custom channel, from each kind of peer.
	cmd(g1.id, fmt.Sprintf("send:0:%d:4:g1-all", R))
	r.expectOn(srv, g1.id, "g1-all", 4, R)
	r.expectOn(c, g1.id, "g1-all", 4, R)
	g2.gotOn("g1-all", g1.id, 4)
	cmd(g1.id, fmt.Sprintf("send:%d:%d:4:g1-not-g2", -g2.id, R))
	r.expectOn(srv, g1.id, "g1-not-g2", 4, R)
	r.expectOn(c, g1.id, "g1-not-g2", 4, R)
	srv.send(0, R, 4, []byte("s-all"))
	g1.gotOn("s-all", 1, 4)
	g2.gotOn("s-all", 1, 4) // after g1-not-g2 on the same channel, had it come
	g2.never("g1-not-g2")
	r.expectOn(c, 1, "s-all", 4, R)
	c.send(0, R, 5, []byte("c-all"))
	r.expectOn(srv, cid, "c-all", 5, R)
	g1.gotOn("c-all", cid, 5)
	g2.gotOn("c-all", cid, 5)

	// transfer_channel beyond the channel count: both refuse and keep the
	// previous channel, which the next packet uses.
	godotBadChannels(t, g1, cmd, channelCount)
	cmd(g1.id, fmt.Sprintf("send:1:%d:k:g1-kept", R))
	r.expectOn(srv, g1.id, "g1-kept", 4, R)
	checkBadChannels(t, sp, channelCount)
	checkBadChannels(t, cp, channelCount)

	// A Go client with the default 3 channels in the same room: the
	// server's broadcast on channel 5 reaches everyone else and reports
	// the error for it (Godot's enet_host_broadcast skips it silently).
	c3p, err := NewENetClient(addr, &Config{Dialect: Godot3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c3 := runNode(t, "go client 3", c3p)
	c3id := c3p.UniqueID()
	c3.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
	c3.expectSet(ev(PeerConnected, g1.id), ev(PeerConnected, g2.id), ev(PeerConnected, cid))
	srv.expect(ev(PeerConnected, c3id))
	c.expect(ev(PeerConnected, c3id))
	g1.event(fmt.Sprintf("peer_connected(%d)", c3id))
	g2.event(fmt.Sprintf("peer_connected(%d)", c3id))
	if err := sp.SetTransferChannel(5); err != nil {
		t.Fatal(err)
	}
	sp.SetTargetPeer(0)
	if err := sp.SetTransferMode(R); err != nil {
		t.Fatal(err)
	}
	if err := sp.PutPacket([]byte("s-all-5")); !errors.Is(err, godoterr.ErrInvalidParameter) || !errors.Is(err, enet.ErrChannel) {
		t.Errorf("broadcast on channel 5 with a 3-channel client: %v, want ERR_INVALID_PARAMETER (enet.ErrChannel)", err)
	} else {
		t.Logf("Go server broadcast on channel 5 with a 3-channel client: %v", err)
	}
	g1.gotOn("s-all-5", 1, 5)
	g2.gotOn("s-all-5", 1, 5)
	r.expectOn(c, 1, "s-all-5", 5, R)
	// The 3-channel client itself cannot use channel 5 (its own count).
	if err := c3p.SetTransferChannel(5); !errors.Is(err, ErrBadChannel) {
		t.Errorf("3-channel client, channel 5: %v", err)
	}
	// A Godot client sending to it on channel 5: the Go server cannot
	// forward it (the connection has 3 channels), as Godot's relay could
	// not; the packet is lost. The marker on channel 1 arrives next.
	before := sp.Stats()
	cmd(g1.id, fmt.Sprintf("send:%d:%d:5:g1-c3-5", c3id, R))
	g1.line("SENT g1-c3-5 ", "SENT g1-c3-5 0 tc=5")
	cmd(g1.id, fmt.Sprintf("send:%d:%d:-1:g1-c3-mark", c3id, R))
	r.expectOn(c3, g1.id, "g1-c3-mark", Godot3ChannelReliable, R)
	after := sp.Stats()
	t.Logf("relay to a connection without the channel: relayed %d→%d, drops %v→%v",
		before.PacketsRelayed, after.PacketsRelayed, before.Drops, after.Drops)
	if after.PacketsRelayed != before.PacketsRelayed+1 {
		t.Errorf("relayed %d→%d: want only the marker counted", before.PacketsRelayed, after.PacketsRelayed)
	}
	if d := after.Drops[DropRelayFailed] - before.Drops[DropRelayFailed]; d != 1 {
		t.Errorf("relay_failed drops +%d, want +1 (the copy ENet refused)", d)
	}

	// A Godot client asking for 8 channels gets the server's 6. Godot
	// lets it set transfer_channel 7 (its own count is 8) and put_packet
	// returns OK, but the packet never leaves: ENet refuses the channel
	// and Godot ignores that. The Go server receives the marker next.
	g3 := startGodotChannels(t, "client", port, 8)
	srv.expect(ev(PeerConnected, g3.id))
	g3.event("connection_succeeded")
	c.expect(ev(PeerConnected, g3.id))
	c3.expect(ev(PeerConnected, g3.id))
	cmd(g3.id, fmt.Sprintf("send:1:%d:7:g3-7", R))
	g3.line("SENT g3-7 ", "SENT g3-7 0 tc=7")
	cmd(g3.id, fmt.Sprintf("send:1:%d:-1:g3-mark", R))
	r.expectOn(srv, g3.id, "g3-mark", Godot3ChannelReliable, R)
	// Channel 5 works both ways for it.
	UO := TransferModeUnreliableOrdered
	r.deliver(UO, "g3-5", func(tag string) { cmd(g3.id, fmt.Sprintf("send:1:%d:5:%s", UO, tag)) }, r.node(srv, g3.id, 5, UO))
	srv.send(g3.id, R, 5, []byte("s-g3-5"))
	g3.gotOn("s-g3-5", 1, 5)

	srv.close()
	for _, g := range []*godotPeer{g1, g2, g3} {
		g.event("server_disconnected")
		g.Wait()
	}
	if st := sp.Stats(); st.TotalDropped() != 1 || st.Drops[DropRelayFailed] != 1 {
		t.Errorf("server dropped %v, want only the one relay_failed", st.Drops)
	}
	if st := cp.Stats(); st.TotalDropped() != 0 {
		t.Errorf("go client dropped %v", st.Drops)
	}
}

// TestInteropGodot3ChannelsGodotServer: a Go client with channel_count 6
// in a Godot 3.2.3-hosted game with channel_count 6 and a Godot client;
// then a Go client asking for 8.
func TestInteropGodot3ChannelsGodotServer(t *testing.T) {
	godottest.RequireGodot3(t)
	port := freeUDPPort(t)
	gs := startGodotChannels(t, "server", port, channelCount)
	g1 := startGodotChannels(t, "client", port, channelCount)
	gs.event(fmt.Sprintf("peer_connected(%d)", g1.id))
	g1.event("connection_succeeded")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cp, err := NewENetClient(addr, &Config{Dialect: Godot3, ChannelCount: channelCount}, nil)
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

	r := newRetrier(t)
	for _, ch := range customChannels {
		for _, m := range modes {
			sfx := fmt.Sprintf("%d-%s", ch, m)
			godot := func(g *godotPeer, to int) func(string) {
				return func(tag string) { cmd(g.id, fmt.Sprintf("send:%d:%d:%d:%s", to, m, ch, tag)) }
			}
			goSend := func(to int) func(string) {
				return func(tag string) { c.send(to, m, ch, []byte(tag)) }
			}
			// Go client → Godot server, and → Godot client through
			// Godot's relay (same channel).
			r.deliver(m, "c-gs-"+sfx, goSend(1), r.godot(gs, cid, ch))
			r.deliver(m, "c-g1-"+sfx, goSend(g1.id), r.godot(g1, cid, ch))
			// Godot server → Go client.
			r.deliver(m, "gs-c-"+sfx, godot(gs, cid), r.node(c, 1, ch, m))
			// Godot client → Go client through Godot's relay: channel
			// and flags survive.
			r.deliver(m, "g1-c-"+sfx, godot(g1, cid), r.node(c, g1.id, ch, m))
		}
	}

	// Broadcasts on a custom channel.
	c.send(0, R, 4, []byte("c-all"))
	gs.gotOn("c-all", cid, 4)
	g1.gotOn("c-all", cid, 4)
	cmd(1, fmt.Sprintf("send:0:%d:4:gs-all", R))
	r.expectOn(c, 1, "gs-all", 4, R)
	g1.gotOn("gs-all", 1, 4)
	UO := TransferModeUnreliableOrdered
	r.deliver(UO, "g1-all", func(tag string) { cmd(g1.id, fmt.Sprintf("send:0:%d:5:%s", UO, tag)) },
		both(r.node(c, g1.id, 5, UO), r.godot(gs, g1.id, 5)))

	// transfer_channel beyond the channel count, on a Godot server and on
	// our client.
	godotBadChannels(t, gs, cmd, channelCount)
	cmd(1, fmt.Sprintf("send:%d:%d:k:gs-kept", cid, R))
	r.expectOn(c, 1, "gs-kept", 4, R)
	checkBadChannels(t, cp, channelCount)

	// A Go client asking for 8 channels gets the Godot server's 6: channel
	// 7 passes our setter (count 8) but PutPacket fails with
	// ERR_INVALID_PARAMETER (Godot would return OK and lose the packet).
	c8p, err := NewENetClient(addr, &Config{Dialect: Godot3, ChannelCount: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c8 := runNode(t, "go client 8", c8p)
	c8id := c8p.UniqueID()
	c8.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
	c8.expectSet(ev(PeerConnected, g1.id), ev(PeerConnected, cid))
	c.expect(ev(PeerConnected, c8id))
	gs.event(fmt.Sprintf("peer_connected(%d)", c8id))
	if n := c8p.srv.link.(enetLink).p.Stats().Channels; n != channelCount {
		t.Errorf("8-channel client negotiated %d channels with a %d-channel Godot server", n, channelCount)
	}
	if err := c8p.SetTransferChannel(7); err != nil {
		t.Fatal(err)
	}
	c8p.SetTargetPeer(1)
	err = c8p.PutPacket([]byte("c8-7"))
	if !errors.Is(err, godoterr.ErrInvalidParameter) || !errors.Is(err, enet.ErrChannel) {
		t.Errorf("PutPacket on channel 7 of 6 negotiated: %v, want ERR_INVALID_PARAMETER (enet.ErrChannel)", err)
	} else {
		t.Logf("Go client, channel 7 of 6 negotiated: %v", err)
	}
	c8.send(1, R, 5, []byte("c8-5"))
	gs.gotOn("c8-5", c8id, 5)
	gs.never("c8-7")

	cmd(g1.id, "leave")
	c.expect(ev(PeerDisconnected, g1.id))
	g1.Wait()
	cmd(1, "quit")
	c.expect(Event{Type: ServerDisconnected, Reason: 1})
	gs.Wait()
	if st := cp.Stats(); st.TotalDropped() != 0 {
		t.Errorf("go client dropped %v", st.Drops)
	}
}
