package stream_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/stream"
	"github.com/packetpeer/packetpeer/variant"
)

// Packets over TCP with Godot's PacketPeerStream framing, on 127.0.0.1.
func Example() {
	ln, err := stream.Listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	go func() {
		c, err := stream.DialTCP(ctx, ln.Addr())
		if err != nil {
			return
		}
		s, _ := stream.NewPacketStream(c, stream.PacketStreamConfig{})
		defer s.Close()
		b, _ := variant.Append(nil, "hello Godot", variant.Godot3) // put_var
		s.PutPacket(b)
	}()

	c, _ := ln.Accept(ctx)
	s, _ := stream.NewPacketStream(c, stream.PacketStreamConfig{})
	defer s.Close()
	if err := s.Wait(ctx); err != nil {
		panic(err)
	}
	p, _ := s.GetPacket()
	v, _, _ := variant.Decode(p, variant.Godot3) // get_var
	fmt.Println(v)
	// Output: hello Godot
}

// StreamPeerBuffer bytes, as Godot 3.2.3 writes them.
func ExampleBuffer() {
	b := stream.NewBuffer(nil, stream.Codec{Format: variant.Godot3, BigEndian: true})
	b.PutU32(3)
	b.PutString("ab")
	b.PutVar(int64(7))
	fmt.Printf("% x\n", b.Bytes())

	b.Seek(0)
	n, _ := b.GetU32()
	s, _ := b.GetString(-1)
	v, _ := b.GetVar()
	_, err := b.GetU8() // past the end
	fmt.Println(n, s, v, err)
	// Output:
	// 00 00 00 03 00 00 00 02 61 62 00 00 00 08 02 00 00 00 07 00 00 00
	// 3 ab 7 stream: GetU8 needs 1 bytes, 0 left (ERR_INVALID_PARAMETER)
}

var (
	_ packetpeer.PacketPeer = (*stream.PacketStream)(nil)
	_ packetpeer.Waiter     = (*stream.PacketStream)(nil)
)
