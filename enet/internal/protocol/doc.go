// Package protocol is ENet's wire format as spoken by libenet 1.3.17
// (include/enet/protocol.h): every constant, the datagram header, the
// optional CRC-32 checksum, the 4-byte command header and the twelve
// commands, each in its own file with a Go struct, Append, Len and a
// Parse function.
//
// All multi-byte integers are big-endian (network order), as ENet converts
// them with ENET_HOST_TO_NET_16/32; the one exception is the 4-byte connect
// ID, an opaque token that libenet copies without conversion ([ConnectID]).
// All structures are packed (ENET_PACKED): there is no padding anywhere.
//
// Parsing never panics and never allocates. Parse functions return the
// command, the number of bytes consumed (fixed part plus payload) and an
// error wrapping one of the sentinel errors in errors.go. Validation is
// stricter than libenet's receiver where libenet 1.3.17 itself never sends
// a value (for example a flag combination or a channel ID a sender never
// uses), and as strict where libenet rejects. Values that libenet clamps
// rather than rejects (MTU, window size) are left to the engine. Payload
// commands return Data aliasing the input; nothing is copied.
//
// A datagram is processed as: [ParseDatagram] (header, checksum slot, body);
// decompress the body if [Header.Compressed]; verify the checksum with
// [Checksum]; then walk the commands with a [CommandReader].
package protocol
