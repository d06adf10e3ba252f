package protocol

// AcknowledgeSize is sizeof(ENetProtocolAcknowledge).
const AcknowledgeSize = 8

// Acknowledge is ENetProtocolAcknowledge (ACKNOWLEDGE, type 1, 8 bytes). One
// is sent for every ACKNOWLEDGE-flagged command received:
//
//	offset 0  4 bytes  CommandHeader: command 0x01, channelID and reliableSequenceNumber
//	                   of the acknowledged command
//	offset 4  u16 BE   receivedReliableSequenceNumber (same as the header's)
//	offset 6  u16 BE   receivedSentTime: the sentTime of the datagram that carried it
type Acknowledge struct {
	Header                         CommandHeader
	ReceivedReliableSequenceNumber uint16
	ReceivedSentTime               uint16
}

// Len returns AcknowledgeSize.
func (c *Acknowledge) Len() int { return AcknowledgeSize }

// Append appends the 8-byte encoding of c to dst.
func (c *Acknowledge) Append(dst []byte) []byte {
	dst = c.Header.Append(dst)
	dst = appendU16(dst, c.ReceivedReliableSequenceNumber)
	return appendU16(dst, c.ReceivedSentTime)
}

// ParseAcknowledge decodes an ACKNOWLEDGE command from the start of b.
func ParseAcknowledge(b []byte) (Acknowledge, int, error) {
	h, err := parseFixed(b, CommandAcknowledge)
	if err != nil {
		return Acknowledge{}, 0, err
	}
	return Acknowledge{
		Header:                         h,
		ReceivedReliableSequenceNumber: be.Uint16(b[4:]),
		ReceivedSentTime:               be.Uint16(b[6:]),
	}, AcknowledgeSize, nil
}
