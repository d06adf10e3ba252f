package protocol

// PingSize is sizeof(ENetProtocolPing).
const PingSize = 4

// Ping is ENetProtocolPing (PING, type 5, 4 bytes): only a command header,
// command 0x85 on channel 0xFF. It exists to be acknowledged.
type Ping struct {
	Header CommandHeader
}

// Len returns PingSize.
func (c *Ping) Len() int { return PingSize }

// Append appends the 4-byte encoding of c to dst.
func (c *Ping) Append(dst []byte) []byte { return c.Header.Append(dst) }

// ParsePing decodes a PING command from the start of b.
func ParsePing(b []byte) (Ping, int, error) {
	h, err := parseFixed(b, CommandPing)
	if err != nil {
		return Ping{}, 0, err
	}
	return Ping{Header: h}, PingSize, nil
}
