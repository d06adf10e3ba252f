package packetpeer

import (
	"github.com/packetpeer/packetpeer/godoterr"
)

// PacketPeer is Godot's PacketPeer contract (and PacketPeerExtension's five
// virtuals): a peer that sends and receives whole packets. Every transport
// in packetpeer implements it, and so can a type of your own: it then gets
// PutVar/GetVar, the blocking helpers and every wrapper (compression, rate
// limiting, statistics) for free.
//
// The methods never block, as in Godot's polled game loop. Go-style blocking
// use goes through ReadPacket, which uses Waiter when the peer implements it.
type PacketPeer interface {
	// PutPacket sends one packet. An empty packet is a no-op returning nil,
	// as in Godot. A packet longer than MaxPacketSize is an error wrapping
	// ErrInvalidParameter; a transport that cannot queue it now returns an
	// error wrapping ErrBusy.
	PutPacket(p []byte) error
	// GetPacket removes and returns the next received packet. With none
	// queued it returns an error wrapping ErrUnavailable (Godot's
	// ERR_UNAVAILABLE). The returned slice is the caller's to keep.
	GetPacket() ([]byte, error)
	// AvailablePacketCount returns the number of packets GetPacket can
	// return without waiting.
	AvailablePacketCount() int
	// MaxPacketSize returns the largest packet PutPacket accepts, in bytes.
	MaxPacketSize() int
	// Close releases the peer. Later calls fail with an error wrapping
	// net.ErrClosed.
	Close() error
}

// Godot error codes returned by PacketPeers, re-exported from godoterr for
// errors.Is.
var (
	ErrUnavailable      = godoterr.ErrUnavailable      // no packet queued (ERR_UNAVAILABLE)
	ErrUnconfigured     = godoterr.ErrUnconfigured     // no destination / no stream (ERR_UNCONFIGURED)
	ErrUnauthorized     = godoterr.ErrUnauthorized     // full object while objects are not allowed
	ErrOutOfMemory      = godoterr.ErrOutOfMemory      // a size limit was exceeded (encode_buffer_max_size, decompressed size)
	ErrInvalidData      = godoterr.ErrInvalidData      // malformed bytes
	ErrInvalidParameter = godoterr.ErrInvalidParameter // packet too large, bad address or port
	ErrBusy             = godoterr.ErrBusy             // would block / queue full
)
