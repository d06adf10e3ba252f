package protocol

import "fmt"

// SendFragmentSize is sizeof(ENetProtocolSendFragment), payload excluded.
const SendFragmentSize = 24

// SendFragment is ENetProtocolSendFragment (SEND_FRAGMENT, type 8, 24 bytes +
// payload), one fragment of a reliable message:
//
//	offset  0  4 bytes  CommandHeader: command 0x88, channelID < 0xFF, this fragment's
//	                    own reliable sequence number
//	offset  4  u16 BE   startSequenceNumber: reliable sequence number of fragment 0
//	offset  6  u16 BE   dataLength
//	offset  8  u32 BE   fragmentCount (1..1048576)
//	offset 12  u32 BE   fragmentNumber (< fragmentCount)
//	offset 16  u32 BE   totalLength of the message
//	offset 20  u32 BE   fragmentOffset (< totalLength)
//	offset 24  dataLength bytes of payload (1..totalLength-fragmentOffset)
//
// Data aliases the parsed buffer. Append panics if len(Data) > 65535.
type SendFragment struct {
	Header              CommandHeader
	StartSequenceNumber uint16
	FragmentCount       uint32
	FragmentNumber      uint32
	TotalLength         uint32
	FragmentOffset      uint32
	Data                []byte
}

// Len returns SendFragmentSize + len(Data).
func (c *SendFragment) Len() int { return SendFragmentSize + len(c.Data) }

// Append appends the encoding of c, payload included, to dst.
func (c *SendFragment) Append(dst []byte) []byte {
	return appendFragment(dst, CommandSendFragment, c.Header, c.StartSequenceNumber, c.FragmentCount, c.FragmentNumber, c.TotalLength, c.FragmentOffset, c.Data)
}

func appendFragment(dst []byte, t CommandType, h CommandHeader, start uint16, count, number, total, offset uint32, data []byte) []byte {
	checkData(t, data)
	dst = appendU16(h.Append(dst), start)
	dst = appendU16(dst, uint16(len(data)))
	dst = appendU32(dst, count)
	dst = appendU32(dst, number)
	dst = appendU32(dst, total)
	dst = appendU32(dst, offset)
	return append(dst, data...)
}

// parseFragment decodes the shared layout of SEND_FRAGMENT and
// SEND_UNRELIABLE_FRAGMENT and applies libenet's fragment checks
// (fragmentCount <= 1048576, fragmentNumber < fragmentCount, fragmentOffset <
// totalLength, dataLength <= totalLength - fragmentOffset) plus those added
// after 1.3.18 (commit 657eaf9: dataLength > 0, totalLength >=
// fragmentCount), which libenet senders always satisfy. The limit on
// totalLength (the host's maximum packet size) is the engine's.
func parseFragment(b []byte, t CommandType) (SendFragment, int, error) {
	h, err := parseFixed(b, t)
	if err != nil {
		return SendFragment{}, 0, err
	}
	c := SendFragment{
		Header:              h,
		StartSequenceNumber: be.Uint16(b[4:]),
		FragmentCount:       be.Uint32(b[8:]),
		FragmentNumber:      be.Uint32(b[12:]),
		TotalLength:         be.Uint32(b[16:]),
		FragmentOffset:      be.Uint32(b[20:]),
	}
	n := int(be.Uint16(b[6:]))
	switch {
	case c.FragmentCount == 0 || c.FragmentCount > MaximumFragmentCount:
		return SendFragment{}, 0, fmt.Errorf("%v fragmentCount %d: %w", t, c.FragmentCount, ErrFragment)
	case c.FragmentNumber >= c.FragmentCount:
		return SendFragment{}, 0, fmt.Errorf("%v fragmentNumber %d of %d: %w", t, c.FragmentNumber, c.FragmentCount, ErrFragment)
	case c.TotalLength < c.FragmentCount:
		return SendFragment{}, 0, fmt.Errorf("%v totalLength %d below fragmentCount %d: %w", t, c.TotalLength, c.FragmentCount, ErrFragment)
	case c.FragmentOffset >= c.TotalLength:
		return SendFragment{}, 0, fmt.Errorf("%v fragmentOffset %d of totalLength %d: %w", t, c.FragmentOffset, c.TotalLength, ErrFragment)
	case n == 0 || uint32(n) > c.TotalLength-c.FragmentOffset:
		return SendFragment{}, 0, fmt.Errorf("%v dataLength %d at offset %d of %d: %w", t, n, c.FragmentOffset, c.TotalLength, ErrFragment)
	}
	if c.Data, err = payload(b, t, SendFragmentSize, n); err != nil {
		return SendFragment{}, 0, err
	}
	return c, SendFragmentSize + n, nil
}

// ParseSendFragment decodes a SEND_FRAGMENT command and its payload from the
// start of b.
func ParseSendFragment(b []byte) (SendFragment, int, error) {
	return parseFragment(b, CommandSendFragment)
}
