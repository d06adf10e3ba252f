package protocol

import (
	"encoding/binary"
	"fmt"
)

var be = binary.BigEndian

// CommandType is the low nibble of a command byte (ENetProtocolCommand).
type CommandType uint8

// Command types, with the libenet 1.3.17 value of each.
const (
	CommandNone                   CommandType = 0  // ENET_PROTOCOL_COMMAND_NONE: invalid on the wire
	CommandAcknowledge            CommandType = 1  // ENET_PROTOCOL_COMMAND_ACKNOWLEDGE
	CommandConnect                CommandType = 2  // ENET_PROTOCOL_COMMAND_CONNECT
	CommandVerifyConnect          CommandType = 3  // ENET_PROTOCOL_COMMAND_VERIFY_CONNECT
	CommandDisconnect             CommandType = 4  // ENET_PROTOCOL_COMMAND_DISCONNECT
	CommandPing                   CommandType = 5  // ENET_PROTOCOL_COMMAND_PING
	CommandSendReliable           CommandType = 6  // ENET_PROTOCOL_COMMAND_SEND_RELIABLE
	CommandSendUnreliable         CommandType = 7  // ENET_PROTOCOL_COMMAND_SEND_UNRELIABLE
	CommandSendFragment           CommandType = 8  // ENET_PROTOCOL_COMMAND_SEND_FRAGMENT
	CommandSendUnsequenced        CommandType = 9  // ENET_PROTOCOL_COMMAND_SEND_UNSEQUENCED
	CommandBandwidthLimit         CommandType = 10 // ENET_PROTOCOL_COMMAND_BANDWIDTH_LIMIT
	CommandThrottleConfigure      CommandType = 11 // ENET_PROTOCOL_COMMAND_THROTTLE_CONFIGURE
	CommandSendUnreliableFragment CommandType = 12 // ENET_PROTOCOL_COMMAND_SEND_UNRELIABLE_FRAGMENT
	CommandCount                  CommandType = 13 // ENET_PROTOCOL_COMMAND_COUNT
)

var commandNames = [CommandCount]string{
	"NONE", "ACKNOWLEDGE", "CONNECT", "VERIFY_CONNECT", "DISCONNECT", "PING",
	"SEND_RELIABLE", "SEND_UNRELIABLE", "SEND_FRAGMENT", "SEND_UNSEQUENCED",
	"BANDWIDTH_LIMIT", "THROTTLE_CONFIGURE", "SEND_UNRELIABLE_FRAGMENT",
}

// String returns libenet's name without the ENET_PROTOCOL_COMMAND_ prefix.
func (t CommandType) String() string {
	if t < CommandCount {
		return commandNames[t]
	}
	return fmt.Sprintf("CommandType(%d)", uint8(t))
}

// commandSizes mirrors libenet's commandSizes table (protocol.c): the fixed
// size of each command in bytes, payload excluded.
var commandSizes = [CommandCount]int{
	0, AcknowledgeSize, ConnectSize, VerifyConnectSize, DisconnectSize, PingSize,
	SendReliableSize, SendUnreliableSize, SendFragmentSize, SendUnsequencedSize,
	BandwidthLimitSize, ThrottleConfigureSize, SendUnreliableFragmentSize,
}

// Size returns the fixed size in bytes of a command of type t (its payload
// excluded), or 0 for CommandNone and unknown types; enet_protocol_command_size.
func (t CommandType) Size() int {
	if t < CommandCount {
		return commandSizes[t]
	}
	return 0
}

// flagRule says which ACKNOWLEDGE/UNSEQUENCED flag combinations libenet 1.3.17
// sends for a command type, and whether it goes on the control channel.
type flagRule struct {
	ack, unseq, ackOrUnseq, none bool // exactly one is true
	control                      bool
}

var flagRules = [CommandCount]flagRule{
	CommandAcknowledge:            {none: true},
	CommandConnect:                {ack: true, control: true},
	CommandVerifyConnect:          {ack: true, control: true},
	CommandDisconnect:             {ackOrUnseq: true, control: true},
	CommandPing:                   {ack: true, control: true},
	CommandSendReliable:           {ack: true},
	CommandSendUnreliable:         {none: true},
	CommandSendFragment:           {ack: true},
	CommandSendUnsequenced:        {unseq: true},
	CommandBandwidthLimit:         {ack: true, control: true},
	CommandThrottleConfigure:      {ack: true, control: true},
	CommandSendUnreliableFragment: {none: true},
}

// CommandHeader is ENetProtocolCommandHeader, the first 4 bytes of every
// command:
//
//	offset 0  u8      command: type (bits 0-3) | UNSEQUENCED (bit 6) | ACKNOWLEDGE (bit 7)
//	offset 1  u8      channelID (0xFF = control channel)
//	offset 2  u16 BE  reliableSequenceNumber
type CommandHeader struct {
	Command                uint8
	ChannelID              uint8
	ReliableSequenceNumber uint16
}

// Type returns the command type (Command & CommandMask).
func (h CommandHeader) Type() CommandType { return CommandType(h.Command & CommandMask) }

// Acknowledge reports whether the ACKNOWLEDGE flag is set: the receiver must
// answer with an ACKNOWLEDGE command.
func (h CommandHeader) Acknowledge() bool { return h.Command&CommandFlagAcknowledge != 0 }

// Unsequenced reports whether the UNSEQUENCED flag is set.
func (h CommandHeader) Unsequenced() bool { return h.Command&CommandFlagUnsequenced != 0 }

// Len returns CommandHeaderSize.
func (h CommandHeader) Len() int { return CommandHeaderSize }

// Append appends the 4-byte encoding of h to dst.
func (h CommandHeader) Append(dst []byte) []byte {
	return append(dst, h.Command, h.ChannelID, byte(h.ReliableSequenceNumber>>8), byte(h.ReliableSequenceNumber))
}

// ParseCommandHeader decodes a command header. It checks only the length;
// use [CommandHeader.Validate] or a command's Parse function for the rest.
func ParseCommandHeader(b []byte) (CommandHeader, int, error) {
	if len(b) < CommandHeaderSize {
		return CommandHeader{}, 0, fmt.Errorf("command header: %w", ErrTruncated)
	}
	return CommandHeader{Command: b[0], ChannelID: b[1], ReliableSequenceNumber: be.Uint16(b[2:])}, CommandHeaderSize, nil
}

// Validate checks the header against what libenet 1.3.17 sends: a known type,
// reserved bits 4-5 clear, the ACKNOWLEDGE/UNSEQUENCED flags libenet uses for
// that type (ACKNOWLEDGE on CONNECT, VERIFY_CONNECT, PING, SEND_RELIABLE,
// SEND_FRAGMENT, BANDWIDTH_LIMIT, THROTTLE_CONFIGURE; UNSEQUENCED on
// SEND_UNSEQUENCED; exactly one of the two on DISCONNECT; neither on
// ACKNOWLEDGE, SEND_UNRELIABLE, SEND_UNRELIABLE_FRAGMENT), channel 0xFF for
// control commands and a channel below 0xFF for data commands (libenet
// rejects data on channels >= channelCount <= 255). ACKNOWLEDGE carries the
// acknowledged command's channel, so any channel is accepted there.
func (h CommandHeader) Validate() error {
	t := h.Type()
	if t == CommandNone || t >= CommandCount {
		return fmt.Errorf("command byte 0x%02x: %w", h.Command, ErrCommandType)
	}
	if h.Command&commandReservedBits != 0 {
		return fmt.Errorf("%v: command byte 0x%02x: %w", t, h.Command, ErrReservedBits)
	}
	r := flagRules[t]
	ack, unseq := h.Acknowledge(), h.Unsequenced()
	var ok bool
	switch {
	case r.ack:
		ok = ack && !unseq
	case r.unseq:
		ok = unseq && !ack
	case r.ackOrUnseq:
		ok = ack != unseq
	default:
		ok = !ack && !unseq
	}
	if !ok {
		return fmt.Errorf("%v: command byte 0x%02x: %w", t, h.Command, ErrFlags)
	}
	switch {
	case t == CommandAcknowledge:
	case r.control && h.ChannelID != ControlChannel:
		return fmt.Errorf("%v on channel %d, want 0xFF: %w", t, h.ChannelID, ErrChannelID)
	case !r.control && h.ChannelID == ControlChannel:
		return fmt.Errorf("%v on the control channel 0xFF: %w", t, ErrChannelID)
	}
	return nil
}

// parseFixed decodes and validates the header of a command of type want and
// checks that its fixed size is present.
func parseFixed(b []byte, want CommandType) (CommandHeader, error) {
	if len(b) < want.Size() {
		return CommandHeader{}, fmt.Errorf("%v: %d of %d bytes: %w", want, len(b), want.Size(), ErrTruncated)
	}
	h := CommandHeader{Command: b[0], ChannelID: b[1], ReliableSequenceNumber: be.Uint16(b[2:])}
	if h.Type() != want {
		return CommandHeader{}, fmt.Errorf("parsing %v from %v: %w", want, h.Type(), ErrWrongCommand)
	}
	if err := h.Validate(); err != nil {
		return CommandHeader{}, err
	}
	return h, nil
}

// payload returns the n payload bytes after a fixed part of size fixed.
func payload(b []byte, t CommandType, fixed, n int) ([]byte, error) {
	if len(b)-fixed < n {
		return nil, fmt.Errorf("%v: dataLength %d but %d bytes follow: %w", t, n, len(b)-fixed, ErrTruncated)
	}
	return b[fixed : fixed+n : fixed+n], nil
}

// appendData appends a payload after checking its length fits dataLength.
func checkData(t CommandType, data []byte) {
	if len(data) > MaximumDataLength {
		panic(fmt.Sprintf("enet/protocol: %v payload of %d bytes exceeds 65535", t, len(data)))
	}
}

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendU16(dst []byte, v uint16) []byte { return append(dst, byte(v>>8), byte(v)) }
