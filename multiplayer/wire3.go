package multiplayer

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Godot 3.2 NetworkedMultiplayerENet wire format
// (modules/enet/networked_multiplayer_enet.cpp, 3.2 branch). All Godot
// integers here are little-endian; the ENet framing around them is
// big-endian and belongs to package enet.

// Godot3HeaderSize is the size of the header in front of every Godot 3.2
// data packet.
const Godot3HeaderSize = 8

// Godot3Header is the header of every Godot 3.2 data packet, on ENet
// channels 1 and up, in both directions:
//
//	offset 0  u32 LE  source: the sender's unique id (server: 1)
//	offset 4  i32 LE  target: 0 all, 1 server, N peer N, -N all but N
//	offset 8          payload (what put_packet was given)
//
// A server forwards relayed packets with the header unchanged, so clients
// learn the original sender from Source.
type Godot3Header struct {
	Source int32 // 1 … 2³¹−1
	Target int32 // any value but −2³¹
}

// AppendGodot3Header appends h's 8 bytes to dst. It does not validate h;
// see ParseGodot3Header for the accepted ranges.
func AppendGodot3Header(dst []byte, h Godot3Header) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.Source))
	return binary.LittleEndian.AppendUint32(dst, uint32(h.Target))
}

// ParseGodot3Header reads the header at the start of b and returns it
// with the payload that follows (a subslice of b).
//
// Errors: fewer than 8 bytes → ErrShortPacket (Godot drops these too); a
// source of 0 or ≥ 2³¹ (no Godot peer has such an id) or a target of −2³¹
// (whose negation overflows) → ErrBadPeerID. Both wrap
// godoterr.ErrInvalidData.
func ParseGodot3Header(b []byte) (Godot3Header, []byte, error) {
	if len(b) < Godot3HeaderSize {
		return Godot3Header{}, nil, fmt.Errorf("godot3 header: %d bytes, need %d: %w", len(b), Godot3HeaderSize, ErrShortPacket)
	}
	src := binary.LittleEndian.Uint32(b)
	tgt := int32(binary.LittleEndian.Uint32(b[4:]))
	if src == 0 || src > MaxPeerID {
		return Godot3Header{}, nil, fmt.Errorf("godot3 header: source %d: %w", src, ErrBadPeerID)
	}
	if tgt == math.MinInt32 {
		return Godot3Header{}, nil, fmt.Errorf("godot3 header: target %d: %w", tgt, ErrBadPeerID)
	}
	return Godot3Header{Source: int32(src), Target: tgt}, b[Godot3HeaderSize:], nil
}

// Godot3SysType is the message field of a Godot 3.2 system message.
type Godot3SysType uint32

const (
	// Godot3AddPeer (SYSMSG_ADD_PEER, 0): the peer joined.
	Godot3AddPeer Godot3SysType = 0
	// Godot3RemovePeer (SYSMSG_REMOVE_PEER, 1): the peer left.
	Godot3RemovePeer Godot3SysType = 1
)

// String returns "add_peer", "remove_peer" or the number.
func (t Godot3SysType) String() string {
	switch t {
	case Godot3AddPeer:
		return "add_peer"
	case Godot3RemovePeer:
		return "remove_peer"
	}
	return fmt.Sprintf("Godot3SysType(%d)", uint32(t))
}

// Godot3SysMessageSize is the size of a Godot 3.2 system message.
const Godot3SysMessageSize = 8

// Godot3SysMessage is a Godot 3.2 system message: sent only by a server
// with server_relay on, reliable, on ENet channel 0 (SYSCH_CONFIG), no
// data header:
//
//	offset 0  u32 LE  message: 0 ADD_PEER, 1 REMOVE_PEER
//	offset 4  u32 LE  peer id (2 … 2³¹−1)
//
// A server must drop anything a client sends on channel 0.
type Godot3SysMessage struct {
	Type Godot3SysType
	Peer int32
}

// AppendGodot3SysMessage appends m's 8 bytes to dst, unvalidated.
func AppendGodot3SysMessage(dst []byte, m Godot3SysMessage) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Type))
	return binary.LittleEndian.AppendUint32(dst, uint32(m.Peer))
}

// ParseGodot3SysMessage reads a system message. Like Godot's client it
// ignores bytes after the first 8.
//
// Errors (all wrap godoterr.ErrInvalidData): fewer than 8 bytes →
// ErrShortPacket; a message other than 0 or 1 → ErrUnknownCommand (Godot
// ignores these silently); a peer id outside 2 … 2³¹−1 (the server, 1, is
// never announced) → ErrBadPeerID.
func ParseGodot3SysMessage(b []byte) (Godot3SysMessage, error) {
	if len(b) < Godot3SysMessageSize {
		return Godot3SysMessage{}, fmt.Errorf("godot3 system message: %d bytes, need %d: %w", len(b), Godot3SysMessageSize, ErrShortPacket)
	}
	t := Godot3SysType(binary.LittleEndian.Uint32(b))
	id := binary.LittleEndian.Uint32(b[4:])
	if t != Godot3AddPeer && t != Godot3RemovePeer {
		return Godot3SysMessage{}, fmt.Errorf("godot3 system message %d: %w", uint32(t), ErrUnknownCommand)
	}
	if !validClientID(int64(id)) {
		return Godot3SysMessage{}, fmt.Errorf("godot3 system message %s: peer %d: %w", t, id, ErrBadPeerID)
	}
	return Godot3SysMessage{Type: t, Peer: int32(id)}, nil
}
