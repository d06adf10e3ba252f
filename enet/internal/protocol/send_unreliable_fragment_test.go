package protocol

import "testing"

func TestSendUnreliableFragment(t *testing.T) {
	wire := unhex(t, fragmentWire)
	wire[0], wire[3] = 0x0C, 0x10
	checkVector(t, wire, SendUnreliableFragment{
		Header:              CommandHeader{Command: 0x0C, ChannelID: 2, ReliableSequenceNumber: 0x10},
		StartSequenceNumber: 0x10, FragmentCount: 3, FragmentNumber: 1, TotalLength: 3000, FragmentOffset: 1372,
		Data: []byte{0xDE, 0xAD, 0xBE, 0xEF},
	}, ParseSendUnreliableFragment, (*SendUnreliableFragment).Append, (*SendUnreliableFragment).Len)
	checkFragmentRejects(t, wire, ParseSendUnreliableFragment)
	checkReject(t, "ack flag", wire, func(b []byte) { b[0] = 0x8C }, ParseSendUnreliableFragment, ErrFlags)
}
