//go:build linux

package enet

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// TestOffloadPaths sends reliable 1000-byte packets (one datagram each, so
// that runs of equal datagrams form) and 8000-byte ones (fragments) from
// a Go host to another with each combination of UDP_SEGMENT on the sender
// and UDP_GRO on the receiver, and checks that every packet arrives intact
// and in order, and that the offloads were used where they were on.
func TestOffloadPaths(t *testing.T) {
	saveGSO, saveGRO := gsoEnabled, groEnabled
	t.Cleanup(func() { gsoEnabled, groEnabled = saveGSO, saveGRO })
	for _, c := range []struct{ gso, gro bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		t.Run(fmt.Sprintf("gso=%v,gro=%v", c.gso, c.gro), func(t *testing.T) {
			gsoEnabled, groEnabled = c.gso, false
			cli, err := NewHost("127.0.0.1:0", &HostConfig{PeerLimit: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
			gsoEnabled, groEnabled = false, c.gro
			srv, err := NewHost("127.0.0.1:0", &HostConfig{PeerLimit: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if c.gso && !cli.bio.gso {
				t.Skip("the kernel has no UDP_SEGMENT")
			}
			if c.gro && !srv.bio.prx.gro {
				t.Skip("the kernel has no UDP_GRO")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			go func() {
				for ctx.Err() == nil {
					if _, err := cli.Service(10 * time.Millisecond); err != nil {
						return
					}
				}
			}()
			p, err := cli.Connect(srv.LocalAddr().String(), 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ev, err := srv.NextEvent(ctx); err != nil || ev.Type != EventConnect {
				t.Fatalf("connect: %v %v", ev.Type, err)
			}
			const n = 300
			payload := func(i int) []byte {
				size := 1000
				if i%10 == 9 {
					size = 8000
				}
				return bytes.Repeat([]byte{byte(i), byte(i >> 8)}, size/2)
			}
			for i := range n {
				if err := p.Send(0, payload(i), PacketFlagReliable); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < n; {
				ev, err := srv.NextEvent(ctx)
				if err != nil {
					t.Fatalf("after %d packets: %v", i, err)
				}
				if ev.Type != EventReceive {
					continue
				}
				if !bytes.Equal(ev.Packet, payload(i)) {
					t.Fatalf("packet %d: %d bytes, not what was sent", i, len(ev.Packet))
				}
				ev.Release()
				i++
			}
			cancel()
			cli.mu.Lock()
			gso := cli.bio.gsoMessages
			cli.mu.Unlock()
			srv.mu.Lock()
			gro := srv.bio.groMessages
			srv.mu.Unlock()
			t.Logf("UDP_SEGMENT messages sent: %d, UDP_GRO messages received: %d", gso, gro)
			if c.gso != (gso > 0) {
				t.Errorf("gso %v: %d segmented messages sent", c.gso, gso)
			}
			if c.gso && c.gro && gro == 0 {
				t.Errorf("no coalesced message received with GSO and GRO on")
			}
			if !c.gro && gro != 0 {
				t.Errorf("GRO off: %d coalesced messages", gro)
			}
		})
	}
}
