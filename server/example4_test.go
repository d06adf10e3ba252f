package server

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// TestInteropGodot4ChatExample proves examples/godot4-chat/chat.gd in the
// real Godot 4 engine (the 4.2-dev web build, which has no UDP, so the
// bytes travel through the test instead of ENet):
//
//  1. A Go stand-in joins the Go server's 4.x room as the Godot client
//     would (a raw ENet client) and records every packet the server sends
//     it while Go chat clients of both dialects talk, a peer joins, and
//     another client relays it a forged chat.
//  2. A harness script loads chat.gd in Godot 4 (so the whole file must
//     compile), calls its message functions, and runs its Client class on
//     a real SceneMultiplayer over a loopback MultiplayerPeerExtension: the
//     client's own chat comes out as the packet SceneMultiplayer hands the
//     peer (printed in hex), and the recorded server packets go in, to be
//     parsed and printed by the client. It also instantiates chat.gd's
//     SceneTree and runs its network code, which gets as far as the
//     browser lets ENet go.
//  3. The Go stand-in sends the client's packet to the Go server over
//     ENet, on the channel and with the flags ENetMultiplayerPeer uses for
//     that transfer mode; the Go chat clients receive the chat.
func TestInteropGodot4ChatExample(t *testing.T) {
	godottest.RequireGodot4Web(t)
	chatGD, err := os.ReadFile("../examples/godot4-chat/chat.gd")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Godot3Addr: "127.0.0.1:0", Godot4Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	g3 := dial(t, srv, multiplayer.Godot3, "old")
	g4 := dial(t, srv, multiplayer.Godot4, "gopher")

	// 1. What the server sends a Godot 4 client.
	capID := uint32(multiplayer.GenerateUniqueID())
	cp := newRawClient(t, srv.Addr(multiplayer.Godot4), multiplayer.MaxENetChannels, capID, true)
	cp.connected()
	fid := uint32(multiplayer.GenerateUniqueID())
	forger := dialRaw(t, srv.Addr(multiplayer.Godot4), multiplayer.MaxENetChannels, fid)
	forger.connected()
	expectEvent(t, g4, multiplayer.PeerConnected, int(capID))
	expectEvent(t, g4, multiplayer.PeerConnected, int(fid))
	for _, c := range []struct {
		cl   *ChatClient
		text string
	}{{g4, "hello from go"}, {g3, "hello from godot 3"}} {
		if err := c.cl.Say(c.text); err != nil {
			t.Fatal(err)
		}
		expectChat(t, g4, c.cl.ID(), c.cl.name, c.text)
	}
	forged := variant.NewDictionary(3)
	forged.Set("type", "chat")
	forged.Set("from", int64(g4.ID()))
	forged.Set("text", "BAD: forged by a client")
	forger.reliable(multiplayer.Godot4, multiplayer.AppendRelay(nil, int32(capID), multiplayer.AppendRaw(nil, varBytes(t, multiplayer.Godot4, forged))))
	const until = "bye godot 4"
	if err := g4.Say(until); err != nil {
		t.Fatal(err)
	}
	var replay []string
	for {
		ev := cp.readPacket()
		if ev.ChannelID != multiplayer.Godot4ChannelReliable || ev.Flags&enet.PacketFlagReliable == 0 {
			t.Errorf("server → Godot 4 client on channel %d flags %d, want reliable on 0", ev.ChannelID, ev.Flags)
		}
		replay = append(replay, hex.EncodeToString(ev.Packet))
		if strings.Contains(string(ev.Packet), until) {
			break
		}
	}
	t.Logf("server sent the Godot 4 client %d packets", len(replay))

	// 2. chat.gd in Godot 4.
	res := godottest.RunGodot4Web(t, example4Harness(replay), godottest.File("chat.gd", chatGD))
	lines := res.Prefixed("")
	find := func(prefix string) string {
		t.Helper()
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimPrefix(l, prefix)
			}
		}
		t.Fatalf("Godot 4 printed no %q line:\n%s", prefix, res.Output())
		return ""
	}

	// The message code: chat_request's bytes are a chat request the
	// server's parser accepts (Godot 4.2's var_to_bytes, read as 4.x).
	for _, c := range []struct{ line, text, name string }{
		{"REQ ", "hello from godot 4", "godot4"},
		{"REQ2 ", "plain", ""},
	} {
		b, err := hex.DecodeString(find(c.line))
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := variant.Decode(b, variant.Godot4)
		if err != nil {
			t.Fatalf("%s%x: %v", c.line, b, err)
		}
		got, reason := ParseChatRequest(v)
		if reason != "" || got.Text != c.text || got.Name != c.name {
			t.Errorf("%s%x: %+v %q, want text %q name %q", c.line, b, got, reason, c.text, c.name)
		}
	}
	if got := find("LONG "); got != "31" {
		t.Errorf("send_chat of %d bytes: error %s, want 31 (ERR_INVALID_PARAMETER)", MaxChatText+1, got)
	}
	// parse_chat: a good chat from the server; then garbage, the same
	// chat from another peer, a non-int "from", an Array: all refused.
	if got := find("PARSE "); got != "false true true true true" {
		t.Errorf("parse_chat results empty: %s, want false true true true true", got)
	}

	// The client over SceneMultiplayer: connected, sent one packet to the
	// server, reliable on transfer channel 0, RAW (03) + the request.
	var wire []string
	for _, l := range lines {
		if w, ok := strings.CutPrefix(l, "WIRE "); ok {
			wire = append(wire, w)
		}
	}
	wantWire := fmt.Sprintf("1 %d 0 03%s", multiplayer.TransferModeReliable, find("REQ "))
	if len(wire) != 1 || wire[0] != wantWire {
		t.Fatalf("client sent %q, want [%q]", wire, wantWire)
	}
	// What it printed, in order, from the server's packets: peers, the
	// chats, the forged relay ignored, then the last chat ends it.
	want := []string{
		"CONNECTED 4242",
		"SENT 0",
		"EV peer_connected(1)",
		fmt.Sprintf("EV peer_connected(%d)", g4.ID()),
		fmt.Sprintf("EV peer_connected(%d)", fid),
		fmt.Sprintf("CHAT %d: hello from go", g4.ID()),
		fmt.Sprintf("CHAT %d: hello from godot 3", g3.ID()),
		fmt.Sprintf("OTHER from=%d ", fid),
		fmt.Sprintf("CHAT %d: %s", g4.ID(), until),
		"DONE true",
	}
	net := -1
	for i, l := range lines {
		if l == "NET" {
			net = i
		}
	}
	if net < 0 {
		t.Fatalf("no NET line:\n%s", res.Output())
	}
	var got []string
	for _, l := range lines[:net] {
		for _, p := range []string{"CONNECTED ", "SENT ", "EV ", "CHAT ", "OTHER ", "DONE "} {
			if strings.HasPrefix(l, p) {
				got = append(got, l)
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("client printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
	// The network code ran: the ENet peer was created and polled, the
	// connection failed (a browser has no UDP), and the script finished.
	wantNet := []string{"CREATE 0", "EV connection_failed", "BYE", "NET_FINISHED true"}
	var gotNet []string
	for _, l := range lines[net+1:] {
		if l == godottest.ProbeDone {
			break
		}
		gotNet = append(gotNet, l)
	}
	if strings.Join(gotNet, "|") != strings.Join(wantNet, "|") {
		t.Errorf("chat.gd network code printed %q, want %q", gotNet, wantNet)
	}

	// 3. The client's packet, sent over ENet as ENetMultiplayerPeer sends
	// a reliable packet on transfer channel 0.
	pkt, err := hex.DecodeString(strings.TrimPrefix(wire[0], fmt.Sprintf("1 %d 0 ", multiplayer.TransferModeReliable)))
	if err != nil {
		t.Fatal(err)
	}
	ch, fl, err := multiplayer.Godot4SendChannel(multiplayer.TransferModeReliable, 0)
	if err != nil {
		t.Fatal(err)
	}
	cp.send(ch, pkt, enet.PacketFlag(fl))
	expectChat(t, g4, int(capID), "godot4", "hello from godot 4")
	expectChat(t, g3, int(capID), "godot4", "hello from godot 4")
	if st := srv.Stats(multiplayer.Godot4); st.TotalDropped() != 0 {
		t.Errorf("server dropped %v", st.Drops)
	}
	for _, r := range handlerReasons {
		if n := srv.Dropped(multiplayer.Godot4, r); n != 0 {
			t.Errorf("handler dropped %d (%s)", n, r)
		}
	}
}

// example4Harness is the Godot 4 script of TestInteropGodot4ChatExample;
// replay are the hex packets the server sent, replayed as from peer 1.
func example4Harness(replay []string) string {
	var b strings.Builder
	b.WriteString(`extends SceneTree

const Chat = preload("res://chat.gd")

const REPLAY = [
`)
	for _, h := range replay {
		fmt.Fprintf(&b, "\t%q,\n", h)
	}
	b.WriteString(`]

# A client-side MultiplayerPeer on a loopback: put_packet records what
# SceneMultiplayer sends (with target, mode and channel), the inbox feeds
# it packets as from [peer, bytes].
class LoopPeer extends MultiplayerPeerExtension:
	var status := MultiplayerPeer.CONNECTION_CONNECTING
	var sent := []
	var inbox := []
	var target := 0
	var mode := MultiplayerPeer.TRANSFER_MODE_RELIABLE
	var channel := 0
	func _get_available_packet_count() -> int:
		return inbox.size()
	func _get_packet_script() -> PackedByteArray:
		return inbox.pop_front()[1]
	func _put_packet_script(p_buffer: PackedByteArray) -> Error:
		sent.append([target, mode, channel, p_buffer])
		return OK
	func _get_max_packet_size() -> int:
		return 1 << 24
	func _get_packet_channel() -> int:
		return 0
	func _get_packet_mode() -> MultiplayerPeer.TransferMode:
		return MultiplayerPeer.TRANSFER_MODE_RELIABLE
	func _set_transfer_channel(p_channel: int) -> void:
		channel = p_channel
	func _get_transfer_channel() -> int:
		return channel
	func _set_transfer_mode(p_mode: MultiplayerPeer.TransferMode) -> void:
		mode = p_mode
	func _get_transfer_mode() -> MultiplayerPeer.TransferMode:
		return mode
	func _set_target_peer(p_peer: int) -> void:
		target = p_peer
	func _get_packet_peer() -> int:
		return inbox[0][0]
	func _is_server() -> bool:
		return false
	func _poll() -> void:
		pass
	func _close() -> void:
		status = MultiplayerPeer.CONNECTION_DISCONNECTED
	func _disconnect_peer(_p_peer: int, _p_force: bool) -> void:
		pass
	func _get_unique_id() -> int:
		return 4242
	func _set_refuse_new_connections(_p_enable: bool) -> void:
		pass
	func _is_refusing_new_connections() -> bool:
		return false
	func _is_server_relay_supported() -> bool:
		return true
	func _get_connection_status() -> MultiplayerPeer.ConnectionStatus:
		return status

func _init():
	# The message functions.
	print("REQ ", Chat.Client.chat_request("hello from godot 4", "godot4").hex_encode())
	print("REQ2 ", Chat.Client.chat_request("plain").hex_encode())
	var good := var_to_bytes({"type": "chat", "from": 7, "text": "x"})
	print("PARSE ", Chat.Client.parse_chat(1, good).is_empty(), " ",
		Chat.Client.parse_chat(1, PackedByteArray([1, 2, 3])).is_empty(), " ",
		Chat.Client.parse_chat(7, good).is_empty(), " ",
		Chat.Client.parse_chat(1, var_to_bytes({"type": "chat", "from": "7", "text": "x"})).is_empty(), " ",
		Chat.Client.parse_chat(1, var_to_bytes([1, 2])).is_empty())

	# The client on a real SceneMultiplayer.
	var loop := LoopPeer.new()
	var api := SceneMultiplayer.new()
	api.root_path = ^"/root"
	api.multiplayer_peer = loop
	var client = Chat.Client.new(api, "godot4", "hello from godot 4", "` + "bye godot 4" + `")
	loop.status = MultiplayerPeer.CONNECTION_CONNECTED
	loop.peer_connected.emit(1) # as ENetMultiplayerPeer does once connected
	print("LONG ", client.send_chat("x".repeat(4097)))
	for s in loop.sent:
		print("WIRE ", s[0], " ", s[1], " ", s[2], " ", s[3].hex_encode())
	for h in REPLAY:
		loop.inbox.append([1, h.hex_decode()])
	api.poll()
	print("DONE ", client.done)

	# The network code: chat.gd's own SceneTree, driven by hand.
	print("NET")
	var tree = Chat.new()
	tree._initialize()
	for i in 200:
		if tree.finished:
			break
		tree._process(0.01)
		OS.delay_msec(5)
	print("NET_FINISHED ", tree.finished)
	print("PROBE_DONE")
	quit()
`)
	return b.String()
}
