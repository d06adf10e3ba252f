package compress

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/udp"
)

// gdCompressedPeer is the GDScript side of Peer's framing, as documented on
// Peer: put_compressed and get_compressed over a PacketPeerUDP connected to
// Go. For each mode it sends a tiny packet (under FastLZ's 16-byte minimum)
// and a 200-line one, then decompresses the 8 packets Go sends back.
const gdCompressedPeer = `extends SceneTree
func payload(who, m, lines):
	if lines == 0:
		return ("tiny " + who).to_utf8()
	var s = ""
	for i in range(lines):
		s += "%s line %d of mode %d\n" % [who, i, m]
	return s.to_utf8()

func put_compressed(peer, data, mode):
	var b = StreamPeerBuffer.new()
	b.put_u32(data.size())
	b.put_data(data.compress(mode))
	return peer.put_packet(b.data_array)

func get_compressed(peer, mode):
	var p = peer.get_packet()
	var size = p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24
	var d = p.subarray(4, p.size() - 1).decompress(size, mode)
	return d.subarray(0, size - 1) if d.size() > size else d

func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var udp = PacketPeerUDP.new()
	print("CONNECT ", udp.connect_to_host("127.0.0.1", port))
	for m in range(4):
		for lines in [0, 200]:
			print("PUT ", m, " ", lines, " ", put_compressed(udp, payload("godot", m, lines), m))
	var got = 0
	var end = OS.get_ticks_msec() + 30000
	while got < 8 and OS.get_ticks_msec() < end:
		if udp.get_available_packet_count() > 0:
			var m = got / 2
			var lines = [0, 200][got % 2]
			var d = get_compressed(udp, m)
			print("GOT ", m, " ", lines, " ", d.size(), " ", d == payload("go", m, lines))
			got += 1
		else:
			OS.delay_msec(2)
	udp.close()
	print("PROBE_DONE")
	quit()
`

func interopPayload(who string, m Mode, lines int) []byte {
	if lines == 0 {
		return []byte("tiny " + who)
	}
	var s strings.Builder
	for i := range lines {
		fmt.Fprintf(&s, "%s line %d of mode %d\n", who, i, int(m))
	}
	return []byte(s.String())
}

// TestInteropPeerGodot3 runs Peer's framing against the real Godot 3.2.3
// over PacketPeerUDP, both ways, in every mode: Godot's compress() packets
// with the size prefix are read by Peer, and Peer's packets are
// decompressed by Godot's decompress(size, mode).
func TestInteropPeerGodot3(t *testing.T) {
	godottest.RequireGodot3(t)
	u, err := udp.Listen(netip.MustParseAddrPort("127.0.0.1:0"), udp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	g := godottest.StartGodot3(t, gdCompressedPeer, godottest.Env(fmt.Sprintf("PP_PORT=%d", u.LocalAddr().Port())))
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	peers := map[Mode]*Peer{}
	for m := FastLZ; m <= GZIP; m++ {
		if peers[m], err = NewPeer(u, PeerConfig{Mode: m}); err != nil {
			t.Fatal(err)
		}
	}
	// Godot's packets arrive in order on loopback: mode by mode.
	for m := FastLZ; m <= GZIP; m++ {
		for _, lines := range []int{0, 200} {
			if err := peers[m].Wait(ctx); err != nil {
				t.Fatalf("Wait: %v\n%s", err, g.Output())
			}
			got, err := peers[m].GetPacket()
			if want := interopPayload("godot", m, lines); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%v, %d lines from Godot: %v, got %d bytes, want %d", m, lines, err, len(got), len(want))
			}
		}
	}
	if err := u.SetDestAddress(u.PacketAddr()); err != nil {
		t.Fatal(err)
	}
	for m := FastLZ; m <= GZIP; m++ {
		for _, lines := range []int{0, 200} {
			if err := peers[m].PutPacket(interopPayload("go", m, lines)); err != nil {
				t.Fatal(err)
			}
		}
	}
	res := g.Wait()
	for m := FastLZ; m <= GZIP; m++ {
		for _, lines := range []int{0, 200} {
			for _, want := range []string{
				fmt.Sprintf("PUT %d %d 0", int(m), lines),
				fmt.Sprintf("GOT %d %d %d True", int(m), lines, len(interopPayload("go", m, lines))),
			} {
				if !hasLine(res.Lines, want) {
					t.Errorf("Godot did not print %q:\n%s", want, res.Output())
				}
			}
		}
	}
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}
