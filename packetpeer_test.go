package packetpeer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/variant"
)

func TestPutVarEncodeBufferMaxSize(t *testing.T) {
	a, b := NewPipe(nil)
	vp := NewVarPeer(a, variant.Godot3)
	if vp.EncodeBufferMaxSize() != 8<<20 {
		t.Fatal(vp.EncodeBufferMaxSize())
	}
	for _, bad := range []int{1023, 0, -1, 256<<20 + 1} {
		if err := vp.SetEncodeBufferMaxSize(bad); !errors.Is(err, ErrInvalidParameter) || vp.EncodeBufferMaxSize() != 8<<20 {
			t.Fatalf("%d: %v, kept %d", bad, err, vp.EncodeBufferMaxSize())
		}
	}
	for in, want := range map[int]int{2000: 2048, 1024: 1024, 1025: 2048, 256 << 20: 256 << 20} {
		if err := vp.SetEncodeBufferMaxSize(in); err != nil || vp.EncodeBufferMaxSize() != want {
			t.Fatalf("%d: %v %d", in, err, vp.EncodeBufferMaxSize())
		}
	}
	// Golden (Godot 3.2.3): a 1025-character string encodes to 1036 bytes,
	// over a max of 1024: ERR_OUT_OF_MEMORY, nothing sent.
	_ = vp.SetEncodeBufferMaxSize(1024)
	s := strings.Repeat("x", 1025)
	if n, _ := (&variant.Encoder{Format: variant.Godot3}).Len(s); n != 1036 {
		t.Fatalf("encoded length %d", n)
	}
	err := vp.PutVar(s)
	if !errors.Is(err, ErrOutOfMemory) || godoterr.Code(err) != godoterr.ErrOutOfMemory {
		t.Fatalf("got %v", err)
	}
	if b.AvailablePacketCount() != 0 {
		t.Fatal("sent anyway")
	}
	// 1012 characters encode to exactly 1024 bytes: allowed.
	if err := vp.PutVar(strings.Repeat("x", 1012)); err != nil {
		t.Fatal(err)
	}
	v, err := NewVarPeer(b, variant.Godot3).GetVar()
	if err != nil || v != strings.Repeat("x", 1012) {
		t.Fatal(err)
	}
}

func TestGetVarErrorsAndTrailingBytes(t *testing.T) {
	a, b := NewPipe(nil)
	vp := NewVarPeer(b, variant.Godot3)
	// int 7, then trailing bytes: ignored like Godot.
	_ = a.PutPacket([]byte{2, 0, 0, 0, 7, 0, 0, 0, 0xde, 0xad})
	if v, err := vp.GetVar(); err != nil || v != int64(7) {
		t.Fatalf("%v %v", v, err)
	}
	_ = a.PutPacket([]byte{2, 0, 0}) // truncated header
	if _, err := vp.GetVar(); !errors.Is(err, ErrInvalidData) {
		t.Fatal(err)
	}
	// A full object (3.2 id 17, flag bit 16) with objects refused.
	obj := []byte{17, 0, 0, 0, 4, 0, 0, 0, 'N', 'o', 'd', 'e', 0, 0, 0, 0}
	_ = a.PutPacket(obj)
	if _, err := vp.GetVar(); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v", err)
	}
	vp.AllowObjects = true
	_ = a.PutPacket(obj)
	if v, err := vp.GetVar(); err != nil {
		t.Fatalf("allowed: %v %v", v, err)
	}
	if _, err := vp.GetVar(); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
}

func TestPutVarNoAllocs(t *testing.T) {
	a, b := NewPipe(nil)
	vp := NewVarPeer(a, variant.Godot3)
	v := []any{int64(1), "position", 2.5}
	allocs := testing.AllocsPerRun(100, func() {
		if err := vp.PutVar(v); err != nil {
			t.Fatal(err)
		}
		_, _ = b.GetPacket()
	})
	// One allocation: the packet GetPacket returns. PutVar itself: none.
	if allocs > 1 {
		t.Fatalf("%v allocs per PutVar+GetPacket, want 1", allocs)
	}
}

func TestPipe(t *testing.T) {
	a, b := NewPipe(&PipeConfig{BufferSize: 64, MaxPacketSize: 20})
	if err := a.PutPacket(make([]byte, 21)); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
	if err := a.PutPacket(nil); err != nil || b.AvailablePacketCount() != 0 {
		t.Fatal("empty packet is a no-op")
	}
	// 64 bytes hold three 16-byte packets (+4 each) but not a fourth.
	for i := range 3 {
		if err := a.PutPacket(bytes.Repeat([]byte{byte(i)}, 16)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PutPacket(make([]byte, 16)); !errors.Is(err, ErrBusy) {
		t.Fatalf("full: %v", err)
	}
	// Wrap around the ring repeatedly; order and content are kept.
	for i := 3; i < 50; i++ {
		p, err := b.GetPacket()
		if err != nil || !bytes.Equal(p, bytes.Repeat([]byte{byte(i - 3)}, 16)) {
			t.Fatalf("%d: %x %v", i, p, err)
		}
		if err := a.PutPacket(bytes.Repeat([]byte{byte(i)}, 16)); err != nil {
			t.Fatal(err)
		}
	}
	if b.AvailablePacketCount() != 3 {
		t.Fatal(b.AvailablePacketCount())
	}
	// Close: the other end reads what is queued, then io.EOF.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if err := b.PutPacket([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := ReadPacket(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReadPacket(context.Background(), b); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
	if _, err := a.GetPacket(); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
}

// pollOnly hides a peer's Wait method, to test ReadPacket's polling path.
type pollOnly struct{ PacketPeer }

func TestReadPacketWaitAndPoll(t *testing.T) {
	for _, name := range []string{"waiter", "polled"} {
		t.Run(name, func(t *testing.T) {
			a, b := NewPipe(nil)
			var peer PacketPeer = b
			if name == "polled" {
				peer = pollOnly{b}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			start := time.Now()
			if _, err := ReadPacket(ctx, peer); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 20*time.Millisecond {
				t.Fatalf("got %v after %v", err, time.Since(start))
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				time.Sleep(10 * time.Millisecond)
				_ = a.PutPacket([]byte("late"))
			})
			p, err := ReadPacket(context.Background(), peer)
			wg.Wait()
			if err != nil || string(p) != "late" {
				t.Fatal(p, err)
			}
		})
	}
}

func TestStats(t *testing.T) {
	a, b := NewPipe(nil)
	sa := NewStatsPeer(a, nil)
	sb := NewStatsPeer(b, sa.Stats()) // shared counters
	_ = sa.PutPacket([]byte("12345"))
	_ = sa.PutPacket(nil)
	_, _ = sb.GetPacket()
	_, _ = sb.GetPacket() // unavailable: not counted
	sa.Stats().Drop(DropQueueFull, 7)
	sa.Stats().Drop(DropReason(99), 1)
	s := sa.Stats().Snapshot()
	if s.PacketsOut != 1 || s.BytesOut != 5 || s.PacketsIn != 1 || s.BytesIn != 5 {
		t.Fatalf("%+v", s)
	}
	if s.Drops[DropQueueFull] != 1 || s.DropBytes[DropQueueFull] != 7 || s.Drops[DropOther] != 1 || s.Dropped() != 2 {
		t.Fatalf("%+v", s.Drops)
	}
	if DropRateLimited.String() != "rate_limited" || DropReason(99).String() != "DropReason(99)" {
		t.Fatal("names")
	}
}

func TestRateLimitedPeer(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	a, b := NewPipe(nil)
	stats := new(Stats)
	out, err := NewRateLimitedPeer(a, RateLimitConfig{
		Out: RateLimit{PacketsPerSecond: 2, BytesPerSecond: 100},
		Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := NewRateLimitedPeer(b, RateLimitConfig{In: RateLimit{PacketsPerSecond: 1}, Stats: stats, Now: clock})

	// Out: burst 2 packets / 100 bytes; the third is ErrBusy, nothing lost.
	if err := out.PutPacket(make([]byte, 101)); !errors.Is(err, ErrInvalidParameter) || out.MaxPacketSize() != 100 {
		t.Fatalf("over byte burst: %v", err)
	}
	for i := range 3 {
		err := out.PutPacket(make([]byte, 10))
		if (i < 2) != (err == nil) || (i == 2 && !errors.Is(err, ErrBusy)) {
			t.Fatalf("%d: %v", i, err)
		}
	}
	now = now.Add(500 * time.Millisecond) // tokens: 1 packet, 100 bytes (80+50, capped)
	if err := out.PutPacket(make([]byte, 90)); err != nil {
		t.Fatal(err)
	}
	if err := out.PutPacket(make([]byte, 1)); !errors.Is(err, ErrBusy) {
		t.Fatalf("packet limit: %v", err)
	}
	now = now.Add(500 * time.Millisecond) // tokens: 1 packet, 60 bytes
	if err := out.PutPacket(make([]byte, 61)); !errors.Is(err, ErrBusy) {
		t.Fatalf("byte limit: %v", err)
	}
	if err := out.PutPacket(make([]byte, 60)); err != nil { // the refused one spent nothing
		t.Fatal(err)
	}
	if b.AvailablePacketCount() != 4 {
		t.Fatal(b.AvailablePacketCount())
	}
	// In: 1 packet/s, burst 1: of four queued packets, one passes and three
	// are dropped and counted.
	if _, err := in.GetPacket(); err != nil {
		t.Fatal(err)
	}
	if _, err := in.GetPacket(); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
	if d := stats.Snapshot().Drops[DropRateLimited]; d != 3 {
		t.Fatalf("drops %d", d)
	}
	if _, err := NewRateLimitedPeer(a, RateLimitConfig{In: RateLimit{BytesPerSecond: -1}}); !errors.Is(err, ErrInvalidParameter) {
		t.Fatal(err)
	}
}
