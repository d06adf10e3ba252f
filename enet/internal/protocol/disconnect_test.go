package protocol

import "testing"

func TestDisconnect(t *testing.T) {
	checkVector(t, unhex(t, "84 FF 0007 DEADBEEF"), Disconnect{
		Header: CommandHeader{Command: 0x84, ChannelID: 0xFF, ReliableSequenceNumber: 7}, Data: 0xDEADBEEF,
	}, ParseDisconnect, (*Disconnect).Append, (*Disconnect).Len)
	// disconnect_now / handshake variant: UNSEQUENCED, not acknowledged.
	wire := unhex(t, "44 FF 0002 00000000")
	checkVector(t, wire, Disconnect{
		Header: CommandHeader{Command: 0x44, ChannelID: 0xFF, ReliableSequenceNumber: 2},
	}, ParseDisconnect, (*Disconnect).Append, (*Disconnect).Len)
	checkReject(t, "both flags", wire, func(b []byte) { b[0] = 0xC4 }, ParseDisconnect, ErrFlags)
	checkReject(t, "channel 0", wire, func(b []byte) { b[1] = 0 }, ParseDisconnect, ErrChannelID)
}
