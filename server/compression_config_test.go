package server

import (
	"errors"
	"net"
	"testing"

	"github.com/packetpeer/packetpeer/multiplayer"
)

// TestNewBadCompression: a Compression mode whose Compressor() fails
// makes New fail before binding anything.
func TestNewBadCompression(t *testing.T) {
	// A port that was free a moment ago.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()

	bad := multiplayer.CompressionMode(99)
	if _, cerr := bad.Compressor(); cerr == nil {
		t.Fatal("mode 99 has a compressor")
	}
	s, err := New(Config{Godot3Addr: addr, Godot4Addr: "127.0.0.1:0", Compression: bad})
	if err == nil {
		s.Close()
		t.Fatal("New accepted compression mode 99")
	}
	if !errors.Is(err, multiplayer.ErrBadConfig) {
		t.Errorf("error %v does not wrap multiplayer.ErrBadConfig", err)
	}
	pc, err = net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("%s still bound after New failed: %v", addr, err)
	}
	pc.Close()
}
