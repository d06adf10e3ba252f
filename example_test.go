package packetpeer_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/variant"
)

// loopback is a PacketPeer of your own (Godot's PacketPeerExtension): every
// packet put is got back. Implementing the five methods is all it takes to
// get PutVar/GetVar, ReadPacket and every wrapper.
type loopback struct{ queue [][]byte }

func (l *loopback) PutPacket(p []byte) error {
	if len(p) > 0 {
		l.queue = append(l.queue, append([]byte(nil), p...)) // copy: the caller reuses p
	}
	return nil
}

func (l *loopback) GetPacket() ([]byte, error) {
	if len(l.queue) == 0 {
		return nil, packetpeer.ErrUnavailable
	}
	p := l.queue[0]
	l.queue = l.queue[1:]
	return p, nil
}

func (l *loopback) AvailablePacketCount() int { return len(l.queue) }
func (l *loopback) MaxPacketSize() int        { return 1 << 16 }
func (l *loopback) Close() error              { return nil }

func ExamplePacketPeer() {
	stats := new(packetpeer.Stats)
	peer := packetpeer.NewVarPeer(packetpeer.NewStatsPeer(&loopback{}, stats), variant.Godot3)

	_ = peer.PutVar("hello")
	v, err := peer.GetVar()
	fmt.Println(v, err)
	s := stats.Snapshot()
	fmt.Println(s.PacketsOut, s.BytesOut, s.PacketsIn)
	// Output:
	// hello <nil>
	// 1 16 1
}

func ExampleReadPacket() {
	a, b := packetpeer.NewPipe(nil)
	go func() { _ = a.PutPacket([]byte("ping")) }()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := packetpeer.ReadPacket(ctx, b) // blocks until the packet arrives
	fmt.Println(string(p), err)
	// Output: ping <nil>
}

func ExampleVarPeer() {
	a, b := packetpeer.NewPipe(nil)
	send := packetpeer.NewVarPeer(a, variant.Godot3)
	recv := packetpeer.NewVarPeer(b, variant.Godot3)

	_ = send.PutVar(int64(42))
	v, _ := recv.GetVar()
	fmt.Println(v)

	// Godot's encode_buffer_max_size: too large a value is refused.
	_ = send.SetEncodeBufferMaxSize(2000) // rounded up to 2048
	err := send.PutVar(string(make([]byte, 4000)))
	fmt.Println(send.EncodeBufferMaxSize(), errors.Is(err, packetpeer.ErrOutOfMemory))
	// Output:
	// 42
	// 2048 true
}

func ExampleRateLimitedPeer() {
	a, _ := packetpeer.NewPipe(nil)
	limited, _ := packetpeer.NewRateLimitedPeer(a, packetpeer.RateLimitConfig{
		Out: packetpeer.RateLimit{PacketsPerSecond: 10, PacketBurst: 2},
	})
	for i := 0; i < 3; i++ {
		err := limited.PutPacket([]byte("x"))
		fmt.Println(i, errors.Is(err, packetpeer.ErrBusy))
	}
	// Output:
	// 0 false
	// 1 false
	// 2 true
}
