package protocol

import "testing"

func TestSendReliable(t *testing.T) {
	wire := unhex(t, "86 01 0102 0005 68656C6C6F")
	checkVector(t, wire, SendReliable{
		Header: CommandHeader{Command: 0x86, ChannelID: 1, ReliableSequenceNumber: 0x0102}, Data: []byte("hello"),
	}, ParseSendReliable, (*SendReliable).Append, (*SendReliable).Len)
	// Zero-length messages are legal.
	checkVector(t, unhex(t, "86 00 0001 0000"), SendReliable{
		Header: CommandHeader{Command: 0x86, ChannelID: 0, ReliableSequenceNumber: 1}, Data: []byte{},
	}, ParseSendReliable, (*SendReliable).Append, (*SendReliable).Len)
	checkReject(t, "length past end", wire, func(b []byte) { b[5] = 6 }, ParseSendReliable, ErrTruncated)
	checkReject(t, "control channel", wire, func(b []byte) { b[1] = 0xFF }, ParseSendReliable, ErrChannelID)
}

func TestAppendPanicsOnHugePayload(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	c := SendReliable{Header: CommandHeader{Command: 0x86}, Data: make([]byte, 65536)}
	c.Append(nil)
}
