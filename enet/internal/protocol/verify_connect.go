package protocol

import "fmt"

// VerifyConnectSize is sizeof(ENetProtocolVerifyConnect).
const VerifyConnectSize = 44

// VerifyConnect is ENetProtocolVerifyConnect (VERIFY_CONNECT, type 3, 44
// bytes), the server's answer to CONNECT on the control channel. Its layout
// is CONNECT's without the trailing data field:
//
//	offset  0  4 bytes  CommandHeader: command 0x83, channelID 0xFF
//	offset  4  u16 BE   outgoingPeerID: the server's peer index for this client (< 0xFFF)
//	offset  6  u8       incomingSessionID (0..3)
//	offset  7  u8       outgoingSessionID (0..3)
//	offset  8  u32 BE   mtu
//	offset 12  u32 BE   windowSize
//	offset 16  u32 BE   channelCount (1..255)
//	offset 20  u32 BE   incomingBandwidth
//	offset 24  u32 BE   outgoingBandwidth
//	offset 28  u32 BE   packetThrottleInterval (echoed)
//	offset 32  u32 BE   packetThrottleAcceleration (echoed)
//	offset 36  u32 BE   packetThrottleDeceleration (echoed)
//	offset 40  4 bytes  connectID (echoed, opaque)
type VerifyConnect struct {
	Header                     CommandHeader
	OutgoingPeerID             uint16
	IncomingSessionID          uint8
	OutgoingSessionID          uint8
	MTU                        uint32
	WindowSize                 uint32
	ChannelCount               uint32
	IncomingBandwidth          uint32
	OutgoingBandwidth          uint32
	PacketThrottleInterval     uint32
	PacketThrottleAcceleration uint32
	PacketThrottleDeceleration uint32
	ConnectID                  ConnectID
}

// Len returns VerifyConnectSize.
func (c *VerifyConnect) Len() int { return VerifyConnectSize }

// Append appends the 44-byte encoding of c to dst.
func (c *VerifyConnect) Append(dst []byte) []byte {
	dst = c.Header.Append(dst)
	return appendConnectBody(dst, c.OutgoingPeerID, c.IncomingSessionID, c.OutgoingSessionID, c.MTU, c.WindowSize,
		c.ChannelCount, c.IncomingBandwidth, c.OutgoingBandwidth, c.PacketThrottleInterval,
		c.PacketThrottleAcceleration, c.PacketThrottleDeceleration, c.ConnectID)
}

// ParseVerifyConnect decodes a VERIFY_CONNECT command from the start of b.
// It rejects an outgoingPeerID >= 0xFFF, session IDs above 3 (the server
// computes them modulo 4 and the client ORs them into header bits 12-13)
// and a channel count outside 1..255 (libenet drops the connection then).
func ParseVerifyConnect(b []byte) (VerifyConnect, int, error) {
	h, err := parseFixed(b, CommandVerifyConnect)
	if err != nil {
		return VerifyConnect{}, 0, err
	}
	c := VerifyConnect{
		Header:                     h,
		OutgoingPeerID:             be.Uint16(b[4:]),
		IncomingSessionID:          b[6],
		OutgoingSessionID:          b[7],
		MTU:                        be.Uint32(b[8:]),
		WindowSize:                 be.Uint32(b[12:]),
		ChannelCount:               be.Uint32(b[16:]),
		IncomingBandwidth:          be.Uint32(b[20:]),
		OutgoingBandwidth:          be.Uint32(b[24:]),
		PacketThrottleInterval:     be.Uint32(b[28:]),
		PacketThrottleAcceleration: be.Uint32(b[32:]),
		PacketThrottleDeceleration: be.Uint32(b[36:]),
		ConnectID:                  ConnectID(b[40:44]),
	}
	if c.OutgoingPeerID >= MaximumPeerID {
		return VerifyConnect{}, 0, fmt.Errorf("VERIFY_CONNECT outgoingPeerID %d: %w", c.OutgoingPeerID, ErrPeerID)
	}
	if c.IncomingSessionID > 3 || c.OutgoingSessionID > 3 {
		return VerifyConnect{}, 0, fmt.Errorf("VERIFY_CONNECT session IDs %d/%d: %w", c.IncomingSessionID, c.OutgoingSessionID, ErrSessionID)
	}
	if c.ChannelCount < MinimumChannelCount || c.ChannelCount > MaximumChannelCount {
		return VerifyConnect{}, 0, fmt.Errorf("VERIFY_CONNECT channelCount %d: %w", c.ChannelCount, ErrChannelCount)
	}
	return c, VerifyConnectSize, nil
}
