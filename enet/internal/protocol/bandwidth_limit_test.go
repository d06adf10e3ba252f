package protocol

import "testing"

func TestBandwidthLimit(t *testing.T) {
	wire := unhex(t, "8A FF 0003 0001E240 00000000")
	checkVector(t, wire, BandwidthLimit{
		Header:            CommandHeader{Command: 0x8A, ChannelID: 0xFF, ReliableSequenceNumber: 3},
		IncomingBandwidth: 123456,
	}, ParseBandwidthLimit, (*BandwidthLimit).Append, (*BandwidthLimit).Len)
	checkReject(t, "data channel", wire, func(b []byte) { b[1] = 1 }, ParseBandwidthLimit, ErrChannelID)
}
