package multiplayer

import (
	"fmt"
	"strconv"
)

// TransferMode is Godot's MultiplayerPeer.TransferMode (3.2:
// NetworkedMultiplayerPeer.TransferMode); the values are Godot's.
type TransferMode int

const (
	// TransferModeUnreliable: unordered, may be lost (TRANSFER_MODE_UNRELIABLE).
	TransferModeUnreliable TransferMode = 0
	// TransferModeUnreliableOrdered: may be lost, late packets are dropped
	// (TRANSFER_MODE_UNRELIABLE_ORDERED).
	TransferModeUnreliableOrdered TransferMode = 1
	// TransferModeReliable: delivered once, in order (TRANSFER_MODE_RELIABLE).
	// The default of NetworkedMultiplayerENet (3.2) and MultiplayerPeer (4.x).
	TransferModeReliable TransferMode = 2
)

var transferModeNames = [...]string{"unreliable", "unreliable_ordered", "reliable"}

// String returns "unreliable", "unreliable_ordered" or "reliable".
func (m TransferMode) String() string {
	if m >= 0 && int(m) < len(transferModeNames) {
		return transferModeNames[m]
	}
	return "TransferMode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText returns String.
func (m TransferMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// valid reports whether m is one of Godot's three modes.
func (m TransferMode) valid() bool { return m >= TransferModeUnreliable && m <= TransferModeReliable }

// ConnectionStatus is Godot's MultiplayerPeer.ConnectionStatus; the values
// are Godot's.
type ConnectionStatus int

const (
	// Disconnected: not created yet, closed, or the server went away
	// (CONNECTION_DISCONNECTED).
	Disconnected ConnectionStatus = 0
	// Connecting: a client waiting for the transport handshake (and, in the
	// Godot 4 dialect with authentication, for the server's admission)
	// (CONNECTION_CONNECTING).
	Connecting ConnectionStatus = 1
	// Connected: a server, or a client whose connection completed
	// (CONNECTION_CONNECTED).
	Connected ConnectionStatus = 2
)

var statusNames = [...]string{"disconnected", "connecting", "connected"}

// String returns "disconnected", "connecting" or "connected".
func (s ConnectionStatus) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "ConnectionStatus(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns String.
func (s ConnectionStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Target peers for SetTargetPeer (Godot's TARGET_PEER_* constants). Any
// other positive id addresses that one peer; a negative id -N addresses
// every peer except N.
const (
	TargetPeerBroadcast = 0 // every peer (TARGET_PEER_BROADCAST)
	TargetPeerServer    = 1 // the server (TARGET_PEER_SERVER); also the server's own unique id
)

// Peer id limits. Godot ids are positive 31-bit integers; 1 is the server
// and clients use 2 … 2³¹−1.
const (
	ServerID    = 1
	MinClientID = 2
	MaxPeerID   = 1<<31 - 1
)

// validClientID reports whether id is a client id Godot accepts.
func validClientID(id int64) bool { return id >= MinClientID && id <= MaxPeerID }

// Dialect selects which Godot version's protocol a Peer speaks. The zero
// value is invalid, so that a forgotten setting fails loudly.
type Dialect int

const (
	// Godot3 is Godot 3.2's NetworkedMultiplayerENet: the client's id in
	// the connect data, system messages on channel 0, an 8-byte
	// source/target header on every data packet, relaying in the server's
	// transport.
	Godot3 Dialect = 3
	// Godot4 is Godot 4.x's ENetMultiplayerPeer together with
	// SceneMultiplayer's packet layer: no header, peers announced and
	// packets relayed by SYS messages, application bytes as RAW
	// (send_bytes) packets, optional AUTH exchange.
	Godot4 Dialect = 4
)

// String returns "godot3" or "godot4".
func (d Dialect) String() string {
	switch d {
	case Godot3:
		return "godot3"
	case Godot4:
		return "godot4"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// MarshalText returns String.
func (d Dialect) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// EventType is the kind of an Event: one of Godot's MultiplayerPeer
// signals (3.2 names; in 4.x the last three moved to MultiplayerAPI as
// connected_to_server, connection_failed and server_disconnected) or one
// of SceneMultiplayer's authentication signals.
type EventType int

const (
	// EventNone is the zero value; no Event has it.
	EventNone EventType = iota
	// PeerConnected: a peer joined (peer_connected(id)). On the server for
	// each admitted client; on a client for the server (id 1) and for each
	// peer the server announces.
	PeerConnected
	// PeerDisconnected: a peer left (peer_disconnected(id)).
	PeerDisconnected
	// ConnectionSucceeded: a client is connected, and admitted where
	// authentication is on (connection_succeeded / connected_to_server).
	ConnectionSucceeded
	// ConnectionFailed: a client's connection ended before it completed
	// (connection_failed). Reason says why when the server gave one.
	ConnectionFailed
	// ServerDisconnected: a connected client lost the server
	// (server_disconnected). Reason says why when the server gave one.
	ServerDisconnected
	// PeerAuthenticating: Godot 4 dialect with Config.Auth: a peer waits
	// for authentication (peer_authenticating(id)).
	PeerAuthenticating
	// PeerAuthenticationFailed: the peer did not complete authentication in
	// time and was disconnected (peer_authentication_failed(id)).
	PeerAuthenticationFailed
	// AuthData: authentication bytes from a pending peer (the arguments of
	// SceneMultiplayer's auth_callback); answer with SendAuth and
	// CompleteAuth.
	AuthData

	numEventTypes = iota
)

var eventNames = [numEventTypes]string{
	"none", "peer_connected", "peer_disconnected", "connection_succeeded",
	"connection_failed", "server_disconnected", "peer_authenticating",
	"peer_authentication_failed", "auth_data",
}

// String returns Godot's signal name, e.g. "peer_connected".
func (t EventType) String() string {
	if t >= 0 && int(t) < numEventTypes {
		return eventNames[t]
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText returns String.
func (t EventType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Event is one signal of a Peer, in the order Godot would emit them.
type Event struct {
	Type EventType
	// Peer is the id the signal is about (0 for ConnectionSucceeded,
	// ConnectionFailed and ServerDisconnected).
	Peer int
	// Reason is the disconnect data the remote sent, for PeerDisconnected,
	// ConnectionFailed and ServerDisconnected (0 when none or a timeout).
	Reason DisconnectReason
	// Data holds the bytes of an AuthData event; owned by the receiver.
	Data []byte
}

// String formats the event for logs, e.g. "peer_connected(42)".
func (e Event) String() string {
	switch e.Type {
	case ConnectionSucceeded:
		return e.Type.String()
	case ConnectionFailed, ServerDisconnected:
		return fmt.Sprintf("%s(reason %s)", e.Type, e.Reason)
	case PeerDisconnected:
		return fmt.Sprintf("%s(%d, reason %s)", e.Type, e.Peer, e.Reason)
	case AuthData:
		return fmt.Sprintf("%s(%d, %d bytes)", e.Type, e.Peer, len(e.Data))
	}
	return fmt.Sprintf("%s(%d)", e.Type, e.Peer)
}
