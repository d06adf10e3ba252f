package protocol

import "testing"

func TestVerifyConnect(t *testing.T) {
	// Server slot 5 answers with sessions 1/2, MTU 1400, window 32768, 2
	// channels, bandwidths 1000/2000, echoed throttle and connect ID.
	wire := unhex(t, `83 FF 0001  0005  01 02  00000578  00008000  00000002
		000003E8  000007D0  00001388  00000002  00000002  C0C1C2C3`)
	if len(wire) != VerifyConnectSize {
		t.Fatal(len(wire))
	}
	checkVector(t, wire, VerifyConnect{
		Header:         CommandHeader{Command: 0x83, ChannelID: 0xFF, ReliableSequenceNumber: 1},
		OutgoingPeerID: 5, IncomingSessionID: 1, OutgoingSessionID: 2,
		MTU: 1400, WindowSize: 32768, ChannelCount: 2, IncomingBandwidth: 1000, OutgoingBandwidth: 2000,
		PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2,
		ConnectID: ConnectID{0xC0, 0xC1, 0xC2, 0xC3},
	}, ParseVerifyConnect, (*VerifyConnect).Append, (*VerifyConnect).Len)
	checkReject(t, "peer 0x1000", wire, func(b []byte) { b[4] = 0x10 }, ParseVerifyConnect, ErrPeerID)
	checkReject(t, "session 0xFF", wire, func(b []byte) { b[6] = 0xFF }, ParseVerifyConnect, ErrSessionID)
	checkReject(t, "session 4", wire, func(b []byte) { b[7] = 4 }, ParseVerifyConnect, ErrSessionID)
	checkReject(t, "0 channels", wire, func(b []byte) { b[19] = 0 }, ParseVerifyConnect, ErrChannelCount)
}
