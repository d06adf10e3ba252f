package protocol

import "fmt"

// Datagram is one UDP payload split into its parts; nothing is copied:
//
//	Header    2 or 4 bytes (see [Header])
//	Checksum  4 bytes, only when the host uses checksums
//	Body      the commands, range-coded when Header.Compressed
type Datagram struct {
	Header      Header
	HeaderBytes []byte // the encoded header, as the checksum covers it
	HasChecksum bool
	Checksum    [ChecksumSize]byte
	Body        []byte
}

// ParseDatagram splits b. withChecksum says whether this host uses checksums
// (it is a host setting, not announced on the wire). It rejects datagrams
// longer than [MaximumDatagramSize] and datagrams with an empty body.
func ParseDatagram(b []byte, withChecksum bool) (Datagram, error) {
	if len(b) > MaximumDatagramSize {
		return Datagram{}, fmt.Errorf("datagram of %d bytes: %w", len(b), ErrDatagramTooLong)
	}
	h, n, err := ParseHeader(b)
	if err != nil {
		return Datagram{}, err
	}
	d := Datagram{Header: h, HeaderBytes: b[:n:n]}
	if withChecksum {
		if len(b)-n < ChecksumSize {
			return Datagram{}, fmt.Errorf("checksum: %w", ErrTruncated)
		}
		d.HasChecksum = true
		d.Checksum = [ChecksumSize]byte(b[n : n+ChecksumSize])
		n += ChecksumSize
	}
	if len(b) == n {
		return Datagram{}, ErrNoCommands
	}
	d.Body = b[n:]
	return d, nil
}

// VerifyChecksum reports whether the checksum slot matches [Checksum] over
// the header, seed and body, where body is the decompressed body when the
// datagram was compressed. It reports false when the datagram has no
// checksum.
func (d *Datagram) VerifyChecksum(seed ConnectID, body []byte) bool {
	return d.HasChecksum && Checksum(d.HeaderBytes, seed, body) == d.Checksum
}

// Command is one command found by a [CommandReader]: its validated header
// and its exact bytes, payload included. Decode it with the Parse function
// of its type (ParseAcknowledge, ...), which cannot fail on these bytes.
type Command struct {
	Header CommandHeader
	Raw    []byte
}

// Type returns the command's type.
func (c Command) Type() CommandType { return c.Header.Type() }

// CommandReader walks the commands of a datagram body, validating each
// command in full (its Parse function) and the datagram-level rules:
//
//   - at most [MaximumPacketCommands] commands;
//   - with header peer ID 0xFFF every command is CONNECT, and CONNECT only
//     appears with peer ID 0xFFF (libenet stops at anything else);
//   - an acknowledge-flagged command needs a header with sent time (libenet
//     stops processing a datagram after such a command).
//
// Use it like bufio.Scanner:
//
//	r := protocol.NewCommandReader(d.Header, body)
//	for r.Next() {
//		cmd := r.Command()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// Commands before an error are valid; libenet acts on them too, then drops
// the rest of the datagram.
type CommandReader struct {
	header Header
	body   []byte
	off    int
	count  int
	cmd    Command
	err    error
}

// NewCommandReader returns a reader over body, the uncompressed bytes after
// the header and checksum of a datagram with header h. It does not check
// h.Compressed: decompress first.
func NewCommandReader(h Header, body []byte) CommandReader {
	return CommandReader{header: h, body: body}
}

// Next advances to the next command. It returns false at the end of the
// body or on the first invalid command; Err tells which.
func (r *CommandReader) Next() bool {
	if r.err != nil || r.off >= len(r.body) {
		return false
	}
	b := r.body[r.off:]
	if r.count == MaximumPacketCommands {
		r.err = fmt.Errorf("command %d at offset %d: %w", r.count, r.off, ErrTooManyCommands)
		return false
	}
	n, err := ParseCommand(b)
	if err == nil {
		t := CommandType(b[0] & CommandMask)
		switch {
		case r.header.PeerID == MaximumPeerID && t != CommandConnect:
			err = fmt.Errorf("%v: %w", t, ErrCommandWithoutPeer)
		case r.header.PeerID != MaximumPeerID && t == CommandConnect:
			err = fmt.Errorf("to peer ID %d: %w", r.header.PeerID, ErrConnectWithPeer)
		case b[0]&CommandFlagAcknowledge != 0 && !r.header.HasSentTime:
			err = fmt.Errorf("%v: %w", t, ErrMissingSentTime)
		}
	}
	if err != nil {
		r.err = fmt.Errorf("command %d at offset %d: %w", r.count, r.off, err)
		return false
	}
	r.cmd = Command{
		Header: CommandHeader{Command: b[0], ChannelID: b[1], ReliableSequenceNumber: be.Uint16(b[2:])},
		Raw:    b[:n:n],
	}
	r.off += n
	r.count++
	return true
}

// Command returns the command found by the last successful Next.
func (r *CommandReader) Command() Command { return r.cmd }

// Err returns the error that stopped Next, or nil at a clean end.
func (r *CommandReader) Err() error { return r.err }

// Offset returns the byte offset in the body of the next unread command (of
// the failing command after an error).
func (r *CommandReader) Offset() int { return r.off }

// ParseCommand validates the command at the start of b with the Parse
// function of its type and returns its length, payload included.
func ParseCommand(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("command: %w", ErrTruncated)
	}
	var (
		n   int
		err error
	)
	switch CommandType(b[0] & CommandMask) {
	case CommandAcknowledge:
		_, n, err = ParseAcknowledge(b)
	case CommandConnect:
		_, n, err = ParseConnect(b)
	case CommandVerifyConnect:
		_, n, err = ParseVerifyConnect(b)
	case CommandDisconnect:
		_, n, err = ParseDisconnect(b)
	case CommandPing:
		_, n, err = ParsePing(b)
	case CommandSendReliable:
		_, n, err = ParseSendReliable(b)
	case CommandSendUnreliable:
		_, n, err = ParseSendUnreliable(b)
	case CommandSendFragment:
		_, n, err = ParseSendFragment(b)
	case CommandSendUnsequenced:
		_, n, err = ParseSendUnsequenced(b)
	case CommandBandwidthLimit:
		_, n, err = ParseBandwidthLimit(b)
	case CommandThrottleConfigure:
		_, n, err = ParseThrottleConfigure(b)
	case CommandSendUnreliableFragment:
		_, n, err = ParseSendUnreliableFragment(b)
	default:
		return 0, fmt.Errorf("command byte 0x%02x: %w", b[0], ErrCommandType)
	}
	return n, err
}
