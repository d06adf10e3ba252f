package enet_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
)

func TestHardeningConfigValidation(t *testing.T) {
	for _, cfg := range []enet.HostConfig{{MaxPendingConnections: -1}, {MaxPendingConnections: 4096}, {MaxPendingPerAddress: -1}, {MaxPendingPerAddress: 4096}} {
		if _, err := enet.NewHost("127.0.0.1:0", &cfg); !errors.Is(err, enet.ErrInvalidConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

// S6 on a real socket: datagrams larger than ENet's maximum (up to the
// largest UDP payload) neither stop the host nor break a connection.
func TestHardeningOversizedDatagrams(t *testing.T) {
	srv, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	p, err := cli.Connect(srv.LocalAddr().String(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	ss, cs := service(srv), service(cli)
	defer ss.close()
	defer cs.close()
	deadline := time.Now().Add(30 * time.Second)
	cs.wait(t, "connect", deadline, func(evs []enet.Event) bool { return len(evs) > 0 })
	junk, err := net.Dial("udp", srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	for _, n := range []int{4097, 9000, 65507} {
		if _, err := junk.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Send(0, []byte("after"), enet.PacketFlagReliable); err != nil {
		t.Fatal(err)
	}
	ss.wait(t, "receive", deadline, func(evs []enet.Event) bool {
		for _, ev := range evs {
			if ev.Type == enet.EventReceive && string(ev.Packet) == "after" {
				return true
			}
		}
		return false
	})
	if d := srv.Stats().DroppedDatagrams; d < 3 {
		t.Fatalf("%d datagrams dropped", d)
	}
}
