package multiplayer

import (
	"fmt"
	"strconv"
)

// DisconnectReason is the 32-bit data of a disconnect (ENet's DISCONNECT
// command carries it big-endian; enet_peer_disconnect's data argument).
//
// Godot never reads this value and sends only two kinds of it: 0 (Godot 4
// close and disconnect_peer, Godot 3.2 disconnect_peer) and the sender's
// own unique id (Godot 3.2 close_connection: 1 from a server, the client's
// id from a client). Where Godot silently resets a connection it will not
// accept (refuse_new_connections, an id below 2, a duplicate id), leaving
// the client to time out, a packetpeer server disconnects it cleanly with
// one of the reason codes below, so a Go client (ConnectionFailed /
// ServerDisconnected events carry Reason) and a log can say why; a Godot
// client sees connection_failed at once instead of a timeout: refusals
// decided when the CONNECT arrives (refuse_new_connections, a full server,
// a duplicate or invalid Godot 3.2 id) are answered during the ENet
// handshake (enet.Host.SetConnectFilter); later ones (Config.Admit,
// authentication) disconnect the connected peer with the reason.
//
// The codes have bit 31 set, so they can never be mistaken for a Godot
// unique id (1 … 2³¹−1):
//
//	0x00000000  ReasonNone          no reason given / timeout
//	0x00000001…0x7FFFFFFF          Godot 3.2 close_connection: the closer's id
//	0x80000001  ReasonRefused       the server refuses new connections
//	0x80000002  ReasonDuplicateID   the client's id is already in use
//	0x80000003  ReasonInvalidID     the client's id is not in 2 … 2³¹−1
//	0x80000004  ReasonServerFull    Config.MaxPeers reached
//	0x80000005  ReasonAuthFailed    authentication timed out or was refused
//	0x80000006  ReasonRejected      Config.Admit rejected the peer
//	0x80000007  ReasonKicked        the server called DisconnectPeer
//	0x80000008  ReasonShutdown      the server is shutting down (Close on a
//	                                Peer with Config.ShutdownReason set)
type DisconnectReason uint32

// Reason codes; see DisconnectReason.
const (
	ReasonNone        DisconnectReason = 0
	ReasonRefused     DisconnectReason = 0x80000001
	ReasonDuplicateID DisconnectReason = 0x80000002
	ReasonInvalidID   DisconnectReason = 0x80000003
	ReasonServerFull  DisconnectReason = 0x80000004
	ReasonAuthFailed  DisconnectReason = 0x80000005
	ReasonRejected    DisconnectReason = 0x80000006
	ReasonKicked      DisconnectReason = 0x80000007
	ReasonShutdown    DisconnectReason = 0x80000008
)

var reasonNames = map[DisconnectReason]string{
	ReasonNone:        "none",
	ReasonRefused:     "refused",
	ReasonDuplicateID: "duplicate_id",
	ReasonInvalidID:   "invalid_id",
	ReasonServerFull:  "server_full",
	ReasonAuthFailed:  "auth_failed",
	ReasonRejected:    "rejected",
	ReasonKicked:      "kicked",
	ReasonShutdown:    "shutdown",
}

// String returns the code's name ("refused", "duplicate_id", ...),
// "closed_by_peer_N" for a Godot 3.2 close_connection, or the hex value.
func (r DisconnectReason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	if r <= MaxPeerID {
		return "closed_by_peer_" + strconv.FormatUint(uint64(r), 10)
	}
	return fmt.Sprintf("0x%08x", uint32(r))
}

// MarshalText returns String.
func (r DisconnectReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Refusal reports whether r is one of the codes a server sends instead of
// admitting a connection (refused, duplicate or invalid id, full,
// rejected, authentication failed): retrying with the same settings will
// not help, except that ReasonDuplicateID calls for a new id.
func (r DisconnectReason) Refusal() bool {
	switch r {
	case ReasonRefused, ReasonDuplicateID, ReasonInvalidID, ReasonServerFull, ReasonRejected, ReasonAuthFailed:
		return true
	}
	return false
}
