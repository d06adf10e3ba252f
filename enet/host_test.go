package enet_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
)

func TestGoGo(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv, err := enet.NewHost("127.0.0.1:0", hostConfig(m.checksum, m.compress))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cli, err := enet.NewHost("127.0.0.1:0", hostConfig(m.checksum, m.compress))
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()

			// The server echoes from its own goroutine with NextEvent.
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(1)
			connectData := make(chan uint32, 1)
			go func() {
				defer wg.Done()
				for {
					ev, err := srv.NextEvent(ctx)
					if err != nil {
						return
					}
					switch ev.Type {
					case enet.EventConnect:
						connectData <- ev.Data
					case enet.EventReceive:
						_ = ev.Peer.Send(ev.ChannelID, ev.Packet, ev.Flags)
					}
				}
			}()
			defer func() { cancel(); wg.Wait() }()

			p, err := cli.Connect(srv.LocalAddr().String(), 4, 99)
			if err != nil {
				t.Fatal(err)
			}
			pump(t, cli, 30*time.Second, func(ev enet.Event) bool { return ev.Type == enet.EventConnect })
			select {
			case d := <-connectData:
				if d != 99 {
					t.Fatalf("connect data %d", d)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no connect event on the server")
			}
			sent := workload(false)
			for _, s := range sent {
				if err := p.Send(s.ch, pattern(s.seed, s.size), s.flags); err != nil {
					t.Fatal(err)
				}
			}
			want := 0
			for _, s := range sent {
				if s.flags&enet.PacketFlagReliable != 0 {
					want++
				}
			}
			var got []msg
			n := 0
			pump(t, cli, 60*time.Second, func(ev enet.Event) bool {
				got = append(got, identify(sent, ev.ChannelID, ev.Packet, ev.Flags))
				if ev.Flags&enet.PacketFlagReliable != 0 {
					n++
				}
				return n == want
			})
			end := time.Now().Add(200 * time.Millisecond)
			for time.Now().Before(end) {
				if ev, _ := cli.Service(10 * time.Millisecond); ev.Type == enet.EventReceive {
					got = append(got, identify(sent, ev.ChannelID, ev.Packet, ev.Flags))
				}
			}
			check(t, sent, got)
			p.Disconnect(5)
			pump(t, cli, 30*time.Second, func(ev enet.Event) bool { return ev.Type == enet.EventDisconnect })
			if err := p.Send(0, []byte("late"), 0); !errors.Is(err, enet.ErrNotConnected) {
				t.Fatalf("Send after disconnect: %v", err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []enet.HostConfig{{PeerLimit: 4096}, {PeerLimit: -1}, {ChannelLimit: 256}, {MTU: 575}, {MTU: 4097}, {MaximumPacketSize: -1}} {
		if _, err := enet.NewHost("127.0.0.1:0", &cfg); !errors.Is(err, enet.ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Connect("127.0.0.1:9", 0, 0); !errors.Is(err, enet.ErrChannelCount) {
		t.Errorf("channel count 0: %v", err)
	}
	p, err := h.Connect("127.0.0.1:9", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Connect("127.0.0.1:9", 1, 0); !errors.Is(err, enet.ErrNoFreePeer) {
		t.Errorf("second connect: %v", err)
	}
	if err := p.Send(0, nil, 0); !errors.Is(err, enet.ErrNotConnected) {
		t.Errorf("send while connecting: %v", err)
	}
	h.Close()
	if _, err := h.Service(0); !errors.Is(err, enet.ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("service after close: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestSendErrors(t *testing.T) {
	srv, _ := enet.NewHost("127.0.0.1:0", &enet.HostConfig{MaximumPacketSize: 1000, ChannelLimit: 2})
	defer srv.Close()
	cli, _ := enet.NewHost("127.0.0.1:0", &enet.HostConfig{MaximumPacketSize: 1000})
	defer cli.Close()
	p, _ := cli.Connect(srv.LocalAddr().String(), 8, 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := srv.Service(50 * time.Millisecond); err != nil {
				return
			}
		}
	}()
	pump(t, cli, 30*time.Second, func(ev enet.Event) bool { return ev.Type == enet.EventConnect })
	if st := p.Stats(); st.Channels != 2 {
		t.Errorf("negotiated %d channels, want 2", st.Channels)
	}
	if err := p.Send(2, []byte("x"), 0); !errors.Is(err, enet.ErrChannel) {
		t.Errorf("channel 2: %v", err)
	}
	if err := p.Send(0, make([]byte, 1001), 0); !errors.Is(err, enet.ErrPacketTooLarge) {
		t.Errorf("1001 bytes: %v", err)
	}
	srv.Close()
	<-done
}

// TestNoGoroutineLeak checks that Close stops the reader goroutine.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		h, err := enet.NewHost("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = h.Service(time.Millisecond)
		h.Close()
	}
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer pc.Close()
	h, _ := enet.NewHost("", &enet.HostConfig{PacketConn: pc})
	h.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
	_ = bytes.Equal
}

// TestGarbageDatagrams: oversized (S6 in 02-bugs-and-asks.md: libenet
// 1.3.17 returns -1 from enet_host_service) and random datagrams are
// dropped and counted; the connection carries on.
func TestGarbageDatagrams(t *testing.T) {
	srv, _ := enet.NewHost("127.0.0.1:0", nil)
	defer srv.Close()
	cli, _ := enet.NewHost("127.0.0.1:0", nil)
	defer cli.Close()
	p, _ := cli.Connect(srv.LocalAddr().String(), 1, 0)
	var sp *enet.Peer
	deadline := time.Now().Add(30 * time.Second)
	for sp == nil || p.State() != enet.PeerState(5) {
		if time.Now().After(deadline) {
			t.Fatal("no connection")
		}
		if ev, _ := srv.Service(5 * time.Millisecond); ev.Type == enet.EventConnect {
			sp = ev.Peer
		}
		_, _ = cli.Service(5 * time.Millisecond)
	}
	junk, err := net.Dial("udp", srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	rnd := make([]byte, 6000)
	for i := range rnd {
		rnd[i] = byte(i*7919 + i>>3)
	}
	_, _ = junk.Write(rnd[:5000]) // oversized
	for i := 0; i < 200; i++ {
		_, _ = junk.Write(rnd[i : i+1+i%300])
	}
	_ = p.Send(0, []byte("still here"), enet.PacketFlagReliable)
	_ = cli.Flush()
	pump(t, srv, 30*time.Second, func(ev enet.Event) bool {
		return ev.Type == enet.EventReceive && string(ev.Packet) == "still here"
	})
	if st := srv.Stats(); st.DroppedDatagrams == 0 {
		t.Fatalf("no dropped datagrams counted: %+v", st)
	}
}

func TestBroadcastAndPing(t *testing.T) {
	srv, _ := enet.NewHost("127.0.0.1:0", nil)
	defer srv.Close()
	var clients []*enet.Host
	for i := 0; i < 3; i++ {
		c, _ := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
		defer c.Close()
		if _, err := c.Connect(srv.LocalAddr().String(), 1, uint32(i)); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	connected := 0
	deadline := time.Now().Add(30 * time.Second)
	for connected < 3 && time.Now().Before(deadline) {
		if ev, _ := srv.Service(2 * time.Millisecond); ev.Type == enet.EventConnect {
			connected++
			ev.Peer.Ping()
		}
		for _, c := range clients {
			_, _ = c.Service(0)
		}
	}
	if connected != 3 {
		t.Fatal("clients did not connect")
	}
	if err := srv.Broadcast(0, pattern(1, 5000), enet.PacketFlagReliable); err != nil {
		t.Fatal(err)
	}
	got := 0
	for got < 3 && time.Now().Before(deadline) {
		_, _ = srv.Service(2 * time.Millisecond)
		for _, c := range clients {
			if ev, _ := c.Service(0); ev.Type == enet.EventReceive {
				if !bytes.Equal(ev.Packet, pattern(1, 5000)) {
					t.Fatal("broadcast payload differs")
				}
				got++
				if st := ev.Peer.Stats(); st.RoundTripTime <= 0 || st.PacketsReceived == 0 {
					t.Fatalf("stats %+v", st)
				}
			}
		}
	}
	if got != 3 {
		t.Fatalf("%d of 3 clients got the broadcast", got)
	}
}
