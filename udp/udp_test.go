package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

var lo = netip.MustParseAddrPort("127.0.0.1:0")

func wait(t *testing.T, p interface{ Wait(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func to127(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), a.Port())
}

func TestErrors(t *testing.T) {
	p, _ := New(Config{})
	if _, err := p.GetPacket(); !errors.Is(err, ErrNotOpen) || !errors.Is(err, godoterr.Failed) {
		t.Fatal(err)
	}
	if err := p.PutPacket([]byte{1}); !errors.Is(err, godoterr.ErrUnconfigured) {
		t.Fatal(err)
	}
	if err := p.PutPacket(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.SetDestAddress(netip.AddrPort{}); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	p.SetDestAddress(netip.MustParseAddrPort("127.0.0.1:9"))
	if err := p.PutPacket(make([]byte, MaxPacketSize+1)); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	if err := p.Bind(lo); err != nil {
		t.Fatal(err)
	}
	if err := p.Bind(lo); !errors.Is(err, godoterr.ErrAlreadyInUse) {
		t.Fatal(err)
	}
	if _, err := p.GetPacket(); !errors.Is(err, godoterr.ErrUnavailable) {
		t.Fatal(err)
	}
	if err := p.JoinMulticastGroup(netip.MustParseAddr("10.0.0.1"), ""); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	if _, err := New(Config{QueueBytes: -1}); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	p.Close()
	if err := p.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := p.GetPacket(); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
}

func TestRoundTripAndLastAddress(t *testing.T) {
	for _, bind := range []string{"127.0.0.1:0", "[::1]:0", "0.0.0.0:0"} {
		t.Run(bind, func(t *testing.T) {
			a, err := Listen(netip.MustParseAddrPort(bind), Config{})
			if err != nil {
				t.Skip(err)
			}
			defer a.Close()
			dst := a.LocalAddr()
			if dst.Addr().IsUnspecified() {
				dst = to127(dst)
			}
			b, _ := New(Config{BatchSize: 1})
			defer b.Close()
			b.SetDestAddress(dst)
			for i := range 3 {
				if err := b.PutPacket([]byte{byte(i)}); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, func() bool { return a.AvailablePacketCount() == 3 })
			for i := range 3 {
				p, err := a.GetPacket()
				if err != nil || len(p) != 1 || p[0] != byte(i) {
					t.Fatal(p, err)
				}
			}
			if got := a.PacketAddr(); got.Port() != b.LocalAddr().Port() || !got.Addr().IsLoopback() {
				t.Fatalf("PacketAddr %v", got)
			}
			// Reply to the last sender.
			a.SetDestAddress(a.PacketAddr())
			a.PutPacket([]byte("back"))
			wait(t, b)
			buf := make([]byte, 2)
			if _, _, err := b.GetPacketFrom(buf); !errors.Is(err, godoterr.ErrInvalidParameter) {
				t.Fatal(err)
			}
			buf = make([]byte, 100)
			n, from, err := b.GetPacketFrom(buf)
			if err != nil || string(buf[:n]) != "back" || from.Port() != a.LocalAddr().Port() {
				t.Fatal(n, from, err)
			}
		})
	}
}

func TestDualStackStar(t *testing.T) {
	a, err := Listen(netip.AddrPort{}, Config{}) // Godot's "*"
	if err != nil {
		t.Skip(err)
	}
	defer a.Close()
	b, _ := New(Config{})
	defer b.Close()
	b.SetDestAddress(to127(a.LocalAddr()))
	b.PutPacket([]byte("v4"))
	wait(t, a)
	a.GetPacket()
	if from := a.PacketAddr(); !from.Addr().Is4() {
		t.Fatalf("IPv4 sender reported as %v", from)
	}
}

func TestConnectedModeDropsOthers(t *testing.T) {
	a, _ := Listen(lo, Config{})
	defer a.Close()
	friend, _ := Listen(lo, Config{})
	defer friend.Close()
	stranger, _ := New(Config{})
	defer stranger.Close()
	if err := a.ConnectToHost(friend.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if !a.IsConnected() {
		t.Fatal("not connected")
	}
	if err := a.SetDestAddress(netip.MustParseAddrPort("127.0.0.1:9")); !errors.Is(err, godoterr.ErrUnconfigured) {
		t.Fatal(err)
	}
	stranger.SetDestAddress(a.LocalAddr())
	stranger.PutPacket([]byte("x"))
	friend.SetDestAddress(a.LocalAddr())
	friend.PutPacket([]byte("ok"))
	wait(t, a)
	waitFor(t, func() bool { return a.Stats().DroppedForeign == 1 })
	if n := a.AvailablePacketCount(); n != 1 {
		t.Fatal(n)
	}
	if p, _ := a.GetPacket(); string(p) != "ok" {
		t.Fatal(p)
	}
}

func TestQueueOverflowCounted(t *testing.T) {
	const queue = 4096
	a, _ := Listen(lo, Config{QueueBytes: queue})
	defer a.Close()
	b, _ := New(Config{})
	defer b.Close()
	b.SetDestAddress(a.LocalAddr())
	const n, size = 200, 100
	for i := range n {
		b.PutPacket(make([]byte, size))
		if i%20 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	want := (queue - 1) / (size + recordHeader)
	waitFor(t, func() bool {
		s := a.Stats()
		return s.PacketsIn+s.DroppedQueueFull == n
	})
	st := a.Stats()
	if a.AvailablePacketCount() != want || st.PacketsIn != uint64(want) || st.DroppedQueueFull != uint64(n-want) {
		t.Fatalf("queued %d (want %d), stats %+v", a.AvailablePacketCount(), want, st)
	}
	for range want {
		if p, err := a.GetPacket(); err != nil || len(p) != size {
			t.Fatal(err)
		}
	}
}

func TestServer(t *testing.T) {
	s, _ := NewServer(Config{})
	s.MaxPendingConnections = 2
	if err := s.Listen(lo); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	var clients []*Peer
	for i := range 3 {
		c, _ := New(Config{})
		defer c.Close()
		c.ConnectToHost(s.LocalAddr())
		c.PutPacket([]byte{byte(i)})
		clients = append(clients, c)
		waitFor(t, func() bool { return s.IsConnectionAvailable() || i == 2 })
	}
	waitFor(t, func() bool { return s.Stats().DroppedPending == 1 })
	p0 := s.TakeConnection()
	p1 := s.TakeConnection()
	if s.TakeConnection() != nil {
		t.Fatal("third pending peer")
	}
	for i, p := range []*Peer{p0, p1} {
		wait(t, p)
		b, _ := p.GetPacket()
		if b[0] != byte(i) || p.PacketAddr().Port() != clients[i].LocalAddr().Port() {
			t.Fatal(i, b, p.PacketAddr())
		}
		if err := p.ConnectToHost(netip.MustParseAddrPort("127.0.0.1:9")); !errors.Is(err, godoterr.ErrLocked) {
			t.Fatal(err)
		}
		p.PutPacket([]byte("reply"))
		wait(t, clients[i])
		if r, _ := clients[i].GetPacket(); string(r) != "reply" {
			t.Fatal(r)
		}
	}
	// Later datagrams from a known address go to its peer.
	clients[0].PutPacket([]byte("again"))
	wait(t, p0)
	if r, _ := p0.GetPacket(); string(r) != "again" {
		t.Fatal(r)
	}
	p1.Close()
	// The third client, dropped before, now gets a slot.
	clients[2].PutPacket([]byte{2})
	waitFor(t, s.IsConnectionAvailable)
}

func TestBatchSend(t *testing.T) {
	a, _ := Listen(lo, Config{})
	defer a.Close()
	b, _ := New(Config{})
	defer b.Close()
	b.SetDestAddress(a.LocalAddr())
	pkts := make([][]byte, 50)
	for i := range pkts {
		pkts[i] = []byte(fmt.Sprint(i))
	}
	if n, err := b.PutBatch(pkts); err != nil || n != 50 {
		t.Fatal(n, err)
	}
	waitFor(t, func() bool { return a.AvailablePacketCount() == 50 })
	for i := range 50 {
		if p, _ := a.GetPacket(); string(p) != fmt.Sprint(i) {
			t.Fatal(i, string(p))
		}
	}
}

func TestBroadcast(t *testing.T) {
	a, err := Listen(netip.MustParseAddrPort("0.0.0.0:0"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _ := New(Config{})
	defer b.Close()
	bcast := netip.AddrPortFrom(netip.MustParseAddr("127.255.255.255"), a.LocalAddr().Port())
	b.SetDestAddress(bcast)
	if err := b.SetBroadcastEnabled(true); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.ensureOpenLocked(bcast.Addr())
	rc, _ := b.conn.SyscallConn()
	b.mu.Unlock()
	var v int
	rc.Control(func(fd uintptr) { v, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST) })
	if v != 1 {
		t.Fatal("SO_BROADCAST not set on the lazily opened socket")
	}
	if err := b.PutPacket([]byte("x")); err != nil {
		t.Fatal(err)
	}
	wait(t, a)
}

func TestMulticastLoopback(t *testing.T) {
	group := netip.MustParseAddr("239.255.77.77")
	a, err := Listen(netip.MustParseAddrPort("0.0.0.0:0"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.JoinMulticastGroup(group, "lo"); err != nil {
		t.Skipf("no multicast on lo: %v", err)
	}
	b, _ := New(Config{})
	defer b.Close()
	b.SetDestAddress(netip.AddrPortFrom(group, a.LocalAddr().Port()))
	b.mu.Lock()
	b.ensureOpenLocked(group)
	conn := b.conn
	b.mu.Unlock()
	lo, _ := net.InterfaceByName("lo")
	pc := ipv4PacketConn(conn)
	if err := pc.SetMulticastInterface(lo); err != nil {
		t.Skip(err)
	}
	pc.SetMulticastLoopback(true)
	b.PutPacket([]byte("m"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.Wait(ctx); err != nil {
		t.Skipf("multicast not delivered on this host's loopback: %v", err)
	}
	if err := a.LeaveMulticastGroup(group, "lo"); err != nil {
		t.Fatal(err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		p, _ := Listen(lo, Config{})
		s, _ := NewServer(Config{})
		s.Listen(lo)
		p.Close()
		s.Stop()
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}
