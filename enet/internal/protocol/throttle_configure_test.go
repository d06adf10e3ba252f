package protocol

import "testing"

func TestThrottleConfigure(t *testing.T) {
	wire := unhex(t, "8B FF 0004 000003E8 00000004 00000003")
	checkVector(t, wire, ThrottleConfigure{
		Header:                 CommandHeader{Command: 0x8B, ChannelID: 0xFF, ReliableSequenceNumber: 4},
		PacketThrottleInterval: 1000, PacketThrottleAcceleration: 4, PacketThrottleDeceleration: 3,
	}, ParseThrottleConfigure, (*ThrottleConfigure).Append, (*ThrottleConfigure).Len)
	checkReject(t, "no ack", wire, func(b []byte) { b[0] = 0x0B }, ParseThrottleConfigure, ErrFlags)
}
