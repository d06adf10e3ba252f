package enet_test

import (
	"fmt"
	"time"

	"github.com/packetpeer/packetpeer/enet"
)

// A server and a client on 127.0.0.1: connect with a data value, send a
// reliable packet, disconnect.
func ExampleHost() {
	server, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 8})
	if err != nil {
		panic(err)
	}
	defer server.Close()
	client, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	peer, err := client.Connect(server.LocalAddr().String(), 2, 42)
	if err != nil {
		panic(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// Godot style: each side polls its host.
		if ev, _ := server.Service(5 * time.Millisecond); ev.Type != enet.EventNone {
			switch ev.Type {
			case enet.EventConnect:
				fmt.Println("server: connect, data", ev.Data)
			case enet.EventReceive:
				fmt.Printf("server: %q on channel %d\n", ev.Packet, ev.ChannelID)
				ev.Peer.Disconnect(7)
			}
		}
		ev, _ := client.Service(5 * time.Millisecond)
		switch ev.Type {
		case enet.EventConnect:
			fmt.Println("client: connected")
			_ = peer.Send(1, []byte("hello"), enet.PacketFlagReliable)
		case enet.EventDisconnect:
			fmt.Println("client: disconnected, data", ev.Data)
			return
		}
	}
	// Output:
	// client: connected
	// server: connect, data 42
	// server: "hello" on channel 1
	// client: disconnected, data 7
}
