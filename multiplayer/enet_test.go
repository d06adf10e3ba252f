package multiplayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/godoterr"
)

// Tests of the ENet binding over real UDP on 127.0.0.1. Nothing here
// asserts on timing: every wait is for a condition, with a generous
// deadline for loaded machines, and absence is proven by ordering (a
// reliable marker sent after a packet on the same channel arrives after
// it wherever that packet would have gone).

const netWait = 45 * time.Second

// node runs a Peer Go style: a goroutine reads its events (and so drives
// its ENet host), the test reads packets with Wait/Receive.
type node struct {
	t      *testing.T
	p      *Peer
	name   string
	events chan Event
	stop   chan struct{}
	done   chan struct{}
}

func runNode(t *testing.T, name string, p *Peer) *node {
	t.Helper()
	n := &node{t: t, p: p, name: name, events: make(chan Event, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		for {
			ev, err := p.NextEvent(context.Background())
			if err != nil {
				return // closed, or a client's connection ended (io.EOF)
			}
			select {
			case n.events <- ev:
			case <-n.stop:
				return
			}
		}
	}()
	t.Cleanup(n.close)
	return n
}

func (n *node) close() {
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	_ = n.p.Close()
	<-n.done
}

func (n *node) next() Event {
	n.t.Helper()
	select {
	case e := <-n.events:
		return e
	case <-time.After(netWait):
		n.t.Fatalf("%s: no event within %v", n.name, netWait)
	}
	return Event{}
}

// expect checks the next events, in order (Type, Peer and Reason).
func (n *node) expect(want ...Event) {
	n.t.Helper()
	for _, w := range want {
		if got := n.next(); got.Type != w.Type || got.Peer != w.Peer || got.Reason != w.Reason {
			n.t.Fatalf("%s: event %v, want %v", n.name, got, w)
		}
	}
}

// expectSet checks the next len(want) events in any order.
func (n *node) expectSet(want ...Event) {
	n.t.Helper()
	var got []Event
	for range want {
		got = append(got, n.next())
	}
	key := func(e Event) string { return fmt.Sprintf("%v/%d/%d", e.Type, e.Peer, e.Reason) }
	g := make([]string, len(got))
	w := make([]string, len(want))
	for i := range got {
		g[i], w[i] = key(got[i]), key(want[i])
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		n.t.Fatalf("%s: events %v, want %v in any order", n.name, got, want)
	}
}

// recv waits for the next packet.
func (n *node) recv() Packet {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	if err := n.p.Wait(ctx); err != nil {
		n.t.Fatalf("%s: waiting for a packet: %v", n.name, err)
	}
	pk, err := n.p.Receive()
	if err != nil {
		n.t.Fatalf("%s: %v", n.name, err)
	}
	return pk
}

// expectPacket checks the next packet's sender and data.
func (n *node) expectPacket(from int, data string) Packet {
	n.t.Helper()
	pk := n.recv()
	if pk.From != from || string(pk.Data) != data {
		n.t.Fatalf("%s: packet %q from %d, want %q from %d", n.name, short(pk.Data), pk.From, data, from)
	}
	return pk
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%s… (%d bytes)", b[:40], len(b))
	}
	return string(b)
}

func (n *node) send(target int, mode TransferMode, channel int, data []byte) {
	n.t.Helper()
	n.p.SetTargetPeer(target)
	if err := n.p.SetTransferMode(mode); err != nil {
		n.t.Fatal(err)
	}
	if err := n.p.SetTransferChannel(channel); err != nil {
		n.t.Fatal(err)
	}
	if err := n.p.PutPacket(data); err != nil {
		n.t.Fatalf("%s: put to %d: %v", n.name, target, err)
	}
}

func defaultChannel(d Dialect) int {
	if d == Godot3 {
		return -1
	}
	return 0
}

// udpAddr returns the server's address on 127.0.0.1.
func udpAddr(t *testing.T, p *Peer) string {
	t.Helper()
	h := p.ENetHost()
	if h == nil {
		t.Fatal("not an ENet peer")
	}
	return h.LocalAddr().String()
}

// bigPattern is the 1 MiB packet of the tests: byte i is i mod 256 (the
// GDScript peer builds the same one).
func bigPattern() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestENetRoom is TestRoom's scenario over real ENet on UDP, in both
// dialects: a server and three clients, ids and peer events on every side,
// targeted, broadcast and exclude relay with the right sender, every
// transfer mode and a custom channel relayed with their mode and channel,
// a 1 MiB reliable packet, refused and duplicate joins, a leave, a kick,
// and the server's shutdown.
func TestENetRoom(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			cfg := &Config{Dialect: d, ChannelCount: 5}
			sp, err := NewENetServer("127.0.0.1:0", cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			srv := runNode(t, "server", sp)
			addr := udpAddr(t, sp)
			join := func(name string, id int) *node {
				t.Helper()
				p, err := NewENetClientID(addr, id, cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				if p.ConnectionStatus() != Connecting {
					t.Fatalf("%s: status %v", name, p.ConnectionStatus())
				}
				return runNode(t, name, p)
			}
			a := join("a", 11)
			a.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			srv.expect(ev(PeerConnected, 11))
			b := join("b", 22)
			b.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 11))
			srv.expect(ev(PeerConnected, 22))
			a.expect(ev(PeerConnected, 22))
			c := join("c", 33)
			c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			c.expectSet(ev(PeerConnected, 11), ev(PeerConnected, 22))
			srv.expect(ev(PeerConnected, 33))
			a.expect(ev(PeerConnected, 33))
			b.expect(ev(PeerConnected, 33))
			if got := c.p.Peers(); !slices.Equal(got, []int{1, 11, 22}) {
				t.Errorf("c.Peers() = %v", got)
			}
			if got := sp.Peers(); !slices.Equal(got, []int{11, 22, 33}) {
				t.Errorf("server Peers() = %v", got)
			}
			if ch := c.p.srv.link.(enetLink).p.Stats().Channels; ch != ConnectChannelCount(d, 5) {
				t.Errorf("negotiated %d ENet channels, want %d", ch, ConnectChannelCount(d, 5))
			}

			R := TransferModeReliable
			dc := defaultChannel(d)
			// marker: a reliable broadcast from sender that every other
			// node receives next, proving nothing else was queued.
			marker := func(sender *node, tag string, others ...*node) {
				t.Helper()
				sender.send(TargetPeerBroadcast, R, dc, []byte(tag))
				for _, o := range others {
					o.expectPacket(sender.p.UniqueID(), tag)
				}
			}

			a.send(22, R, dc, []byte("a to b"))
			b.expectPacket(11, "a to b")
			marker(a, "m1", srv, b, c)

			a.send(1, R, dc, []byte("a to server"))
			srv.expectPacket(11, "a to server")
			marker(a, "m2", srv, b, c)

			a.send(0, R, dc, []byte("a to all"))
			for _, n := range []*node{srv, b, c} {
				n.expectPacket(11, "a to all")
			}
			a.send(-22, R, dc, []byte("a to all but b"))
			srv.expectPacket(11, "a to all but b")
			c.expectPacket(11, "a to all but b")
			marker(a, "m3", srv, b, c)

			a.send(-1, R, dc, []byte("a to all but server"))
			b.expectPacket(11, "a to all but server")
			c.expectPacket(11, "a to all but server")
			marker(a, "m4", srv, b, c)

			srv.send(0, R, dc, []byte("server to all"))
			for _, n := range []*node{a, b, c} {
				n.expectPacket(1, "server to all")
			}
			srv.send(33, R, dc, []byte("server to c"))
			c.expectPacket(1, "server to c")
			srv.send(-33, R, dc, []byte("server to all but c"))
			a.expectPacket(1, "server to all but c")
			b.expectPacket(1, "server to all but c")
			marker(srv, "m5", a, b, c)

			// Every mode, default and custom channel, relayed a → b and
			// server → b: mode and channel survive.
			for _, from := range []*node{a, srv} {
				for _, mode := range []TransferMode{TransferModeUnreliable, TransferModeUnreliableOrdered, R} {
					for _, tch := range []int{dc, 3} {
						tag := fmt.Sprintf("%s %v ch %d", from.name, mode, tch)
						from.send(22, mode, tch, []byte(tag))
						pk := b.expectPacket(from.p.UniqueID(), tag)
						wantCh := tch
						if d == Godot3 && tch == -1 {
							wantCh = Godot3ChannelReliable
							if mode != R {
								wantCh = Godot3ChannelUnreliable
							}
						}
						if pk.Channel != wantCh || pk.Mode != mode {
							t.Errorf("%s: channel %d mode %v, want %d %v", tag, pk.Channel, pk.Mode, wantCh, mode)
						}
					}
				}
			}
			if d == Godot3 {
				// 3.2's last data channel is channel_count-1; a 4.x
				// client's channel_count+1.
				if err := a.p.SetTransferChannel(5); !errors.Is(err, ErrBadChannel) {
					t.Errorf("channel 5 of 5: %v", err)
				}
			}

			// 1 MiB reliable, relayed client to client and sent by the
			// server.
			big := bigPattern()
			a.send(33, R, dc, big)
			if pk := c.recv(); pk.From != 11 || !bytes.Equal(pk.Data, big) {
				t.Fatalf("1 MiB relayed: %d bytes from %d", len(pk.Data), pk.From)
			}
			srv.send(11, R, dc, big)
			if pk := a.recv(); pk.From != 1 || !bytes.Equal(pk.Data, big) {
				t.Fatalf("1 MiB from server: %d bytes from %d", len(pk.Data), pk.From)
			}

			// Refused, then duplicate: clean failures with a reason, decided
			// on the ENet CONNECT, so the client never reports a connection
			// (a Godot server would let it connect and time out instead).
			sp.SetRefuseNewConnections(true)
			r := join("refused", 44)
			r.expect(Event{Type: ConnectionFailed, Reason: ReasonRefused})
			sp.SetRefuseNewConnections(false)
			dup := join("dup", 11)
			dup.expect(Event{Type: ConnectionFailed, Reason: ReasonDuplicateID})
			if st := sp.Stats(); st.PeersRefused != 2 {
				t.Errorf("server refused %d, want 2", st.PeersRefused)
			}

			// b leaves: everyone hears of it.
			b.close()
			reason := ReasonNone
			if d == Godot3 {
				reason = 22 // close_connection sends the closer's id
			}
			srv.expect(Event{Type: PeerDisconnected, Peer: 22, Reason: reason})
			a.expect(ev(PeerDisconnected, 22))
			c.expect(ev(PeerDisconnected, 22))

			// The server kicks c.
			if err := sp.DisconnectPeer(33, false); err != nil {
				t.Fatal(err)
			}
			srv.expect(Event{Type: PeerDisconnected, Peer: 33, Reason: ReasonKicked})
			a.expect(ev(PeerDisconnected, 33))
			if d == Godot4 {
				c.expect(Event{Type: PeerDisconnected, Peer: 1, Reason: ReasonKicked})
			}
			c.expect(Event{Type: ServerDisconnected, Reason: ReasonKicked})
			if got := a.p.Peers(); !slices.Equal(got, []int{1}) {
				t.Errorf("a.Peers() = %v", got)
			}

			// Shutdown: Godot's close reason (3.2: the server's id 1).
			srv.close()
			reason = ReasonNone
			if d == Godot3 {
				reason = 1
			} else {
				a.expect(ev(PeerDisconnected, 1))
			}
			a.expect(Event{Type: ServerDisconnected, Reason: reason})
			if a.p.ConnectionStatus() != Disconnected {
				t.Errorf("a status %v", a.p.ConnectionStatus())
			}
			if st := sp.Stats(); st.TotalDropped() != 0 {
				t.Errorf("server dropped %v", st.Drops)
			}
		})
	}
}

// TestENetConfig: the binding's errors and host settings.
func TestENetConfig(t *testing.T) {
	if _, err := NewENetServer("127.0.0.1:0", nil, nil); !errors.Is(err, ErrBadConfig) {
		t.Errorf("nil config: %v", err)
	}
	cfg := &Config{Dialect: Godot3}
	if _, err := NewENetServer("127.0.0.1:0", cfg, &enet.HostConfig{MTU: 10}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, enet.ErrInvalidConfig) {
		t.Errorf("bad MTU: %v", err)
	}
	if _, err := NewENetServer("127.0.0.1:99999", cfg, nil); !errors.Is(err, godoterr.ErrCantCreate) {
		t.Errorf("bad port: %v", err)
	}
	if _, err := NewENetClientID("127.0.0.1:7777", 1, cfg, nil); !errors.Is(err, ErrBadConfig) {
		t.Errorf("client id 1: %v", err)
	}
	if _, err := NewENetClient("no such host name.invalid:1", cfg, nil); err == nil {
		t.Error("bad address accepted")
	}
	sp, err := NewENetServer("127.0.0.1:0", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	port := sp.ENetHost().LocalAddr().(*net.UDPAddr).Port
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	// The socket is released: the port can be bound again.
	sp, err = NewENetServer(fmt.Sprintf("127.0.0.1:%d", port), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	runNode(t, "server", sp) // the server's host must be serviced to accept
	if mp := NewMemNetwork(); mp != nil {
		lt, _ := mp.Listen("x", 0)
		p, _ := NewServer(lt, cfg)
		if p.ENetHost() != nil {
			t.Error("ENetHost of a MemTransport peer")
		}
		p.Close()
	}
	// A client's Link errors carry Godot's codes.
	cp, err := NewENetClient(udpAddr(t, sp), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	cp.SetTargetPeer(1)
	if err := cp.PutPacket([]byte("early")); !errors.Is(err, ErrNotConnected) {
		t.Errorf("put while connecting: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	if e, err := cp.NextEvent(ctx); err != nil || e.Type != PeerConnected {
		t.Fatalf("client: %v %v", e, err)
	}
	l := cp.srv.link
	if err := l.Send(7, []byte("x"), FlagReliable); !errors.Is(err, godoterr.ErrInvalidParameter) || !errors.Is(err, enet.ErrChannel) {
		t.Errorf("bad channel: %v", err)
	}
	l.DisconnectNow(0)
	if err := l.Send(1, []byte("x"), FlagReliable); !errors.Is(err, godoterr.ErrUnconfigured) || !errors.Is(err, enet.ErrNotConnected) {
		t.Errorf("dead link: %v", err)
	}
}
