package enet

import "github.com/packetpeer/packetpeer/enet/internal/engine"

// PacketFlag says how a packet is delivered; the values are libenet's
// ENET_PACKET_FLAG_* (enet.h), and Godot's ENetPacketPeer.FLAG_* use the
// same numbers.
type PacketFlag uint32

const (
	// PacketFlagReliable: delivered exactly once, in order with the other
	// reliable packets of its channel (SEND_RELIABLE / SEND_FRAGMENT).
	PacketFlagReliable PacketFlag = PacketFlag(engine.FlagReliable) // 1
	// PacketFlagUnsequenced: unreliable and unordered, duplicates filtered
	// by a 1024-group window (SEND_UNSEQUENCED). Ignored with Reliable.
	PacketFlagUnsequenced PacketFlag = PacketFlag(engine.FlagUnsequenced) // 2
	// PacketFlagUnreliableFragment: an unreliable packet larger than one
	// fragment is sent as unreliable fragments (SEND_UNRELIABLE_FRAGMENT)
	// instead of being upgraded to reliable fragments, as libenet does
	// without this flag.
	PacketFlagUnreliableFragment PacketFlag = PacketFlag(engine.FlagUnreliableFragment) // 8
)

// EventType is the kind of an [Event] (ENetEventType).
type EventType int

const (
	// EventNone: Service timed out without an event.
	EventNone EventType = iota
	// EventConnect: a connection completed. On the accepting side Data is
	// the 32-bit value the remote passed to Connect; on the connecting
	// side it is 0 (as in libenet).
	EventConnect
	// EventDisconnect: a peer disconnected or timed out. Data is the value
	// the remote passed to Disconnect/DisconnectLater/DisconnectNow, or 0
	// for a timeout and for the completion of our own Disconnect.
	EventDisconnect
	// EventReceive: a packet arrived; ChannelID, Packet and Flags are set.
	EventReceive
)

var eventTypeNames = [...]string{"none", "connect", "disconnect", "receive"}

// String returns "none", "connect", "disconnect" or "receive".
func (t EventType) String() string {
	if t >= 0 && int(t) < len(eventTypeNames) {
		return eventTypeNames[t]
	}
	return "unknown"
}

// Event is what [Host.Service] and [Host.NextEvent] return (ENetEvent).
type Event struct {
	Type      EventType
	Peer      *Peer      // nil for EventNone
	ChannelID uint8      // EventReceive only
	Data      uint32     // EventConnect and EventDisconnect only
	Packet    []byte     // EventReceive only; owned by the caller until Release
	Flags     PacketFlag // EventReceive only: Reliable, Unsequenced, UnreliableFragment or 0

	host *Host // the host whose pool Packet came from
}

// Release returns Packet's buffer to the host's pool for reuse by a later
// receive event (as enet_packet_destroy does). It is optional: a packet
// never released is garbage collected. A program that releases every
// packet receives without allocating in steady state. After Release,
// neither Packet nor any slice of it may be used, and Release must not be
// called again for the same event (or a copy of it). Release does nothing
// for events without a packet.
func (e *Event) Release() {
	if e.host == nil || e.Packet == nil {
		return
	}
	h := e.host
	b := e.Packet
	e.Packet, e.host = nil, nil
	h.mu.Lock()
	h.eng.FreeData(b)
	h.mu.Unlock()
}
