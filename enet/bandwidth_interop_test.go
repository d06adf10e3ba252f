package enet_test

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
)

// cInfo asks the libenet helper for peer id's bandwidth state:
// state, incomingBandwidth, outgoingBandwidth, windowSize, packetThrottle,
// packetThrottleLimit.
func cInfo(c *cpeer, id int, h *enet.Host) [6]uint64 {
	c.t.Helper()
	c.send("info %d", id)
	f := c.expect("info", 10*time.Second, h)
	var v [6]uint64
	for i := range v {
		v[i], _ = strconv.ParseUint(f[2+i], 10, 32)
	}
	return v
}

// TestInteropBandwidthLimitFromLibenet: a libenet host calling
// enet_host_bandwidth_limit makes our peer see the new limits within its
// throttle interval, and recompute the reliable window as libenet does.
func TestInteropBandwidthLimitFromLibenet(t *testing.T) {
	c := startBW(t, 2, 2, 0, 0, false)
	// A non-zero outgoing bandwidth at or above libenet's share, else
	// libenet tells us "incoming 0" (see SetBandwidthLimit).
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1, OutgoingBandwidth: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p, err := h.Connect(c.addr(), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, h, 10*time.Second, func(ev enet.Event) bool { return ev.Type == enet.EventConnect })
	c.expect("connect", 10*time.Second, h)
	if b := p.Bandwidth(); b.Incoming != 0 || b.Outgoing != 0 || b.Window != 61440 {
		// Window: our 1 MB/s / 65536 × 4096 = 61440 (the remote is unlimited).
		t.Fatalf("before: %+v", b)
	}
	c.send("bwlimit 500000 20000")
	start := time.Now()
	for p.Bandwidth().Incoming != 500000 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("after enet_host_bandwidth_limit: %+v", p.Bandwidth())
		}
		if _, err := h.Service(5 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	// min(500000, 1000000)/65536 × 4096 = 7 × 4096.
	if b := p.Bandwidth(); b.Outgoing != 20000 || b.Window != 7*4096 {
		t.Fatalf("after: %+v", b)
	}
	t.Logf("BANDWIDTH_LIMIT from libenet after %v: %+v", time.Since(start), p.Bandwidth())
	// libenet's view of us is unchanged by its own call.
	if v := cInfo(c, 0, h); v[1] != 0 || v[2] != 1_000_000 {
		t.Fatalf("libenet's peer: %v", v)
	}
}

// TestInteropBandwidthLimitToLibenet: our SetBandwidthLimit reaches a
// libenet peer (peer->incomingBandwidth, outgoingBandwidth, and the window
// its handle_bandwidth_limit computes) within the throttle interval.
func TestInteropBandwidthLimitToLibenet(t *testing.T) {
	// libenet announces 10 MB/s outgoing, above our share for it.
	c := startBW(t, 1, 2, 0, 10_000_000, false)
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	c.send("connect %d 2 0", h.LocalAddr().(*net.UDPAddr).Port)
	var p *enet.Peer
	pump(t, h, 10*time.Second, func(ev enet.Event) bool { p = ev.Peer; return ev.Type == enet.EventConnect })
	c.expect("connect", 10*time.Second, h)
	if v := cInfo(c, 0, h); v[1] != 0 || v[2] != 0 || v[3] != 65536 {
		t.Fatalf("libenet's peer before: %v", v)
	}
	if err := h.SetBandwidthLimit(300_000, 40_000); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var v [6]uint64
	for v = cInfo(c, 0, h); v[1] != 300_000; v = cInfo(c, 0, h) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("libenet's peer after SetBandwidthLimit: %v", v)
		}
		serviceFor(t, h, 50*time.Millisecond)
	}
	// libenet: min(300000, its 10 MB/s)/65536 × 4096 = 4 × 4096.
	if v[2] != 40_000 || v[3] != 4*4096 {
		t.Fatalf("libenet's peer after: %v", v)
	}
	t.Logf("libenet saw in=%d out=%d window=%d after %v", v[1], v[2], v[3], time.Since(start))
	if b := p.Bandwidth(); b.Incoming != 0 || b.Outgoing != 10_000_000 {
		t.Fatalf("our view of libenet: %+v", b)
	}
	if in, out := h.BandwidthLimit(); in != 300_000 || out != 40_000 {
		t.Fatalf("BandwidthLimit %d %d", in, out)
	}
}

// TestInteropBandwidthThrottleRate: a Go host with a 20 kB/s outgoing
// bandwidth offering 100 kB/s of unreliable 1000-byte packets to a libenet
// peer delivers about 20 kB/s (counted by libenet over 4 s, after the
// throttle's first interval). Bounds are generous (0.25x..2x): the
// throttle works in steps of 1/32 of the offered load and the RTT-driven
// throttle can only lower it; unthrottled, 100 kB/s would arrive.
func TestInteropBandwidthThrottleRate(t *testing.T) {
	const limit, offered, size = 20_000, 100_000, 1000
	c := startBW(t, 1, 2, 0, 0, false)
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1, OutgoingBandwidth: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p, err := h.Connect(c.addr(), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, h, 10*time.Second, func(ev enet.Event) bool { return ev.Type == enet.EventConnect })
	c.expect("connect", 10*time.Second, h)
	msg := make([]byte, size)
	start := time.Now()
	queued := 0
	var marks []time.Time
	var counts []uint64
	sentAt := map[int]int{}
	for len(counts) < 2 {
		el := time.Since(start)
		for queued*size < int(el.Seconds()*offered) {
			if err := p.Send(1, msg, 0); err != nil {
				t.Fatal(err)
			}
			queued++
		}
		if _, err := h.Service(2 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		// Samples at 2 s and 6 s: ask, then read the answer while sending.
		if (len(marks) == 0 && el >= 2*time.Second) || (len(marks) == 1 && el >= 6*time.Second) {
			sentAt[len(marks)] = queued
			marks = append(marks, time.Now())
			c.send("count")
		}
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatal("libenet helper exited")
			}
			var b, n uint64
			if _, err := fmt.Sscanf(l, "count %d %d", &b, &n); err == nil {
				counts = append(counts, b)
			}
		default:
		}
		if el > 20*time.Second {
			t.Fatal("no counts from libenet")
		}
	}
	secs := marks[1].Sub(marks[0]).Seconds()
	rate := float64(counts[1]-counts[0]) / secs
	offer := float64((sentAt[1]-sentAt[0])*size) / secs
	st := p.Stats()
	t.Logf("offered %.0f B/s, libenet received %.0f B/s for a limit of %d B/s (throttle %d, limit %d)",
		offer, rate, limit, st.Throttle, p.Bandwidth().ThrottleLimit)
	if rate < limit/4 || rate > 2*limit || rate > offer/2 {
		t.Fatalf("received %.0f B/s, offered %.0f, limit %d", rate, offer, limit)
	}
}
