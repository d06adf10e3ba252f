package protocol

// SendUnreliableSize is sizeof(ENetProtocolSendUnreliable), payload excluded.
const SendUnreliableSize = 8

// SendUnreliable is ENetProtocolSendUnreliable (SEND_UNRELIABLE, type 7, 8
// bytes + payload), a sequenced unreliable message:
//
//	offset 0  4 bytes  CommandHeader: command 0x07, channelID < 0xFF, the channel's
//	                   current outgoing reliable sequence number
//	offset 4  u16 BE   unreliableSequenceNumber
//	offset 6  u16 BE   dataLength
//	offset 8  dataLength bytes of payload
//
// Data aliases the parsed buffer. Append panics if len(Data) > 65535.
type SendUnreliable struct {
	Header                   CommandHeader
	UnreliableSequenceNumber uint16
	Data                     []byte
}

// Len returns SendUnreliableSize + len(Data).
func (c *SendUnreliable) Len() int { return SendUnreliableSize + len(c.Data) }

// Append appends the encoding of c, payload included, to dst.
func (c *SendUnreliable) Append(dst []byte) []byte {
	checkData(CommandSendUnreliable, c.Data)
	dst = appendU16(c.Header.Append(dst), c.UnreliableSequenceNumber)
	dst = appendU16(dst, uint16(len(c.Data)))
	return append(dst, c.Data...)
}

// ParseSendUnreliable decodes a SEND_UNRELIABLE command and its payload from
// the start of b.
func ParseSendUnreliable(b []byte) (SendUnreliable, int, error) {
	h, err := parseFixed(b, CommandSendUnreliable)
	if err != nil {
		return SendUnreliable{}, 0, err
	}
	data, err := payload(b, CommandSendUnreliable, SendUnreliableSize, int(be.Uint16(b[6:])))
	if err != nil {
		return SendUnreliable{}, 0, err
	}
	return SendUnreliable{Header: h, UnreliableSequenceNumber: be.Uint16(b[4:]), Data: data}, SendUnreliableSize + len(data), nil
}
