package protocol

// ThrottleConfigureSize is sizeof(ENetProtocolThrottleConfigure).
const ThrottleConfigureSize = 16

// ThrottleConfigure is ENetProtocolThrottleConfigure (THROTTLE_CONFIGURE,
// type 11, 16 bytes), setting the receiver's packet throttle toward the
// sender:
//
//	offset  0  4 bytes  CommandHeader: command 0x8B, channelID 0xFF
//	offset  4  u32 BE   packetThrottleInterval (ms)
//	offset  8  u32 BE   packetThrottleAcceleration
//	offset 12  u32 BE   packetThrottleDeceleration
type ThrottleConfigure struct {
	Header                     CommandHeader
	PacketThrottleInterval     uint32
	PacketThrottleAcceleration uint32
	PacketThrottleDeceleration uint32
}

// Len returns ThrottleConfigureSize.
func (c *ThrottleConfigure) Len() int { return ThrottleConfigureSize }

// Append appends the 16-byte encoding of c to dst.
func (c *ThrottleConfigure) Append(dst []byte) []byte {
	dst = appendU32(c.Header.Append(dst), c.PacketThrottleInterval)
	return appendU32(appendU32(dst, c.PacketThrottleAcceleration), c.PacketThrottleDeceleration)
}

// ParseThrottleConfigure decodes a THROTTLE_CONFIGURE command from the start
// of b.
func ParseThrottleConfigure(b []byte) (ThrottleConfigure, int, error) {
	h, err := parseFixed(b, CommandThrottleConfigure)
	if err != nil {
		return ThrottleConfigure{}, 0, err
	}
	return ThrottleConfigure{
		Header:                     h,
		PacketThrottleInterval:     be.Uint32(b[4:]),
		PacketThrottleAcceleration: be.Uint32(b[8:]),
		PacketThrottleDeceleration: be.Uint32(b[12:]),
	}, ThrottleConfigureSize, nil
}
