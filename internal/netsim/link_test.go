package netsim

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// collector is a link destination that records each packet's sequence
// number (its first 4 bytes) and arrival time.
type collector struct {
	mu    sync.Mutex
	seqs  []uint32
	times []time.Time
}

func (c *collector) deliver(b []byte, _ netip.AddrPort, _ any) error {
	c.mu.Lock()
	c.seqs = append(c.seqs, binary.LittleEndian.Uint32(b))
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	return nil
}

func (c *collector) snapshot() []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seqs)
}

func seqPacket(i, size int) []byte {
	b := make([]byte, max(size, 4))
	binary.LittleEndian.PutUint32(b, uint32(i))
	return b
}

// waitFor polls cond until it holds, failing the test after 20 s (a bound
// for a wedged test, not a timing assertion).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// settled reports whether every packet that entered s is accounted for.
func settled(s Stats) bool {
	return s.Pending == 0 && s.In+s.Duplicated == s.Forwarded+s.DroppedLoss+s.DroppedQueue+s.Failed
}

// runLink sends n numbered packets through a link with imp and returns the
// sequence numbers delivered, in order, once everything has settled.
func runLink(t *testing.T, imp Impairment, n, size int) ([]uint32, Stats) {
	t.Helper()
	var c collector
	l, err := newLink(imp, streamUp, c.deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	for i := range n {
		if err := l.send(seqPacket(i, size), netip.AddrPort{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the link to settle", func() bool { return settled(l.stats()) })
	return c.snapshot(), l.stats()
}

// lostOffline replays the decisions of a link with imp for n packets.
func lostOffline(imp Impairment, stream uint64, n int) []uint32 {
	r := newRand(imp.Seed, stream)
	var lost []uint32
	for i := range n {
		if decide(r, &imp).lose {
			lost = append(lost, uint32(i))
		}
	}
	return lost
}

// missing returns the numbers in 0..n-1 absent from got.
func missing(got []uint32, n int) []uint32 {
	seen := make([]bool, n)
	for _, s := range got {
		if int(s) < n {
			seen[s] = true
		}
	}
	var out []uint32
	for i, ok := range seen {
		if !ok {
			out = append(out, uint32(i))
		}
	}
	return out
}

func TestLinkZero(t *testing.T) {
	got, st := runLink(t, Impairment{Seed: 5}, 1000, 100)
	if len(got) != 1000 || !slices.IsSorted(got) || st.Forwarded != 1000 || st.In != 1000 || st.Bytes != 100_000 {
		t.Fatalf("got %d packets (sorted %v), stats %v", len(got), slices.IsSorted(got), st)
	}
}

func TestLinkLossDeterministic(t *testing.T) {
	const n = 2000
	imp := Impairment{Loss: 0.1, Seed: 42}
	want := lostOffline(imp, streamUp, n)
	for _, delayed := range []bool{false, true} {
		imp := imp
		if delayed { // the scheduler path must decide the same
			imp.Latency = time.Millisecond
		}
		for run := range 2 {
			got, st := runLink(t, imp, n, 8)
			lost := missing(got, n)
			if !slices.Equal(lost, want) {
				t.Fatalf("delayed=%v run %d: lost %v\nwant %v", delayed, run, lost, want)
			}
			if st.DroppedLoss != uint64(len(lost)) || st.Forwarded != uint64(n-len(lost)) {
				t.Fatalf("stats %v, lost %d", st, len(lost))
			}
		}
	}
	// 10% of 2000: mean 200, sd 13.4.
	if len(want) < 130 || len(want) > 270 {
		t.Errorf("lost %d of %d at 10%%", len(want), n)
	}
	if other := lostOffline(Impairment{Loss: 0.1, Seed: 43}, streamUp, n); slices.Equal(other, want) {
		t.Error("seeds 42 and 43 lose the same packets")
	}
	if other := lostOffline(imp, streamDown, n); slices.Equal(other, want) {
		t.Error("both directions lose the same packets")
	}
	t.Logf("seed 42: lost %d of %d, first %v", len(want), n, want[:5])
}

func TestLinkDuplicate(t *testing.T) {
	const n = 2000
	for _, imp := range []Impairment{
		{Duplicate: 0.05, Seed: 1},
		{Duplicate: 0.05, Seed: 1, Latency: time.Millisecond},
	} {
		got, st := runLink(t, imp, n, 8)
		if uint64(len(got)) != n+st.Duplicated || st.Forwarded != uint64(len(got)) {
			t.Fatalf("%v: got %d packets, stats %v", imp, len(got), st)
		}
		if st.Duplicated < 50 || st.Duplicated > 150 { // mean 100, sd 9.7
			t.Errorf("%v: duplicated %d of %d at 5%%", imp, st.Duplicated, n)
		}
		// Each copy follows its original directly.
		copies := 0
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				copies++
			}
		}
		if uint64(copies) != st.Duplicated || !slices.IsSorted(got) {
			t.Errorf("%v: %d adjacent copies, %d duplicated, sorted %v", imp, copies, st.Duplicated, slices.IsSorted(got))
		}
	}
}

func TestLinkReorder(t *testing.T) {
	const n = 1000
	for _, imp := range []Impairment{
		{Reorder: 0.05, Seed: 3},
		{Reorder: 0.05, Seed: 3, Latency: 2 * time.Millisecond, Jitter: time.Millisecond},
	} {
		got, st := runLink(t, imp, n, 8)
		if len(got) != n || len(missing(got, n)) != 0 {
			t.Fatalf("%v: got %d packets, stats %v", imp, len(got), st)
		}
		// A packet is "late" if a later-numbered one arrived before it.
		late, maxSoFar := 0, uint32(0)
		for i, s := range got {
			if i > 0 && s < maxSoFar {
				late++
			}
			maxSoFar = max(maxSoFar, s)
		}
		// Every held packet arrives late unless nothing overtook it within
		// HoldTimeout (at the end of the run, or if this goroutine stalled).
		if st.Reordered < 20 || st.Reordered > 90 || uint64(late) > st.Reordered || uint64(late) < st.Reordered/2 {
			t.Errorf("%v: reordered %d, late %d", imp, st.Reordered, late)
		}
	}
}

func TestLinkJitterKeepsOrder(t *testing.T) {
	got, st := runLink(t, Impairment{Latency: 3 * time.Millisecond, Jitter: 3 * time.Millisecond, Seed: 9}, 500, 8)
	if len(got) != 500 || !slices.IsSorted(got) {
		t.Fatalf("got %d packets, sorted %v, stats %v", len(got), slices.IsSorted(got), st)
	}
}

func TestLinkLatencyLowerBound(t *testing.T) {
	const lat = 30 * time.Millisecond
	var c collector
	l, _ := newLink(Impairment{Latency: lat, Jitter: 10 * time.Millisecond, Seed: 1}, streamUp, c.deliver)
	defer l.close()
	sent := make([]time.Time, 20)
	for i := range sent {
		sent[i] = time.Now()
		_ = l.send(seqPacket(i, 8), netip.AddrPort{}, nil)
		time.Sleep(time.Millisecond)
	}
	waitFor(t, "delivery", func() bool { return settled(l.stats()) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.seqs {
		if d := c.times[i].Sub(sent[s]); d < lat-10*time.Millisecond {
			t.Errorf("packet %d took %v, want at least %v", s, d, lat-10*time.Millisecond)
		}
	}
}

func TestLinkRateLowerBound(t *testing.T) {
	// 100 packets of 1000 bytes at 4 mbit: 2 ms each, 200 ms in all.
	var c collector
	l, _ := newLink(Impairment{Rate: 4_000_000}, streamUp, c.deliver)
	defer l.close()
	start := time.Now()
	for i := range 100 {
		_ = l.send(seqPacket(i, 1000), netip.AddrPort{}, nil)
	}
	waitFor(t, "delivery", func() bool { return settled(l.stats()) })
	c.mu.Lock()
	elapsed := c.times[len(c.times)-1].Sub(start)
	n := len(c.seqs)
	c.mu.Unlock()
	if n != 100 || elapsed < 199*time.Millisecond {
		t.Errorf("%d packets in %v; want 100 in at least 200ms", n, elapsed)
	}
	t.Logf("100 × 1000 B at 4mbit: %v (%.2f mbit/s)", elapsed, 800_000/elapsed.Seconds()/1e6)
}

func TestLinkQueueOverflow(t *testing.T) {
	// At 10 kbit a 1000-byte packet takes 0.8 s: of 100 sent at once, the
	// queue (10 packets, counting the one on the wire) keeps 10.
	var c collector
	l, _ := newLink(Impairment{Rate: 10_000, QueueLimit: 10}, streamUp, c.deliver)
	for i := range 100 {
		_ = l.send(seqPacket(i, 1000), netip.AddrPort{}, nil)
	}
	st := l.stats()
	if st.DroppedQueue != 90 || st.Pending != 10 || st.In != 100 {
		t.Errorf("stats %v; want 90 dropped by the queue, 10 pending", st)
	}
	l.close()
	st = l.stats()
	if st.Pending != 10 || !settled(Stats{In: st.In, Forwarded: st.Forwarded, DroppedQueue: st.DroppedQueue + st.Pending}) {
		t.Errorf("after close: %v", st)
	}
	if err := l.send(seqPacket(0, 8), netip.AddrPort{}, nil); err == nil {
		t.Error("send after close succeeded")
	}
}

func TestLinkPendingBound(t *testing.T) {
	// With a long latency, the hard bound on pending packets holds.
	var c collector
	l, _ := newLink(Impairment{Latency: time.Hour}, streamUp, c.deliver)
	defer l.close()
	b := seqPacket(0, 8)
	for range maxPending + 100 {
		_ = l.send(b, netip.AddrPort{}, nil)
	}
	if st := l.stats(); st.Pending != maxPending || st.DroppedQueue != 100 {
		t.Errorf("stats %v", st)
	}
}
