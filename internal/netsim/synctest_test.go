package netsim

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

// In a synctest bubble time is virtual, so the scheduler's timing can be
// checked exactly without any risk of flaking on a loaded machine.
func TestLinkTimingExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 1 mbit: a 1250-byte packet takes 10 ms on the wire, then 50 ms of latency.
		var c collector
		l, _ := newLink(Impairment{Latency: 50 * time.Millisecond, Rate: 1_000_000}, streamUp, c.deliver)
		start := time.Now()
		for i := range 10 {
			_ = l.send(seqPacket(i, 1250), netip.AddrPort{}, nil)
		}
		time.Sleep(time.Second)
		l.close()
		if len(c.seqs) != 10 {
			t.Fatalf("%d delivered", len(c.seqs))
		}
		for i, at := range c.times {
			if want := time.Duration(i+1)*10*time.Millisecond + 50*time.Millisecond; at.Sub(start) != want || c.seqs[i] != uint32(i) {
				t.Errorf("packet %d delivered at %v, want %v", c.seqs[i], at.Sub(start), want)
			}
		}
	})
}

func TestLinkJitterExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const lat, jit = 50 * time.Millisecond, 20 * time.Millisecond
		imp := Impairment{Latency: lat, Jitter: jit, Seed: 77}
		var c collector
		l, _ := newLink(imp, streamUp, c.deliver)
		start := time.Now()
		sent := make([]time.Duration, 200)
		for i := range sent {
			sent[i] = time.Since(start)
			_ = l.send(seqPacket(i, 8), netip.AddrPort{}, nil)
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Second)
		l.close()
		// Replay the draws: each packet leaves at max(its own time, the
		// previous packet's), its own time being sent + lat + (2u-1)·jit.
		r := newRand(imp.Seed, streamUp)
		var prev time.Duration
		spread := map[bool]int{}
		for i, at := range c.times {
			own := sent[i] + time.Duration(decide(r, &imp).delay)
			want := max(own, prev)
			prev = want
			got := at.Sub(start)
			if c.seqs[i] != uint32(i) || got != want || got < sent[i]+lat-jit || got > sent[i]+lat+jit+5*time.Millisecond {
				t.Fatalf("packet %d sent at %v delivered at %v, want %v", c.seqs[i], sent[i], got, want)
			}
			spread[own-sent[i] > lat]++ // the drawn delay, before FIFO clamping
		}
		if spread[true] < 50 || spread[false] < 50 {
			t.Errorf("drawn delays above/below latency: %v", spread)
		}
	})
}

func TestLinkHoldTimeoutExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Reorder 1: every packet is held; with nothing to overtake it, each
		// goes out HoldTimeout after its own time.
		var c collector
		l, _ := newLink(Impairment{Reorder: 1, Latency: 10 * time.Millisecond}, streamUp, c.deliver)
		start := time.Now()
		_ = l.send(seqPacket(0, 8), netip.AddrPort{}, nil)
		time.Sleep(time.Second)
		l.close()
		if len(c.times) != 1 || c.times[0].Sub(start) != 10*time.Millisecond+HoldTimeout {
			t.Fatalf("delivered at %v", c.times)
		}
	})
}
