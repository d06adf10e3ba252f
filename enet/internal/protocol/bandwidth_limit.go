package protocol

// BandwidthLimitSize is sizeof(ENetProtocolBandwidthLimit).
const BandwidthLimitSize = 12

// BandwidthLimit is ENetProtocolBandwidthLimit (BANDWIDTH_LIMIT, type 10, 12
// bytes), announcing the sender's host bandwidth limits:
//
//	offset 0  4 bytes  CommandHeader: command 0x8A, channelID 0xFF
//	offset 4  u32 BE   incomingBandwidth (bytes/s, 0 = unlimited)
//	offset 8  u32 BE   outgoingBandwidth (bytes/s, 0 = unlimited)
type BandwidthLimit struct {
	Header            CommandHeader
	IncomingBandwidth uint32
	OutgoingBandwidth uint32
}

// Len returns BandwidthLimitSize.
func (c *BandwidthLimit) Len() int { return BandwidthLimitSize }

// Append appends the 12-byte encoding of c to dst.
func (c *BandwidthLimit) Append(dst []byte) []byte {
	return appendU32(appendU32(c.Header.Append(dst), c.IncomingBandwidth), c.OutgoingBandwidth)
}

// ParseBandwidthLimit decodes a BANDWIDTH_LIMIT command from the start of b.
func ParseBandwidthLimit(b []byte) (BandwidthLimit, int, error) {
	h, err := parseFixed(b, CommandBandwidthLimit)
	if err != nil {
		return BandwidthLimit{}, 0, err
	}
	return BandwidthLimit{Header: h, IncomingBandwidth: be.Uint32(b[4:]), OutgoingBandwidth: be.Uint32(b[8:])}, BandwidthLimitSize, nil
}
