package multiplayer

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/packetpeer/packetpeer/godoterr"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors G1-G3 and G8-G12 of spec 02-test-vectors.md §G, both ways.
func TestGodot3Vectors(t *testing.T) {
	// G1: 3.2 data packet prefix, source 0x12345678, target -5.
	g1 := unhex(t, "78563412 fbffffff")
	if got := AppendGodot3Header(nil, Godot3Header{Source: 0x12345678, Target: -5}); !bytes.Equal(got, g1) {
		t.Errorf("G1 append = %x", got)
	}
	h, payload, err := ParseGodot3Header(append(g1, 0xaa, 0xbb))
	if err != nil || h != (Godot3Header{Source: 0x12345678, Target: -5}) || !bytes.Equal(payload, []byte{0xaa, 0xbb}) {
		t.Errorf("G1 parse = %+v %x %v", h, payload, err)
	}
	// Observed on Godot 3.2.3 (spec 05 Part F): put_packet([1,2,3]) from
	// client 664819783 (0x27a05847) to the server.
	obs := unhex(t, "4758a027 01000000 010203")
	h, payload, err = ParseGodot3Header(obs)
	if err != nil || h.Source != 664819783 || h.Target != 1 || !bytes.Equal(payload, []byte{1, 2, 3}) {
		t.Errorf("observed parse = %+v %x %v", h, payload, err)
	}
	for _, tc := range []struct {
		name string
		m    Godot3SysMessage
		hex  string
	}{
		{"G2", Godot3SysMessage{Type: Godot3AddPeer, Peer: 42}, "00000000 2a000000"},
		{"G3", Godot3SysMessage{Type: Godot3RemovePeer, Peer: 42}, "01000000 2a000000"},
	} {
		want := unhex(t, tc.hex)
		if got := AppendGodot3SysMessage(nil, tc.m); !bytes.Equal(got, want) {
			t.Errorf("%s append = %x, want %x", tc.name, got, want)
		}
		if got, err := ParseGodot3SysMessage(want); err != nil || got != tc.m {
			t.Errorf("%s parse = %+v, %v", tc.name, got, err)
		}
		// Godot's client ignores bytes past the first eight.
		if got, err := ParseGodot3SysMessage(append(want, 9, 9)); err != nil || got != tc.m {
			t.Errorf("%s parse with trailing bytes = %+v, %v", tc.name, got, err)
		}
	}
}

func TestGodot3Errors(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"", ErrShortPacket},
		{"01000000 000000", ErrShortPacket},
		{"00000000 01000000", ErrBadPeerID}, // source 0
		{"00000080 01000000", ErrBadPeerID}, // source 2^31
		{"02000000 00000080", ErrBadPeerID}, // target -2^31
	} {
		_, _, err := ParseGodot3Header(unhex(t, tc.hex))
		if !errors.Is(err, tc.want) || !errors.Is(err, godoterr.ErrInvalidData) {
			t.Errorf("header %s: err %v, want %v", tc.hex, err, tc.want)
		}
	}
	// Every truncation of a valid header is short.
	full := unhex(t, "78563412 fbffffff")
	for i := range len(full) {
		if _, _, err := ParseGodot3Header(full[:i]); !errors.Is(err, ErrShortPacket) {
			t.Errorf("header[:%d]: %v", i, err)
		}
	}
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"00000000 2a0000", ErrShortPacket},
		{"02000000 2a000000", ErrUnknownCommand},
		{"ffffffff 2a000000", ErrUnknownCommand},
		{"00000000 01000000", ErrBadPeerID}, // the server is never announced
		{"01000000 00000000", ErrBadPeerID},
		{"00000000 ffffffff", ErrBadPeerID},
	} {
		_, err := ParseGodot3SysMessage(unhex(t, tc.hex))
		if !errors.Is(err, tc.want) || !errors.Is(err, godoterr.ErrInvalidData) {
			t.Errorf("sysmsg %s: err %v, want %v", tc.hex, err, tc.want)
		}
	}
}

func TestGodot4Vectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		m    SysMessage
		hex  string
	}{
		{"G8", AppendAddPeer(nil, 42), SysMessage{Command: SysAddPeer, Peer: 42}, "07 01 2a000000"},
		{"G9", AppendDelPeer(nil, 42), SysMessage{Command: SysDelPeer, Peer: 42}, "07 02 2a000000"},
		{"G10", AppendRelay(nil, 7, []byte{0x03, 0xaa}), SysMessage{Command: SysRelay, Peer: 7, Payload: []byte{0x03, 0xaa}}, "07 03 07000000 03 aa"},
		{"G11", AppendAuthCompleted(nil), SysMessage{Command: SysAuth, Payload: []byte{}}, "07 00"},
		{"relay broadcast-but", AppendRelay(nil, -5, []byte{0x03, 1}), SysMessage{Command: SysRelay, Peer: -5, Payload: []byte{3, 1}}, "07 03 fbffffff 03 01"},
		{"auth data", AppendAuth(nil, []byte("pw")), SysMessage{Command: SysAuth, Payload: []byte("pw")}, "07 00 7077"},
	} {
		want := unhex(t, tc.hex)
		if !bytes.Equal(tc.b, want) {
			t.Errorf("%s: Append* = %x, want %x", tc.name, tc.b, want)
		}
		if got := AppendSys(nil, tc.m); !bytes.Equal(got, want) {
			t.Errorf("%s: AppendSys = %x, want %x", tc.name, got, want)
		}
		got, err := ParseSys(want)
		if err != nil || got.Command != tc.m.Command || got.Peer != tc.m.Peer || !bytes.Equal(got.Payload, tc.m.Payload) {
			t.Errorf("%s: ParseSys = %+v, %v", tc.name, got, err)
		}
	}
	if m, _ := ParseSys(unhex(t, "0700")); !m.AuthCompleted() {
		t.Error("07 00 is not the completion marker")
	}
	if m, _ := ParseSys(unhex(t, "070001")); m.AuthCompleted() {
		t.Error("07 00 01 taken for the completion marker")
	}
	// G12: send_bytes of 01 02.
	g12 := unhex(t, "03 01 02")
	if got := AppendRaw(nil, []byte{1, 2}); !bytes.Equal(got, g12) {
		t.Errorf("G12 = %x", got)
	}
	if d, err := ParseRaw(g12); err != nil || !bytes.Equal(d, []byte{1, 2}) {
		t.Errorf("G12 parse = %x %v", d, err)
	}
	// Flag bits 4-7 do not change the command (CMD_MASK).
	if d, err := ParseRaw(unhex(t, "f3 09")); err != nil || !bytes.Equal(d, []byte{9}) {
		t.Errorf("raw with flags = %x %v", d, err)
	}
	if c, _ := PacketCommand([]byte{0x97}); c != CommandSys {
		t.Errorf("0x97 command = %v", c)
	}
}

func TestGodot4Errors(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"", ErrShortPacket},
		{"07", ErrShortPacket},
		{"0701", ErrShortPacket},
		{"07012a0000", ErrShortPacket},
		{"0703070000", ErrShortPacket},
		{"03 01", ErrNotCommand},
		{"07 04 00000000", ErrUnknownCommand},
		{"07 ff", ErrUnknownCommand},
		{"07 01 2a000000 00", ErrTrailingData},
		{"07 02 01000000", ErrBadPeerID},
		{"07 01 00000000", ErrBadPeerID},
		{"07 01 ffffffff", ErrBadPeerID},
		{"07 03 00000080 03aa", ErrBadPeerID},
		{"07 03 07000000", ErrEmptyPayload},
	} {
		_, err := ParseSys(unhex(t, tc.hex))
		if !errors.Is(err, tc.want) || !errors.Is(err, godoterr.ErrInvalidData) {
			t.Errorf("ParseSys(%s): err %v, want %v", tc.hex, err, tc.want)
		}
	}
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"", ErrShortPacket},
		{"03", ErrEmptyPayload},
		{"07 00", ErrNotCommand},
		{"00 01", ErrNotCommand},
	} {
		_, err := ParseRaw(unhex(t, tc.hex))
		if !errors.Is(err, tc.want) || !errors.Is(err, godoterr.ErrInvalidData) {
			t.Errorf("ParseRaw(%s): err %v, want %v", tc.hex, err, tc.want)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{TransferModeUnreliableOrdered.String(), "unreliable_ordered"},
		{TransferMode(9).String(), "TransferMode(9)"},
		{Connected.String(), "connected"},
		{PeerConnected.String(), "peer_connected"},
		{ServerDisconnected.String(), "server_disconnected"},
		{Godot4.String(), "godot4"},
		{ReasonDuplicateID.String(), "duplicate_id"},
		{DisconnectReason(1).String(), "closed_by_peer_1"},
		{DisconnectReason(0x80000099).String(), "0x80000099"},
		{DropSpoofedSource.String(), "spoofed_source"},
		{CommandRaw.String(), "raw"},
		{SysRelay.String(), "relay"},
		{Godot3RemovePeer.String(), "remove_peer"},
		{Event{Type: PeerConnected, Peer: 42}.String(), "peer_connected(42)"},
		{Event{Type: ServerDisconnected, Reason: ReasonShutdown}.String(), "server_disconnected(reason shutdown)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	b, _ := TransferModeReliable.MarshalText()
	if string(b) != "reliable" {
		t.Errorf("MarshalText = %s", b)
	}
	if !ReasonRefused.Refusal() || ReasonKicked.Refusal() {
		t.Error("Refusal")
	}
}

func TestGenerateUniqueID(t *testing.T) {
	seen := map[int]bool{}
	for range 1000 {
		id := GenerateUniqueID()
		if id < MinClientID || id > MaxPeerID {
			t.Fatalf("id %d out of range", id)
		}
		seen[id] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct ids of 1000", len(seen))
	}
}
