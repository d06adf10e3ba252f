package multiplayer

import "context"

// Transport is the connection layer under a Peer: what an ENet host (or an
// in-memory test network) provides. A Peer in the server role drives a
// transport that accepts many connections; in the client role, one that
// has initiated exactly one connection, to the server, with the client's
// unique id as its connect data.
//
// The interface is shaped after package enet's Host and Peer, so that a
// binding is a thin adapter:
//
//	Service        enet.Host.Service(0), converted to a TransportEvent
//	NextEvent      enet.Host.NextEvent(ctx), converted
//	Flush          enet.Host.Flush
//	Close          enet.Host.Close
//	Link.Send      enet.Peer.Send(channel, data, enet.PacketFlag(flags))
//	Link.Disconnect / DisconnectNow   the enet.Peer methods of that name
//
// Contract:
//   - Service never blocks; with nothing pending it returns an event of
//     type TransportNone and a nil error.
//   - NextEvent blocks until an event is pending or ctx is done (then it
//     returns ctx's error and no event). No event is lost to a cancelled
//     call.
//   - A Peer calls Service/NextEvent from one goroutine at a time, but
//     Link.Send, Flush and Close may come from other goroutines
//     concurrently: implementations must be safe for that (enet.Host is).
//   - Packet in a TransportReceive event is owned by the Peer afterwards.
//   - Send must not keep data after it returns.
//   - After Close every method may fail; Service/NextEvent should return
//     an error wrapping net.ErrClosed.
type Transport interface {
	Service() (TransportEvent, error)
	NextEvent(ctx context.Context) (TransportEvent, error)
	Flush() error
	Close() error
}

// Link is one connection of a Transport (an ENet peer). Links are compared
// with == and used as map keys, so a transport must hand out the same
// Link value for every event of one connection (a pointer is ideal).
type Link interface {
	// Send queues one packet on an ENet channel with the given flags.
	// Errors wrap godoterr codes (ErrInvalidParameter for a channel at or
	// beyond the negotiated count, ErrBusy for full queues,
	// ErrUnconfigured for a dead connection).
	Send(channel uint8, data []byte, flags PacketFlags) error
	// Disconnect starts a graceful disconnect carrying reason as the
	// DISCONNECT data; a TransportDisconnect event for this link follows
	// (with Data 0 when the remote acknowledges).
	Disconnect(reason uint32)
	// DisconnectNow sends an unacknowledged DISCONNECT with reason and
	// forgets the connection: no TransportDisconnect event follows.
	DisconnectNow(reason uint32)
}

// TransportEventType is the kind of a TransportEvent (ENetEventType).
type TransportEventType int

const (
	TransportNone       TransportEventType = iota // nothing pending
	TransportConnect                              // a connection completed
	TransportDisconnect                           // a connection ended or timed out
	TransportReceive                              // a packet arrived
)

// TransportEvent is one event of a Transport.
type TransportEvent struct {
	Type TransportEventType
	Link Link
	// Data: for TransportConnect on the accepting side the remote's connect
	// data (a Godot client's unique id), 0 on the connecting side; for
	// TransportDisconnect the remote's disconnect data (0 for a timeout).
	Data    uint32
	Channel uint8       // TransportReceive: the ENet channel
	Flags   PacketFlags // TransportReceive: the packet's ENet flags
	Packet  []byte      // TransportReceive: the packet, owned by the receiver
}
