package netsim

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// peer is a UDP socket on 127.0.0.1 that records the numbered packets it
// receives (checking their contents) and, if echo is set, sends each back.
type peer struct {
	t    testing.TB
	conn *net.UDPConn
	echo bool
	done chan struct{}

	mu      sync.Mutex
	seqs    []uint32
	times   []time.Time
	from    map[netip.AddrPort]int
	corrupt int
}

func newPeer(t testing.TB, echo bool) *peer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, conn: conn, echo: echo, done: make(chan struct{}), from: map[netip.AddrPort]int{}}
	go p.read()
	t.Cleanup(p.close)
	return p
}

func (p *peer) close() {
	p.conn.Close()
	<-p.done
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// payload is packet i of the given size: the number, then a pattern.
func payload(i, size int) []byte {
	b := seqPacket(i, size)
	for j := 4; j < len(b); j++ {
		b[j] = byte(i*7 + j)
	}
	return b
}

func (p *peer) read() {
	defer close(p.done)
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		now := time.Now()
		p.mu.Lock()
		if n < 4 {
			p.corrupt++
		} else if s := binary.LittleEndian.Uint32(buf); string(buf[:n]) != string(payload(int(s), n)) {
			p.corrupt++
		} else {
			p.seqs = append(p.seqs, s)
			p.times = append(p.times, now)
		}
		p.from[from]++
		p.mu.Unlock()
		if p.echo {
			_, _ = p.conn.WriteToUDPAddrPort(buf[:n], from)
		}
	}
}

func (p *peer) count() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return uint64(len(p.seqs) + p.corrupt)
}

func (p *peer) got() []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.corrupt > 0 {
		p.t.Errorf("%d corrupt packets", p.corrupt)
	}
	return slices.Clone(p.seqs)
}

func (p *peer) sources() []netip.AddrPort {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []netip.AddrPort
	for a := range p.from {
		out = append(out, a)
	}
	return out
}

func (p *peer) send(to netip.AddrPort, b []byte) {
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

func startProxy(t testing.TB, cfg Config) *Proxy {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	p, err := NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// quiet reports whether the n packets client sent through p to target (and,
// if target echoes, their echoes) have all been accounted for.
func quiet(p *Proxy, n int, client, target *peer) func() bool {
	return func() bool {
		st := p.Stats()
		if st.Up.In != uint64(n) || !settled(st.Up) || target.count() != st.Up.Forwarded {
			return false
		}
		return !target.echo || st.Down.In == target.count() && settled(st.Down) && client.count() == st.Down.Forwarded
	}
}

// sendPaced sends packets 0..n-1 from client through p, waiting after every
// burst until everything is accounted for, so that no socket buffer
// overflows and the only losses are the proxy's.
func sendPaced(t testing.TB, p *Proxy, client, target *peer, n, size, burst int) {
	t.Helper()
	for i := range n {
		client.send(p.AddrPort(), payload(i, size))
		if (i+1)%burst == 0 || i == n-1 {
			waitFor(t, "the proxy to settle", quiet(p, i+1, client, target))
		}
	}
}

func TestProxyZeroImpairment(t *testing.T) {
	target, client := newPeer(t, true), newPeer(t, false)
	p := startProxy(t, Config{Target: target.addr().String()})
	const n = 2000
	sendPaced(t, p, client, target, n, 200, 50)
	if got := client.got(); len(got) != n || !slices.IsSorted(got) {
		t.Fatalf("client got %d echoes (sorted %v), want %d", len(got), slices.IsSorted(got), n)
	}
	if got := target.got(); len(got) != n || !slices.IsSorted(got) {
		t.Fatalf("target got %d", len(got))
	}
	// The target sees the proxy's upstream socket, the client the proxy.
	if src := target.sources(); len(src) != 1 || src[0] == client.addr() || src[0] == p.AddrPort() {
		t.Errorf("target saw %v", src)
	}
	if src := client.sources(); len(src) != 1 || src[0] != p.AddrPort() {
		t.Errorf("client saw %v", src)
	}
	st := p.Stats()
	if st.Up.Forwarded != n || st.Down.Forwarded != n || st.Up.Bytes != n*200 || st.Mappings != 1 || st.Opened != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestProxyLossExact(t *testing.T) {
	const n = 2000
	up := Impairment{Loss: 0.1, Seed: 42}
	down := Impairment{Loss: 0.1, Seed: 42}
	// Expected: the up direction loses lostOffline(up); the down direction
	// sees the survivors in order and loses its own draws among them.
	upLost := lostOffline(up, streamUp, n)
	var survivors []uint32
	for i := range uint32(n) {
		if _, lost := slices.BinarySearch(upLost, i); !lost {
			survivors = append(survivors, i)
		}
	}
	downLostIdx := lostOffline(down, streamDown, len(survivors))
	var wantBack []uint32
	for i, s := range survivors {
		if _, lost := slices.BinarySearch(downLostIdx, uint32(i)); !lost {
			wantBack = append(wantBack, s)
		}
	}
	for run := range 2 {
		target, client := newPeer(t, true), newPeer(t, false)
		p := startProxy(t, Config{Target: target.addr().String(), Up: up, Down: down})
		sendPaced(t, p, client, target, n, 8, 50)
		if got := target.got(); !slices.Equal(got, survivors) {
			t.Fatalf("run %d: target lost %v\nwant %v", run, missing(got, n), upLost)
		}
		if got := client.got(); !slices.Equal(got, wantBack) {
			t.Fatalf("run %d: client got %d echoes, want %d", run, len(got), len(wantBack))
		}
		st := p.Stats()
		if st.Up.DroppedLoss != uint64(len(upLost)) || st.Down.DroppedLoss != uint64(len(downLostIdx)) {
			t.Errorf("stats %+v", st)
		}
		p.Close()
	}
	// Mean 200 each way, sd 13.4.
	if len(upLost) < 130 || len(upLost) > 270 || len(downLostIdx) < 110 || len(downLostIdx) > 250 {
		t.Errorf("lost %d up, %d down", len(upLost), len(downLostIdx))
	}
	t.Logf("seed 42, loss 0.1 both ways, %d packets: %d lost up, %d lost down, %d echoed", n, len(upLost), len(downLostIdx), len(wantBack))
}

func TestProxyDuplicate(t *testing.T) {
	target, client := newPeer(t, false), newPeer(t, false)
	p := startProxy(t, Config{Target: target.addr().String(), Up: Impairment{Duplicate: 0.1, Seed: 7}})
	const n = 1000
	sendPaced(t, p, client, target, n, 8, 50)
	st := p.Stats()
	got := target.got()
	if uint64(len(got)) != n+st.Up.Duplicated || len(missing(got, n)) != 0 {
		t.Fatalf("target got %d, stats %v", len(got), st.Up)
	}
	if st.Up.Duplicated < 60 || st.Up.Duplicated > 140 { // mean 100, sd 9.5
		t.Errorf("duplicated %d of %d at 10%%", st.Up.Duplicated, n)
	}
}

func TestProxyReorder(t *testing.T) {
	target, client := newPeer(t, false), newPeer(t, false)
	p := startProxy(t, Config{Target: target.addr().String(), Up: Impairment{Reorder: 0.1, Seed: 11}})
	const n = 500
	sendPaced(t, p, client, target, n, 8, 25)
	got := target.got()
	if len(got) != n || len(missing(got, n)) != 0 {
		t.Fatalf("target got %d", len(got))
	}
	late, maxSoFar := 0, uint32(0)
	for i, s := range got {
		if i > 0 && s < maxSoFar {
			late++
		}
		maxSoFar = max(maxSoFar, s)
	}
	st := p.Stats().Up
	if late == 0 || uint64(late) > st.Reordered || st.Reordered < 25 || st.Reordered > 80 {
		t.Errorf("%d packets arrived after a later one; reordered %d", late, st.Reordered)
	}
	t.Logf("reorder 0.1, %d packets: %d held back, %d arrived late", n, st.Reordered, late)
}

func TestProxyLatency(t *testing.T) {
	target, client := newPeer(t, true), newPeer(t, false)
	const lat = 40 * time.Millisecond
	p := startProxy(t, Config{
		Target: target.addr().String(),
		Up:     Impairment{Latency: lat, Jitter: 10 * time.Millisecond, Seed: 1},
		Down:   Impairment{Latency: lat},
	})
	for i := range 10 {
		start := time.Now()
		client.send(p.AddrPort(), payload(i, 16))
		waitFor(t, "the echo", func() bool { return client.count() == uint64(i+1) })
		// Lower bound only: up ≥ 30 ms, down ≥ 40 ms.
		if rtt := time.Since(start); rtt < 2*lat-10*time.Millisecond {
			t.Errorf("round trip %d took %v, want at least %v", i, rtt, 2*lat-10*time.Millisecond)
		}
	}
}

func TestProxyRate(t *testing.T) {
	target, client := newPeer(t, false), newPeer(t, false)
	// 100 packets of 1000 bytes at 2 mbit: 4 ms each, 400 ms in all.
	p := startProxy(t, Config{Target: target.addr().String(), Up: Impairment{Rate: 2_000_000}})
	start := time.Now()
	for i := range 100 {
		client.send(p.AddrPort(), payload(i, 1000))
		if i%10 == 9 { // let the proxy read them; the link queues them
			waitFor(t, "the proxy to read", func() bool { return p.Stats().Up.In == uint64(i+1) })
		}
	}
	waitFor(t, "delivery", func() bool { return target.count() == 100 })
	target.mu.Lock()
	elapsed := target.times[len(target.times)-1].Sub(start)
	target.mu.Unlock()
	if elapsed < 390*time.Millisecond {
		t.Errorf("100 × 1000 B at 2mbit took %v, want at least 400ms", elapsed)
	}
	t.Logf("100 × 1000 B at 2mbit: %v (%.2f mbit/s)", elapsed, 800_000/elapsed.Seconds()/1e6)
}

func TestProxyMappingLimit(t *testing.T) {
	target := newPeer(t, true)
	p := startProxy(t, Config{Target: target.addr().String(), MaxMappings: 2})
	clients := []*peer{newPeer(t, false), newPeer(t, false), newPeer(t, false)}
	for i, c := range clients {
		c.send(p.AddrPort(), payload(i, 8))
		waitFor(t, "the proxy to read", func() bool {
			st := p.Stats()
			return st.Up.In+st.Rejected == uint64(i+1)
		})
	}
	waitFor(t, "echoes", func() bool { return clients[0].count() == 1 && clients[1].count() == 1 })
	st := p.Stats()
	if st.Mappings != 2 || st.Opened != 2 || st.Rejected != 1 || len(target.sources()) != 2 {
		t.Errorf("stats %+v, target saw %v", st, target.sources())
	}
	if clients[2].count() != 0 {
		t.Error("the third client got an answer")
	}
}

func TestProxyIdleTimeout(t *testing.T) {
	target, client := newPeer(t, true), newPeer(t, false)
	p := startProxy(t, Config{Target: target.addr().String(), IdleTimeout: 200 * time.Millisecond, MaxMappings: 1})
	client.send(p.AddrPort(), payload(0, 8))
	waitFor(t, "the echo", func() bool { return client.count() == 1 })
	waitFor(t, "the mapping to expire", func() bool { st := p.Stats(); return st.Mappings == 0 && st.Expired == 1 })
	// The slot is free again: a new client gets in.
	other := newPeer(t, false)
	other.send(p.AddrPort(), payload(1, 8))
	waitFor(t, "the echo", func() bool { return other.count() == 1 })
	if st := p.Stats(); st.Opened != 2 || st.Rejected != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestProxyTargetDown(t *testing.T) {
	// Nobody listens at the target: writes fail (ICMP port unreachable),
	// the proxy counts them and carries on.
	dead := newPeer(t, false)
	addr := dead.addr()
	dead.close()
	client := newPeer(t, false)
	p := startProxy(t, Config{Target: addr.String()})
	for i := range 20 {
		client.send(p.AddrPort(), payload(i, 8))
		waitFor(t, "the proxy to settle", func() bool { st := p.Stats().Up; return st.In == uint64(i+1) && settled(st) })
	}
	if st := p.Stats().Up; st.Forwarded+st.Failed != 20 {
		t.Errorf("stats %v", st)
	}
}

// netsimGoroutines returns the stacks of goroutines running netsim code
// (other than tests).
func netsimGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		for _, fn := range []string{"netsim.(*link).run", "netsim.(*Proxy).serve", "netsim.(*Proxy).readUpstream", "netsim.(*PacketConn).readLoop"} {
			if strings.Contains(g, fn+"(") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// netsimGoroutinesAfterClose is netsimGoroutines once the goroutines a
// Close waited for have finished exiting: Close returns when their
// WaitGroup is done, which a goroutine signals from its deferred Done an
// instant before it is gone from the scheduler. It waits at most a second.
func netsimGoroutinesAfterClose() []string {
	g := netsimGoroutines()
	for deadline := time.Now().Add(time.Second); len(g) != 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		g = netsimGoroutines()
	}
	return g
}

func TestProxyCloseNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	target := newPeer(t, true)
	p, err := NewProxy(Config{
		Listen: "127.0.0.1:0", Target: target.addr().String(),
		Up:   Impairment{Latency: 50 * time.Millisecond, Reorder: 0.2, Rate: 1_000_000},
		Down: Impairment{Latency: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	var clients []*peer
	for i := range 5 {
		c := newPeer(t, false)
		clients = append(clients, c)
		for j := range 20 {
			c.send(p.AddrPort(), payload(i*100+j, 500))
		}
	}
	waitFor(t, "mappings", func() bool { return p.Stats().Mappings == 5 })
	waitFor(t, "echoes queued", func() bool { return p.Stats().Down.In > 0 })
	if g := netsimGoroutines(); len(g) != 2+1+5 { // 2 schedulers, serve, 5 upstream readers
		t.Errorf("%d netsim goroutines while running, want 8", len(g))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if g := netsimGoroutinesAfterClose(); len(g) != 0 {
		t.Fatalf("after Close:\n%s", strings.Join(g, "\n\n"))
	}
	st := p.Stats()
	if st.Down.Pending == 0 || !settled(Stats{In: st.Down.In, Duplicated: st.Down.Duplicated, Forwarded: st.Down.Forwarded, DroppedLoss: st.Down.DroppedLoss + st.Down.Pending}) {
		t.Errorf("down after close: %v", st.Down)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	target.close()
	for _, c := range clients {
		c.close()
	}
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}
