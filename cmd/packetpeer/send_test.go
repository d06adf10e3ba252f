package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/stream"
	"github.com/packetpeer/packetpeer/udp"
)

func TestSendUDPOrder(t *testing.T) {
	p, err := udp.Listen(netip.MustParseAddrPort("127.0.0.1:0"), udp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := packetpeer(t, "", "send", "--proto", "udp", "--godot", "3", p.LocalAddr().String(),
		"--hex", "0102", "--var", `{"type":"Dictionary","value":[["a",{"type":"int","value":1}]]}`, "--hex", "ff")
	if r.code != 0 {
		t.Fatal(r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, want := range []string{"0102", dictA1Godot3, "ff"} {
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		b, _ := p.GetPacket()
		if got := hexString(b); got != want {
			t.Fatalf("got %s want %s", got, want)
		}
	}
}

func TestSendTCP(t *testing.T) {
	ln, err := stream.Listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan result, 1)
	go func() {
		done <- packetpeer(t, "", "send", "--proto", "tcp", ln.Addr().String(), "--hex", "0a0b", "--hex", "0c")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := stream.NewPacketStream(c, stream.PacketStreamConfig{})
	defer s.Close()
	for _, want := range []string{"0a0b", "0c"} {
		if err := s.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		b, _ := s.GetPacket()
		if hexString(b) != want {
			t.Fatal(hexString(b))
		}
	}
	if r := <-done; r.code != 0 {
		t.Fatal(r)
	}
	// TLS to a plain TCP listener with no trusted certificate: refused.
	go func() {
		if c, err := ln.Accept(ctx); err == nil {
			c.Close()
		}
	}()
	if r := packetpeer(t, "", "send", "--proto", "tls", "--timeout", "2s", ln.Addr().String(), "--hex", "00"); r.code != exitError {
		t.Fatal(r)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}
