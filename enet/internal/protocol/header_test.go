package protocol

import (
	"bytes"
	"errors"
	"testing"
)

func TestHeader(t *testing.T) {
	cases := []struct {
		wire string
		h    Header
	}{
		{"8FFF 1234", Header{PeerID: 0xFFF, HasSentTime: true, SentTime: 0x1234}}, // CONNECT datagram
		{"0000", Header{}},
		{"A005 BEEF", Header{PeerID: 5, SessionID: 2, HasSentTime: true, SentTime: 0xBEEF}},
		{"7FFE", Header{PeerID: 0xFFE, SessionID: 3, Compressed: true}},
		{"DABC 0001", Header{PeerID: 0xABC, SessionID: 1, Compressed: true, HasSentTime: true, SentTime: 1}},
	}
	for _, c := range cases {
		wire := unhex(t, c.wire)
		if got := c.h.Append(nil); !bytes.Equal(got, wire) || c.h.Len() != len(wire) {
			t.Errorf("%+v: Append %x, want %s", c.h, got, c.wire)
		}
		got, n, err := ParseHeader(append(bytes.Clone(wire), 0x99))
		if err != nil || n != len(wire) || got != c.h {
			t.Errorf("%s: ParseHeader = %+v %d %v", c.wire, got, n, err)
		}
		for i := range wire {
			if _, _, err := ParseHeader(wire[:i]); !errors.Is(err, ErrTruncated) {
				t.Errorf("%s[:%d]: %v", c.wire, i, err)
			}
		}
	}
	if _, _, err := ParseHeader(unhex(t, "1FFF")); !errors.Is(err, ErrSessionID) {
		t.Errorf("session with peer 0xFFF: %v", err)
	}
	// Out-of-range fields are masked, never spill into flags.
	if got := (Header{PeerID: 0xFFFF, SessionID: 0xFF}).PeerIDField(); got != 0x3FFF {
		t.Errorf("masking: %x", got)
	}
}

func TestChecksumCheckValue(t *testing.T) {
	// CRC-32/ISO-HDLC check value, stored big-endian.
	if got := Checksum([]byte("1234"), ConnectID{'5', '6', '7', '8'}, []byte("9")); got != [4]byte{0xCB, 0xF4, 0x39, 0x26} {
		t.Fatalf("%x", got)
	}
}
