package protocol

import "testing"

func TestAcknowledge(t *testing.T) {
	// Acknowledging reliable seq 0x1234 on channel 2, datagram sent at 0xABCD.
	wire := unhex(t, "01 02 1234  1234 ABCD")
	checkVector(t, wire, Acknowledge{
		Header:                         CommandHeader{Command: 0x01, ChannelID: 2, ReliableSequenceNumber: 0x1234},
		ReceivedReliableSequenceNumber: 0x1234, ReceivedSentTime: 0xABCD,
	}, ParseAcknowledge, (*Acknowledge).Append, (*Acknowledge).Len)
	checkReject(t, "ack flag", wire, func(b []byte) { b[0] = 0x81 }, ParseAcknowledge, ErrFlags)
}
