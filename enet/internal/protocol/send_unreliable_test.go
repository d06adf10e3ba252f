package protocol

import "testing"

func TestSendUnreliable(t *testing.T) {
	wire := unhex(t, "07 03 0010 FFFE 0003 010203")
	checkVector(t, wire, SendUnreliable{
		Header:                   CommandHeader{Command: 0x07, ChannelID: 3, ReliableSequenceNumber: 0x10},
		UnreliableSequenceNumber: 0xFFFE, Data: []byte{1, 2, 3},
	}, ParseSendUnreliable, (*SendUnreliable).Append, (*SendUnreliable).Len)
	checkReject(t, "length past end", wire, func(b []byte) { b[7] = 4 }, ParseSendUnreliable, ErrTruncated)
	checkReject(t, "ack flag", wire, func(b []byte) { b[0] = 0x87 }, ParseSendUnreliable, ErrFlags)
}
