package protocol

// SendUnreliableFragmentSize is the size of SEND_UNRELIABLE_FRAGMENT without
// payload; libenet reuses ENetProtocolSendFragment for it.
const SendUnreliableFragmentSize = 24

// SendUnreliableFragment is SEND_UNRELIABLE_FRAGMENT (type 12, 24 bytes +
// payload), one fragment of an unreliable message sent with
// ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT. Its layout is SEND_FRAGMENT's
// (ENetProtocolSendFragment) with different meanings:
//
//	offset  0  4 bytes  CommandHeader: command 0x0C, channelID < 0xFF, the channel's
//	                    current outgoing reliable sequence number (same for all fragments)
//	offset  4  u16 BE   startSequenceNumber: the message's unreliable sequence number
//	offset  6  u16 BE   dataLength
//	offset  8  u32 BE   fragmentCount
//	offset 12  u32 BE   fragmentNumber
//	offset 16  u32 BE   totalLength
//	offset 20  u32 BE   fragmentOffset
//	offset 24  dataLength bytes of payload
//
// The same field checks as [ParseSendFragment] apply. Append panics if
// len(Data) > 65535.
type SendUnreliableFragment struct {
	Header              CommandHeader
	StartSequenceNumber uint16
	FragmentCount       uint32
	FragmentNumber      uint32
	TotalLength         uint32
	FragmentOffset      uint32
	Data                []byte
}

// Len returns SendUnreliableFragmentSize + len(Data).
func (c *SendUnreliableFragment) Len() int { return SendUnreliableFragmentSize + len(c.Data) }

// Append appends the encoding of c, payload included, to dst.
func (c *SendUnreliableFragment) Append(dst []byte) []byte {
	return appendFragment(dst, CommandSendUnreliableFragment, c.Header, c.StartSequenceNumber, c.FragmentCount, c.FragmentNumber, c.TotalLength, c.FragmentOffset, c.Data)
}

// ParseSendUnreliableFragment decodes a SEND_UNRELIABLE_FRAGMENT command and
// its payload from the start of b.
func ParseSendUnreliableFragment(b []byte) (SendUnreliableFragment, int, error) {
	f, n, err := parseFragment(b, CommandSendUnreliableFragment)
	return SendUnreliableFragment(f), n, err
}
