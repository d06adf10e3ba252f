package protocol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex with spaces and newlines ignored.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkVector proves a command's Append, Parse and Len against wire bytes:
// encode gives exactly wire, decode gives want with n = len(wire) (also
// with trailing bytes), and every truncation fails with ErrTruncated.
func checkVector[T any](t *testing.T, wire []byte, want T, parse func([]byte) (T, int, error), app func(*T, []byte) []byte, length func(*T) int) {
	t.Helper()
	if got := app(&want, nil); !bytes.Equal(got, wire) {
		t.Fatalf("Append:\n got %x\nwant %x", got, wire)
	}
	if got := app(&want, []byte{0xAA}); !bytes.Equal(got[1:], wire) || got[0] != 0xAA {
		t.Fatalf("Append to non-empty dst: %x", got)
	}
	if l := length(&want); l != len(wire) {
		t.Fatalf("Len = %d, want %d", l, len(wire))
	}
	got, n, err := parse(wire)
	if err != nil || n != len(wire) || !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse = %+v, %d, %v; want %+v, %d", got, n, err, want, len(wire))
	}
	if _, n, err := parse(append(bytes.Clone(wire), 1, 2, 3)); err != nil || n != len(wire) {
		t.Fatalf("Parse with trailing bytes: n=%d err=%v", n, err)
	}
	if k, err := ParseCommand(wire); err != nil || k != len(wire) {
		t.Fatalf("ParseCommand: n=%d err=%v", k, err)
	}
	for i := 0; i < len(wire); i++ {
		if _, n, err := parse(wire[:i]); !errors.Is(err, ErrTruncated) || n != 0 {
			t.Fatalf("Parse(%d of %d bytes): n=%d err=%v, want ErrTruncated", i, len(wire), n, err)
		}
	}
}

// checkReject mutates wire and expects parse to fail with target.
func checkReject[T any](t *testing.T, name string, wire []byte, mutate func([]byte), parse func([]byte) (T, int, error), target error) {
	t.Helper()
	b := bytes.Clone(wire)
	mutate(b)
	if _, n, err := parse(b); !errors.Is(err, target) || n != 0 {
		t.Errorf("%s: n=%d err=%v, want %v", name, n, err, target)
	}
	if _, err := ParseCommand(b); !errors.Is(err, target) {
		t.Errorf("%s: ParseCommand err=%v, want %v", name, err, target)
	}
}

func TestCommandSizesMatchStructs(t *testing.T) {
	// sizeof() of the packed structs in protocol.h, summed by hand.
	want := map[CommandType]int{
		CommandAcknowledge: 4 + 2 + 2, CommandConnect: 4 + 2 + 1 + 1 + 4*10, CommandVerifyConnect: 4 + 2 + 1 + 1 + 4*9,
		CommandDisconnect: 4 + 4, CommandPing: 4, CommandSendReliable: 4 + 2, CommandSendUnreliable: 4 + 2 + 2,
		CommandSendFragment: 4 + 2 + 2 + 4*4, CommandSendUnsequenced: 4 + 2 + 2, CommandBandwidthLimit: 4 + 4 + 4,
		CommandThrottleConfigure: 4 + 4*3, CommandSendUnreliableFragment: 4 + 2 + 2 + 4*4,
	}
	for ct, n := range want {
		if ct.Size() != n {
			t.Errorf("%v.Size() = %d, want %d", ct, ct.Size(), n)
		}
	}
	if CommandNone.Size() != 0 || CommandCount.Size() != 0 || CommandType(15).Size() != 0 {
		t.Error("invalid types must have size 0")
	}
	if CommandSendUnreliableFragment.String() != "SEND_UNRELIABLE_FRAGMENT" || CommandType(13).String() != "CommandType(13)" {
		t.Error("String")
	}
}

func TestCommandHeaderValidate(t *testing.T) {
	ok := []CommandHeader{
		{0x01, 3, 7}, {0x01, 0xFF, 1}, {0x82, 0xFF, 1}, {0x83, 0xFF, 1}, {0x84, 0xFF, 2}, {0x44, 0xFF, 2},
		{0x85, 0xFF, 2}, {0x86, 0, 1}, {0x07, 254, 0}, {0x88, 1, 9}, {0x49, 0, 0}, {0x8A, 0xFF, 3},
		{0x8B, 0xFF, 4}, {0x0C, 2, 5},
	}
	for _, h := range ok {
		if err := h.Validate(); err != nil {
			t.Errorf("%+v: %v", h, err)
		}
	}
	bad := []struct {
		h   CommandHeader
		err error
	}{
		{CommandHeader{0x00, 0, 0}, ErrCommandType},
		{CommandHeader{0x0D, 0, 0}, ErrCommandType},
		{CommandHeader{0x0F, 0, 0}, ErrCommandType},
		{CommandHeader{0x96, 0, 0}, ErrReservedBits},
		{CommandHeader{0xA6, 0, 0}, ErrReservedBits},
		{CommandHeader{0x81, 0, 0}, ErrFlags},    // acknowledged ACKNOWLEDGE
		{CommandHeader{0x02, 0xFF, 1}, ErrFlags}, // CONNECT without ACK
		{CommandHeader{0xC2, 0xFF, 1}, ErrFlags},
		{CommandHeader{0x04, 0xFF, 1}, ErrFlags}, // DISCONNECT with neither
		{CommandHeader{0xC4, 0xFF, 1}, ErrFlags}, // DISCONNECT with both
		{CommandHeader{0x06, 0, 1}, ErrFlags},    // unacknowledged SEND_RELIABLE
		{CommandHeader{0x87, 0, 1}, ErrFlags},    // acknowledged SEND_UNRELIABLE
		{CommandHeader{0x09, 0, 0}, ErrFlags},    // SEND_UNSEQUENCED without flag
		{CommandHeader{0xC9, 0, 0}, ErrFlags},
		{CommandHeader{0x4C, 0, 0}, ErrFlags},
		{CommandHeader{0x85, 0, 1}, ErrChannelID},    // PING off the control channel
		{CommandHeader{0x82, 0x00, 1}, ErrChannelID}, // CONNECT off the control channel
		{CommandHeader{0x86, 0xFF, 1}, ErrChannelID}, // data on the control channel
		{CommandHeader{0x49, 0xFF, 1}, ErrChannelID},
	}
	for _, c := range bad {
		if err := c.h.Validate(); !errors.Is(err, c.err) {
			t.Errorf("%+v: %v, want %v", c.h, err, c.err)
		}
	}
}

func TestCommandHeader(t *testing.T) {
	h := CommandHeader{Command: 0x86, ChannelID: 3, ReliableSequenceNumber: 0xBEEF}
	wire := []byte{0x86, 0x03, 0xBE, 0xEF}
	if got := h.Append(nil); !bytes.Equal(got, wire) || h.Len() != 4 {
		t.Fatalf("%x", got)
	}
	got, n, err := ParseCommandHeader(wire)
	if err != nil || n != 4 || got != h || got.Type() != CommandSendReliable || !got.Acknowledge() || got.Unsequenced() {
		t.Fatalf("%+v %d %v", got, n, err)
	}
	if _, _, err := ParseCommandHeader(wire[:3]); !errors.Is(err, ErrTruncated) {
		t.Fatal(err)
	}
	if _, _, err := ParsePing([]byte{0x86, 0xFF, 0, 1}); !errors.Is(err, ErrWrongCommand) {
		t.Fatalf("wrong type: %v", err)
	}
}
