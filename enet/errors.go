package enet

import (
	"errors"
	"fmt"
	"net"

	"github.com/packetpeer/packetpeer/enet/internal/engine"
)

var (
	// ErrClosed is returned by every method of a closed Host. It wraps
	// net.ErrClosed.
	ErrClosed = fmt.Errorf("enet: host closed: %w", net.ErrClosed)
	// ErrNotConnected is returned by Peer.Send when the peer is not in the
	// connected state (connecting, disconnecting, or a connection that has
	// ended); libenet's enet_peer_send returns -1 then.
	ErrNotConnected = engine.ErrNotConnected
	// ErrChannel is returned by Peer.Send for a channel ID not below the
	// peer's negotiated channel count.
	ErrChannel = engine.ErrChannel
	// ErrPacketTooLarge is returned by Peer.Send and Host.Broadcast for a
	// packet longer than HostConfig.MaximumPacketSize or needing more than
	// 1048576 fragments.
	ErrPacketTooLarge = engine.ErrPacketTooLarge
	// ErrNoFreePeer is returned by Host.Connect when every peer slot is in
	// use (enet_host_connect returns NULL).
	ErrNoFreePeer = engine.ErrNoFreePeer
	// ErrChannelCount is returned by Host.Connect for a channel count
	// outside 1..255.
	ErrChannelCount = engine.ErrChannelCount
	// ErrInvalidConfig is wrapped by NewHost for a HostConfig field out of
	// range; the message names the field.
	ErrInvalidConfig = errors.New("enet: invalid host configuration")
)
