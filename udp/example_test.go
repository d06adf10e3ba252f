package udp_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/udp"
)

func Example() {
	server, err := udp.Listen(netip.MustParseAddrPort("127.0.0.1:0"), udp.Config{})
	if err != nil {
		panic(err)
	}
	defer server.Close()

	client, _ := udp.New(udp.Config{})
	defer client.Close()
	client.ConnectToHost(server.LocalAddr()) // only talk to the server
	client.PutPacket([]byte("hello"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Wait(ctx); err != nil {
		panic(err)
	}
	p, _ := server.GetPacket()
	fmt.Printf("%s from the client: %v\n", p, server.PacketAddr().Port() == client.LocalAddr().Port())
	// Output: hello from the client: true
}

var (
	_ packetpeer.PacketPeer = (*udp.Peer)(nil)
	_ packetpeer.Waiter     = (*udp.Peer)(nil)
)
