package stream

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

// pollUntil polls cond as a game loop would, failing after a generous
// deadline (no timing assertion: only a hang fails).
func pollUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestServerPolled(t *testing.T) {
	before := runtime.NumGoroutine()
	s := &Server{MaxPending: 2}
	if s.IsConnectionAvailable() || s.TakeConnection() != nil || s.IsListening() {
		t.Fatal("idle server reports a connection")
	}
	if err := s.Stop(); !errors.Is(err, ErrNotListening) || !errors.Is(err, godoterr.ErrUnconfigured) {
		t.Fatal(err)
	}
	if err := s.Listen(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(netip.MustParseAddrPort("127.0.0.1:0")); !errors.Is(err, godoterr.ErrAlreadyInUse) {
		t.Fatal(err)
	}
	if s.TakeConnection() != nil {
		t.Fatal("connection before any client")
	}
	// Four clients against MaxPending 2: the other two wait in the kernel
	// backlog and are accepted as connections are taken.
	var clients []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", s.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	seen := map[netip.AddrPort]bool{}
	for len(seen) < 4 {
		pollUntil(t, s.IsConnectionAvailable)
		if n := len(s.run.queue); n > 2 {
			t.Fatalf("%d connections queued, MaxPending 2", n)
		}
		c := s.TakeConnection()
		if c == nil || c.Status() != StatusConnected {
			t.Fatal("no connected Conn after IsConnectionAvailable")
		}
		seen[c.RemoteAddr()] = true
		if _, err := c.Write([]byte("hi")); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	for _, c := range clients {
		if !seen[c.LocalAddr().(*net.TCPAddr).AddrPort()] {
			t.Fatalf("client %v never taken", c.LocalAddr())
		}
		buf := make([]byte, 2)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
			t.Fatal(err)
		}
	}
	// A client not taken is closed by Stop.
	late, err := net.Dial("tcp", s.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	pollUntil(t, s.IsConnectionAvailable)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	late.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := late.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("untaken client read %v, want EOF", err)
	}
	if s.IsListening() || s.TakeConnection() != nil || s.IsConnectionAvailable() {
		t.Fatal("stopped server still serving")
	}
	// Listen again after Stop; dual-stack "*".
	if err := s.Listen(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), s.LocalAddr().Port()).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pollUntil(t, s.IsConnectionAvailable)
	if tc := s.TakeConnection(); tc == nil || !tc.RemoteAddr().Addr().Unmap().IsLoopback() {
		t.Fatal("no IPv4 connection on *")
	} else {
		tc.Close()
	}
	s.Stop()
	pollUntil(t, func() bool { return runtime.NumGoroutine() <= before })
}

func TestServerBadConfig(t *testing.T) {
	s := &Server{MaxPending: -1}
	if err := s.Listen(netip.MustParseAddrPort("127.0.0.1:0")); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	occupied, _ := net.Listen("tcp", "127.0.0.1:0")
	defer occupied.Close()
	s = &Server{}
	if err := s.Listen(occupied.Addr().(*net.TCPAddr).AddrPort()); !errors.Is(err, godoterr.ErrCantCreate) {
		t.Fatal(err)
	}
}
