package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/stream"
	"github.com/packetpeer/packetpeer/udp"
)

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startListen runs "packetpeer listen args..." in the background and returns
// the bound address it reports and a function waiting for its result.
func startListen(t *testing.T, args ...string) (netip.AddrPort, func() result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"listen"}, args...), strings.NewReader(""), &stdout, &stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, rest, ok := strings.Cut(stderr.String(), "listening on "); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				a, err := netip.ParseAddrPort(f[1])
				if err != nil {
					t.Fatal(err)
				}
				return a, func() result {
					defer cancel()
					code := <-done
					return result{code, stdout.String(), stderr.String()}
				}
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("listen exited early: %d %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("listen did not start: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestListenUDP(t *testing.T) {
	addr, wait := startListen(t, "--proto", "udp", "--var", "--godot", "3", "--count", "2", "127.0.0.1:0")
	p, _ := udp.New(udp.Config{})
	defer p.Close()
	p.SetDestAddress(addr)
	p.PutPacket(mustHex(t, dictA1Godot3))
	p.PutPacket([]byte{0xff, 0xff, 0xff, 0xff}) // not a Variant: reported, not counted
	p.PutPacket(mustHex(t, "0200000007000000"))
	r := wait()
	want := dictA1JSON + "\n" + `{"type":"int","value":7}` + "\n"
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "ERR_INVALID_DATA") {
		t.Fatalf("%v", r)
	}
}

func TestListenTCPHex(t *testing.T) {
	addr, wait := startListen(t, "--proto", "tcp", "--count", "2", "127.0.0.1:0")
	ctx := context.Background()
	c, err := stream.DialTCP(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := stream.NewPacketStream(c, stream.PacketStreamConfig{})
	defer s.Close()
	s.PutPacket([]byte{1, 2, 3})
	s.PutPacket([]byte("hi"))
	r := wait()
	if r.code != 0 || r.stdout != "010203\n6869\n" {
		t.Fatalf("%v", r)
	}
}

func TestListenUsage(t *testing.T) {
	for _, args := range [][]string{
		{"listen", "--proto", "sctp", "127.0.0.1:1"},
		{"listen", "--proto", "tls", "127.0.0.1:1"},
		{"listen", "nonsense"},
		{"send", "--hex", "00", "127.0.0.1:0"},
		{"send", "127.0.0.1:9"},
		{"send", "--hex", "zz", "127.0.0.1:9"},
	} {
		if r := packetpeer(t, "", args...); r.code != exitUsage {
			t.Errorf("%v: %v", args, r)
		}
	}
}

func TestListenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"listen", "--proto", "udp", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()
	for !strings.Contains(stderr.String(), "listening on") {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("listen did not stop on cancel")
	}
}
