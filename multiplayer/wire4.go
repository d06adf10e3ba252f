package multiplayer

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Godot 4.x SceneMultiplayer packet layer
// (modules/multiplayer/scene_multiplayer.cpp, 4.0 → master). Every packet
// a Godot 4 SceneMultiplayer sends through its MultiplayerPeer starts with a
// command byte: the low 3 bits are the command, bits 4-7 per-command flags.
// ENetMultiplayerPeer and WebSocketMultiplayerPeer carry these bytes with
// no header of their own.

// Command is the low 3 bits of a SceneMultiplayer packet's first byte.
type Command uint8

// SceneMultiplayer commands (NETWORK_COMMAND_*). Only RAW and SYS are
// understood by this package; the others (RPC, node paths, spawn, sync)
// belong to Godot's scene system and are counted as DropUnsupported.
const (
	CommandRemoteCall   Command = 0
	CommandSimplifyPath Command = 1
	CommandConfirmPath  Command = 2
	CommandRaw          Command = 3 // send_bytes: 03 + bytes
	CommandSpawn        Command = 4
	CommandDespawn      Command = 5
	CommandSync         Command = 6
	CommandSys          Command = 7 // peer announcements, relay, auth
)

// CommandMask selects the command from the first byte (CMD_MASK).
const CommandMask = 7

var commandNames = [...]string{"remote_call", "simplify_path", "confirm_path", "raw", "spawn", "despawn", "sync", "sys"}

// String returns the command's name, e.g. "raw".
func (c Command) String() string {
	if int(c) < len(commandNames) {
		return commandNames[c]
	}
	return fmt.Sprintf("Command(%d)", uint8(c))
}

// PacketCommand returns the command of a SceneMultiplayer packet. An empty
// packet is ErrShortPacket.
func PacketCommand(b []byte) (Command, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("scenemultiplayer packet: empty: %w", ErrShortPacket)
	}
	return Command(b[0] & CommandMask), nil
}

// AppendRaw appends the RAW packet that SceneMultiplayer.send_bytes(data)
// sends: the byte 0x03 followed by data (vector G12: 03 01 02 for data
// 01 02). Godot refuses to send an empty RAW packet.
func AppendRaw(dst, data []byte) []byte {
	dst = append(dst, byte(CommandRaw))
	return append(dst, data...)
}

// ParseRaw returns the data of a RAW packet (a subslice of b). Flag bits
// 4-7 of the first byte are ignored, as in Godot.
//
// Errors: empty → ErrShortPacket; another command → ErrNotCommand; no
// data byte (Godot's "Size too small") → ErrEmptyPayload. All wrap
// godoterr.ErrInvalidData.
func ParseRaw(b []byte) ([]byte, error) {
	c, err := PacketCommand(b)
	if err != nil {
		return nil, err
	}
	if c != CommandRaw {
		return nil, fmt.Errorf("raw packet: command %s: %w", c, ErrNotCommand)
	}
	if len(b) < 2 {
		return nil, fmt.Errorf("raw packet: %w", ErrEmptyPayload)
	}
	return b[1:], nil
}

// SysCommand is the second byte of a SYS packet (SYS_COMMAND_*).
type SysCommand uint8

const (
	SysAuth    SysCommand = 0 // authentication data, or the completion marker 07 00
	SysAddPeer SysCommand = 1 // server → client: a peer joined
	SysDelPeer SysCommand = 2 // server → client: a peer left
	SysRelay   SysCommand = 3 // relay wrapper, both directions
)

var sysNames = [...]string{"auth", "add_peer", "del_peer", "relay"}

// String returns "auth", "add_peer", "del_peer", "relay" or the number.
func (c SysCommand) String() string {
	if int(c) < len(sysNames) {
		return sysNames[c]
	}
	return fmt.Sprintf("SysCommand(%d)", uint8(c))
}

// SysHeaderSize is SYS_CMD_SIZE: command byte, sys command, i32 peer.
const SysHeaderSize = 6

// SysMessage is a SceneMultiplayer SYS packet:
//
//	byte 0      0x07 (CommandSys)
//	byte 1      sys command: 0 AUTH, 1 ADD_PEER, 2 DEL_PEER, 3 RELAY
//	bytes 2-5   i32 LE peer   (absent in AUTH)
//	bytes 6…    RELAY: the inner packet (≥ 1 byte)
//
// AUTH is 07 00 followed by the authentication data (≥ 1 byte); exactly
// 07 00 is the completion marker each side sends once it has locally
// completed authentication (vector G11). ADD_PEER and DEL_PEER are exactly
// six bytes (G8: 07 01 2a000000 announces peer 42; G9: 07 02 2a000000).
// In RELAY, Peer is the target when a client sends it to the server
// (G10: 07 03 07000000 03 aa relays the RAW packet 03 aa to peer 7) and
// the original sender when the server forwards it to a client.
type SysMessage struct {
	Command SysCommand
	// Peer: ADD_PEER/DEL_PEER the announced id (2 … 2³¹−1); RELAY the
	// target (client → server: 0, N or −N) or the source (server → client).
	// Unused for AUTH.
	Peer int32
	// Payload: RELAY the inner packet; AUTH the authentication data (empty
	// for the completion marker). A subslice of the parsed packet.
	Payload []byte
}

// AuthCompleted reports whether m is the AUTH completion marker (07 00).
func (m SysMessage) AuthCompleted() bool { return m.Command == SysAuth && len(m.Payload) == 0 }

// AppendSys appends m's bytes to dst. It does not validate m.
func AppendSys(dst []byte, m SysMessage) []byte {
	dst = append(dst, byte(CommandSys), byte(m.Command))
	if m.Command != SysAuth {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Peer))
	}
	return append(dst, m.Payload...)
}

// AppendAddPeer appends ADD_PEER(id): 07 01 <i32 LE id>.
func AppendAddPeer(dst []byte, id int32) []byte {
	return AppendSys(dst, SysMessage{Command: SysAddPeer, Peer: id})
}

// AppendDelPeer appends DEL_PEER(id): 07 02 <i32 LE id>.
func AppendDelPeer(dst []byte, id int32) []byte {
	return AppendSys(dst, SysMessage{Command: SysDelPeer, Peer: id})
}

// AppendRelay appends RELAY(peer, inner): 07 03 <i32 LE peer> <inner>.
func AppendRelay(dst []byte, peer int32, inner []byte) []byte {
	return AppendSys(dst, SysMessage{Command: SysRelay, Peer: peer, Payload: inner})
}

// AppendAuth appends AUTH data: 07 00 <data>. With empty data it is the
// completion marker; use AppendAuthCompleted to say so.
func AppendAuth(dst, data []byte) []byte {
	return AppendSys(dst, SysMessage{Command: SysAuth, Payload: data})
}

// AppendAuthCompleted appends the AUTH completion marker 07 00.
func AppendAuthCompleted(dst []byte) []byte { return append(dst, byte(CommandSys), byte(SysAuth)) }

// ParseSys reads a SYS packet. Payload is a subslice of b.
//
// Errors (all wrap godoterr.ErrInvalidData): empty or one byte, or a
// non-AUTH packet under six bytes → ErrShortPacket; another command →
// ErrNotCommand; a sys command above 3 → ErrUnknownCommand; ADD_PEER or
// DEL_PEER longer than six bytes → ErrTrailingData; an announced id
// outside 2 … 2³¹−1 or a RELAY peer of −2³¹ → ErrBadPeerID; a RELAY without
// an inner packet → ErrEmptyPayload.
func ParseSys(b []byte) (SysMessage, error) {
	c, err := PacketCommand(b)
	if err != nil {
		return SysMessage{}, err
	}
	if c != CommandSys {
		return SysMessage{}, fmt.Errorf("sys packet: command %s: %w", c, ErrNotCommand)
	}
	if len(b) < 2 {
		return SysMessage{}, fmt.Errorf("sys packet: 1 byte: %w", ErrShortPacket)
	}
	m := SysMessage{Command: SysCommand(b[1])}
	switch m.Command {
	case SysAuth:
		m.Payload = b[2:]
		return m, nil
	case SysAddPeer, SysDelPeer, SysRelay:
	default:
		return SysMessage{}, fmt.Errorf("sys packet: sys command %d: %w", b[1], ErrUnknownCommand)
	}
	if len(b) < SysHeaderSize {
		return SysMessage{}, fmt.Errorf("sys %s: %d bytes, need %d: %w", m.Command, len(b), SysHeaderSize, ErrShortPacket)
	}
	m.Peer = int32(binary.LittleEndian.Uint32(b[2:]))
	if m.Command == SysRelay {
		if m.Peer == math.MinInt32 {
			return SysMessage{}, fmt.Errorf("sys relay: peer %d: %w", m.Peer, ErrBadPeerID)
		}
		if len(b) == SysHeaderSize {
			return SysMessage{}, fmt.Errorf("sys relay: %w", ErrEmptyPayload)
		}
		m.Payload = b[SysHeaderSize:]
		return m, nil
	}
	if len(b) > SysHeaderSize {
		return SysMessage{}, fmt.Errorf("sys %s: %d bytes: %w", m.Command, len(b), ErrTrailingData)
	}
	if !validClientID(int64(m.Peer)) {
		return SysMessage{}, fmt.Errorf("sys %s: peer %d: %w", m.Command, m.Peer, ErrBadPeerID)
	}
	return m, nil
}
