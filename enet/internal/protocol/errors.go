package protocol

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (errors.Is), usually with the command and field named.
var (
	ErrTruncated          = errors.New("enet/protocol: truncated")
	ErrDatagramTooLong    = errors.New("enet/protocol: datagram longer than MaximumDatagramSize")
	ErrNoCommands         = errors.New("enet/protocol: datagram carries no commands")
	ErrTooManyCommands    = errors.New("enet/protocol: more than MaximumPacketCommands commands")
	ErrCommandType        = errors.New("enet/protocol: unknown command type")
	ErrWrongCommand       = errors.New("enet/protocol: command type does not match")
	ErrReservedBits       = errors.New("enet/protocol: reserved command bits set")
	ErrFlags              = errors.New("enet/protocol: invalid command flags")
	ErrChannelID          = errors.New("enet/protocol: invalid channel ID")
	ErrPeerID             = errors.New("enet/protocol: invalid peer ID")
	ErrSessionID          = errors.New("enet/protocol: invalid session ID")
	ErrChannelCount       = errors.New("enet/protocol: channel count out of range")
	ErrFragment           = errors.New("enet/protocol: invalid fragment fields")
	ErrMissingSentTime    = errors.New("enet/protocol: acknowledge-flagged command in a datagram without sent time")
	ErrCommandWithoutPeer = errors.New("enet/protocol: only CONNECT may be sent to peer ID 0xFFF")
	ErrConnectWithPeer    = errors.New("enet/protocol: CONNECT must be sent to peer ID 0xFFF")
	ErrCompressed         = errors.New("enet/protocol: body is compressed")
	ErrDataTooLong        = errors.New("enet/protocol: payload longer than 65535 bytes")
)
