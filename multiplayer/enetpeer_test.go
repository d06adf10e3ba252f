package multiplayer

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
)

func TestENetPeerAccessor(t *testing.T) {
	if _, ok := ENetPeer(nil); ok {
		t.Error("ENetPeer(nil) reported a peer")
	}
	srv, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 2, ChannelLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	tr := NewENetTransport(srv, Godot3)
	defer tr.Close()
	cli, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 1, ChannelLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Connect(srv.LocalAddr().String(), 3, 1234); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() { // drive the client's handshake
		for ctx.Err() == nil {
			_, _ = cli.Service(10 * time.Millisecond)
		}
	}()
	ev, err := tr.NextEvent(ctx)
	if err != nil || ev.Type != TransportConnect || ev.Data != 1234 {
		t.Fatalf("event %+v, %v", ev, err)
	}
	p, ok := ENetPeer(ev.Link)
	want := uint16(cli.LocalAddr().(*net.UDPAddr).Port)
	if !ok || p.Address().Port() != want {
		t.Fatalf("ENetPeer = %v, %v; client at %v", p, ok, cli.LocalAddr())
	}
}
