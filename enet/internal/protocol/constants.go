package protocol

// Protocol limits (enum in protocol.h).
const (
	MinimumMTU            = 576         // ENET_PROTOCOL_MINIMUM_MTU
	MaximumMTU            = 4096        // ENET_PROTOCOL_MAXIMUM_MTU; also libenet's receive buffer size
	MaximumPacketCommands = 32          // ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS: commands per datagram
	MinimumWindowSize     = 4096        // ENET_PROTOCOL_MINIMUM_WINDOW_SIZE
	MaximumWindowSize     = 65536       // ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE
	MinimumChannelCount   = 1           // ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT
	MaximumChannelCount   = 255         // ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT
	MaximumPeerID         = 0xFFF       // ENET_PROTOCOL_MAXIMUM_PEER_ID: "no peer" in a header
	MaximumFragmentCount  = 1024 * 1024 // ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT
)

// Command byte layout (ENetProtocolCommand, ENetProtocolFlag): bits 0-3 the
// type, bits 4-5 unused (always 0 from libenet), bit 6 UNSEQUENCED, bit 7
// ACKNOWLEDGE.
const (
	CommandMask            = 0x0F   // ENET_PROTOCOL_COMMAND_MASK
	CommandFlagAcknowledge = 1 << 7 // ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE: the command must be acknowledged
	CommandFlagUnsequenced = 1 << 6 // ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED
	commandReservedBits    = 0x30
)

// Header peer ID field layout (ENetProtocolFlag): bits 0-11 peer ID, bits
// 12-13 session ID, bit 14 COMPRESSED, bit 15 SENT_TIME.
const (
	HeaderFlagCompressed = 1 << 14                                   // ENET_PROTOCOL_HEADER_FLAG_COMPRESSED
	HeaderFlagSentTime   = 1 << 15                                   // ENET_PROTOCOL_HEADER_FLAG_SENT_TIME
	HeaderFlagMask       = HeaderFlagCompressed | HeaderFlagSentTime // ENET_PROTOCOL_HEADER_FLAG_MASK
	HeaderSessionMask    = 3 << 12                                   // ENET_PROTOCOL_HEADER_SESSION_MASK
	HeaderSessionShift   = 12                                        // ENET_PROTOCOL_HEADER_SESSION_SHIFT
)

// Sizes in bytes.
const (
	// HeaderMinSize is the header without sent time (peerID only).
	HeaderMinSize = 2
	// HeaderMaxSize is sizeof(ENetProtocolHeader): peerID + sentTime.
	HeaderMaxSize = 4
	// ChecksumSize is the CRC-32 slot after the header when checksums are on.
	ChecksumSize = 4
	// CommandHeaderSize is sizeof(ENetProtocolCommandHeader).
	CommandHeaderSize = 4
	// MaximumDatagramSize bounds what ParseDatagram accepts: libenet's
	// assembler budgets MTU bytes without the checksum, so a datagram can be
	// MaximumMTU plus the checksum slot.
	MaximumDatagramSize = MaximumMTU + ChecksumSize
	// MaximumDataLength is the largest payload a 16-bit dataLength describes.
	MaximumDataLength = 0xFFFF
)

// Control channel: channel ID 0xFF carries CONNECT, VERIFY_CONNECT,
// DISCONNECT, PING, BANDWIDTH_LIMIT and THROTTLE_CONFIGURE.
const ControlChannel = 0xFF

// Host and peer constants from enet.h that the engine needs. They are not
// on the wire themselves but determine what is.
const (
	HostDefaultMTU                 = 1400       // ENET_HOST_DEFAULT_MTU (1.3.17; 1392 from 1.3.18)
	HostDefaultMaximumPacketSize   = 32 << 20   // ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE
	HostDefaultMaximumWaitingData  = 32 << 20   // ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA
	HostReceiveBufferSize          = 256 * 1024 // ENET_HOST_RECEIVE_BUFFER_SIZE
	HostSendBufferSize             = 256 * 1024 // ENET_HOST_SEND_BUFFER_SIZE
	HostBandwidthThrottleInterval  = 1000       // ms, ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL
	PeerDefaultRoundTripTime       = 500        // ms, ENET_PEER_DEFAULT_ROUND_TRIP_TIME
	PeerDefaultPacketThrottle      = 32         // ENET_PEER_DEFAULT_PACKET_THROTTLE
	PeerPacketThrottleScale        = 32         // ENET_PEER_PACKET_THROTTLE_SCALE
	PeerPacketThrottleCounter      = 7          // ENET_PEER_PACKET_THROTTLE_COUNTER
	PeerPacketThrottleAcceleration = 2          // ENET_PEER_PACKET_THROTTLE_ACCELERATION
	PeerPacketThrottleDeceleration = 2          // ENET_PEER_PACKET_THROTTLE_DECELERATION
	PeerPacketThrottleInterval     = 5000       // ms, ENET_PEER_PACKET_THROTTLE_INTERVAL
	PeerPacketLossScale            = 1 << 16    // ENET_PEER_PACKET_LOSS_SCALE
	PeerPacketLossInterval         = 10000      // ms, ENET_PEER_PACKET_LOSS_INTERVAL
	PeerWindowSizeScale            = 64 * 1024  // ENET_PEER_WINDOW_SIZE_SCALE
	PeerTimeoutLimit               = 32         // ENET_PEER_TIMEOUT_LIMIT
	PeerTimeoutMinimum             = 5000       // ms, ENET_PEER_TIMEOUT_MINIMUM
	PeerTimeoutMaximum             = 30000      // ms, ENET_PEER_TIMEOUT_MAXIMUM
	PeerPingInterval               = 500        // ms, ENET_PEER_PING_INTERVAL
	PeerUnsequencedWindows         = 64         // ENET_PEER_UNSEQUENCED_WINDOWS (unused by libenet)
	PeerUnsequencedWindowSize      = 1024       // ENET_PEER_UNSEQUENCED_WINDOW_SIZE
	PeerFreeUnsequencedWindows     = 32         // ENET_PEER_FREE_UNSEQUENCED_WINDOWS
	PeerReliableWindows            = 16         // ENET_PEER_RELIABLE_WINDOWS
	PeerReliableWindowSize         = 0x1000     // ENET_PEER_RELIABLE_WINDOW_SIZE
	PeerFreeReliableWindows        = 8          // ENET_PEER_FREE_RELIABLE_WINDOWS
	TimeOverflow                   = 86400000   // ms, ENET_TIME_OVERFLOW (time.h)
	// SessionUnassigned is the session ID a fresh peer slot sends in CONNECT
	// (libenet initialises incoming/outgoingSessionID to 0xFF).
	SessionUnassigned = 0xFF
)
