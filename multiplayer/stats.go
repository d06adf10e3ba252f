package multiplayer

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// DropReason says why a Peer dropped an incoming packet or event. Every
// drop is counted in Stats under its reason.
type DropReason int

const (
	// DropNone: not dropped.
	DropNone DropReason = iota
	// DropMalformed ("malformed"): the packet failed its codec (too short,
	// bad id field, unknown command).
	DropMalformed
	// DropSpoofedSource ("spoofed_source"): Godot 3.2 header source not the
	// id registered for the connection it came from.
	DropSpoofedSource
	// DropSystemFromClient ("system_from_client"): a client sent what only
	// a server may send (3.2: anything on channel 0; 4.x: ADD_PEER,
	// DEL_PEER).
	DropSystemFromClient
	// DropUnknownTarget ("unknown_target"): addressed or relayed to a peer
	// that is not connected.
	DropUnknownTarget
	// DropRelayDisabled ("relay_disabled"): client-to-client traffic, or
	// an announcement, while server_relay is off.
	DropRelayDisabled
	// DropUnsupported ("unsupported"): a Godot 4 SceneMultiplayer command
	// other than RAW and SYS (RPC, spawn, sync, ...), or a SYS packet
	// nested inside a RELAY.
	DropUnsupported
	// DropUnauthenticated ("unauthenticated"): a non-AUTH packet from a
	// peer still authenticating, or AUTH when authentication is off.
	DropUnauthenticated
	// DropUnknownSender ("unknown_sender"): a packet from a connection
	// that has no admitted peer, or from a peer other than the server on a
	// client.
	DropUnknownSender
	// DropQueueFull ("queue_full"): the receive queue
	// (Config.MaxQueuedPackets) or the event queue (Config.MaxQueuedEvents)
	// was full.
	DropQueueFull
	// DropRelayFailed ("relay_failed"): the transport refused a relayed
	// copy for one target (3.2: a channel beyond the count negotiated with
	// that target). Godot drops these silently.
	DropRelayFailed

	numDropReasons = iota
)

var dropNames = [numDropReasons]string{
	"none", "malformed", "spoofed_source", "system_from_client", "unknown_target",
	"relay_disabled", "unsupported", "unauthenticated", "unknown_sender", "queue_full",
	"relay_failed",
}

// String returns the reason's snake_case name.
func (r DropReason) String() string {
	if r >= 0 && int(r) < numDropReasons {
		return dropNames[r]
	}
	return "DropReason(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText returns String.
func (r DropReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Stats is a snapshot of a Peer's counters. Counters are cumulative since
// the Peer was created.
type Stats struct {
	PacketsReceived uint64 // packets queued for GetPacket
	PacketsSent     uint64 // packets handed to the transport (each copy of a broadcast counts)
	PacketsRelayed  uint64 // copies a server forwarded between clients
	PeersJoined     uint64 // connections admitted (server) / peers announced (client)
	PeersLeft       uint64
	PeersRefused    uint64 // connection attempts refused (in the ENet handshake or after it) with a refusal reason; a CONNECT the client re-sends counts again; refusals because every ENet slot was full are in enet.Host.RefusalStats
	EventsDropped   uint64 // events lost to a full event queue
	// Drops counts dropped incoming packets by reason (index: DropReason).
	Drops [numDropReasons]uint64
}

// Dropped returns the number of packets dropped for reason r.
func (s Stats) Dropped(r DropReason) uint64 {
	if r < 0 || int(r) >= numDropReasons {
		return 0
	}
	return s.Drops[r]
}

// TotalDropped returns the number of dropped packets, all reasons.
func (s Stats) TotalDropped() uint64 {
	var n uint64
	for _, d := range s.Drops {
		n += d
	}
	return n
}

// GenerateUniqueID returns a random client id in 2 … 2³¹−1, as Godot's
// MultiplayerPeer.generate_unique_id (4.x) and NetworkedMultiplayerENet's
// _gen_unique_id (3.2) do: 31 random bits, retried while 0 or 1. Godot
// hashes the time and a few addresses; this draws from crypto/rand, which
// is what those hashes stand in for. Ids are not checked for uniqueness
// here: a server refuses a duplicate with ReasonDuplicateID, and the client
// then retries with a new id.
func GenerateUniqueID() int {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		id := int(binary.LittleEndian.Uint32(b[:]) & MaxPeerID)
		if id >= MinClientID {
			return id
		}
	}
}
