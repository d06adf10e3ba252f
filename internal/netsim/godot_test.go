package netsim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/packetpeer/packetpeer/internal/godottest"
)

// The real Godot 3.2.3 sends numbered packets with PacketPeerUDP through a
// proxy that loses 10%: the Go receiver gets exactly the packets the seed
// spares.
func TestGodot3ThroughProxy(t *testing.T) {
	godottest.RequireGodot3(t) // skips, or fails with PACKETPEER_INTEROP=require
	const n = 500
	target := newPeer(t, false)
	up := Impairment{Loss: 0.1, Seed: 2024}
	p := startProxy(t, Config{Target: target.addr().String(), Up: up})

	// Packets like payload(i, 8): u32 i little-endian, then byte(i*7+j).
	script := fmt.Sprintf(`extends SceneTree

func _init():
	var udp = PacketPeerUDP.new()
	var err = udp.set_dest_address("127.0.0.1", %d)
	if err != OK:
		print("ERROR set_dest_address ", err)
		quit()
		return
	for i in range(%d):
		var b = PoolByteArray()
		b.append(i & 255)
		b.append((i >> 8) & 255)
		b.append((i >> 16) & 255)
		b.append((i >> 24) & 255)
		for j in range(4, 8):
			b.append((i * 7 + j) & 255)
		err = udp.put_packet(b)
		if err != OK:
			print("ERROR put_packet ", i, " ", err)
		if i %% 20 == 19:
			OS.delay_msec(5)
	print("SENT %d")
	print("PROBE_DONE")
	quit()
`, p.AddrPort().Port(), n, n)
	r := godottest.RunGodot3(t, script)
	if !r.Done || len(r.Prefixed("ERROR")) > 0 {
		t.Fatalf("Godot run:\n%s", r.Output())
	}
	waitFor(t, "the proxy to settle", func() bool {
		st := p.Stats().Up
		return settled(st) && target.count() == st.Forwarded && st.In > 0
	})
	st := p.Stats().Up
	got := target.got()
	if uint64(len(got)) != st.Forwarded || !slices.IsSorted(got) {
		t.Fatalf("received %d (sorted %v), stats %v", len(got), slices.IsSorted(got), st)
	}
	if st.In == n {
		// Nothing lost before the proxy: the losses are exactly the seed's.
		if lost, want := missing(got, n), lostOffline(up, streamUp, n); !slices.Equal(lost, want) {
			t.Fatalf("lost %v\nwant %v", lost, want)
		}
	} else {
		t.Logf("the kernel dropped %d of Godot's packets before the proxy", n-st.In)
	}
	if len(got) < n*80/100 || len(got) > n*97/100 {
		t.Errorf("received %d of %d at 10%% loss", len(got), n)
	}
	t.Logf("Godot 3 sent %d, proxy read %d, lost %d, Go received %d", n, st.In, st.DroppedLoss, len(got))
}
