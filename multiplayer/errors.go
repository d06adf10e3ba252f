package multiplayer

import (
	"errors"
	"fmt"
	"net"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Errors of the wire codecs. Each wraps a Godot code, so
// errors.Is(err, godoterr.ErrInvalidData) holds for all of them, and
// errors.Is(err, ErrShortPacket) picks out the specific case.
var (
	// ErrShortPacket: fewer bytes than the message's fixed part.
	ErrShortPacket = fmt.Errorf("multiplayer: packet too short: %w", godoterr.ErrInvalidData)
	// ErrTrailingData: a fixed-size message with bytes after its end.
	ErrTrailingData = fmt.Errorf("multiplayer: trailing bytes after message: %w", godoterr.ErrInvalidData)
	// ErrBadPeerID: a peer id field outside its valid range (a source or
	// announced id not in 1 … 2³¹−1 or 2 … 2³¹−1, a target of −2³¹).
	ErrBadPeerID = fmt.Errorf("multiplayer: invalid peer id: %w", godoterr.ErrInvalidData)
	// ErrUnknownCommand: a message or command number this protocol does
	// not define.
	ErrUnknownCommand = fmt.Errorf("multiplayer: unknown command: %w", godoterr.ErrInvalidData)
	// ErrNotCommand: a packet whose command is not the one the parser
	// reads (e.g. ParseSys on a RAW packet).
	ErrNotCommand = fmt.Errorf("multiplayer: wrong command: %w", godoterr.ErrInvalidData)
	// ErrEmptyPayload: a RAW, RELAY or AUTH data message whose payload must
	// be at least one byte.
	ErrEmptyPayload = fmt.Errorf("multiplayer: empty payload: %w", godoterr.ErrInvalidData)
)

// Errors of the Peer API, each wrapping the Godot code the matching Godot
// method returns.
var (
	// ErrNotConnected: sending before the connection completed or after
	// it ended (ERR_UNCONFIGURED, as put_packet in Godot).
	ErrNotConnected = fmt.Errorf("multiplayer: not connected: %w", godoterr.ErrUnconfigured)
	// ErrUnknownPeer: a target or peer id this peer does not know
	// (ERR_INVALID_PARAMETER).
	ErrUnknownPeer = fmt.Errorf("multiplayer: unknown peer: %w", godoterr.ErrInvalidParameter)
	// ErrPacketTooLarge: a packet longer than MaxPacketSize
	// (ERR_INVALID_PARAMETER).
	ErrPacketTooLarge = fmt.Errorf("multiplayer: packet too large: %w", godoterr.ErrInvalidParameter)
	// ErrBadChannel: a transfer channel outside the dialect's range
	// (ERR_INVALID_PARAMETER).
	ErrBadChannel = fmt.Errorf("multiplayer: invalid transfer channel: %w", godoterr.ErrInvalidParameter)
	// ErrBadMode: a transfer mode other than Godot's three
	// (ERR_INVALID_PARAMETER).
	ErrBadMode = fmt.Errorf("multiplayer: invalid transfer mode: %w", godoterr.ErrInvalidParameter)
	// ErrServerOnly: an operation only a server may do, such as
	// disconnecting another client (Godot only prints an error; here
	// ERR_UNAUTHORIZED).
	ErrServerOnly = fmt.Errorf("multiplayer: only the server can do this: %w", godoterr.ErrUnauthorized)
	// ErrNoPacket: GetPacket with nothing queued (ERR_UNAVAILABLE).
	ErrNoPacket = fmt.Errorf("multiplayer: no packet available: %w", godoterr.ErrUnavailable)
	// ErrNotAuthenticating: SendAuth/CompleteAuth for a peer that is not
	// pending authentication (ERR_INVALID_PARAMETER).
	ErrNotAuthenticating = fmt.Errorf("multiplayer: peer is not authenticating: %w", godoterr.ErrInvalidParameter)
	// ErrBadConfig: an invalid Config field (ERR_INVALID_PARAMETER).
	ErrBadConfig = fmt.Errorf("multiplayer: invalid config: %w", godoterr.ErrInvalidParameter)
)

// errClosed is returned by every method after Close; it wraps
// net.ErrClosed.
var errClosed = fmt.Errorf("multiplayer: peer closed: %w", net.ErrClosed)

// IsClosed reports whether err says the Peer was closed (wraps
// net.ErrClosed).
func IsClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
