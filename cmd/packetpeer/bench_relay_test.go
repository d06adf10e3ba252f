package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/server"
)

// TestBenchRelay runs the generator end to end against an in-process
// packetpeer server (the engine of packetpeer serve, Godot 3.2 dialect):
// every client connects, packets go out on schedule, and what the
// receivers count is what the server relayed.
func TestBenchRelay(t *testing.T) {
	srv, err := server.New(server.Config{Godot3Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Addr(multiplayer.Godot3).String()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before := runtime.NumGoroutine()
	const clients, rate = 12, 40
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"bench", "relay", "--connect", addr, "--clients", strconv.Itoa(clients),
		"--rate", strconv.Itoa(rate), "--size", "48", "--duration", "1s", "--warmup", "300ms", "--drain", "500ms",
		"--batch", "4"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	re := regexp.MustCompile(`^packetpeer relay clients=12 connected=(\d+) rate=40 size=48 mode=unreliable secs=1\.000 ` +
		`sent=(\d+) received=(\d+) lost=(\d+) loss_pct=[0-9.]+ unsent=(\d+) gone=(\d+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) ` +
		`max_ms=([0-9.]+) send_lag_ms=[0-9.]+ ramp_s=[0-9.]+ client_throttle_pct=[0-9.]+ client_rtt_ms=[0-9.]+$`)
	m := re.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %v", last, re)
	}
	num := func(i int) float64 {
		v, err := strconv.ParseFloat(m[i], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	connected, sent, received, lost, unsent, gone := num(1), num(2), num(3), num(4), num(5), num(6)
	p50, p99, maxMS := num(7), num(8), num(9)
	if connected != clients || gone != 0 || unsent != 0 {
		t.Errorf("connected=%v gone=%v unsent=%v, want %d, 0, 0", connected, gone, unsent, clients)
	}
	// One second of clients*rate packets: exact on schedule, off by what
	// a late sender moves across the window's edges on a busy machine.
	if want := float64(clients * rate); sent < want*0.75 || sent > want*1.25 {
		t.Errorf("sent %v packets in the window, want %v ± 25%%", sent, want)
	}
	if received == 0 || received > sent || lost != sent-received {
		t.Errorf("sent %v, received %v, lost %v: inconsistent", sent, received, lost)
	}
	if !(0 < p50 && p50 <= p99 && p99 <= maxMS) {
		t.Errorf("latency p50 %v, p99 %v, max %v ms: want 0 < p50 <= p99 <= max", p50, p99, maxMS)
	}
	// The server relayed at least what arrived (the warmup's packets too).
	if st := srv.Stats(multiplayer.Godot3); float64(st.PacketsRelayed) < received {
		t.Errorf("server relayed %d packets, the receivers counted %v in the window alone", st.PacketsRelayed, received)
	}
	// Every client goroutine has ended (Close is synchronous for them).
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "bench relay: 12 of 12 clients connected in") ||
		!strings.Contains(stderr.String(), "(window): sent ") {
		t.Errorf("progress on stderr: %q", stderr.String())
	}
}

// TestBenchRelayUsage checks that bad workloads are usage errors.
func TestBenchRelayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--clients", "10"}, // no --connect
		{"--connect", "127.0.0.1:1", "--clients", "1"},
		{"--connect", "127.0.0.1:1", "--clients", "4096"},
		{"--connect", "127.0.0.1:1", "--size", "15"},
		{"--connect", "127.0.0.1:1", "--rate", "0"},
		{"--connect", "127.0.0.1:1", "--mode", "fast"},
		{"--connect", "127.0.0.1:1", "--duration", "0s"},
		{"--connect", "127.0.0.1:1", "--batch", "0"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"bench", "relay"}, args...), strings.NewReader(""), &stdout, &stderr)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
}

// TestLatencyHist checks the histogram's buckets and quantiles against an
// exact sort of the same values.
func TestLatencyHist(t *testing.T) {
	for v := uint64(0); v < 1<<22; v = v*9/8 + 1 {
		i := histIndex(v)
		if lo, hi := histLow(i), histLow(i+1); v < lo || v >= hi {
			t.Fatalf("%d µs in bucket %d = [%d, %d)", v, i, lo, hi)
		}
		if hi := histLow(i + 1); v >= histExact && float64(hi-histLow(i)) > float64(v)/histSub*1.01 {
			t.Fatalf("bucket %d of %d µs is %d wide: more than 1/%d", i, v, hi-histLow(i), histSub)
		}
	}
	var h latencyHist
	if h.quantile(0.5) != 0 {
		t.Fatal("empty histogram: nonzero quantile")
	}
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 20000)
	for i := range vals {
		// 50 µs … 200 ms, log-uniform.
		vals[i] = time.Duration(50e3 * float64(uint64(1)<<r.IntN(12)) * (1 + r.Float64()))
		h.add(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.quantile(q)
		if d := float64(got-exact) / float64(exact); d < -0.02 || d > 0.02 {
			t.Errorf("q%.3f = %v, exact %v (%.1f%% off)", q, got, exact, 100*d)
		}
	}
	if h.maximum() != vals[len(vals)-1] {
		t.Errorf("max %v, want %v", h.maximum(), vals[len(vals)-1])
	}
}
