package protocol

// SendUnsequencedSize is sizeof(ENetProtocolSendUnsequenced), payload excluded.
const SendUnsequencedSize = 8

// SendUnsequenced is ENetProtocolSendUnsequenced (SEND_UNSEQUENCED, type 9,
// 8 bytes + payload), an unreliable message delivered without ordering:
//
//	offset 0  4 bytes  CommandHeader: command 0x49 (UNSEQUENCED flag), channelID < 0xFF,
//	                   reliableSequenceNumber 0
//	offset 4  u16 BE   unsequencedGroup (per peer, for duplicate detection)
//	offset 6  u16 BE   dataLength
//	offset 8  dataLength bytes of payload
//
// Data aliases the parsed buffer. Append panics if len(Data) > 65535.
type SendUnsequenced struct {
	Header           CommandHeader
	UnsequencedGroup uint16
	Data             []byte
}

// Len returns SendUnsequencedSize + len(Data).
func (c *SendUnsequenced) Len() int { return SendUnsequencedSize + len(c.Data) }

// Append appends the encoding of c, payload included, to dst.
func (c *SendUnsequenced) Append(dst []byte) []byte {
	checkData(CommandSendUnsequenced, c.Data)
	dst = appendU16(c.Header.Append(dst), c.UnsequencedGroup)
	dst = appendU16(dst, uint16(len(c.Data)))
	return append(dst, c.Data...)
}

// ParseSendUnsequenced decodes a SEND_UNSEQUENCED command and its payload
// from the start of b.
func ParseSendUnsequenced(b []byte) (SendUnsequenced, int, error) {
	h, err := parseFixed(b, CommandSendUnsequenced)
	if err != nil {
		return SendUnsequenced{}, 0, err
	}
	data, err := payload(b, CommandSendUnsequenced, SendUnsequencedSize, int(be.Uint16(b[6:])))
	if err != nil {
		return SendUnsequenced{}, 0, err
	}
	return SendUnsequenced{Header: h, UnsequencedGroup: be.Uint16(b[4:]), Data: data}, SendUnsequencedSize + len(data), nil
}
