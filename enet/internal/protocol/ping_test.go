package protocol

import "testing"

func TestPing(t *testing.T) {
	wire := unhex(t, "85 FF 0002")
	checkVector(t, wire, Ping{Header: CommandHeader{Command: 0x85, ChannelID: 0xFF, ReliableSequenceNumber: 2}},
		ParsePing, (*Ping).Append, (*Ping).Len)
	checkReject(t, "no ack", wire, func(b []byte) { b[0] = 0x05 }, ParsePing, ErrFlags)
	checkReject(t, "reserved", wire, func(b []byte) { b[0] = 0xB5 }, ParsePing, ErrReservedBits)
}
