package multiplayer_test

import (
	"context"
	"fmt"
	"time"

	packetpeer "github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// A Godot 4 dialect server and two clients on an in-memory network: the
// clients learn of each other, and one sends a Variant to the other
// through the server's relay.
func Example() {
	n := multiplayer.NewMemNetwork()
	cfg := &multiplayer.Config{Dialect: multiplayer.Godot4}
	lt, _ := n.Listen("room", 0)
	server, _ := multiplayer.NewServer(lt, cfg)
	defer server.Close()
	alice, _ := multiplayer.NewClient(n.Dial("room", 0, 1001), 1001, cfg)
	defer alice.Close()
	bob, _ := multiplayer.NewClient(n.Dial("room", 0, 2002), 2002, cfg)
	defer bob.Close()

	// Godot style: poll every peer, then read its events.
	for range 3 {
		for _, p := range []*multiplayer.Peer{server, alice, bob} {
			_ = p.Poll()
		}
	}
	for ev, ok := bob.PollEvent(); ok; ev, ok = bob.PollEvent() {
		fmt.Println("bob:", ev)
	}

	alice.SetTargetPeer(2002)
	_ = packetpeer.NewVarPeer(alice, variant.Godot4).PutVar("hello bob")
	_ = server.Poll() // the server relays

	// Go style: block until the packet arrives.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = bob.Wait(ctx)
	from := bob.PacketPeer()
	v, _ := packetpeer.NewVarPeer(bob, variant.Godot4).GetVar()
	fmt.Println("from", from, v)
	// Output:
	// bob: peer_connected(1)
	// bob: connection_succeeded
	// bob: peer_connected(1001)
	// from 1001 hello bob
}

// The Godot 3.2 data header and the Godot 4 RELAY wrapper, byte by byte.
func ExampleAppendRelay() {
	fmt.Printf("% x\n", multiplayer.AppendGodot3Header(nil, multiplayer.Godot3Header{Source: 42, Target: -5}))
	fmt.Printf("% x\n", multiplayer.AppendRelay(nil, 7, multiplayer.AppendRaw(nil, []byte{0xaa})))
	_, err := multiplayer.ParseSys([]byte{0x07, 0x01, 0x01, 0, 0, 0}) // ADD_PEER of the server
	fmt.Println(err)
	// Output:
	// 2a 00 00 00 fb ff ff ff
	// 07 03 07 00 00 00 03 aa
	// sys add_peer: peer 1: multiplayer: invalid peer id: ERR_INVALID_DATA
}
