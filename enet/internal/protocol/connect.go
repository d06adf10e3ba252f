package protocol

import "fmt"

// ConnectSize is sizeof(ENetProtocolConnect).
const ConnectSize = 48

// ConnectID is the 4-byte connection token of CONNECT and VERIFY_CONNECT.
// libenet copies it without byte-order conversion, so it is kept as raw
// bytes; it also seeds the checksum (see [Checksum]).
type ConnectID [4]byte

// Connect is ENetProtocolConnect (CONNECT, type 2, 48 bytes), sent by a
// client on the control channel with control sequence 1, in a datagram
// addressed to peer ID 0xFFF:
//
//	offset  0  4 bytes  CommandHeader: command 0x82, channelID 0xFF
//	offset  4  u16 BE   outgoingPeerID: the sender's own peer index (< 0xFFF)
//	offset  6  u8       incomingSessionID (0..3, or 0xFF from a fresh slot)
//	offset  7  u8       outgoingSessionID (0..3, or 0xFF from a fresh slot)
//	offset  8  u32 BE   mtu
//	offset 12  u32 BE   windowSize
//	offset 16  u32 BE   channelCount (1..255)
//	offset 20  u32 BE   incomingBandwidth (bytes/s, 0 = unlimited)
//	offset 24  u32 BE   outgoingBandwidth
//	offset 28  u32 BE   packetThrottleInterval (ms)
//	offset 32  u32 BE   packetThrottleAcceleration
//	offset 36  u32 BE   packetThrottleDeceleration
//	offset 40  4 bytes  connectID (opaque, not byte-swapped)
//	offset 44  u32 BE   data: the application's 32-bit connect value
//
// MTU and window size are not validated here: libenet clamps them to
// [MinimumMTU, MaximumMTU] and [MinimumWindowSize, MaximumWindowSize].
type Connect struct {
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
	Data                       uint32
}

// Len returns ConnectSize.
func (c *Connect) Len() int { return ConnectSize }

// Append appends the 48-byte encoding of c to dst.
func (c *Connect) Append(dst []byte) []byte {
	dst = c.Header.Append(dst)
	dst = appendConnectBody(dst, c.OutgoingPeerID, c.IncomingSessionID, c.OutgoingSessionID, c.MTU, c.WindowSize,
		c.ChannelCount, c.IncomingBandwidth, c.OutgoingBandwidth, c.PacketThrottleInterval,
		c.PacketThrottleAcceleration, c.PacketThrottleDeceleration, c.ConnectID)
	return appendU32(dst, c.Data)
}

func appendConnectBody(dst []byte, peer uint16, in, out uint8, mtu, window, channels, inBW, outBW, interval, accel, decel uint32, id ConnectID) []byte {
	dst = appendU16(dst, peer)
	dst = append(dst, in, out)
	dst = appendU32(dst, mtu)
	dst = appendU32(dst, window)
	dst = appendU32(dst, channels)
	dst = appendU32(dst, inBW)
	dst = appendU32(dst, outBW)
	dst = appendU32(dst, interval)
	dst = appendU32(dst, accel)
	dst = appendU32(dst, decel)
	return append(dst, id[:]...)
}

func validSession(s uint8) bool { return s <= 3 || s == SessionUnassigned }

// ParseConnect decodes a CONNECT command from the start of b. Besides the
// header rules it rejects an outgoingPeerID >= 0xFFF (it is written into
// 12-bit header fields), session IDs other than 0..3 and 0xFF, and a channel
// count outside 1..255 (libenet ignores such a CONNECT).
func ParseConnect(b []byte) (Connect, int, error) {
	h, err := parseFixed(b, CommandConnect)
	if err != nil {
		return Connect{}, 0, err
	}
	c := Connect{
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
		Data:                       be.Uint32(b[44:]),
	}
	if c.OutgoingPeerID >= MaximumPeerID {
		return Connect{}, 0, fmt.Errorf("CONNECT outgoingPeerID %d: %w", c.OutgoingPeerID, ErrPeerID)
	}
	if !validSession(c.IncomingSessionID) || !validSession(c.OutgoingSessionID) {
		return Connect{}, 0, fmt.Errorf("CONNECT session IDs %d/%d: %w", c.IncomingSessionID, c.OutgoingSessionID, ErrSessionID)
	}
	if c.ChannelCount < MinimumChannelCount || c.ChannelCount > MaximumChannelCount {
		return Connect{}, 0, fmt.Errorf("CONNECT channelCount %d: %w", c.ChannelCount, ErrChannelCount)
	}
	return c, ConnectSize, nil
}
