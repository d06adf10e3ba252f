package protocol

import "testing"

// Fragment 1 of 3 of a 3000-byte reliable message starting at seq 0x10,
// carrying 4 bytes at offset 1372 (fragmentLength for MTU 1400).
const fragmentWire = "88 02 0011 0010 0004 00000003 00000001 00000BB8 0000055C DEADBEEF"

func TestSendFragment(t *testing.T) {
	wire := unhex(t, fragmentWire)
	checkVector(t, wire, SendFragment{
		Header:              CommandHeader{Command: 0x88, ChannelID: 2, ReliableSequenceNumber: 0x11},
		StartSequenceNumber: 0x10, FragmentCount: 3, FragmentNumber: 1, TotalLength: 3000, FragmentOffset: 1372,
		Data: []byte{0xDE, 0xAD, 0xBE, 0xEF},
	}, ParseSendFragment, (*SendFragment).Append, (*SendFragment).Len)
	checkFragmentRejects(t, wire, ParseSendFragment)
	checkReject(t, "no ack", wire, func(b []byte) { b[0] = 0x08 }, ParseSendFragment, ErrFlags)
}

func checkFragmentRejects[T any](t *testing.T, wire []byte, parse func([]byte) (T, int, error)) {
	t.Helper()
	put32 := func(b []byte, off int, v uint32) { be.PutUint32(b[off:], v) }
	checkReject(t, "count 0", wire, func(b []byte) { put32(b, 8, 0) }, parse, ErrFragment)
	checkReject(t, "count 1Mi+1", wire, func(b []byte) { put32(b, 8, MaximumFragmentCount+1); put32(b, 16, 1<<30) }, parse, ErrFragment)
	checkReject(t, "number = count", wire, func(b []byte) { put32(b, 12, 3) }, parse, ErrFragment)
	checkReject(t, "total < count", wire, func(b []byte) { put32(b, 16, 2); put32(b, 20, 0) }, parse, ErrFragment)
	checkReject(t, "offset = total", wire, func(b []byte) { put32(b, 20, 3000) }, parse, ErrFragment)
	checkReject(t, "past total", wire, func(b []byte) { put32(b, 20, 2997) }, parse, ErrFragment)
	checkReject(t, "zero length", wire, func(b []byte) { b[6], b[7] = 0, 0 }, parse, ErrFragment)
	checkReject(t, "length past end", wire, func(b []byte) { b[7] = 5 }, parse, ErrTruncated)
	checkReject(t, "control channel", wire, func(b []byte) { b[1] = 0xFF }, parse, ErrChannelID)
	// The last byte of the message is fine.
	b := append([]byte(nil), wire...)
	put32(b, 20, 2996)
	if _, _, err := parse(b); err != nil {
		t.Errorf("fragment ending at totalLength: %v", err)
	}
}
