package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// Bad input at the serve level: a Server over real ENet on loopback, with
// good chat clients of both dialects in the room, receives what a broken
// or hostile client can send. Well-formed ENet carrying bad multiplayer
// payloads comes from a real enet.Host (rawClient); malformed ENet comes
// from plain UDP sockets, or from a rawClient whose socket rewrites its
// own datagrams (tamperConn). Each case checks that the input is dropped
// and counted under its reason (multiplayer Stats, the Handler's
// CountDropped, the ENet host's counters), that nothing of it reaches
// anyone (chat texts of bad input start with "BAD:", and no good client
// may ever see one), and that the good clients go on chatting. The end
// checks /metrics, that memory stayed bounded and that the server shuts
// down cleanly.
//
// Known gaps are logged, not failed on: "NOT COUNTED" (dropped, but no
// counter moves) and "COUNTED TWICE"; each is explained where it is
// checked.

// tamperConn is a UDP socket whose outgoing datagrams can be rewritten:
// when a datagram contains an armed marker, its rule edits a copy.
type tamperConn struct {
	*net.UDPConn
	mu    sync.Mutex
	rules []tamperRule
	hits  int
}

type tamperRule struct {
	marker []byte
	// edit changes b, a copy of the datagram, where the marker starts at
	// at; it returns false if the datagram is not the one meant.
	edit func(b []byte, at int) bool
}

func (c *tamperConn) arm(marker []byte, edit func(b []byte, at int) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rules = append(c.rules, tamperRule{marker, edit})
}

func (c *tamperConn) hitCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

func (c *tamperConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	for _, r := range c.rules {
		if at := bytes.Index(b, r.marker); at >= 0 {
			cp := append([]byte(nil), b...)
			if r.edit(cp, at) {
				c.hits++
				b = cp
				break
			}
		}
	}
	c.mu.Unlock()
	return c.UDPConn.WriteTo(b, addr)
}

// rawClient is a real ENet client (enet.Host) with a chosen connect data
// (the multiplayer id) and channel count, that sends whatever bytes the
// test gives it. A goroutine drives the host with NextEvent.
type rawClient struct {
	t       *testing.T
	id      uint32
	h       *enet.Host
	peer    *enet.Peer
	tc      *tamperConn
	events  chan enet.Event
	packets chan enet.Event // received packets, when capturing (else released)
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

func dialRaw(t *testing.T, addr net.Addr, channels int, id uint32) *rawClient {
	t.Helper()
	return newRawClient(t, addr, channels, id, false)
}

// newRawClient connects; with capture, received packets are kept (up to
// 1024) for readPacket.
func newRawClient(t *testing.T, addr net.Addr, channels int, id uint32, capture bool) *rawClient {
	t.Helper()
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tc := &tamperConn{UDPConn: u}
	h, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 1, PacketConn: tc})
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Connect(addr.String(), channels, id)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &rawClient{t: t, id: id, h: h, peer: p, tc: tc, events: make(chan enet.Event, 64), cancel: cancel, done: make(chan struct{})}
	if capture {
		c.packets = make(chan enet.Event, 1024)
	}
	go func() {
		defer close(c.done)
		for {
			ev, err := h.NextEvent(ctx)
			if err != nil {
				return
			}
			if ev.Type == enet.EventReceive {
				if c.packets != nil {
					select {
					case c.packets <- ev:
					default:
						c.t.Errorf("raw client %d: capture buffer full", id)
					}
					continue
				}
				ev.Release() // the room's traffic: not needed
				continue
			}
			select {
			case c.events <- ev:
			default:
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *rawClient) close() {
	c.once.Do(func() {
		c.peer.DisconnectNow(0)
		_ = c.h.Flush()
		c.cancel()
		<-c.done
		_ = c.h.Close()
		_ = c.tc.Close()
	})
}

// next waits for the next connect or disconnect event.
func (c *rawClient) next() enet.Event {
	c.t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-time.After(netWait):
		c.t.Fatalf("raw client %d: no event within %v", c.id, netWait)
	}
	return enet.Event{}
}

// readPacket returns the next captured packet.
func (c *rawClient) readPacket() enet.Event {
	c.t.Helper()
	select {
	case ev := <-c.packets:
		return ev
	case <-time.After(netWait):
		c.t.Fatalf("raw client %d: no packet within %v", c.id, netWait)
	}
	return enet.Event{}
}

func (c *rawClient) connected() {
	c.t.Helper()
	if ev := c.next(); ev.Type != enet.EventConnect {
		c.t.Fatalf("raw client %d: %v, want connect", c.id, ev.Type)
	}
}

func (c *rawClient) send(ch uint8, data []byte, fl enet.PacketFlag) {
	c.t.Helper()
	if err := c.peer.Send(ch, data, fl); err != nil {
		c.t.Fatalf("raw client %d: send %d bytes on %d: %v", c.id, len(data), ch, err)
	}
}

// reliable sends on the dialect's reliable data channel.
func (c *rawClient) reliable(d Dialect, data []byte) {
	c.t.Helper()
	ch := uint8(multiplayer.Godot4ChannelReliable)
	if d == multiplayer.Godot3 {
		ch = multiplayer.Godot3ChannelReliable
	}
	c.send(ch, data, enet.PacketFlagReliable)
}

// toServer frames payload for the server: 3.2 header (source, 1), or 4.x
// RAW.
func toServer(d Dialect, source uint32, payload []byte) []byte {
	if d == multiplayer.Godot3 {
		return header3(source, 1, payload)
	}
	return multiplayer.AppendRaw(nil, payload)
}

func header3(source uint32, target int32, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, source)
	b = binary.LittleEndian.AppendUint32(b, uint32(target))
	return append(b, payload...)
}

func chatVar(t *testing.T, d Dialect, text string) []byte {
	t.Helper()
	m := variant.NewDictionary(2)
	m.Set("type", "chat")
	m.Set("text", text)
	b, err := variant.Append(nil, m, FormatOf(d))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func varBytes(t *testing.T, d Dialect, v any) []byte {
	t.Helper()
	b, err := variant.Append(nil, v, FormatOf(d))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chatUntil reads c's events until the chat text from from arrives. Any
// chat starting with "BAD:" fails the test, and so does an event bad
// reports.
func chatUntil(t *testing.T, c *ChatClient, from int, text string, bad func(multiplayer.Event) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("client %d waiting for chat %q: %v", c.ID(), text, err)
		}
		if ev.Chat == nil {
			if bad != nil && bad(ev.Event) {
				t.Fatalf("client %d: event %v before chat %q", c.ID(), ev.Event, text)
			}
			continue
		}
		if strings.HasPrefix(ev.Chat.Text, "BAD:") {
			t.Fatalf("client %d received bad input as chat %+v", c.ID(), *ev.Chat)
		}
		if ev.Chat.Text == text {
			if ev.Chat.From != from {
				t.Fatalf("client %d: chat %q from %d, want %d", c.ID(), text, ev.Chat.From, from)
			}
			return
		}
	}
}

// counters is what the test reads from a Server for one dialect.
type counters struct {
	mp      multiplayer.Stats
	handler map[string]uint64
	host    enet.HostStats
	hard    enet.HardeningStats
}

var handlerReasons = []string{DropUndecodable, DropNotChat, DropBadText, DropBadName}

func snapshot(s *Server, d Dialect) counters {
	c := counters{mp: s.Stats(d), handler: map[string]uint64{}}
	for _, r := range handlerReasons {
		c.handler[r] = s.Dropped(d, r)
	}
	h := s.room(d).t.Host()
	c.host, c.hard = h.Stats(), h.HardeningStats()
	return c
}

// drops are expected increments of multiplayer drop counters (by reason)
// and Handler drop counters.
type drops struct {
	mp      map[multiplayer.DropReason]uint64
	handler map[string]uint64
}

// mpDiff and handlerDiff describe how counters moved from base to now
// compared with want; "" when they match.
func mpDiff(base, now multiplayer.Stats, want map[multiplayer.DropReason]uint64) (string, bool) {
	var diff []string
	over := false
	for r := range now.Drops {
		got := now.Drops[r] - base.Drops[r]
		if w := want[multiplayer.DropReason(r)]; got != w {
			diff = append(diff, fmt.Sprintf("%s +%d want +%d", multiplayer.DropReason(r), got, w))
			over = over || got > w
		}
	}
	return strings.Join(diff, ", "), over
}

func handlerDiff(base, now map[string]uint64, want map[string]uint64) (string, bool) {
	var diff []string
	over := false
	for _, r := range handlerReasons {
		got := now[r] - base[r]
		if w := want[r]; got != w {
			diff = append(diff, fmt.Sprintf("%s +%d want +%d", r, got, w))
			over = over || got > w
		}
	}
	return strings.Join(diff, ", "), over
}

// waitDrops waits until the counters of dialect d moved from base by
// exactly want (they are final once a later packet of the same client was
// handled; the wait covers packets on other channels).
func waitDrops(t *testing.T, s *Server, d Dialect, base counters, want drops) counters {
	t.Helper()
	deadline := time.Now().Add(netWait)
	for {
		now := snapshot(s, d)
		md, mover := mpDiff(base.mp, now.mp, want.mp)
		hd, hover := handlerDiff(base.handler, now.handler, want.handler)
		if md == "" && hd == "" {
			return now
		}
		if mover || hover || time.Now().After(deadline) {
			t.Fatalf("%s drops: multiplayer [%s] handler [%s]", d, md, hd)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// badRoom is the test's view of one dialect: two good chat clients.
type badRoom struct {
	d    Dialect
	a, b *ChatClient
}

// roundTrip has a good client say something and every good client of
// both dialects receive it, with no bad input on the way.
func roundTrip(t *testing.T, rooms []badRoom, from *ChatClient, text string) {
	t.Helper()
	if err := from.Say(text); err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		for _, c := range []*ChatClient{r.a, r.b} {
			chatUntil(t, c, from.ID(), text, nil)
		}
	}
}

// metricValue finds a series in a Prometheus text exposition.
func metricValue(text, series string) (float64, bool) {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}

// waitClients waits until the server has admitted n clients (a client
// reports its connection before the server has handled it).
func waitClients(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(netWait)
	for len(s.Clients()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("server has %d clients, want %d", len(s.Clients()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitClient waits until the server has admitted client id.
func waitClient(t *testing.T, s *Server, id int) {
	t.Helper()
	deadline := time.Now().Add(netWait)
	for {
		for _, c := range s.Clients() {
			if c.ID == id {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server has not admitted client %d", id)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestBadInput: every kind of bad input, in both dialects, against one
// server whose good clients keep chatting.
func TestBadInput(t *testing.T) {
	baseline := runtime.NumGoroutine()
	srv, err := New(Config{Godot3Addr: "127.0.0.1:0", Godot4Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	rooms := []badRoom{
		{d: multiplayer.Godot3, a: dial(t, srv, multiplayer.Godot3, ""), b: dial(t, srv, multiplayer.Godot3, "")},
		{d: multiplayer.Godot4, a: dial(t, srv, multiplayer.Godot4, ""), b: dial(t, srv, multiplayer.Godot4, "")},
	}
	waitClients(t, srv, 4)
	roundTrip(t, rooms, rooms[0].a, "hello before")
	heap0 := heapInUse()
	t.Logf("heap in use before: %.1f MiB", float64(heap0)/(1<<20))

	for _, r := range rooms {
		t.Run(r.d.String(), func(t *testing.T) {
			badPayloads(t, srv, rooms, r)
			badJoins(t, srv, rooms, r)
			badENet(t, srv, rooms, r)
			connectFlood(t, srv, rooms, r)
		})
		if t.Failed() {
			return
		}
	}

	roundTrip(t, rooms, rooms[1].b, "hello after")
	heap1 := heapInUse()
	t.Logf("heap in use after: %.1f MiB (%+.1f MiB)", float64(heap1)/(1<<20), (float64(heap1)-float64(heap0))/(1<<20))
	// Bounded: the pending handshakes of the floods hold preallocated
	// slots, and nothing a client sent is kept (2 MiB packets and 100 kB
	// texts were dropped).
	if heap1 > heap0+16<<20 {
		t.Errorf("heap grew from %d to %d bytes", heap0, heap1)
	}

	// /metrics reports the drops by dialect and reason.
	ts := httptest.NewServer(srv.HTTPHandler())
	defer ts.Close()
	_, metrics := get(t, ts.Client(), ts.URL+"/metrics")
	for _, r := range rooms {
		st := srv.Stats(r.d)
		for _, reason := range []multiplayer.DropReason{multiplayer.DropMalformed, multiplayer.DropSystemFromClient, multiplayer.DropUnknownTarget} {
			want := fmt.Sprintf("packetpeer_packets_dropped_total{dialect=%q,reason=%q} %d\n", r.d.String(), reason.String(), st.Dropped(reason))
			if st.Dropped(reason) == 0 || !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		want := fmt.Sprintf("packetpeer_handler_dropped_total{dialect=%q,reason=%q} %d\n", r.d.String(), DropUndecodable, srv.Dropped(r.d, DropUndecodable))
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if !strings.Contains(metrics, `reason="spoofed_source"} `) {
		t.Error("/metrics lacks spoofed_source")
	}
	// The ENet level: malformed datagrams and the CONNECT flood.
	for _, r := range rooms {
		for _, m := range []struct {
			series string
			min    float64
		}{
			{fmt.Sprintf("packetpeer_enet_datagrams_dropped_total{dialect=%q}", r.d.String()), 12},
			{fmt.Sprintf("packetpeer_enet_connects_total{dialect=%q,result=\"refused_pending_address\"}", r.d.String()), 144},
			{fmt.Sprintf("packetpeer_enet_connects_total{dialect=%q,result=\"accepted\"}", r.d.String()), 256},
		} {
			if v, ok := metricValue(metrics, m.series); !ok || v < m.min {
				t.Errorf("/metrics: %s = %v (found %v), want at least %v", m.series, v, ok, m.min)
			}
		}
	}
	ts.Client().CloseIdleConnections()
	ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		r.a.Close()
		r.b.Close()
	}
	deadline := time.Now().Add(netWait)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}

// badPayloads: well-formed ENet from an admitted client carrying bad
// multiplayer packets and bad chat messages.
func badPayloads(t *testing.T, srv *Server, rooms []badRoom, r badRoom) {
	d := r.d
	channels := multiplayer.ConnectChannelCount(d, 0)
	bid := uint32(multiplayer.GenerateUniqueID())
	b := dialRaw(t, srv.Addr(d), channels, bid)
	b.connected()
	aid := uint32(r.a.ID())
	// The room knows b once a chat from it is relayed.
	marker := 0
	mark := func(bad func(multiplayer.Event) bool) {
		t.Helper()
		marker++
		text := fmt.Sprintf("%s marker %d", d, marker)
		b.reliable(d, toServer(d, bid, chatVar(t, d, text)))
		for _, rr := range rooms {
			for _, c := range []*ChatClient{rr.a, rr.b} {
				chatUntil(t, c, int(bid), text, bad)
			}
		}
	}
	mark(nil)
	anyLeave := func(ev multiplayer.Event) bool { return ev.Type == multiplayer.PeerDisconnected }
	R := enet.PacketFlagReliable
	M := multiplayer.DropMalformed

	type badCase struct {
		name string
		send func()
		want drops
		bad  func(multiplayer.Event) bool
		// gap: the case is known not to be counted; the test logs
		// NOT COUNTED instead of failing when the counters stay put.
		gap string
		// relayed: copies the server relays (Godot's rules allow them).
		relayed uint64
	}
	var cases []badCase
	bigText := "BAD:" + strings.Repeat("x", 100_000)
	junk := bytes.Repeat([]byte{0xff}, 2<<20)
	// Variants that claim huge sizes in a few bytes.
	arrayType := uint32(19) // Godot 3 ARRAY
	if d == multiplayer.Godot4 {
		arrayType = 28
	}
	stringBomb := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 4), 0x7ffffff0)
	stringBomb = append(stringBomb, "BAD:"...)
	arrayBomb := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, arrayType), 0x7fffffff)
	handler := func(n uint64, reason string) drops { return drops{handler: map[string]uint64{reason: n}} }
	// A chat that claims to come from a (as the server's would), sent to
	// a through the relay: the server relays it, as Godot's does, with
	// b's id as the sender, and a's client ignores it.
	forged := variant.NewDictionary(3)
	forged.Set("type", "chat")
	forged.Set("from", int64(aid))
	forged.Set("text", "BAD: forged by a client")
	forgedVar := varBytes(t, d, forged)
	common := []badCase{
		{name: "not a variant", send: func() { b.reliable(d, toServer(d, bid, []byte{0xff, 0xff, 0xff, 0xff})) }, want: handler(1, DropUndecodable)},
		{name: "not a chat", send: func() {
			b.reliable(d, toServer(d, bid, varBytes(t, d, int64(5))))
			b.reliable(d, toServer(d, bid, varBytes(t, d, "BAD: a string")))
		}, want: handler(2, DropNotChat)},
		{name: "oversize chat text", send: func() { b.reliable(d, toServer(d, bid, chatVar(t, d, bigText))) }, want: handler(1, DropBadText)},
		{name: "oversize junk 2 MiB", send: func() { b.reliable(d, toServer(d, bid, junk)) }, want: handler(1, DropUndecodable)},
		{name: "variant size bombs", send: func() {
			b.reliable(d, toServer(d, bid, stringBomb))
			b.reliable(d, toServer(d, bid, arrayBomb))
		}, want: handler(2, DropUndecodable)},
	}
	if d == multiplayer.Godot3 {
		cases = []badCase{
			{name: "short packets", send: func() {
				b.send(1, nil, R)
				b.send(1, []byte{1, 2, 3, 4, 5}, R)
				b.send(2, []byte{1, 2, 3, 4, 5, 6, 7}, R)
			}, want: drops{mp: map[multiplayer.DropReason]uint64{M: 3}}},
			{name: "header without payload", send: func() { b.send(1, header3(bid, 1, nil), R) },
				want: drops{mp: map[multiplayer.DropReason]uint64{M: 1}},
				gap:  "an 8-byte header with no payload addressed to the server is ignored without a count"},
			{name: "spoofed sources", send: func() {
				for _, src := range []uint32{aid, 1} {
					b.reliable(d, header3(src, 1, chatVar(t, d, "BAD: spoofed")))
				}
				b.reliable(d, header3(aid, 0, chatVar(t, d, "BAD: spoofed broadcast")))
				for _, src := range []uint32{0, 0xffffffff, 0x80000000} {
					b.reliable(d, header3(src, 1, chatVar(t, d, "BAD: source out of range")))
				}
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropSpoofedSource: 3, M: 3}}},
			{name: "system messages from a client", send: func() {
				for _, m := range [][]byte{
					multiplayer.AppendGodot3SysMessage(nil, multiplayer.Godot3SysMessage{Type: multiplayer.Godot3RemovePeer, Peer: int32(aid)}),
					multiplayer.AppendGodot3SysMessage(nil, multiplayer.Godot3SysMessage{Type: multiplayer.Godot3AddPeer, Peer: 12345}),
					{1, 2, 3},
					header3(bid, 1, chatVar(t, d, "BAD: on the config channel")),
				} {
					b.send(multiplayer.Godot3ChannelConfig, m, R)
				}
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropSystemFromClient: 4}}, bad: anyLeave},
			{name: "forged chat relayed to a client", send: func() { b.reliable(d, header3(bid, int32(aid), forgedVar)) }, relayed: 1},
			{name: "unknown targets", send: func() {
				b.reliable(d, header3(bid, 12345, chatVar(t, d, "BAD: to nobody")))
				b.reliable(d, header3(bid, math.MaxInt32, chatVar(t, d, "BAD: to nobody")))
				b.reliable(d, header3(bid, math.MinInt32, chatVar(t, d, "BAD: target -2^31")))
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropUnknownTarget: 2, M: 1}}},
		}
	} else {
		raw := func(p []byte) { b.reliable(d, p) }
		relay := func(target int32, inner []byte) []byte { return multiplayer.AppendRelay(nil, target, inner) }
		innerChat := multiplayer.AppendRaw(nil, chatVar(t, d, "BAD: relayed"))
		cases = []badCase{
			{name: "short packets", send: func() {
				raw(nil)
				raw([]byte{0x03})
				raw([]byte{0x07})
				raw([]byte{0x07, 0x03, 0x01, 0x00})
				raw([]byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00}) // RELAY without inner packet
				raw(append(multiplayer.AppendAddPeer(nil, 12345), 0))
				raw([]byte{0x07, 0x09, 0, 0, 0, 0})
			}, want: drops{mp: map[multiplayer.DropReason]uint64{M: 7}}},
			{name: "system messages from a client", send: func() {
				raw(multiplayer.AppendDelPeer(nil, int32(aid)))
				raw(multiplayer.AppendAddPeer(nil, 12345))
				b.send(5, multiplayer.AppendAddPeer(nil, 23456), R) // on a custom channel
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropSystemFromClient: 3}}, bad: anyLeave},
			{name: "auth without authentication", send: func() {
				raw(multiplayer.AppendAuth(nil, []byte("BAD:")))
				raw(multiplayer.AppendAuthCompleted(nil))
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropUnauthenticated: 2}}},
			{name: "spoofed sources", send: func() {
				// 4.x has no source field: the server re-wraps a RELAY with
				// the real sender. A RELAY nesting another (to pose as a
				// third peer) is refused.
				raw(relay(int32(aid), relay(12345, innerChat)))
				raw(relay(0, relay(int32(aid), innerChat)))
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropUnsupported: 2}}},
			{name: "forged chat relayed to a client", send: func() { raw(relay(int32(aid), multiplayer.AppendRaw(nil, forgedVar))) }, relayed: 1},
			{name: "unknown targets", send: func() {
				raw(relay(12345, innerChat))
				raw(relay(1, innerChat))
				raw(relay(int32(bid), innerChat))
				raw(relay(math.MaxInt32, innerChat))
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropUnknownTarget: 4}}},
			{name: "scene commands", send: func() {
				for _, c := range []byte{0x00, 0x01, 0x02, 0x04, 0x05, 0x06} {
					raw([]byte{c, 'B', 'A', 'D'})
				}
			}, want: drops{mp: map[multiplayer.DropReason]uint64{multiplayer.DropUnsupported: 6}}},
		}
	}
	cases = append(cases, common...)
	for _, c := range cases {
		base := snapshot(srv, d)
		c.send()
		mark(c.bad)
		if c.gap != "" {
			now := snapshot(srv, d)
			if md, _ := mpDiff(base.mp, now.mp, c.want.mp); md != "" {
				t.Logf("NOT COUNTED: %s %s: %s (%s)", d, c.name, c.gap, md)
				continue
			}
		}
		now := waitDrops(t, srv, d, base, c.want)
		if got := now.mp.PacketsRelayed - base.mp.PacketsRelayed; got != c.relayed {
			t.Errorf("%s %s: relayed %d, want %d", d, c.name, got, c.relayed)
		}
		t.Logf("%s %s: counted", d, c.name)
	}
	roundTrip(t, rooms, r.b, fmt.Sprintf("%s payloads done", d))
	if got := srv.Stats(d).Dropped(multiplayer.DropQueueFull); got != 0 {
		t.Errorf("queue_full drops: %d", got)
	}
}

// badJoins: connections with ids the server must refuse (a duplicate of
// a connected client's, 0, 1, ≥ 2³¹); the client they copy is unaffected.
func badJoins(t *testing.T, srv *Server, rooms []badRoom, r badRoom) {
	d := r.d
	channels := multiplayer.ConnectChannelCount(d, 0)
	for _, c := range []struct {
		id     uint32
		reason multiplayer.DisconnectReason
	}{
		{uint32(r.a.ID()), multiplayer.ReasonDuplicateID},
		{0, multiplayer.ReasonInvalidID},
		{1, multiplayer.ReasonInvalidID},
		{0x80000000, multiplayer.ReasonInvalidID},
		{0xffffffff, multiplayer.ReasonInvalidID},
	} {
		base := snapshot(srv, d)
		rc := dialRaw(t, srv.Addr(d), channels, c.id)
		// The server refuses during the ENet handshake (a DISCONNECT
		// with the reason answers the CONNECT), or, without that, after
		// it: then whatever the client sends first reaches nobody.
		ev := rc.next()
		if ev.Type == enet.EventConnect {
			// (Send fails once the disconnect arrived: not an error here.)
			_ = rc.peer.Send(uint8(multiplayer.Godot3ChannelReliable), toServer(d, c.id, chatVar(t, d, "BAD: refused client")), enet.PacketFlagReliable)
			ev = rc.next()
		}
		if ev.Type != enet.EventDisconnect || multiplayer.DisconnectReason(ev.Data) != c.reason {
			t.Fatalf("%s join with id %#x: %v data %#x, want disconnect %v", d, c.id, ev.Type, ev.Data, c.reason)
		}
		now := snapshot(srv, d)
		if now.mp.PeersRefused <= base.mp.PeersRefused || now.mp.PeersJoined != base.mp.PeersJoined {
			t.Fatalf("%s join with id %#x: refused %d→%d, joined %d→%d", d, c.id,
				base.mp.PeersRefused, now.mp.PeersRefused, base.mp.PeersJoined, now.mp.PeersJoined)
		}
		if n := now.mp.PeersRefused - base.mp.PeersRefused; n > 1 {
			// The connect filter counts each CONNECT it refuses; when
			// the refusal itself is rate-limited (ENet: 4 per source
			// address, then one per 250 ms), the client's retransmitted
			// CONNECT is refused and counted again.
			t.Logf("COUNTED TWICE: %s join with id %#x: one client refused, peers_refused +%d", d, c.id, n)
		}
		rc.close()
		// A packet that arrived before the disconnect took effect would
		// be counted as unknown_sender; nothing else may move.
		md, _ := mpDiff(base.mp, now.mp, map[multiplayer.DropReason]uint64{multiplayer.DropUnknownSender: now.mp.Dropped(multiplayer.DropUnknownSender) - base.mp.Dropped(multiplayer.DropUnknownSender)})
		if md != "" {
			t.Errorf("%s join with id %#x: drops %s", d, c.id, md)
		}
		t.Logf("%s join with id %#x: refused (%v), unknown_sender +%d", d, c.id, c.reason,
			now.mp.Dropped(multiplayer.DropUnknownSender)-base.mp.Dropped(multiplayer.DropUnknownSender))
	}
	roundTrip(t, rooms, r.a, fmt.Sprintf("%s joins done", d))
}

// badENet: malformed ENet from plain UDP sockets, and commands a real
// client's socket rewrites (a channel beyond the negotiated count, a
// fragment claiming more than the packet limit).
func badENet(t *testing.T, srv *Server, rooms []badRoom, r badRoom) {
	d := r.d
	addr := srv.Addr(d).(*net.UDPAddr)
	u, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	connect := func(channels uint32) []byte {
		b := []byte{0x8f, 0xff, 0, 1, 0x82, 0xff, 0, 1, 0x0f, 0xff, 0xff, 0xff}
		for _, v := range []uint32{1400, 65536, channels, 0, 0, 5000, 2, 2, rand.Uint32(), 7} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return b
	}
	datagrams := [][]byte{
		{0x00},
		{0x00, 0x00, 0x00},
		{0x80, 0x00},                           // SENT_TIME without the time
		{0x8f, 0xff, 0, 1, 0x86, 0x01, 0, 1},   // data without a peer
		{0x80, 0x05, 0, 1, 0x85, 0xff, 0, 1},   // ping as peer 5, not ours
		{0x0f, 0xfe, 0x86, 0x01, 0, 1, 0, 200}, // peer 4094: no such slot
		connect(0),                             // CONNECT with 0 channels
		connect(256),                           // CONNECT with 256 channels
		connect(3)[:40],                        // truncated CONNECT
		bytes.Repeat([]byte{0xab}, 4097),       // longer than ENet's 4096
		make([]byte, 9000),
		make([]byte, 65507),
	}
	base := snapshot(srv, d)
	for _, b := range datagrams {
		if _, err := u.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip(t, rooms, r.a, fmt.Sprintf("%s junk sent", d))
	// Counted by the ENet host: wait for all of them (datagrams from one
	// socket arrive in order, but the round trip used other sockets).
	deadline := time.Now().Add(netWait)
	var now counters
	for {
		now = snapshot(srv, d)
		if now.host.DroppedDatagrams-base.host.DroppedDatagrams >= uint64(len(datagrams)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := now.host.DroppedDatagrams - base.host.DroppedDatagrams; got != uint64(len(datagrams)) {
		t.Errorf("%s malformed datagrams: %d counted as dropped, want %d", d, got, len(datagrams))
	}
	t.Logf("%s %d malformed datagrams counted as dropped (%d of them as invalid CONNECTs)", d, len(datagrams),
		now.hard.ConnectsInvalid-base.hard.ConnectsInvalid)
	if md, _ := mpDiff(base.mp, now.mp, nil); md != "" || now.mp.PeersJoined != base.mp.PeersJoined {
		t.Errorf("%s: malformed ENet reached the multiplayer layer: %s", d, md)
	}

	// A real client with 3 channels whose socket rewrites two of its
	// commands: an unsequenced packet moved to channel 9 (beyond the
	// negotiated 3), and the first fragment of an unreliable-fragment
	// packet claiming 1 GiB (the server's limit is 32 MiB).
	bid := uint32(multiplayer.GenerateUniqueID())
	b := dialRaw(t, srv.Addr(d), 3, bid)
	b.connected()
	// The markers follow the dialect's framing (3.2 header, 4.x RAW byte)
	// at the start of the ENet packet.
	prefix := len(toServer(d, bid, nil))
	chMarker := []byte("BAD:channel-9")
	b.tc.arm(chMarker, func(p []byte, at int) bool {
		cmd := at - prefix - 8 // SEND_UNSEQUENCED: 8 bytes before the data
		if cmd < 2 || p[cmd]&0x0f != 9 {
			return false
		}
		p[cmd+1] = 9
		return true
	})
	fragMarker := []byte("BAD:fragment-1GiB")
	b.tc.arm(fragMarker, func(p []byte, at int) bool {
		cmd := at - prefix - 24 // SEND_UNRELIABLE_FRAGMENT: 24 bytes before the data
		if cmd < 2 || p[cmd]&0x0f != 12 {
			return false
		}
		binary.BigEndian.PutUint32(p[cmd+16:], 1<<30)
		return true
	})
	base = snapshot(srv, d)
	b.send(1, toServer(d, bid, append(chMarker, chatVar(t, d, "BAD:")...)), enet.PacketFlagUnsequenced)
	frag := append(append([]byte(nil), fragMarker...), bytes.Repeat([]byte{'x'}, 3000)...)
	b.send(1, toServer(d, bid, frag), enet.PacketFlagUnsequenced|enet.PacketFlagUnreliableFragment)
	b.reliable(d, toServer(d, bid, chatVar(t, d, fmt.Sprintf("%s after tampering", d))))
	for _, rr := range rooms {
		for _, c := range []*ChatClient{rr.a, rr.b} {
			chatUntil(t, c, int(bid), fmt.Sprintf("%s after tampering", d), nil)
		}
	}
	now = snapshot(srv, d)
	if hits := b.tc.hitCount(); hits != 2 {
		// Unsequenced packets are subject to ENet's packet throttle.
		t.Logf("%s: %d datagrams rewritten, want 2 (throttled?)", d, hits)
	}
	if md, _ := mpDiff(base.mp, now.mp, nil); md != "" {
		t.Errorf("%s: rewritten commands reached the multiplayer layer: %s", d, md)
	}
	if got := now.host.DroppedDatagrams - base.host.DroppedDatagrams; got < 2 {
		t.Logf("NOT COUNTED: %s: a command on channel 9 of 3 and a 1 GiB fragment were dropped by ENet, DroppedDatagrams +%d", d, got)
	}
	b.close()
	roundTrip(t, rooms, r.b, fmt.Sprintf("%s enet done", d))
}

// connectFlood: CONNECTs from many ports of another loopback address,
// never completed. The host bounds the handshakes pending per address;
// clients from 127.0.0.1 still join and chat.
func connectFlood(t *testing.T, srv *Server, rooms []badRoom, r badRoom) {
	d := r.d
	const n = 400
	addr := srv.Addr(d).(*net.UDPAddr)
	base := snapshot(srv, d)
	heap0 := heapInUse()
	socks := make([]*net.UDPConn, 0, n)
	defer func() {
		for _, s := range socks {
			s.Close()
		}
	}()
	for i := range n {
		s, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
		if err != nil {
			t.Skipf("cannot bind 127.0.0.2 for the flood: %v", err)
		}
		socks = append(socks, s)
		b := []byte{0x8f, 0xff, 0, 1, 0x82, 0xff, 0, 1, 0x00, 0x00, 0xff, 0xff}
		for _, v := range []uint32{1400, 65536, 255, 0, 0, 5000, 2, 2, rand.Uint32(), uint32(1000 + i)} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		if _, err := s.WriteToUDP(b, addr); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(netWait)
	var now counters
	for {
		now = snapshot(srv, d)
		h := now.hard
		seen := h.ConnectsAccepted + h.RefusedPendingAddress + h.RefusedPending + h.RefusedFull + h.RefusedDuplicatePeers -
			(base.hard.ConnectsAccepted + base.hard.RefusedPendingAddress + base.hard.RefusedPending + base.hard.RefusedFull + base.hard.RefusedDuplicatePeers)
		if seen >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	acc := now.hard.ConnectsAccepted - base.hard.ConnectsAccepted
	ref := now.hard.RefusedPendingAddress - base.hard.RefusedPendingAddress
	t.Logf("%s CONNECT flood of %d from 127.0.0.2: %d pending, %d refused (per-address limit), %d refused (host limit), heap %+.1f MiB",
		d, n, acc, ref, now.hard.RefusedPending-base.hard.RefusedPending, (float64(heapInUse())-float64(heap0))/(1<<20))
	if acc+ref != n || acc > 256 {
		t.Errorf("%s flood: %d accepted + %d refused per address, want %d with at most 256 pending", d, acc, ref, n)
	}
	if now.mp.PeersJoined != base.mp.PeersJoined || now.mp.PeersRefused != base.mp.PeersRefused {
		t.Errorf("%s flood reached the multiplayer layer: joined +%d refused +%d", d,
			now.mp.PeersJoined-base.mp.PeersJoined, now.mp.PeersRefused-base.mp.PeersRefused)
	}
	// A new client from 127.0.0.1 joins and chats during the flood.
	c := dial(t, srv, d, "")
	waitClient(t, srv, c.ID())
	roundTrip(t, rooms, c, fmt.Sprintf("%s joined during the flood", d))
	c.Close()
}
