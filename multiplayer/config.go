package multiplayer

import (
	"fmt"
	"time"
)

// Defaults and limits of Config.
const (
	// DefaultMaxQueuedPackets bounds the receive queue: 4096 packets.
	// Packets arriving while it is full are dropped (DropQueueFull).
	DefaultMaxQueuedPackets = 4096
	// DefaultMaxQueuedEvents bounds the event queue: 4096 events. Events
	// raised while it is full are lost and counted (Stats.EventsDropped).
	DefaultMaxQueuedEvents = 4096
	// DefaultMaxPacketSize is the largest PutPacket payload: 2²⁴ bytes,
	// what Godot's ENet peers report as get_max_packet_size.
	DefaultMaxPacketSize = 1 << 24
	// DefaultAuthTimeout is SceneMultiplayer's auth_timeout: 3 s.
	DefaultAuthTimeout = 3 * time.Second
	// maxPollEvents bounds the transport events one Poll handles, so that
	// a flood cannot keep Poll from returning.
	maxPollEvents = 1 << 14
)

// Config configures a Peer. Only Dialect is required; the zero value of
// every other field means the documented default (Godot's). NewServer and
// NewClient copy it.
type Config struct {
	// Dialect is the Godot version spoken: Godot3 or Godot4. Required.
	Dialect Dialect

	// DisableServerRelay turns Godot's server_relay (default on) off. On a
	// server: no peer announcements, and client-to-client traffic is
	// dropped (3.2: even client broadcasts, which then do not reach the
	// server either). On a Godot 4 client: announcements are ignored and
	// packets to other peers are not wrapped in RELAY.
	DisableServerRelay bool

	// AlwaysOrdered is Godot 3.2's always_ordered: TransferModeUnreliable
	// is sent sequenced (flags 0) instead of unsequenced. Godot3 only.
	AlwaysOrdered bool

	// ChannelCount: Godot3: channel_count, the ENet channels including
	// the three system ones, 3 … 255; zero: 3. Godot4: the number of
	// custom transfer channels (create_client's channel_count), 0 … 253;
	// zero: all 253 (Godot requests 255 ENet channels). See
	// ConnectChannelCount for what a binding passes to ENet.
	ChannelCount int

	// MaxPeers is the most clients a server admits at once (admitted plus
	// authenticating); more are disconnected with ReasonServerFull. Zero:
	// no limit beyond the transport's.
	MaxPeers int

	// Auth turns on Godot 4's authentication exchange (SceneMultiplayer
	// with an auth_callback): peers stay pending, seeing only AUTH
	// packets, until both sides called CompleteAuth; AuthData events carry
	// the remote's bytes. Godot4 only; both ends must agree.
	Auth bool
	// AuthTimeout is auth_timeout; zero: DefaultAuthTimeout (3 s).
	AuthTimeout time.Duration

	// Admit, when set, is asked on the server before a connecting client
	// is admitted (after the refuse, id and MaxPeers checks); returning
	// anything but ReasonNone disconnects the client with that reason
	// before any of its packets reach anyone. It runs with the Peer
	// locked and must not call the Peer.
	Admit func(id int) DisconnectReason

	// CloseReason is the disconnect data Close sends to every connection.
	// Zero: Godot's own value (3.2: the closer's unique id; 4.x: 0).
	// A server shutting down can send ReasonShutdown.
	CloseReason DisconnectReason

	// MaxQueuedPackets bounds the receive queue; zero:
	// DefaultMaxQueuedPackets.
	MaxQueuedPackets int
	// MaxQueuedEvents bounds the event queue; zero: DefaultMaxQueuedEvents.
	MaxQueuedEvents int
	// MaxPacketSize is the largest payload PutPacket accepts; zero:
	// DefaultMaxPacketSize.
	MaxPacketSize int

	// Now is the clock for authentication timeouts; nil: time.Now. Tests
	// pass a fake clock.
	Now func() time.Time
}

// withDefaults validates c and returns a copy with defaults filled in.
func (c *Config) withDefaults() (Config, error) {
	if c == nil {
		return Config{}, fmt.Errorf("nil config (Dialect is required): %w", ErrBadConfig)
	}
	cfg := *c
	switch cfg.Dialect {
	case Godot3:
		if cfg.ChannelCount == 0 {
			cfg.ChannelCount = Godot3DefaultChannelCount
		}
		if cfg.ChannelCount < Godot3DefaultChannelCount || cfg.ChannelCount > MaxENetChannels {
			return Config{}, fmt.Errorf("ChannelCount %d, want %d…%d: %w", cfg.ChannelCount, Godot3DefaultChannelCount, MaxENetChannels, ErrBadConfig)
		}
		if cfg.Auth {
			return Config{}, fmt.Errorf("Auth needs the Godot4 dialect: %w", ErrBadConfig)
		}
	case Godot4:
		if cfg.ChannelCount == 0 {
			cfg.ChannelCount = Godot4MaxTransferChannel
		}
		if cfg.ChannelCount < 0 || cfg.ChannelCount > Godot4MaxTransferChannel {
			return Config{}, fmt.Errorf("ChannelCount %d, want 0…%d: %w", cfg.ChannelCount, Godot4MaxTransferChannel, ErrBadConfig)
		}
		if cfg.AlwaysOrdered {
			return Config{}, fmt.Errorf("AlwaysOrdered is Godot 3.2 only: %w", ErrBadConfig)
		}
	default:
		return Config{}, fmt.Errorf("Dialect %v: %w", cfg.Dialect, ErrBadConfig)
	}
	if cfg.MaxPeers < 0 || cfg.MaxQueuedPackets < 0 || cfg.MaxQueuedEvents < 0 || cfg.MaxPacketSize < 0 || cfg.AuthTimeout < 0 {
		return Config{}, fmt.Errorf("negative limit: %w", ErrBadConfig)
	}
	if cfg.AuthTimeout == 0 {
		cfg.AuthTimeout = DefaultAuthTimeout
	}
	if cfg.MaxQueuedPackets == 0 {
		cfg.MaxQueuedPackets = DefaultMaxQueuedPackets
	}
	if cfg.MaxQueuedEvents == 0 {
		cfg.MaxQueuedEvents = DefaultMaxQueuedEvents
	}
	if cfg.MaxPacketSize == 0 {
		cfg.MaxPacketSize = DefaultMaxPacketSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}
