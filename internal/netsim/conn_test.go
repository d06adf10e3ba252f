package netsim

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

func listenLocal(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPacketConnWriteLoss(t *testing.T) {
	const n = 1000
	out := Impairment{Loss: 0.2, Seed: 5}
	want := lostOffline(out, streamUp, n)
	target := newPeer(t, false)
	c, err := NewPacketConn(listenLocal(t), out, Impairment{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		if k, err := c.WriteTo(payload(i, 32), target.conn.LocalAddr()); err != nil || k != 32 {
			t.Fatalf("WriteTo = %d, %v", k, err)
		}
		if i%50 == 49 {
			waitFor(t, "delivery", func() bool { s, _ := c.Stats(); return target.count() == s.Forwarded })
		}
	}
	waitFor(t, "delivery", func() bool { s, _ := c.Stats(); return target.count() == s.Forwarded })
	if lost := missing(target.got(), n); !slices.Equal(lost, want) {
		t.Fatalf("lost %v\nwant %v", lost, want)
	}
	if o, in := c.Stats(); o.DroppedLoss != uint64(len(want)) || in != (Stats{}) {
		t.Errorf("stats %v / %v", o, in)
	}
}

func TestPacketConnRead(t *testing.T) {
	in := Impairment{Latency: 10 * time.Millisecond, Duplicate: 0.1, Loss: 0.1, Seed: 8}
	inner := listenLocal(t)
	c, err := NewPacketConn(inner, Impairment{}, in)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sender := newPeer(t, false)

	var mu sync.Mutex
	var got []uint32
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("ReadFrom: %v", err)
				}
				return
			}
			if from.String() != sender.conn.LocalAddr().String() || n != 32 {
				t.Errorf("ReadFrom: %d bytes from %v", n, from)
			}
			mu.Lock()
			got = append(got, binary.LittleEndian.Uint32(buf))
			mu.Unlock()
		}
	}()
	const n = 500
	done := func(sent int) func() bool {
		return func() bool {
			_, s := c.Stats()
			mu.Lock()
			defer mu.Unlock()
			return s.In == uint64(sent) && settled(s) && uint64(len(got)) == s.Forwarded
		}
	}
	for i := range n {
		sender.send(inner.LocalAddr().(*net.UDPAddr).AddrPort(), payload(i, 32))
		if i%25 == 24 {
			waitFor(t, "reads", done(i+1))
		}
	}
	waitFor(t, "reads", done(n))
	_, s := c.Stats()
	mu.Lock()
	defer mu.Unlock()
	if uint64(len(got)) != n-s.DroppedLoss+s.Duplicated || !slices.IsSorted(got) || s.Duplicated == 0 || s.DroppedLoss == 0 {
		t.Errorf("read %d packets (sorted %v), stats %v", len(got), slices.IsSorted(got), s)
	}
	c.Close()
	<-readerDone
}

func TestPacketConnDeadlines(t *testing.T) {
	c, err := NewPacketConn(listenLocal(t), Impairment{Latency: time.Millisecond}, Impairment{Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, _, err = c.ReadFrom(buf)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadFrom after the deadline: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(-time.Second)) // already passed
	if _, _, err = c.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrom with a past deadline: %v", err)
	}
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err = c.WriteTo(buf, c.LocalAddr()); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WriteTo with a past deadline: %v", err)
	}
	c.SetDeadline(time.Time{})
	if _, err = c.WriteTo(buf[:8], c.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if k, from, err := c.ReadFrom(buf); err != nil || k != 8 || from.String() != c.LocalAddr().String() {
		t.Fatalf("ReadFrom own packet: %d %v %v", k, from, err)
	}
	// Close unblocks a pending ReadFrom.
	errc := make(chan error, 1)
	go func() { _, _, err := c.ReadFrom(buf); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ReadFrom during Close: %v", err)
	}
	if _, err := c.WriteTo(buf, c.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteTo after Close: %v", err)
	}
	if g := netsimGoroutinesAfterClose(); len(g) != 0 {
		t.Fatalf("goroutines left after Close: %v", g)
	}
}

func TestPacketConnPassThrough(t *testing.T) {
	// Zero impairments: the inner connection's own behaviour, deadlines
	// included, and no goroutine.
	c, _ := NewPacketConn(listenLocal(t), Impairment{Seed: 1}, Impairment{Seed: 2})
	defer c.Close()
	if g := netsimGoroutines(); len(g) != 0 {
		t.Fatalf("goroutines: %v", g)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, _, err := c.ReadFrom(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
}
