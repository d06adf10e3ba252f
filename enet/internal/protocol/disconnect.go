package protocol

// DisconnectSize is sizeof(ENetProtocolDisconnect).
const DisconnectSize = 8

// Disconnect is ENetProtocolDisconnect (DISCONNECT, type 4, 8 bytes) on the
// control channel. A graceful disconnect carries ACKNOWLEDGE (0x84); one sent
// during the handshake or by enet_peer_disconnect_now carries UNSEQUENCED
// (0x44) and is not acknowledged:
//
//	offset 0  4 bytes  CommandHeader: command 0x84 or 0x44, channelID 0xFF
//	offset 4  u32 BE   data: the application's 32-bit disconnect value
type Disconnect struct {
	Header CommandHeader
	Data   uint32
}

// Len returns DisconnectSize.
func (c *Disconnect) Len() int { return DisconnectSize }

// Append appends the 8-byte encoding of c to dst.
func (c *Disconnect) Append(dst []byte) []byte {
	return appendU32(c.Header.Append(dst), c.Data)
}

// ParseDisconnect decodes a DISCONNECT command from the start of b.
func ParseDisconnect(b []byte) (Disconnect, int, error) {
	h, err := parseFixed(b, CommandDisconnect)
	if err != nil {
		return Disconnect{}, 0, err
	}
	return Disconnect{Header: h, Data: be.Uint32(b[4:])}, DisconnectSize, nil
}
