package multiplayer

import (
	"errors"
	"slices"
	"testing"
)

func TestRouteGodot3(t *testing.T) {
	peers := []int32{2, 5, 9}
	for _, tc := range []struct {
		name    string
		target  int32
		relay   bool
		deliver bool
		fwd     []int32
		drop    DropReason
	}{
		{"server", 1, true, true, nil, DropNone},
		{"server, relay off", 1, false, true, nil, DropNone},
		{"broadcast", 0, true, true, []int32{2, 9}, DropNone},
		{"broadcast, relay off", 0, false, false, nil, DropRelayDisabled},
		{"all but 9", -9, true, true, []int32{2}, DropNone},
		{"all but server", -1, true, false, []int32{2, 9}, DropNone},
		{"all but sender", -5, true, true, []int32{2, 9}, DropNone},
		{"all but unknown", -77, true, true, []int32{2, 9}, DropNone},
		{"all but 9, relay off", -9, false, false, nil, DropRelayDisabled},
		{"peer 9", 9, true, false, []int32{9}, DropNone},
		{"peer 9, relay off", 9, false, false, nil, DropRelayDisabled},
		{"unknown peer", 77, true, false, nil, DropUnknownTarget},
		{"self (Godot echoes)", 5, true, false, []int32{5}, DropNone},
	} {
		r := RouteGodot3(peers, 5, tc.target, tc.relay, nil)
		if r.Deliver != tc.deliver || !slices.Equal(r.Forward, tc.fwd) || r.Drop != tc.drop {
			t.Errorf("%s: %+v, want deliver %v forward %v drop %v", tc.name, r, tc.deliver, tc.fwd, tc.drop)
		}
	}
}

func TestRouteGodot4Relay(t *testing.T) {
	peers := []int32{2, 5, 9}
	for _, tc := range []struct {
		name    string
		target  int32
		relay   bool
		deliver bool
		fwd     []int32
		drop    DropReason
	}{
		{"peer 9", 9, true, false, []int32{9}, DropNone},
		{"server via relay", 1, true, false, nil, DropUnknownTarget},
		{"unknown", 77, true, false, nil, DropUnknownTarget},
		{"self", 5, true, false, nil, DropUnknownTarget},
		{"broadcast", 0, true, true, []int32{2, 9}, DropNone},
		{"all but server", -1, true, false, []int32{2, 9}, DropNone},
		{"all but 2", -2, true, true, []int32{9}, DropNone},
		{"relay off", 9, false, false, nil, DropRelayDisabled},
		{"relay off broadcast", 0, false, false, nil, DropRelayDisabled},
	} {
		r := RouteGodot4Relay(peers, 5, tc.target, tc.relay, nil)
		if r.Deliver != tc.deliver || !slices.Equal(r.Forward, tc.fwd) || r.Drop != tc.drop {
			t.Errorf("%s: %+v, want deliver %v forward %v drop %v", tc.name, r, tc.deliver, tc.fwd, tc.drop)
		}
	}
}

func TestTargets(t *testing.T) {
	peers := []int32{2, 5, 9}
	for _, tc := range []struct {
		target int32
		want   []int32
		err    error
	}{
		{0, []int32{2, 5, 9}, nil},
		{5, []int32{5}, nil},
		{-5, []int32{2, 9}, nil},
		{-1, []int32{2, 5, 9}, nil},
		{1, nil, ErrUnknownPeer},
		{6, nil, ErrUnknownPeer},
	} {
		got, err := Targets(peers, tc.target, nil)
		if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
			t.Errorf("Targets(%d) = %v, %v", tc.target, got, err)
		}
	}
}

func TestAnnouncements(t *testing.T) {
	existing := []int32{3, 7}
	got3 := JoinAnnouncements(Godot3, existing, 5, nil)
	want3 := []Announcement{{5, 3, true}, {3, 5, true}, {5, 7, true}, {7, 5, true}}
	if !slices.Equal(got3, want3) {
		t.Errorf("godot3 join = %v", got3)
	}
	got4 := JoinAnnouncements(Godot4, existing, 5, nil)
	want4 := []Announcement{{3, 5, true}, {5, 3, true}, {7, 5, true}, {5, 7, true}}
	if !slices.Equal(got4, want4) {
		t.Errorf("godot4 join = %v", got4)
	}
	if got := JoinAnnouncements(Godot4, nil, 5, nil); len(got) != 0 {
		t.Errorf("first peer: %v", got)
	}
	leave := LeaveAnnouncements([]int32{3, 7}, 5, nil)
	if !slices.Equal(leave, []Announcement{{3, 5, false}, {7, 5, false}}) {
		t.Errorf("leave = %v", leave)
	}
	for _, tc := range []struct {
		d    Dialect
		a    Announcement
		want string
	}{
		{Godot3, Announcement{1, 42, true}, "00000000 2a000000"},  // G2
		{Godot3, Announcement{1, 42, false}, "01000000 2a000000"}, // G3
		{Godot4, Announcement{1, 42, true}, "07 01 2a000000"},     // G8
		{Godot4, Announcement{1, 42, false}, "07 02 2a000000"},    // G9
	} {
		if got := AppendAnnouncement(nil, tc.d, tc.a); string(got) != string(unhex(t, tc.want)) {
			t.Errorf("%v %+v = %x", tc.d, tc.a, got)
		}
	}
}

func TestCheckJoin(t *testing.T) {
	peers := []int32{2, 5}
	pending := func(id int32) bool { return id == 8 }
	for _, tc := range []struct {
		id       uint32
		refusing bool
		max      int
		want     DisconnectReason
	}{
		{7, false, 0, ReasonNone},
		{7, true, 0, ReasonRefused},
		{0, false, 0, ReasonInvalidID},
		{1, false, 0, ReasonInvalidID},
		{0x80000000, false, 0, ReasonInvalidID},
		{5, false, 0, ReasonDuplicateID},
		{8, false, 0, ReasonDuplicateID},
		{7, false, 3, ReasonServerFull},
		{7, false, 4, ReasonNone},
	} {
		if got := CheckJoin(peers, pending, tc.id, tc.refusing, tc.max, 3); got != tc.want {
			t.Errorf("CheckJoin(%d, refusing %v, max %d) = %v, want %v", tc.id, tc.refusing, tc.max, got, tc.want)
		}
	}
}

func TestSendChannels(t *testing.T) {
	for _, tc := range []struct {
		mode    TransferMode
		tch     int
		ordered bool
		ch      uint8
		fl      PacketFlags
	}{
		{TransferModeReliable, -1, false, 1, FlagReliable},
		{TransferModeUnreliable, -1, false, 2, FlagUnsequenced},
		{TransferModeUnreliable, -1, true, 2, 0},
		{TransferModeUnreliableOrdered, -1, false, 2, 0},
		{TransferModeReliable, 4, false, 4, FlagReliable},
		{TransferModeUnreliable, 4, false, 4, FlagUnsequenced},
		{TransferModeUnreliableOrdered, 1, false, 1, 0},
	} {
		ch, fl, err := Godot3SendChannel(tc.mode, tc.tch, 5, tc.ordered)
		if err != nil || ch != tc.ch || fl != tc.fl {
			t.Errorf("godot3 %v ch %d ordered %v = %d %d %v", tc.mode, tc.tch, tc.ordered, ch, fl, err)
		}
	}
	for _, bad := range []int{0, -2, 5, 300} {
		if _, _, err := Godot3SendChannel(TransferModeReliable, bad, 5, false); !errors.Is(err, ErrBadChannel) {
			t.Errorf("godot3 channel %d: %v", bad, err)
		}
	}
	if _, _, err := Godot3SendChannel(7, -1, 3, false); !errors.Is(err, ErrBadMode) {
		t.Errorf("bad mode: %v", err)
	}
	for _, tc := range []struct {
		mode TransferMode
		tch  int
		ch   uint8
		fl   PacketFlags
	}{
		{TransferModeReliable, 0, 0, FlagReliable},
		{TransferModeUnreliable, 0, 1, FlagUnsequenced | FlagUnreliableFragment},
		{TransferModeUnreliableOrdered, 0, 1, FlagUnreliableFragment},
		{TransferModeReliable, 1, 2, FlagReliable},
		{TransferModeUnreliable, 3, 4, FlagUnsequenced | FlagUnreliableFragment},
		{TransferModeReliable, 253, 254, FlagReliable},
	} {
		ch, fl, err := Godot4SendChannel(tc.mode, tc.tch)
		if err != nil || ch != tc.ch || fl != tc.fl {
			t.Errorf("godot4 %v ch %d = %d %d %v", tc.mode, tc.tch, ch, fl, err)
		}
		if tc.tch > 0 && Godot4ReceiveChannel(ch) != tc.tch {
			t.Errorf("godot4 receive channel of %d = %d", ch, Godot4ReceiveChannel(ch))
		}
		if ModeFromFlags(fl) != tc.mode {
			t.Errorf("ModeFromFlags(%d) = %v, want %v", fl, ModeFromFlags(fl), tc.mode)
		}
	}
	if Godot4ReceiveChannel(0) != 0 || Godot4ReceiveChannel(1) != 0 {
		t.Error("system channels must report transfer channel 0")
	}
	for _, bad := range []int{-1, 254} {
		if _, _, err := Godot4SendChannel(TransferModeReliable, bad); !errors.Is(err, ErrBadChannel) {
			t.Errorf("godot4 channel %d: %v", bad, err)
		}
	}
	if ConnectChannelCount(Godot3, 0) != 3 || ConnectChannelCount(Godot3, 6) != 6 || ConnectChannelCount(Godot4, 0) != 255 || ConnectChannelCount(Godot4, 4) != 6 {
		t.Error("ConnectChannelCount")
	}
}
