package udp

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/variant"
)

const gdUDP = `extends SceneTree
func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var port2 = int(OS.get_environment("PP_PORT2"))
	var udp = PacketPeerUDP.new()
	print("CONNECT ", udp.connect_to_host("127.0.0.1", port))
	print("PUT_VAR ", udp.put_var({"from": "godot", "n": 7, "pos": Vector2(1.5, -2)}))
	print("PUT_PKT ", udp.put_packet(PoolByteArray([1, 2, 3])))
	print("PUT_EMPTY ", udp.put_packet(PoolByteArray()))
	print("PUT_LAST ", udp.put_packet("LAST".to_ascii()))
	var end = OS.get_ticks_msec() + 15000
	var done = false
	while not done and OS.get_ticks_msec() < end:
		while udp.get_available_packet_count() > 0:
			var p = udp.get_packet()
			var s = p.get_string_from_ascii()
			if s == "END":
				done = true
			elif p.size() > 0 and p[0] == 18:
				print("GOT_VAR ", to_json(bytes2var(p)), " from ", udp.get_packet_ip(), ":", udp.get_packet_port() == port)
			else:
				print("GOT ", s)
		OS.delay_msec(2)
	# Phase 2: a bound, unconnected socket; Go sends, Godot replies to the sender.
	var srv = PacketPeerUDP.new()
	print("LISTEN ", srv.listen(port2, "127.0.0.1"))
	end = OS.get_ticks_msec() + 15000
	while OS.get_ticks_msec() < end:
		if srv.get_available_packet_count() > 0:
			var v = srv.get_var()
			print("SRV_GOT ", to_json(v), " ", srv.get_packet_ip())
			srv.set_dest_address(srv.get_packet_ip(), srv.get_packet_port())
			print("SRV_PUT ", srv.put_var([v["i"] + 1, "pong"]))
			break
		OS.delay_msec(2)
	udp.close()
	srv.close()
	print("PROBE_DONE")
	quit()
`

// PacketPeerUDP with the real Godot 3.2.3, both ways: Godot's put_var and
// put_packet received by Go; Go's packets received by Godot's connected
// peer, which drops a third sender; Godot's bound peer answering Go.
func TestInteropUDP(t *testing.T) {
	godottest.RequireGodot3(t)
	a, err := Listen(lo, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stranger, _ := Listen(lo, Config{})
	defer stranger.Close()
	free, _ := Listen(lo, Config{})
	port2 := free.LocalAddr().Port()
	free.Close()

	g := godottest.StartGodot3(t, gdUDP, godottest.Env(
		fmt.Sprintf("PP_PORT=%d", a.LocalAddr().Port()), fmt.Sprintf("PP_PORT2=%d", port2)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got [][]byte
	for {
		if err := a.Wait(ctx); err != nil {
			t.Fatalf("%v\n%s", err, g.Output())
		}
		p, _ := a.GetPacket()
		got = append(got, p)
		if string(p) == "LAST" {
			break
		}
	}
	godotAddr := a.PacketAddr()
	v, _, err := variant.Decode(got[0], variant.Godot3)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := variant.MarshalJSON(v)
	t.Logf("Go got Godot's put_var: %s", j)
	d, _ := v.(*variant.Dictionary)
	if pos, _ := d.Get("pos"); pos != (variant.Vector2{X: 1.5, Y: -2}) {
		t.Fatalf("put_var: %s", j)
	}
	if !bytes.Equal(got[1], []byte{1, 2, 3}) {
		t.Fatalf("put_packet: %v", got[1])
	}
	// Godot 3.2.3 sends an empty datagram for put_packet(PoolByteArray()).
	if len(got) != 3 {
		t.Fatalf("Godot sent %d datagrams, want 3 (put_packet of 0 bytes sends nothing)", len(got))
	}

	// The third sender first: Godot's connected socket must drop it.
	stranger.SetDestAddress(godotAddr)
	stranger.PutPacket([]byte("STRANGER"))
	a.SetDestAddress(godotAddr)
	dict := variant.NewDictionary(1)
	dict.Set("from", "go")
	enc, _ := variant.Append(nil, dict, variant.Godot3)
	for _, p := range [][]byte{[]byte("hello"), enc, []byte("END")} {
		if err := a.PutPacket(p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.WaitForLine("LISTEN ", 20*time.Second)
	c, _ := New(Config{})
	defer c.Close()
	c.SetDestAddress(netip.AddrPortFrom(lo.Addr(), port2))
	ping := variant.NewDictionary(1)
	ping.Set("i", int64(41))
	enc, _ = variant.Append(nil, ping, variant.Godot3)
	c.PutPacket(enc)
	if err := c.Wait(ctx); err != nil {
		t.Fatalf("%v\n%s", err, g.Output())
	}
	p, _ := c.GetPacket()
	reply, _, err := variant.Decode(p, variant.Godot3)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := reply.([]any); !ok || len(r) != 2 || r[0] != int64(42) || r[1] != "pong" {
		t.Fatalf("reply %#v", reply)
	}

	res := g.Wait()
	for _, want := range []string{"CONNECT 0", "PUT_VAR 0", "PUT_PKT 0", "PUT_LAST 0", "GOT hello",
		`GOT_VAR {"from":"go"} from 127.0.0.1:True`, "LISTEN 0", `SRV_GOT {"i":41} 127.0.0.1`, "SRV_PUT 0"} {
		if !containsLine(res.Lines, want) {
			t.Errorf("Godot did not print %q:\n%s", want, res.Output())
		}
	}
	if containsLine(res.Lines, "GOT STRANGER") {
		t.Errorf("Godot's connected peer accepted a third sender:\n%s", res.Output())
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
