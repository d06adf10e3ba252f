package enet

import (
	"net/netip"
	"time"

	"github.com/packetpeer/packetpeer/enet/internal/engine"
	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Peer is one connection of a Host (ENetPeer). A *Peer stays valid after
// the connection ends: its methods then return ErrNotConnected or do
// nothing, and a new connection on the same slot gets a new *Peer. Peers
// are compared with ==. Methods are safe for concurrent use.
type Peer struct {
	host *Host
	p    *engine.Peer
	gen  uint32
}

// live reports whether the connection still owns its slot. Call with
// host.mu held.
func (p *Peer) live() bool { return !p.host.closed && p.p.Gen() == p.gen }

// ID returns the peer's slot index on this host, 0..PeerLimit-1 (the
// incomingPeerID of libenet). Slots are reused after a disconnect.
func (p *Peer) ID() int { return p.p.Index() }

// Address returns the remote address.
func (p *Peer) Address() netip.AddrPort {
	p.host.mu.Lock()
	defer p.host.mu.Unlock()
	if !p.live() {
		return netip.AddrPort{}
	}
	return p.p.Address()
}

// Send queues data on channelID with flags (enet_peer_send); it is sent by
// the next Service, NextEvent or Flush. data is copied. Packets longer
// than one fragment (MTU − 28 bytes, − 4 more with checksums) are split
// into fragments. Errors: ErrNotConnected (also while connecting,
// disconnecting or after the connection ended), ErrChannel,
// ErrPacketTooLarge, ErrClosed.
func (p *Peer) Send(channelID uint8, data []byte, flags PacketFlag) error {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if !p.live() {
		return ErrNotConnected
	}
	if err := p.p.Send(channelID, data, engine.PacketFlags(flags)); err != nil {
		return err
	}
	h.poke()
	return nil
}

// Disconnect starts a graceful disconnect with a 32-bit data value the
// remote receives in its EventDisconnect (enet_peer_disconnect). Queued
// packets are dropped (use DisconnectLater to deliver them first). An
// EventDisconnect with Data 0 follows here when the remote acknowledges,
// or when it times out. During the handshake the disconnect is sent
// unacknowledged and the peer is reset at once, without an event.
func (p *Peer) Disconnect(data uint32) {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.Disconnect(data, h.now())
		h.sendBatch()
		h.poke()
	}
}

// DisconnectLater disconnects after all queued packets are sent and
// acknowledged (enet_peer_disconnect_later); meanwhile Send fails and
// incoming packets are acknowledged but dropped.
func (p *Peer) DisconnectLater(data uint32) {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.DisconnectLater(data, h.now())
		h.poke()
	}
}

// DisconnectNow sends an unacknowledged disconnect and frees the peer at
// once (enet_peer_disconnect_now). No EventDisconnect follows here, and
// packets of this peer not yet returned by Service are discarded.
func (p *Peer) DisconnectNow(data uint32) {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.DisconnectNow(data, h.now())
		h.sendBatch()
	}
}

// Reset frees the peer without telling the remote, which will time out
// (enet_peer_reset).
func (p *Peer) Reset() {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.Reset()
	}
}

// Ping queues a PING (enet_peer_ping). Pings are also sent automatically
// every ping interval when nothing else is in flight.
func (p *Peer) Ping() {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.Ping()
		h.poke()
	}
}

// SetTimeout sets when an unresponsive peer is disconnected
// (enet_peer_timeout): once a reliable command has been unacknowledged for
// maximum, or for minimum when its retransmission timeout has grown to
// limit times the first one. Zero arguments keep libenet's defaults:
// limit 32, minimum 5 s, maximum 30 s. Durations are rounded down to
// milliseconds. These are local settings, never sent.
func (p *Peer) SetTimeout(limit int, minimum, maximum time.Duration) {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.SetTimeout(uint32(max(limit, 0)), durMS(minimum), durMS(maximum))
	}
}

// SetPingInterval sets how long an idle connection waits before pinging
// (enet_peer_ping_interval); zero means 500 ms.
func (p *Peer) SetPingInterval(d time.Duration) {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.live() {
		p.p.SetPingInterval(durMS(d))
	}
}

func durMS(d time.Duration) uint32 {
	ms := d / time.Millisecond
	if ms < 0 {
		return 0
	}
	return uint32(min(ms, 1<<31))
}

// PeerState is the connection state (ENetPeerState).
type PeerState = engine.State

// State returns the peer's state; a connection that has ended reports
// "disconnected".
func (p *Peer) State() PeerState {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if !p.live() {
		return engine.StateDisconnected
	}
	return p.p.State()
}

// PeerStats are a peer's statistics.
type PeerStats struct {
	RoundTripTime         time.Duration // smoothed RTT (libenet roundTripTime), 500 ms before the first sample
	RoundTripTimeVariance time.Duration
	// PacketLoss is the fraction of reliable commands that needed a
	// retransmission, averaged over 10 s periods (packetLoss/65536).
	PacketLoss, PacketLossVariance float64
	PacketsSent, PacketsReceived   uint64 // datagrams
	BytesSent, BytesReceived       uint64
	PacketsLost                    uint64 // retransmission timeouts
	// Throttle is the packet throttle, 0..32: unreliable packets are sent
	// with probability (Throttle+1)/32 (all at 31 and 32).
	Throttle    int
	QueuedBytes int // payload queued or in flight
	MTU         int
	Channels    int
}

// Stats returns the peer's statistics (zero after the connection ended).
func (p *Peer) Stats() PeerStats {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if !p.live() {
		return PeerStats{}
	}
	e := p.p
	rtt, v := e.RoundTripTime()
	loss, lv := e.PacketLoss()
	return PeerStats{
		RoundTripTime: time.Duration(rtt) * time.Millisecond, RoundTripTimeVariance: time.Duration(v) * time.Millisecond,
		PacketLoss: float64(loss) / protocol.PeerPacketLossScale, PacketLossVariance: float64(lv) / protocol.PeerPacketLossScale,
		PacketsSent: e.PacketsOut, PacketsReceived: e.PacketsIn, BytesSent: e.BytesOut, BytesReceived: e.BytesIn,
		PacketsLost: e.TotalPacketsLost, Throttle: int(e.Throttle()), QueuedBytes: e.QueuedBytes(),
		MTU: e.MTU(), Channels: e.ChannelCount(),
	}
}
