package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// netsimBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type netsimBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *netsimBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *netsimBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNetsimUsage(t *testing.T) {
	for _, args := range [][]string{
		{"netsim", "--target", "127.0.0.1:9"},
		{"netsim", "--listen", "127.0.0.1:0"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "--loss", "1.5"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "--loss-down", "-0.1"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "--rate", "fast"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "--latency", "-5ms"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "--queue-up", "-1"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1", "--duration", "1ms"},
		{"netsim", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:9", "extra"},
	} {
		r := packetpeer(t, "", args...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "packetpeer netsim: ") {
			t.Errorf("%v: %v", args, r)
		}
	}
}

// udpSink counts the datagrams arriving on a 127.0.0.1 socket.
type udpSink struct {
	conn *net.UDPConn
	n    atomic.Int64
	done chan struct{}
}

func newUDPSink(t *testing.T) *udpSink {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &udpSink{conn: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 1<<16)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			s.n.Add(1)
		}
	}()
	t.Cleanup(func() { c.Close(); <-s.done })
	return s
}

var (
	netsimListenRE = regexp.MustCompile(`listening on udp (\S+), forwarding to`)
	netsimUpRE     = regexp.MustCompile(`(?m)^final .*\n  up   in=(\d+) forwarded=(\d+) lost=(\d+)`)
)

// runNetsim runs "packetpeer netsim args..." in the background, sends n
// numbered packets through it, interrupts it and returns its result and the
// up direction's final in, forwarded and lost counts.
func runNetsim(t *testing.T, sink *udpSink, n int, args ...string) (result, [3]int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr netsimBuffer
	done := make(chan int, 1)
	args = append([]string{"netsim", "--listen", "127.0.0.1:0", "--target", sink.conn.LocalAddr().String(), "--stats-interval", "10ms"}, args...)
	go func() { done <- run(ctx, args, strings.NewReader(""), &stdout, &stderr) }()
	var addr *net.UDPAddr
	for deadline := time.Now().Add(10 * time.Second); addr == nil; {
		if m := netsimListenRE.FindStringSubmatch(stderr.String()); m != nil {
			a, err := net.ResolveUDPAddr("udp", m[1])
			if err != nil {
				t.Fatal(err)
			}
			addr = a
			break
		}
		select {
		case code := <-done:
			t.Fatalf("netsim exited early (%d): %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("netsim did not start: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	client, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for i := range n {
		client.Write([]byte{byte(i), byte(i >> 8), 0, 0})
		if i%10 == 9 {
			time.Sleep(5 * time.Millisecond) // no socket buffer overflows
		}
	}
	// Wait (via --stats-interval) until the proxy has read and settled all n.
	settledRE := regexp.MustCompile(`(?m)^  up   in=` + strconv.Itoa(n) + ` .* pending=0 `)
	for deadline := time.Now().Add(20 * time.Second); !settledRE.MatchString(stdout.String()); {
		if time.Now().After(deadline) {
			t.Fatalf("netsim did not report %d packets in:\n%s", n, stdout.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("netsim did not stop when interrupted")
	}
	r := result{code, stdout.String(), stderr.String()}
	m := netsimUpRE.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("%v", r)
	}
	var up [3]int
	for i := range up {
		up[i], _ = strconv.Atoi(m[i+1])
	}
	return r, up
}

func TestNetsimForwards(t *testing.T) {
	const n = 200
	sink := newUDPSink(t)
	r, up := runNetsim(t, sink, n, "--loss", "0.3", "--loss-down", "0", "--seed", "7", "--latency", "1ms")
	if up[0] != n || up[1]+up[2] != n || up[2] < 30 || up[2] > 90 {
		t.Fatalf("up in=%d forwarded=%d lost=%d\n%v", up[0], up[1], up[2], r)
	}
	for deadline := time.Now().Add(20 * time.Second); sink.n.Load() != int64(up[1]); {
		if time.Now().After(deadline) {
			t.Fatalf("sink got %d packets, netsim forwarded %d", sink.n.Load(), up[1])
		}
		time.Sleep(time.Millisecond) // the sink may lag behind the proxy
	}
	for _, want := range []string{"up: loss=0.3 latency=1ms", "down: latency=1ms", "seed: 7"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// The same seed loses the same packets.
	sink2 := newUDPSink(t)
	_, up2 := runNetsim(t, sink2, n, "--loss-up", "0.3", "--seed", "7", "--latency", "1ms")
	if up2 != up {
		t.Errorf("second run with seed 7: %v, first %v", up2, up)
	}
}

func TestNetsimDuration(t *testing.T) {
	sink := newUDPSink(t)
	r := packetpeer(t, "", "netsim", "--listen", "127.0.0.1:0", "--target", sink.conn.LocalAddr().String(),
		"--duration", "200ms", "--stats-interval", "50ms", "--rate", "1mbit")
	if r.code != 0 || !strings.Contains(r.stdout, "stats elapsed=") || !strings.Contains(r.stdout, "final elapsed=") ||
		!strings.Contains(r.stderr, "up: rate=1mbit queue=1000") || !strings.Contains(r.stderr, "seed: ") {
		t.Fatalf("%v", r)
	}
}
