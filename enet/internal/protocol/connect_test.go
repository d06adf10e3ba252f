package protocol

import "testing"

// The first CONNECT of a fresh libenet 1.3.17 client with 2 channels (spec
// 01 §2.4), connect ID c0 c1 c2 c3 and data 0x01020304.
const connectWire = `82 FF 0001  0000  FF FF  00000578  00010000  00000002
	00000000  00000000  00001388  00000002  00000002  C0C1C2C3  01020304`

func connectWant() Connect {
	return Connect{
		Header:            CommandHeader{Command: 0x82, ChannelID: 0xFF, ReliableSequenceNumber: 1},
		OutgoingPeerID:    0,
		IncomingSessionID: 0xFF, OutgoingSessionID: 0xFF,
		MTU: 1400, WindowSize: 65536, ChannelCount: 2,
		PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2,
		ConnectID: ConnectID{0xC0, 0xC1, 0xC2, 0xC3}, Data: 0x01020304,
	}
}

func TestConnect(t *testing.T) {
	wire := unhex(t, connectWire)
	if len(wire) != ConnectSize {
		t.Fatal(len(wire))
	}
	checkVector(t, wire, connectWant(), ParseConnect, (*Connect).Append, (*Connect).Len)
	checkReject(t, "peer 0xFFF", wire, func(b []byte) { b[4], b[5] = 0x0F, 0xFF }, ParseConnect, ErrPeerID)
	checkReject(t, "session 4", wire, func(b []byte) { b[6] = 4 }, ParseConnect, ErrSessionID)
	checkReject(t, "session 0x80", wire, func(b []byte) { b[7] = 0x80 }, ParseConnect, ErrSessionID)
	checkReject(t, "0 channels", wire, func(b []byte) { b[19] = 0 }, ParseConnect, ErrChannelCount)
	checkReject(t, "256 channels", wire, func(b []byte) { b[18], b[19] = 1, 0 }, ParseConnect, ErrChannelCount)
	checkReject(t, "channel 0", wire, func(b []byte) { b[1] = 0 }, ParseConnect, ErrChannelID)
	checkReject(t, "no ack", wire, func(b []byte) { b[0] = 0x02 }, ParseConnect, ErrFlags)
	// Session IDs 0..3 and channel counts 1 and 255 are fine.
	b := unhex(t, connectWire)
	b[6], b[7], b[18], b[19] = 3, 0, 0, 255
	if _, _, err := ParseConnect(b); err != nil {
		t.Fatal(err)
	}
}
