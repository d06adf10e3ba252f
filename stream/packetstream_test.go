package stream

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

// rwPair is an io.ReadWriter reading r and writing w.
type rwPair struct {
	io.Reader
	io.Writer
}

func waitPacket(t *testing.T, s *PacketStream) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	p, err := s.GetPacket()
	if err != nil {
		t.Fatalf("GetPacket: %v", err)
	}
	return p
}

// Godot test vectors D6-D9 and D11.
func TestPacketStreamVectors(t *testing.T) {
	var out bytes.Buffer
	in := bytes.NewReader(append(unhex(t, "0f000000"), append([]byte("Godot Rules!!!"), 0)...))
	s, err := NewPacketStream(rwPair{in, &out}, PacketStreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutPacket([]byte("Godot Rules!!!")); err != nil {
		t.Fatal(err)
	}
	if got := out.Bytes(); !bytes.Equal(got, unhex(t, "0e000000 476f646f742052756c6573212121")) {
		t.Fatalf("D6: %x", got)
	}
	out.Reset()
	if err := s.PutPacket(nil); err != nil || out.Len() != 0 {
		t.Fatalf("D8: %v %d", err, out.Len())
	}
	if p := waitPacket(t, s); string(p) != "Godot Rules!!!\x00" {
		t.Fatalf("D7: %q", p)
	}
	// The stream ended cleanly after the packet.
	if _, err := s.GetPacket(); !errors.Is(err, io.EOF) || !errors.Is(err, godoterr.ErrConnectionError) {
		t.Fatalf("after end: %v", err)
	}

	// D11: StreamPeerBuffer.put_var framing == PacketPeerStream framing.
	b := NewBuffer(nil, Codec{})
	b.PutVar("Godot Rules!!!")
	if !bytes.Equal(b.Bytes(), unhex(t, "18000000 04000000 0e000000 476f646f 74205275 6c657321 21210000")) {
		t.Fatalf("D11 bytes %x", b.Bytes())
	}
	b.Seek(0)
	s2, _ := NewPacketStream(b, PacketStreamConfig{})
	p := waitPacket(t, s2)
	if got, err := NewBuffer(p, Codec{}).GetData(len(p)); err != nil || len(got) != 24 {
		t.Fatal(got, err)
	}
}

func TestPacketStreamEmptyUnavailable(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s, _ := NewPacketStream(a, PacketStreamConfig{})
	defer s.Close()
	if _, err := s.GetPacket(); !errors.Is(err, godoterr.ErrUnavailable) {
		t.Fatalf("D9: %v", err)
	}
	if n := s.AvailablePacketCount(); n != 0 {
		t.Fatal(n)
	}
}

func TestPacketStreamLimits(t *testing.T) {
	var out bytes.Buffer
	s, _ := NewPacketStream(rwPair{bytes.NewReader(nil), &out}, PacketStreamConfig{})
	if err := s.PutPacket(make([]byte, 65532)); err != nil {
		t.Fatal(err)
	}
	err := s.PutPacket(make([]byte, 65533))
	var fe *FrameSizeError
	if !errors.As(err, &fe) || !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatalf("65533: %v", err)
	}
	if _, err := NewPacketStream(&out, PacketStreamConfig{InputBufferMaxSize: -1}); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
}

type closeRecorder struct {
	io.Reader
	io.Writer
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

// A header claiming 4 GiB: a specific error at once, the stream closed, no
// allocation beyond the fixed buffer.
func TestPacketStreamHugeFrame(t *testing.T) {
	for _, claim := range []uint32{0xffffffff, 65533} {
		hdr := binary.LittleEndian.AppendUint32(nil, claim)
		c := &closeRecorder{Reader: io.MultiReader(bytes.NewReader(hdr), neverReader{}), Writer: io.Discard}
		s, _ := NewPacketStream(c, PacketStreamConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.Wait(ctx)
		cancel()
		var fe *FrameSizeError
		if !errors.As(err, &fe) || !fe.Incoming || fe.Size != int64(claim) || !errors.Is(err, godoterr.ErrOutOfMemory) {
			t.Fatalf("claim %d: %v", claim, err)
		}
		if _, err := s.GetPacket(); !errors.As(err, &fe) {
			t.Fatalf("GetPacket: %v", err)
		}
		deadline := time.Now().Add(time.Second)
		for !c.closed.Load() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if !c.closed.Load() {
			t.Fatal("stream not closed")
		}
	}
}

type neverReader struct{}

func (neverReader) Read([]byte) (int, error) { select {} }

func TestPacketStreamTruncatedAndZero(t *testing.T) {
	// A zero-length frame, a complete frame, then a frame cut short.
	data := unhex(t, "00000000 02000000 6869 05000000 6162")
	s, _ := NewPacketStream(rwPair{bytes.NewReader(data), io.Discard}, PacketStreamConfig{})
	if p := waitPacket(t, s); p == nil || len(p) != 0 {
		t.Fatalf("zero-length: %#v", p)
	}
	if p := waitPacket(t, s); string(p) != "hi" {
		t.Fatal(p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.Wait(ctx)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, godoterr.ErrConnectionError) {
		t.Fatalf("truncated: %v", err)
	}
}

// A sender dribbling one byte at a time still yields whole packets.
func TestPacketStreamSlowSender(t *testing.T) {
	a, b := net.Pipe()
	s, _ := NewPacketStream(a, PacketStreamConfig{})
	defer s.Close()
	frame := append(binary.LittleEndian.AppendUint32(nil, 300), bytes.Repeat([]byte{7}, 300)...)
	go func() {
		for i := range frame {
			if _, err := b.Write(frame[i : i+1]); err != nil {
				return
			}
		}
	}()
	if p := waitPacket(t, s); len(p) != 300 || p[299] != 7 {
		t.Fatal(len(p))
	}
	b.Close()
}

// A reader that does not keep up: the buffer fills, the sender is held back
// by the stream (no drop, bounded memory), then everything arrives in order.
func TestPacketStreamBackpressure(t *testing.T) {
	ln, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n, size = 400, 1000
	go func() {
		c, err := DialTCP(ctx, ln.Addr())
		if err != nil {
			return
		}
		s, _ := NewPacketStream(c, PacketStreamConfig{})
		defer s.Close()
		p := make([]byte, size)
		for i := range n {
			binary.LittleEndian.PutUint32(p, uint32(i))
			if s.PutPacket(p) != nil {
				return
			}
		}
	}()
	c, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewPacketStream(c, PacketStreamConfig{InputBufferMaxSize: 4096})
	defer s.Close()
	s.AvailablePacketCount()           // starts reading
	time.Sleep(200 * time.Millisecond) // let the buffer fill
	if k := s.AvailablePacketCount(); k < 1 || k > 5 {
		t.Fatalf("buffered %d packets with a 4 KiB buffer", k)
	}
	buf := make([]byte, size)
	for i := range n {
		if err := s.Wait(ctx); err != nil {
			t.Fatal(i, err)
		}
		m, err := s.GetPacketInto(buf)
		if err != nil || m != size || binary.LittleEndian.Uint32(buf) != uint32(i) {
			t.Fatalf("packet %d: %d %v", i, m, err)
		}
	}
}

func TestPacketStreamCloseNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		a, b := net.Pipe()
		s, _ := NewPacketStream(a, PacketStreamConfig{})
		s.AvailablePacketCount() // starts the reader
		s.Close()
		b.Close()
		if _, err := s.GetPacket(); !errors.Is(err, net.ErrClosed) {
			t.Fatal(err)
		}
		if err := s.PutPacket([]byte{1}); !errors.Is(err, net.ErrClosed) {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("goroutines: %d before, %d after", before, g)
	}
}

func FuzzPacketStreamFraming(f *testing.F) {
	f.Add(unhex(f, "0e000000476f646f742052756c6573212121"), uint16(100))
	f.Add(unhex(f, "ffffffff"), uint16(0))
	f.Add(unhex(f, "00000000 02000000 6869 0500"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		s, err := NewPacketStream(rwPair{bytes.NewReader(data), io.Discard}, PacketStreamConfig{InputBufferMaxSize: int(limit) + 1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		total := 0
		for {
			if err := s.Wait(ctx); err != nil {
				if godoterr.Code(err) == godoterr.Failed {
					t.Fatalf("error without a Godot code: %v", err)
				}
				break
			}
			p, err := s.GetPacket()
			if err != nil {
				t.Fatal(err)
			}
			total += 4 + len(p)
			if len(p) > int(limit)+1 {
				t.Fatalf("packet of %d over limit %d", len(p), int(limit)+1)
			}
		}
		if total > len(data) {
			t.Fatal("more bytes out than in")
		}
	})
}
