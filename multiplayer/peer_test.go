package multiplayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	packetpeer "github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/variant"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		// Every goroutine this package's code started must be gone (the
		// test framework's own, such as the fuzzer's signal handler, are
		// not counted).
		deadline := time.Now().Add(2 * time.Second)
		leaked := ourGoroutines()
		for leaked != "" && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			leaked = ourGoroutines()
		}
		if leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutine leak:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// ourGoroutines returns the stacks of goroutines running code of this
// package, other than TestMain's.
func ourGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []byte
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("packetpeer/multiplayer.")) && !bytes.Contains(g, []byte("multiplayer.TestMain")) {
			out = append(append(out, g...), '\n', '\n')
		}
	}
	return string(out)
}

// world is a server and its clients on a MemNetwork, driven by Poll.
type world struct {
	t      *testing.T
	d      Dialect
	net    *MemNetwork
	srv    *Peer
	cfg    func(*Config)
	peers  []*Peer
	events map[*Peer][]Event
}

func newWorld(t *testing.T, d Dialect, cfg func(*Config)) *world {
	t.Helper()
	w := &world{t: t, d: d, net: NewMemNetwork(), cfg: cfg, events: map[*Peer][]Event{}}
	c := &Config{Dialect: d}
	if cfg != nil {
		cfg(c)
	}
	lt, err := w.net.Listen("srv", ConnectChannelCount(d, c.ChannelCount))
	if err != nil {
		t.Fatal(err)
	}
	w.srv, err = NewServer(lt, c)
	if err != nil {
		t.Fatal(err)
	}
	w.peers = append(w.peers, w.srv)
	t.Cleanup(func() {
		for _, p := range w.peers {
			_ = p.Close()
		}
	})
	return w
}

func (w *world) join(id int) *Peer {
	w.t.Helper()
	c := &Config{Dialect: w.d}
	if w.cfg != nil {
		w.cfg(c)
	}
	p, err := NewClient(w.net.Dial("srv", ConnectChannelCount(w.d, c.ChannelCount), uint32(id)), id, c)
	if err != nil {
		w.t.Fatal(err)
	}
	w.peers = append(w.peers, p)
	w.pump()
	return p
}

// pump polls every peer until nothing moves, collecting events.
func (w *world) pump() {
	for range 10 {
		for _, p := range w.peers {
			_ = p.Poll()
			for {
				ev, ok := p.PollEvent()
				if !ok {
					break
				}
				w.events[p] = append(w.events[p], ev)
			}
		}
	}
}

// take returns and forgets the events p raised.
func (w *world) take(p *Peer) []Event {
	ev := w.events[p]
	delete(w.events, p)
	return ev
}

func (w *world) expectEvents(name string, p *Peer, want ...Event) {
	w.t.Helper()
	got := w.take(p)
	if !slices.EqualFunc(got, want, func(a, b Event) bool {
		return a.Type == b.Type && a.Peer == b.Peer && a.Reason == b.Reason && bytes.Equal(a.Data, b.Data)
	}) {
		w.t.Errorf("%s: events %v, want %v", name, got, want)
	}
}

func packets(p *Peer) []Packet {
	var out []Packet
	for {
		pk, err := p.Receive()
		if err != nil {
			return out
		}
		out = append(out, pk)
	}
}

func send(t *testing.T, p *Peer, target int, data string) {
	t.Helper()
	p.SetTargetPeer(target)
	if err := p.PutPacket([]byte(data)); err != nil {
		t.Fatalf("peer %d put to %d: %v", p.UniqueID(), target, err)
	}
}

// expectFrom checks that p received exactly one packet, data from from.
func expectFrom(t *testing.T, name string, p *Peer, from int, data string) Packet {
	t.Helper()
	got := packets(p)
	if len(got) != 1 || got[0].From != from || string(got[0].Data) != data {
		t.Errorf("%s: peer %d got %+v, want %q from %d", name, p.UniqueID(), got, data, from)
		return Packet{}
	}
	return got[0]
}

func expectNothing(t *testing.T, name string, ps ...*Peer) {
	t.Helper()
	for _, p := range ps {
		if got := packets(p); len(got) != 0 {
			t.Errorf("%s: peer %d got %+v, want nothing", name, p.UniqueID(), got)
		}
	}
}

func ev(t EventType, peer int) Event { return Event{Type: t, Peer: peer} }

var dialects = []Dialect{Godot3, Godot4}

// TestRoom: a server and three clients: ids, joins on every side,
// targeted, broadcast and exclude relay with the right sender, leaves.
func TestRoom(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d, nil)
			a := w.join(11)
			b := w.join(22)
			c := w.join(33)
			if w.srv.UniqueID() != 1 || !w.srv.IsServer() || a.UniqueID() != 11 || a.IsServer() {
				t.Fatal("ids")
			}
			for _, p := range []*Peer{w.srv, a, b, c} {
				if p.ConnectionStatus() != Connected {
					t.Fatalf("peer %d status %v", p.UniqueID(), p.ConnectionStatus())
				}
			}
			w.expectEvents("server", w.srv, ev(PeerConnected, 11), ev(PeerConnected, 22), ev(PeerConnected, 33))
			w.expectEvents("a", a, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 22), ev(PeerConnected, 33))
			w.expectEvents("b", b, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 11), ev(PeerConnected, 33))
			w.expectEvents("c", c, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 11), ev(PeerConnected, 22))
			if got := c.Peers(); !slices.Equal(got, []int{1, 11, 22}) {
				t.Errorf("c.Peers() = %v", got)
			}
			if got := w.srv.Peers(); !slices.Equal(got, []int{11, 22, 33}) {
				t.Errorf("server Peers() = %v", got)
			}

			send(t, a, 22, "a to b")
			w.pump()
			expectFrom(t, "targeted", b, 11, "a to b")
			expectNothing(t, "targeted", w.srv, a, c)

			send(t, a, 1, "a to server")
			w.pump()
			expectFrom(t, "to server", w.srv, 11, "a to server")
			expectNothing(t, "to server", a, b, c)

			send(t, a, TargetPeerBroadcast, "a to all")
			w.pump()
			for _, p := range []*Peer{w.srv, b, c} {
				expectFrom(t, "broadcast", p, 11, "a to all")
			}
			expectNothing(t, "broadcast", a)

			send(t, a, -22, "a to all but b")
			w.pump()
			expectFrom(t, "exclude", w.srv, 11, "a to all but b")
			expectFrom(t, "exclude", c, 11, "a to all but b")
			expectNothing(t, "exclude", a, b)

			send(t, a, -1, "a to all but server")
			w.pump()
			expectFrom(t, "exclude server", b, 11, "a to all but server")
			expectFrom(t, "exclude server", c, 11, "a to all but server")
			expectNothing(t, "exclude server", w.srv, a)

			send(t, w.srv, 0, "server to all")
			w.pump()
			for _, p := range []*Peer{a, b, c} {
				expectFrom(t, "server broadcast", p, 1, "server to all")
			}
			send(t, w.srv, 33, "server to c")
			w.pump()
			expectFrom(t, "server targeted", c, 1, "server to c")
			expectNothing(t, "server targeted", a, b)
			send(t, w.srv, -33, "server to all but c")
			w.pump()
			expectFrom(t, "server exclude", a, 1, "server to all but c")
			expectFrom(t, "server exclude", b, 1, "server to all but c")
			expectNothing(t, "server exclude", c)

			// Unknown targets are refused locally.
			w.srv.SetTargetPeer(77)
			if err := w.srv.PutPacket([]byte("x")); !errors.Is(err, ErrUnknownPeer) || !errors.Is(err, godoterr.ErrInvalidParameter) {
				t.Errorf("server to unknown: %v", err)
			}
			a.SetTargetPeer(1)
			if err := a.PutPacket(make([]byte, DefaultMaxPacketSize+1)); !errors.Is(err, ErrPacketTooLarge) {
				t.Errorf("oversize: %v", err)
			}

			// b leaves: everyone hears of it.
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			w.pump()
			reason := ReasonNone
			if d == Godot3 {
				reason = 22 // close_connection sends the closer's id
			}
			w.expectEvents("server after leave", w.srv, Event{Type: PeerDisconnected, Peer: 22, Reason: reason})
			w.expectEvents("a after leave", a, ev(PeerDisconnected, 22))
			w.expectEvents("c after leave", c, ev(PeerDisconnected, 22))
			if got := a.Peers(); !slices.Equal(got, []int{1, 33}) {
				t.Errorf("a.Peers() = %v", got)
			}
			if b.ConnectionStatus() != Disconnected {
				t.Error("closed peer not disconnected")
			}
			if err := b.PutPacket([]byte("x")); !IsClosed(err) {
				t.Errorf("put after close: %v", err)
			}
			if st := w.srv.Stats(); st.PeersJoined != 3 || st.PeersLeft != 1 || st.TotalDropped() != 0 {
				t.Errorf("server stats %+v", st)
			}
		})
	}
}

// TestModesAndChannels: every transfer mode and a custom channel, relayed
// client to client, keep their mode and channel.
func TestModesAndChannels(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d, func(c *Config) { c.ChannelCount = 5 })
			a := w.join(11)
			b := w.join(22)
			type want struct {
				tch, ch int
			}
			cases := map[TransferMode][]want{}
			if d == Godot3 {
				cases[TransferModeReliable] = []want{{-1, 1}, {4, 4}}
				cases[TransferModeUnreliable] = []want{{-1, 2}, {3, 3}}
				cases[TransferModeUnreliableOrdered] = []want{{-1, 2}, {4, 4}}
			} else {
				cases[TransferModeReliable] = []want{{0, 0}, {5, 5}}
				cases[TransferModeUnreliable] = []want{{0, 0}, {3, 3}}
				cases[TransferModeUnreliableOrdered] = []want{{0, 0}, {1, 1}}
			}
			for mode, ws := range cases {
				for _, wc := range ws {
					if err := a.SetTransferMode(mode); err != nil {
						t.Fatal(err)
					}
					if err := a.SetTransferChannel(wc.tch); err != nil {
						t.Fatal(err)
					}
					for _, target := range []int{22, 1} {
						msg := fmt.Sprintf("%v/%d", mode, wc.tch)
						send(t, a, target, msg)
						w.pump()
						dst := b
						if target == 1 {
							dst = w.srv
						}
						if dst.PacketPeer() != 11 || dst.PacketChannel() != wc.ch || dst.PacketMode() != mode {
							t.Errorf("%s to %d: next packet from %d ch %d mode %v", msg, target, dst.PacketPeer(), dst.PacketChannel(), dst.PacketMode())
						}
						pk := expectFrom(t, msg, dst, 11, msg)
						if pk.Channel != wc.ch || pk.Mode != mode {
							t.Errorf("%s to %d: channel %d mode %v, want %d %v", msg, target, pk.Channel, pk.Mode, wc.ch, mode)
						}
					}
				}
			}
			bad := 0
			if d == Godot4 {
				bad = 6
			}
			if err := a.SetTransferChannel(bad); !errors.Is(err, ErrBadChannel) {
				t.Errorf("channel %d: %v", bad, err)
			}
			if err := a.SetTransferMode(5); !errors.Is(err, ErrBadMode) {
				t.Errorf("mode 5: %v", err)
			}
		})
	}
}

func TestRefuseDuplicateInvalidFull(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d, func(c *Config) { c.MaxPeers = 2 })
			a := w.join(11)
			w.take(w.srv)
			w.take(a)

			dup := w.join(11)
			w.expectEvents("duplicate", dup, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), Event{Type: ConnectionFailed, Reason: ReasonDuplicateID})
			if dup.ConnectionStatus() != Disconnected {
				t.Error("duplicate still connected")
			}

			w.srv.SetRefuseNewConnections(true)
			if !w.srv.RefuseNewConnections() {
				t.Fatal("refuse not set")
			}
			r := w.join(12)
			evs := w.take(r)
			if last := evs[len(evs)-1]; last.Type != ConnectionFailed || last.Reason != ReasonRefused {
				t.Errorf("refused: %v", evs)
			}
			w.srv.SetRefuseNewConnections(false)

			// An id Godot resets silently gets a reason here.
			raw := w.net.Dial("srv", 255, 1)
			w.pump()
			if got := rawEvents(raw); len(got) != 2 || got[1].Type != TransportDisconnect || DisconnectReason(got[1].Data) != ReasonInvalidID {
				t.Errorf("invalid id: %+v", got)
			}
			raw.Close()

			w.join(13)
			full := w.join(14)
			evs = w.take(full)
			if last := evs[len(evs)-1]; last.Type != ConnectionFailed || last.Reason != ReasonServerFull {
				t.Errorf("full: %v", evs)
			}
			w.expectEvents("server", w.srv, ev(PeerConnected, 13))
			if st := w.srv.Stats(); st.PeersRefused != 4 {
				t.Errorf("refused count %d", st.PeersRefused)
			}
			// The first client saw none of it but 13's join.
			w.expectEvents("a", a, ev(PeerConnected, 13))
		})
	}
}

func rawEvents(t *MemTransport) []TransportEvent {
	var out []TransportEvent
	for {
		ev, err := t.Service()
		if err != nil || ev.Type == TransportNone {
			return out
		}
		out = append(out, ev)
	}
}

func TestServerShutdown(t *testing.T) {
	for _, d := range dialects {
		for _, reason := range []DisconnectReason{ReasonNone, ReasonShutdown} {
			t.Run(fmt.Sprintf("%v/%v", d, reason), func(t *testing.T) {
				w := newWorld(t, d, func(c *Config) { c.CloseReason = reason })
				a := w.join(11)
				b := w.join(22)
				w.take(a)
				w.take(b)
				send(t, w.srv, 0, "last words")
				if err := w.srv.Close(); err != nil {
					t.Fatal(err)
				}
				if w.srv.ConnectionStatus() != Disconnected {
					t.Error("server status")
				}
				w.pump()
				want := reason
				if want == ReasonNone && d == Godot3 {
					want = 1 // Godot 3.2 sends its own id
				}
				var evs []Event
				if d == Godot4 {
					evs = append(evs, Event{Type: PeerDisconnected, Peer: 1, Reason: want})
				}
				evs = append(evs, Event{Type: ServerDisconnected, Reason: want})
				w.expectEvents("a", a, evs...)
				w.expectEvents("b", b, evs...)
				// Data queued before the shutdown is still readable, then EOF.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				pkt, err := packetpeer.ReadPacket(ctx, a)
				if err != nil || string(pkt) != "last words" {
					t.Errorf("read after shutdown: %q %v", pkt, err)
				}
				if _, err := packetpeer.ReadPacket(ctx, a); !errors.Is(err, io.EOF) {
					t.Errorf("read at end: %v", err)
				}
				if _, err := a.NextEvent(ctx); !errors.Is(err, io.EOF) {
					t.Errorf("NextEvent at end: %v", err)
				}
				if a.ConnectionStatus() != Disconnected {
					t.Error("client status")
				}
				if err := w.srv.Close(); !IsClosed(err) {
					t.Errorf("second close: %v", err)
				}
			})
		}
	}
}

func TestKick(t *testing.T) {
	for _, d := range dialects {
		for _, now := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/now=%v", d, now), func(t *testing.T) {
				w := newWorld(t, d, nil)
				a := w.join(11)
				b := w.join(22)
				w.take(w.srv)
				w.take(a)
				w.take(b)
				if err := w.srv.DisconnectPeer(22, now); err != nil {
					t.Fatal(err)
				}
				w.pump()
				w.expectEvents("server", w.srv, Event{Type: PeerDisconnected, Peer: 22, Reason: ReasonKicked})
				w.expectEvents("a", a, ev(PeerDisconnected, 22))
				var evs []Event
				if d == Godot4 {
					evs = append(evs, Event{Type: PeerDisconnected, Peer: 1, Reason: ReasonKicked})
				}
				w.expectEvents("b", b, append(evs, Event{Type: ServerDisconnected, Reason: ReasonKicked})...)
				if err := w.srv.DisconnectPeer(22, now); !errors.Is(err, ErrUnknownPeer) {
					t.Errorf("kick twice: %v", err)
				}
				if err := a.DisconnectPeer(33, false); !errors.Is(err, ErrServerOnly) {
					t.Errorf("client kicking: %v", err)
				}
			})
		}
	}
}

func TestConnectionFailed(t *testing.T) {
	for _, d := range dialects {
		n := NewMemNetwork()
		p, err := NewClient(n.Dial("nobody", 0, 5), 5, &Config{Dialect: d})
		if err != nil {
			t.Fatal(err)
		}
		if p.ConnectionStatus() != Connecting {
			t.Error("not connecting")
		}
		if err := p.PutPacket([]byte("x")); !errors.Is(err, ErrNotConnected) || !errors.Is(err, godoterr.ErrUnconfigured) {
			t.Errorf("put while connecting: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		e, err := p.NextEvent(ctx)
		cancel()
		if err != nil || e.Type != ConnectionFailed {
			t.Errorf("%v: %v %v", d, e, err)
		}
		_ = p.Close()
	}
}

// TestBadInputGodot3: spoofed sources, system messages from clients and
// short packets are dropped and counted; nothing reaches anyone.
func TestBadInputGodot3(t *testing.T) {
	w := newWorld(t, Godot3, nil)
	a := w.join(11)
	raw := w.net.Dial("srv", 3, 44)
	w.pump()
	rawEvents(raw) // connect, ADD_PEER(11)
	w.take(a)
	w.take(w.srv)
	rl := clientLink(t, raw)
	sendRaw := func(ch uint8, b []byte) {
		t.Helper()
		if err := rl.Send(ch, b, FlagReliable); err != nil {
			t.Fatal(err)
		}
		w.pump()
	}
	sendRaw(1, AppendGodot3Header(nil, Godot3Header{Source: 11, Target: 0})) // spoofs a
	sendRaw(1, append(AppendGodot3Header(nil, Godot3Header{Source: 11, Target: 1}), 'x'))
	sendRaw(0, AppendGodot3SysMessage(nil, Godot3SysMessage{Type: Godot3AddPeer, Peer: 99}))
	sendRaw(2, []byte{44, 0, 0})
	sendRaw(1, unhex(t, "2c000000 00000080 aa")) // target -2^31
	sendRaw(1, append(AppendGodot3Header(nil, Godot3Header{Source: 44, Target: 77}), 'x'))
	expectNothing(t, "bad input", w.srv, a)
	st := w.srv.Stats()
	for r, n := range map[DropReason]uint64{DropSpoofedSource: 2, DropSystemFromClient: 1, DropMalformed: 2, DropUnknownTarget: 1} {
		if st.Dropped(r) != n {
			t.Errorf("%v: %d drops, want %d (%+v)", r, st.Dropped(r), n, st.Drops)
		}
	}
	// The honest packet from the same client still goes through.
	sendRaw(1, append(AppendGodot3Header(nil, Godot3Header{Source: 44, Target: 11}), 'o', 'k'))
	expectFrom(t, "honest", a, 44, "ok")
	w.expectEvents("no events", a)
	raw.Close()
}

func clientLink(t *testing.T, raw *MemTransport) Link {
	t.Helper()
	for l := range raw.links {
		return l
	}
	t.Fatal("no link")
	return nil
}

func TestBadInputGodot4(t *testing.T) {
	w := newWorld(t, Godot4, nil)
	a := w.join(11)
	raw := w.net.Dial("srv", 0, 44)
	w.pump()
	rawEvents(raw)
	w.take(a)
	rl := clientLink(t, raw)
	sendRaw := func(b []byte) {
		t.Helper()
		if err := rl.Send(0, b, FlagReliable); err != nil {
			t.Fatal(err)
		}
		w.pump()
	}
	sendRaw(AppendAddPeer(nil, 99))                            // system from client
	sendRaw(AppendDelPeer(nil, 11))                            // system from client
	sendRaw(AppendRelay(nil, 77, AppendRaw(nil, []byte("x")))) // unknown target
	sendRaw(AppendRelay(nil, 11, AppendAddPeer(nil, 55)))      // nested SYS
	sendRaw([]byte{0x00, 1, 2, 3})                             // RPC: unsupported
	sendRaw([]byte{0x03})                                      // empty RAW
	sendRaw([]byte{0x07, 0x03, 0x0b})                          // short RELAY
	sendRaw([]byte{0x07, 0x09, 0, 0, 0, 0})                    // unknown sys command
	sendRaw(AppendAuthCompleted(nil))                          // auth is off
	sendRaw(AppendRelay(nil, 11, []byte{0x00, 0x01}))          // relayed RPC: forwarded? no: delivered only to 11, who drops it
	expectNothing(t, "bad input", w.srv, a)
	w.expectEvents("a", a)
	st := w.srv.Stats()
	for r, n := range map[DropReason]uint64{DropSystemFromClient: 2, DropUnknownTarget: 1, DropUnsupported: 2, DropMalformed: 3, DropUnauthenticated: 1} {
		if st.Dropped(r) != n {
			t.Errorf("%v: %d drops, want %d (%+v)", r, st.Dropped(r), n, st.Drops)
		}
	}
	if a.Stats().Dropped(DropUnsupported) != 1 {
		t.Errorf("client drops %+v", a.Stats().Drops)
	}
	// Byte-exact relay: what 11 receives for 44's RELAY is 07 03 <44> <inner>.
	sendRaw(AppendRelay(nil, 11, AppendRaw(nil, []byte("ok"))))
	expectFrom(t, "honest relay", a, 44, "ok")
	raw.Close()
}

// TestGodot4WireBytes checks the exact bytes a Go server and client put on
// the transport (spec 05 Part D).
func TestGodot4WireBytes(t *testing.T) {
	n := NewMemNetwork()
	lt, _ := n.Listen("srv", 0)
	srv, err := NewServer(lt, &Config{Dialect: Godot4})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r1 := n.Dial("srv", 0, 42)
	_ = srv.Poll()
	r2 := n.Dial("srv", 0, 7)
	_ = srv.Poll()
	got1, got2 := rawEvents(r1), rawEvents(r2)
	// 42 learns of 7 (ADD_PEER 7), 7 learns of 42 (G8), reliable on channel 0.
	if len(got1) != 2 || !bytes.Equal(got1[1].Packet, unhex(t, "07 01 07000000")) || got1[1].Channel != 0 || got1[1].Flags != FlagReliable {
		t.Errorf("42 got %+v", got1)
	}
	if len(got2) != 2 || !bytes.Equal(got2[1].Packet, unhex(t, "07 01 2a000000")) {
		t.Errorf("7 got %+v", got2)
	}
	// 7 relays 03 aa to 42 (G10); 42 receives 07 03 07000000 03 aa.
	if err := clientLink(t, r2).Send(1, unhex(t, "07 03 2a000000 03 aa"), FlagUnsequenced|FlagUnreliableFragment); err != nil {
		t.Fatal(err)
	}
	_ = srv.Poll()
	got1 = rawEvents(r1)
	if len(got1) != 1 || !bytes.Equal(got1[0].Packet, unhex(t, "07 03 07000000 03 aa")) || got1[0].Channel != 1 || got1[0].Flags != FlagUnsequenced|FlagUnreliableFragment {
		t.Errorf("relayed: %+v", got1)
	}
	// send_bytes from the server: 03 + data (G12).
	srv.SetTargetPeer(42)
	_ = srv.PutPacket([]byte{1, 2})
	if got := rawEvents(r1); len(got) != 1 || !bytes.Equal(got[0].Packet, unhex(t, "03 01 02")) {
		t.Errorf("raw: %+v", got)
	}
	// 7 leaves: 42 gets DEL_PEER 7 (G9 layout).
	clientLink(t, r2).DisconnectNow(0)
	_ = srv.Poll()
	if got := rawEvents(r1); len(got) != 1 || !bytes.Equal(got[0].Packet, unhex(t, "07 02 07000000")) {
		t.Errorf("del: %+v", got)
	}
	r1.Close()
	r2.Close()
}

func TestGodot3WireBytes(t *testing.T) {
	n := NewMemNetwork()
	lt, _ := n.Listen("srv", 3)
	cl := n.Dial("srv", 3, 0x27a05847)
	// A raw server: the Go client's bytes must match what Godot 3.2.3 sent
	// (spec 05 Part F).
	p, err := NewClient(cl, 0x27a05847, &Config{Dialect: Godot3})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_ = p.Poll()
	p.SetTargetPeer(1)
	_ = p.SetTransferMode(TransferModeUnreliable)
	if err := p.PutPacket([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	got := rawEvents(lt)
	if len(got) != 2 || got[1].Channel != 2 || got[1].Flags != FlagUnsequenced || !bytes.Equal(got[1].Packet, unhex(t, "4758a027 01000000 010203")) {
		t.Errorf("godot3 client bytes: %+v", got)
	}
	srvLink := got[0].Link
	// Server announcements are honoured; other message values are not.
	_ = srvLink.Send(0, unhex(t, "00000000 2a000000"), FlagReliable)
	_ = srvLink.Send(0, unhex(t, "05000000 2a000000"), FlagReliable)
	_ = srvLink.Send(1, unhex(t, "2a000000 00000000 aabb"), FlagReliable)
	_ = p.Poll()
	var evs []Event
	for e, ok := p.PollEvent(); ok; e, ok = p.PollEvent() {
		evs = append(evs, e)
	}
	if len(evs) != 3 || evs[2].Type != PeerConnected || evs[2].Peer != 42 {
		t.Errorf("events %v", evs)
	}
	expectFrom(t, "relayed", p, 42, "\xaa\xbb")
	if p.Stats().Dropped(DropMalformed) != 1 {
		t.Errorf("drops %+v", p.Stats().Drops)
	}
	lt.Close()
}

func TestRelayDisabled(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d, func(c *Config) { c.DisableServerRelay = true })
			a := w.join(11)
			b := w.join(22)
			w.expectEvents("a", a, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			w.expectEvents("b", b, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			if d == Godot3 {
				send(t, a, 0, "all")
				w.pump()
				expectNothing(t, "3.2 broadcast without relay", w.srv, b)
				if w.srv.Stats().Dropped(DropRelayDisabled) != 1 {
					t.Error("not counted")
				}
			} else {
				send(t, a, 0, "all") // only the server is a peer
				w.pump()
				expectFrom(t, "4.x broadcast without relay", w.srv, 11, "all")
				a.SetTargetPeer(22)
				if err := a.PutPacket([]byte("x")); !errors.Is(err, ErrUnknownPeer) {
					t.Errorf("to 22 without relay: %v", err)
				}
			}
			send(t, a, 1, "direct")
			w.pump()
			expectFrom(t, "direct", w.srv, 11, "direct")
			expectNothing(t, "direct", b)
		})
	}
}

func TestVarPeer(t *testing.T) {
	for _, d := range dialects {
		w := newWorld(t, d, nil)
		a := w.join(11)
		b := w.join(22)
		f := variant.Godot4
		if d == Godot3 {
			f = variant.Godot3
		}
		a.SetTargetPeer(22)
		if err := packetpeer.NewVarPeer(a, f).PutVar("hi from 11"); err != nil {
			t.Fatal(err)
		}
		w.pump()
		if b.PacketPeer() != 11 {
			t.Errorf("sender %d", b.PacketPeer())
		}
		v, err := packetpeer.NewVarPeer(b, f).GetVar()
		if err != nil {
			t.Fatal(err)
		}
		if v != "hi from 11" {
			t.Errorf("%v: got %#v", d, v)
		}
	}
}

func TestQueueBound(t *testing.T) {
	w := newWorld(t, Godot4, func(c *Config) { c.MaxQueuedPackets = 2 })
	a := w.join(11)
	for i := range 5 {
		send(t, a, 1, fmt.Sprint(i))
	}
	w.pump()
	if got := packets(w.srv); len(got) != 2 || string(got[0].Data) != "0" || string(got[1].Data) != "1" {
		t.Errorf("got %+v", got)
	}
	if w.srv.Stats().Dropped(DropQueueFull) != 3 {
		t.Errorf("drops %+v", w.srv.Stats().Drops)
	}
	if _, err := w.srv.GetPacket(); !errors.Is(err, godoterr.ErrUnavailable) {
		t.Errorf("empty GetPacket: %v", err)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestAuth(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	w := newWorld(t, Godot4, func(c *Config) { c.Auth = true; c.Now = clk.now })
	a := w.join(11)
	w.expectEvents("server", w.srv, ev(PeerAuthenticating, 11))
	w.expectEvents("a", a, ev(PeerAuthenticating, 1))
	if a.ConnectionStatus() != Connecting || !slices.Equal(w.srv.AuthenticatingPeers(), []int{11}) || !slices.Equal(a.AuthenticatingPeers(), []int{1}) {
		t.Fatal("not pending")
	}
	// Data is not accepted while authenticating.
	if err := a.PutPacket([]byte("early")); !errors.Is(err, ErrNotConnected) {
		t.Errorf("early put: %v", err)
	}
	if err := a.SendAuth(1, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	w.pump()
	w.expectEvents("server auth", w.srv, Event{Type: AuthData, Peer: 11, Data: []byte("secret")})
	if err := w.srv.SendAuth(11, []byte("welcome")); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.CompleteAuth(11); err != nil {
		t.Fatal(err)
	}
	w.pump()
	w.expectEvents("server waits", w.srv)
	w.expectEvents("a auth", a, Event{Type: AuthData, Peer: 1, Data: []byte("welcome")})
	if err := a.CompleteAuth(1); err != nil {
		t.Fatal(err)
	}
	w.pump()
	w.expectEvents("server admitted", w.srv, ev(PeerConnected, 11))
	w.expectEvents("a admitted", a, ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
	if err := a.CompleteAuth(1); !errors.Is(err, ErrNotAuthenticating) {
		t.Errorf("complete twice: %v", err)
	}
	send(t, a, 1, "after auth")
	w.pump()
	expectFrom(t, "after auth", w.srv, 11, "after auth")

	// b never completes: it times out on both sides.
	b := w.join(22)
	w.take(w.srv)
	w.take(b)
	w.take(a)
	clk.t = clk.t.Add(DefaultAuthTimeout)
	w.pump()
	w.expectEvents("server timeout", w.srv, Event{Type: PeerAuthenticationFailed, Peer: 22, Reason: ReasonAuthFailed})
	w.expectEvents("b timeout", b, Event{Type: PeerAuthenticationFailed, Peer: 1, Reason: ReasonAuthFailed}, Event{Type: ConnectionFailed, Reason: ReasonAuthFailed})
	w.expectEvents("a saw nothing", a)
}

// TestGoStyle drives peers with NextEvent and ReadPacket from goroutines.
func TestGoStyle(t *testing.T) {
	for _, d := range dialects {
		n := NewMemNetwork()
		lt, _ := n.Listen("srv", 0)
		srv, _ := NewServer(lt, &Config{Dialect: d})
		cl, _ := NewClient(n.Dial("srv", 0, 99), 99, &Config{Dialect: d})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done := make(chan error, 1)
		go func() {
			e, err := srv.NextEvent(ctx)
			if err == nil && (e.Type != PeerConnected || e.Peer != 99) {
				err = fmt.Errorf("server event %v", e)
			}
			if err == nil {
				var pkt []byte
				pkt, err = packetpeer.ReadPacket(ctx, srv)
				if err == nil && string(pkt) != "hello" {
					err = fmt.Errorf("got %q", pkt)
				}
			}
			done <- err
		}()
		for {
			e, err := cl.NextEvent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if e.Type == ConnectionSucceeded {
				break
			}
		}
		cl.SetTargetPeer(1)
		if err := cl.PutPacket([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Errorf("%v: %v", d, err)
		}
		// A blocked NextEvent returns on Close.
		go func() { _, err := srv.NextEvent(ctx); done <- err }()
		time.Sleep(10 * time.Millisecond)
		srv.Close()
		if err := <-done; !IsClosed(err) {
			t.Errorf("NextEvent after close: %v", err)
		}
		cl.Close()
		cancel()
	}
}

func TestConfigErrors(t *testing.T) {
	n := NewMemNetwork()
	for _, c := range []*Config{
		nil,
		{},
		{Dialect: 5},
		{Dialect: Godot3, ChannelCount: 2},
		{Dialect: Godot3, Auth: true},
		{Dialect: Godot4, ChannelCount: 254},
		{Dialect: Godot4, AlwaysOrdered: true},
		{Dialect: Godot4, MaxPeers: -1},
	} {
		if _, err := NewServer(n.Dial("x", 0, 0), c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, id := range []int{0, 1, 1 << 31} {
		if _, err := NewClient(n.Dial("x", 0, 0), id, &Config{Dialect: Godot4}); !errors.Is(err, ErrBadConfig) {
			t.Errorf("id %d: %v", id, err)
		}
	}
}

// TestEmptyPacket: Godot 3.2: an empty PutPacket arrives as an empty
// packet, to the server and relayed to a client (put_packet of an empty
// PoolByteArray sends the 8-byte header alone; get_packet returns 0
// bytes). Godot 4.x: refused, as send_bytes refuses it.
func TestEmptyPacket(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d, nil)
			a := w.join(11)
			b := w.join(22)
			if d == Godot4 {
				a.SetTargetPeer(1)
				if err := a.PutPacket(nil); !errors.Is(err, ErrEmptyPayload) {
					t.Fatalf("empty send_bytes: %v, want ErrEmptyPayload", err)
				}
				return
			}
			for _, target := range []int{1, 22} {
				send(t, a, target, "")
				w.pump()
				dst := b
				if target == 1 {
					dst = w.srv
				}
				expectFrom(t, fmt.Sprintf("empty to %d", target), dst, 11, "")
			}
			if st := w.srv.Stats(); st.TotalDropped() != 0 {
				t.Errorf("server dropped %v", st.Drops)
			}
		})
	}
}
