package engine_test

import (
	"fmt"
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/engine"
)

// Two engine hosts joined by plain function calls: no sockets, no
// goroutines, and time is whatever the caller says it is.
func Example() {
	var client, server *engine.Host
	serverAddr := netip.MustParseAddrPort("127.0.0.1:7777")
	clientAddr := netip.MustParseAddrPort("127.0.0.1:50000")
	var now uint32 = 1000
	cfg := func(send func([]byte, netip.AddrPort)) engine.Config {
		return engine.Config{PeerLimit: 4, ChannelLimit: 2, MTU: 1400,
			MaximumPacketSize: 1 << 20, MaximumWaitingData: 1 << 20, HostMaximumWaitingData: 1 << 22,
			DuplicatePeers: 4, Send: send}
	}
	server = engine.New(cfg(func(b []byte, _ netip.AddrPort) { client.Receive(b, serverAddr, now) }))
	client = engine.New(cfg(func(b []byte, _ netip.AddrPort) { server.Receive(b, clientAddr, now) }))

	peer, err := client.Connect(serverAddr, 2, 42, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each flush delivers the datagrams at once; a few rounds complete the
	// CONNECT / VERIFY_CONNECT / ACK handshake.
	for range 4 {
		now += 10
		client.Flush(now, true)
		server.Flush(now, true)
	}
	_ = peer.Send(1, []byte("hello"), engine.FlagReliable)
	now += 10
	client.Flush(now, true)
	for {
		ev, ok := server.PopEvent()
		if !ok {
			break
		}
		switch ev.Type {
		case engine.EventConnect:
			fmt.Println("server: connect, data", ev.Data)
		case engine.EventReceive:
			fmt.Printf("server: %q on channel %d\n", ev.Packet, ev.Channel)
		}
	}
	// Output:
	// server: connect, data 42
	// server: "hello" on channel 1
}
