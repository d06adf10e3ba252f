package enet_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/internal/netsim"
)

// Impairment proof (issue 4): 10% loss, 50 ms ± 20 ms, 2% duplication, 5%
// reordering in each direction. Reliable data must arrive complete and in
// order, sequenced unreliable data never out of order, and the connection
// must survive. The only time limits are generous deadlines for failure;
// nothing asserts on timing.

func impairment(seed int64) netsim.Impairment {
	return netsim.Impairment{Loss: 0.10, Latency: 50 * time.Millisecond, Jitter: 20 * time.Millisecond,
		Duplicate: 0.02, Reorder: 0.05, Seed: seed}
}

// impairDeadline bounds a run; it is reached only on failure.
const impairDeadline = 90 * time.Second

// impairWorkload is 500 reliable packets (1 byte to 4000, the larger ones
// fragmented at MTU 1400) and 500 sequenced unreliable ones (10..309
// bytes), interleaved on channels 0..3. Seeds start at base+1.
func impairWorkload(base int) []msg {
	sizes := []int{1, 64, 200, 1000, 1371, 1500, 4000}
	var m []msg
	for i := 0; i < 1000; i++ {
		ch := uint8((i / 2) % 4)
		if i%2 == 0 {
			m = append(m, msg{ch, enet.PacketFlagReliable, sizes[(i/2)%len(sizes)], base + i + 1})
		} else {
			m = append(m, msg{ch, 0, 10 + (i/2)%300, base + i + 1})
		}
	}
	return m
}

// impairCheck verifies what arrived of sent: reliable complete and in
// order per channel, unreliable in increasing order per channel, no
// duplicates, and at least one unreliable packet per channel.
func impairCheck(t *testing.T, who string, sent, got []msg) {
	t.Helper()
	for ch := uint8(0); ch < 4; ch++ {
		var rel []msg
		for _, s := range sent {
			if s.ch == ch && s.flags&enet.PacketFlagReliable != 0 {
				rel = append(rel, s)
			}
		}
		i, last, unrel := 0, -1, 0
		for _, g := range got {
			if g.ch != ch {
				continue
			}
			if g.seed < 0 {
				t.Fatalf("%s: channel %d: unknown payload of %d bytes", who, ch, g.size)
			}
			if g.flags&enet.PacketFlagReliable != 0 {
				if i >= len(rel) || g.seed != rel[i].seed {
					t.Fatalf("%s: channel %d reliable #%d: got seed %d", who, ch, i, g.seed)
				}
				i++
			} else {
				if g.seed <= last {
					t.Fatalf("%s: channel %d: unreliable seed %d after %d", who, ch, g.seed, last)
				}
				last = g.seed
				unrel++
			}
		}
		if i != len(rel) {
			t.Fatalf("%s: channel %d: %d of %d reliable packets", who, ch, i, len(rel))
		}
		if unrel == 0 {
			t.Fatalf("%s: channel %d: no unreliable packet arrived", who, ch)
		}
		t.Logf("%s: channel %d: %d reliable, %d/125 unreliable", who, ch, i, unrel)
	}
}

func wantReliable(sent []msg) int {
	n := 0
	for _, s := range sent {
		if s.flags&enet.PacketFlagReliable != 0 {
			n++
		}
	}
	return n
}

// serviced runs h's Service loop in a goroutine and collects its events.
type serviced struct {
	h       *enet.Host
	mu      sync.Mutex
	events  []enet.Event
	stop    chan struct{}
	done    chan struct{}
	changed chan struct{}
}

func service(h *enet.Host) *serviced {
	s := &serviced{h: h, stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}, 1)}
	go func() {
		defer close(s.done)
		for {
			select {
			case <-s.stop:
				return
			default:
			}
			ev, err := h.Service(5 * time.Millisecond)
			if err != nil {
				return
			}
			if ev.Type == enet.EventNone {
				continue
			}
			if ev.Packet != nil {
				ev.Packet = append([]byte(nil), ev.Packet...)
			}
			s.mu.Lock()
			s.events = append(s.events, ev)
			s.mu.Unlock()
			select {
			case s.changed <- struct{}{}:
			default:
			}
		}
	}()
	return s
}

func (s *serviced) close() {
	close(s.stop)
	<-s.done
}

// wait blocks until cond holds for the events so far.
func (s *serviced) wait(t *testing.T, what string, deadline time.Time, cond func(evs []enet.Event) bool) {
	t.Helper()
	for {
		s.mu.Lock()
		ok := cond(s.events)
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-s.changed:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("%s: not done by the deadline; host stats %+v", what, s.h.Stats())
		}
	}
}

func (s *serviced) snapshot() []enet.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]enet.Event(nil), s.events...)
}

func noDisconnect(t *testing.T, who string, evs []enet.Event) {
	t.Helper()
	for _, ev := range evs {
		if ev.Type == enet.EventDisconnect {
			t.Fatalf("%s: the connection was lost", who)
		}
	}
}

func received(sent []msg, evs []enet.Event) (got []msg, rel int) {
	for _, ev := range evs {
		if ev.Type != enet.EventReceive {
			continue
		}
		g := identify(sent, ev.ChannelID, ev.Packet, ev.Flags)
		got = append(got, g)
		if ev.Flags&enet.PacketFlagReliable != 0 {
			rel++
		}
	}
	return got, rel
}

// sendPaced sends the workload in bursts of 10 with a short pause, as an
// application sending every frame would.
func sendPaced(t *testing.T, p *enet.Peer, sent []msg) {
	t.Helper()
	for i, s := range sent {
		if err := p.Send(s.ch, pattern(s.seed, s.size), s.flags); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Go with Go: the server's socket is wrapped in netsim.PacketConn, so both
// directions are impaired; each side sends the workload to the other.
func TestImpairGoGo(t *testing.T) {
	start := time.Now()
	deadline := start.Add(impairDeadline)
	inner, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := netsim.NewPacketConn(inner, impairment(11), impairment(12))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	defer conn.Close()
	srv, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 4, PacketConn: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ss, cs := service(srv), service(cli)
	defer ss.close()
	defer cs.close()

	cp, err := cli.Connect(inner.LocalAddr().String(), 4, 42)
	if err != nil {
		t.Fatal(err)
	}
	isConnect := func(evs []enet.Event) bool { return len(evs) > 0 && evs[0].Type == enet.EventConnect }
	cs.wait(t, "client connect", deadline, isConnect)
	ss.wait(t, "server connect", deadline, isConnect)
	sp := ss.snapshot()[0].Peer

	up, down := impairWorkload(0), impairWorkload(10000)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sendPaced(t, sp, down) }()
	sendPaced(t, cp, up)
	wg.Wait()
	for _, x := range []struct {
		s    *serviced
		sent []msg
		who  string
	}{{ss, up, "client→server"}, {cs, down, "server→client"}} {
		x.s.wait(t, x.who, deadline, func(evs []enet.Event) bool {
			_, rel := received(x.sent, evs)
			return rel == wantReliable(x.sent)
		})
	}
	// Stragglers (late duplicates, held packets) must not break the order.
	time.Sleep(300 * time.Millisecond)
	for _, x := range []struct {
		s    *serviced
		sent []msg
		who  string
	}{{ss, up, "client→server"}, {cs, down, "server→client"}} {
		evs := x.s.snapshot()
		noDisconnect(t, x.who, evs)
		got, _ := received(x.sent, evs)
		impairCheck(t, x.who, x.sent, got)
	}
	if cp.State().String() != "connected" {
		t.Fatalf("client peer %v", cp.State())
	}
	out, in := conn.Stats()
	t.Logf("%v; server→client %+v; client→server %+v", time.Since(start), out, in)
	t.Logf("client peer %+v; server peer %+v", cp.Stats(), sp.Stats())
}

// cImpair drives a libenet peer through a proxy: the Go host sends the
// workload to the C peer and the C peer sends one back; both must arrive
// complete and in order.
func cImpair(t *testing.T, h *enet.Host, s *serviced, c *cpeer, gp *enet.Peer, cid string, deadline time.Time) {
	t.Helper()
	toC, toGo := impairWorkload(0), impairWorkload(20000)
	byFNV := map[string]msg{}
	for _, m := range toC {
		byFNV[strconv.Itoa(int(m.ch))+" "+strconv.Itoa(m.size)+" "+fnvHex(pattern(m.seed, m.size))] = m
	}
	for i, m := range toGo {
		c.send("send %s %d %d %d %d", cid, m.ch, m.flags, m.size, m.seed)
		if i%10 == 9 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	sendPaced(t, gp, toC)
	// Read libenet's reports until all reliable packets arrived.
	var gotC []msg
	rel := 0
	for rel < wantReliable(toC) {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatal("libenet helper exited")
			}
			f := strings.Fields(l)
			if len(f) > 0 && f[0] == "disconnect" {
				t.Fatalf("libenet lost the connection: %q", l)
			}
			if len(f) != 6 || f[0] != "recv" {
				continue
			}
			m, ok := byFNV[f[2]+" "+f[4]+" "+f[5]]
			if !ok {
				t.Fatalf("libenet received an unknown payload: %q", l)
			}
			fl, _ := strconv.Atoi(f[3])
			m.flags = enet.PacketFlag(fl)
			if m.flags&enet.PacketFlagReliable != 0 {
				rel++
			}
			gotC = append(gotC, m)
		case <-time.After(time.Until(deadline)):
			t.Fatalf("Go→libenet: %d of %d reliable packets by the deadline; host stats %+v", rel, wantReliable(toC), h.Stats())
		}
	}
	s.wait(t, "libenet→Go", deadline, func(evs []enet.Event) bool {
		_, n := received(toGo, evs)
		return n == wantReliable(toGo)
	})
	time.Sleep(300 * time.Millisecond)
	for drained := false; !drained; {
		select {
		case l := <-c.lines:
			f := strings.Fields(l)
			if len(f) > 0 && f[0] == "disconnect" {
				t.Fatalf("libenet lost the connection: %q", l)
			}
			if len(f) == 6 && f[0] == "recv" {
				if m, ok := byFNV[f[2]+" "+f[4]+" "+f[5]]; ok {
					fl, _ := strconv.Atoi(f[3])
					m.flags = enet.PacketFlag(fl)
					gotC = append(gotC, m)
				}
			}
		default:
			drained = true
		}
	}
	impairCheck(t, "Go→libenet", toC, gotC)
	evs := s.snapshot()
	noDisconnect(t, "libenet→Go", evs)
	got, _ := received(toGo, evs)
	impairCheck(t, "libenet→Go", toGo, got)
	if gp.State().String() != "connected" {
		t.Fatalf("Go peer %v", gp.State())
	}
	t.Logf("Go peer %+v", gp.Stats())
}

// Go client → impairing proxy → libenet server.
func TestImpairGoClientCServer(t *testing.T) {
	start := time.Now()
	deadline := start.Add(impairDeadline)
	c := startC(t, 4, 8, false, false)
	px, err := netsim.NewProxy(netsim.Config{Listen: "127.0.0.1:0", Target: c.addr(), Up: impairment(21), Down: impairment(22)})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s := service(h)
	defer s.close()
	p, err := h.Connect(px.AddrPort().String(), 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	s.wait(t, "connect", deadline, func(evs []enet.Event) bool { return len(evs) > 0 && evs[0].Type == enet.EventConnect })
	f := c.expect("connect", time.Until(deadline))
	cImpair(t, h, s, c, p, f[1], deadline)
	st := px.Stats()
	t.Logf("%v; proxy up %+v; down %+v", time.Since(start), st.Up, st.Down)
}

// libenet client → impairing proxy → Go server.
func TestImpairCClientGoServer(t *testing.T) {
	start := time.Now()
	deadline := start.Add(impairDeadline)
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s := service(h)
	defer s.close()
	px, err := netsim.NewProxy(netsim.Config{Listen: "127.0.0.1:0", Target: h.LocalAddr().String(), Up: impairment(31), Down: impairment(32)})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	c := startC(t, 1, 8, false, false)
	c.send("connect %d 4 77", px.AddrPort().Port())
	s.wait(t, "connect", deadline, func(evs []enet.Event) bool { return len(evs) > 0 && evs[0].Type == enet.EventConnect })
	f := c.expect("connect", time.Until(deadline))
	cImpair(t, h, s, c, s.snapshot()[0].Peer, f[1], deadline)
	st := px.Stats()
	t.Logf("%v; proxy up %+v; down %+v; host %+v", time.Since(start), st.Up, st.Down, h.HardeningStats())
}
