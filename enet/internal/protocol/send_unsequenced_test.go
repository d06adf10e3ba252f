package protocol

import "testing"

func TestSendUnsequenced(t *testing.T) {
	wire := unhex(t, "49 00 0000 0401 0002 ABCD")
	checkVector(t, wire, SendUnsequenced{
		Header:           CommandHeader{Command: 0x49, ChannelID: 0},
		UnsequencedGroup: 0x0401, Data: []byte{0xAB, 0xCD},
	}, ParseSendUnsequenced, (*SendUnsequenced).Append, (*SendUnsequenced).Len)
	checkReject(t, "no flag", wire, func(b []byte) { b[0] = 0x09 }, ParseSendUnsequenced, ErrFlags)
	checkReject(t, "length past end", wire, func(b []byte) { b[6] = 1 }, ParseSendUnsequenced, ErrTruncated)
}
