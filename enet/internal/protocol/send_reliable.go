package protocol

// SendReliableSize is sizeof(ENetProtocolSendReliable), payload excluded.
const SendReliableSize = 6

// SendReliable is ENetProtocolSendReliable (SEND_RELIABLE, type 6, 6 bytes +
// payload), a whole reliable message:
//
//	offset 0  4 bytes  CommandHeader: command 0x86, channelID < 0xFF, the message's
//	                   reliable sequence number on that channel
//	offset 4  u16 BE   dataLength
//	offset 6  dataLength bytes of payload
//
// Data aliases the parsed buffer. Append panics if len(Data) > 65535; the
// engine fragments at the MTU long before that.
type SendReliable struct {
	Header CommandHeader
	Data   []byte
}

// Len returns SendReliableSize + len(Data).
func (c *SendReliable) Len() int { return SendReliableSize + len(c.Data) }

// Append appends the encoding of c, payload included, to dst.
func (c *SendReliable) Append(dst []byte) []byte {
	checkData(CommandSendReliable, c.Data)
	dst = appendU16(c.Header.Append(dst), uint16(len(c.Data)))
	return append(dst, c.Data...)
}

// ParseSendReliable decodes a SEND_RELIABLE command and its payload from the
// start of b.
func ParseSendReliable(b []byte) (SendReliable, int, error) {
	h, err := parseFixed(b, CommandSendReliable)
	if err != nil {
		return SendReliable{}, 0, err
	}
	data, err := payload(b, CommandSendReliable, SendReliableSize, int(be.Uint16(b[4:])))
	if err != nil {
		return SendReliable{}, 0, err
	}
	return SendReliable{Header: h, Data: data}, SendReliableSize + len(data), nil
}
