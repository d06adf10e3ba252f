package multiplayer

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/godoterr"
)

// This file is the ENet binding: Peers over package enet's Host, as
// Godot's NetworkedMultiplayerENet (3.2) and ENetMultiplayerPeer (4.x)
// create them.

// NewENetServer creates an ENet host bound to addr ("127.0.0.1:7777",
// ":7777"; ":0" or "" for an ephemeral port, see ENetHost) and returns a
// Peer in the server role over it: Godot's create_server(port,
// max_clients, in_bandwidth, out_bandwidth).
//
// hcfg (nil: all defaults) carries the host settings: PeerLimit is
// max_clients (0: 32, Godot's default), IncomingBandwidth and
// OutgoingBandwidth the bandwidth arguments, Compressor the
// compression_mode (nil: COMPRESS_NONE, Godot's default;
// enet.NewRangeCoder() for COMPRESS_RANGE_CODER), PacketConn a socket to
// use instead of addr (then addr must be ""). The binding sets
// ChannelLimit itself, as Godot does: channel_count (Config.ChannelCount,
// 3 by default) for Godot3, 255 for Godot4 (Godot 4's create_server never
// applies its max_channels; see ConnectChannelCount). Godot never enables
// ENet checksums: leave hcfg.Checksum false to talk to Godot.
//
// A client the server refuses (refuse_new_connections, an invalid or
// duplicate id, Config.MaxPeers, or every PeerLimit slot in use) is
// turned away during the ENet handshake, so its connect fails promptly
// (Godot: connection_failed) rather than connecting and being
// disconnected; see SetRefuseNewConnections.
//
// Errors: ErrBadConfig (wrapping the enet error for an invalid HostConfig),
// or the socket error from binding addr (wrapped with
// godoterr.ErrCantCreate, as create_server's ERR_CANT_CREATE).
func NewENetServer(addr string, cfg *Config, hcfg *enet.HostConfig) (*Peer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	hc := hostConfig(hcfg)
	hc.ChannelLimit = MaxENetChannels
	if c.Dialect == Godot3 {
		hc.ChannelLimit = ConnectChannelCount(Godot3, c.ChannelCount)
	}
	h, err := newENetHost(addr, &hc)
	if err != nil {
		return nil, err
	}
	p, err := NewServer(newENetTransport(h, c.Dialect), cfg)
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	return p, nil
}

// NewENetClient creates a one-peer ENet host (on an ephemeral port, or
// hcfg.PacketConn) and starts connecting it to addr ("127.0.0.1:7777",
// "example.com:7777"), returning a Peer in the client role: Godot's
// create_client(address, port, in_bandwidth, out_bandwidth). The Peer's
// unique id is GenerateUniqueID(), sent as the ENet CONNECT data, and the
// CONNECT requests ConnectChannelCount(cfg.Dialect, cfg.ChannelCount)
// channels (3.2: 3; 4.x: 255 by default), as Godot's clients do. The
// status is Connecting; ConnectionSucceeded or ConnectionFailed follows
// (an unreachable server fails after ENet's timeout, about 30 s).
//
// hcfg is as for NewENetServer, except that PeerLimit is always 1.
// Errors: ErrBadConfig, an address resolution error, or the socket error
// (wrapped with godoterr.ErrCantCreate).
func NewENetClient(addr string, cfg *Config, hcfg *enet.HostConfig) (*Peer, error) {
	return NewENetClientID(addr, GenerateUniqueID(), cfg, hcfg)
}

// NewENetClientID is NewENetClient with a chosen unique id in 2 … 2³¹−1
// (ErrBadConfig otherwise). Godot picks the id itself; tests and
// reconnecting clients may want to choose it.
func NewENetClientID(addr string, id int, cfg *Config, hcfg *enet.HostConfig) (*Peer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if !validClientID(int64(id)) {
		return nil, fmt.Errorf("client id %d, want %d…%d: %w", id, MinClientID, MaxPeerID, ErrBadConfig)
	}
	hc := hostConfig(hcfg)
	hc.PeerLimit = 1
	n := ConnectChannelCount(c.Dialect, c.ChannelCount)
	hc.ChannelLimit = MaxENetChannels
	if c.Dialect == Godot3 {
		hc.ChannelLimit = n
	}
	h, err := newENetHost("", &hc)
	if err != nil {
		return nil, err
	}
	t := newENetTransport(h, c.Dialect)
	// The Peer exists before the connection starts, so that no event of
	// the connection can be missed.
	p, err := NewClient(t, id, cfg)
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	if _, err := h.Connect(addr, n, uint32(id)); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("multiplayer: connect to %s: %w", addr, err)
	}
	return p, nil
}

func hostConfig(hcfg *enet.HostConfig) enet.HostConfig {
	if hcfg == nil {
		return enet.HostConfig{}
	}
	return *hcfg
}

func newENetHost(addr string, hc *enet.HostConfig) (*enet.Host, error) {
	if addr == "" && hc.PacketConn == nil {
		addr = ":0"
	}
	h, err := enet.NewHost(addr, hc)
	switch {
	case errors.Is(err, enet.ErrInvalidConfig):
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
	case err != nil:
		return nil, fmt.Errorf("multiplayer: enet host on %q: %w: %w", addr, godoterr.ErrCantCreate, err)
	}
	return h, nil
}

// ENetHost returns the ENet host under a Peer made by NewENetServer,
// NewENetClient or NewENetTransport, or nil for a Peer over another
// Transport. Use it for the local address (LocalAddr), host statistics
// (Stats: dropped datagrams and traffic) and per-connection settings; do
// not call its Service, NextEvent or Close, which belong to the Peer.
func (p *Peer) ENetHost() *enet.Host {
	if t, ok := p.t.(*ENetTransport); ok {
		return t.h
	}
	return nil
}

// ENetTransport is the Transport over an enet.Host. NewENetServer and
// NewENetClient build one; NewENetTransport wraps a host configured by
// the caller (its ChannelLimit and Connect channel count are then the
// caller's to choose; see ConnectChannelCount).
type ENetTransport struct {
	h *enet.Host
	// later: graceful disconnects deliver queued packets first
	// (enet_peer_disconnect_later, Godot 3.2's disconnect_peer); Godot 4
	// calls enet_peer_disconnect.
	later bool
}

var _ Transport = (*ENetTransport)(nil)

// NewENetTransport returns a Transport over h for a Peer of dialect d. A
// Peer created over it with NewServer or NewClient owns h and closes it.
// NewServer installs its connect filter on h (h.SetConnectFilter and
// h.SetRefuseWhenFull; see connectGate in enet.go), replacing any the
// caller set: refused clients fail during the ENet handshake.
// A client's host must have started its one connection (h.Connect with
// the client's unique id as data) before its first event is read.
func NewENetTransport(h *enet.Host, d Dialect) *ENetTransport { return newENetTransport(h, d) }

func newENetTransport(h *enet.Host, d Dialect) *ENetTransport {
	return &ENetTransport{h: h, later: d == Godot3}
}

// Host returns the ENet host.
func (t *ENetTransport) Host() *enet.Host { return t.h }

// Service implements Transport: enet.Host.Service(0).
func (t *ENetTransport) Service() (TransportEvent, error) {
	ev, err := t.h.Service(0)
	if err != nil {
		return TransportEvent{}, err
	}
	return t.convert(ev), nil
}

// NextEvent implements Transport: enet.Host.NextEvent.
func (t *ENetTransport) NextEvent(ctx context.Context) (TransportEvent, error) {
	ev, err := t.h.NextEvent(ctx)
	if err != nil {
		return TransportEvent{}, err
	}
	return t.convert(ev), nil
}

// Flush implements Transport: enet.Host.Flush.
func (t *ENetTransport) Flush() error { return t.h.Flush() }

// Close implements Transport: enet.Host.Close (peers are reset without
// notice; a Peer disconnects them first).
func (t *ENetTransport) Close() error { return t.h.Close() }

func (t *ENetTransport) convert(ev enet.Event) TransportEvent {
	var out TransportEvent
	switch ev.Type {
	case enet.EventConnect:
		out.Type = TransportConnect
	case enet.EventDisconnect:
		out.Type = TransportDisconnect
	case enet.EventReceive:
		out.Type = TransportReceive
	default:
		return out
	}
	// An *enet.Peer is the same pointer for every event of one connection
	// (and a new one for the next connection on its slot), so the Link
	// value compares equal exactly across one connection.
	out.Link = enetLink{p: ev.Peer, later: t.later}
	out.Data = ev.Data
	out.Channel = ev.ChannelID
	out.Flags = PacketFlags(ev.Flags)
	out.Packet = ev.Packet
	return out
}

// enetLink is a Link over one enet.Peer. It is a comparable value: two
// links are equal when they hold the same *enet.Peer.
type enetLink struct {
	p     *enet.Peer
	later bool
}

// Send implements Link, mapping enet's errors to Godot's codes:
// ErrUnconfigured for a connection that is not (or no longer) connected
// or a closed host, ErrInvalidParameter for a bad channel or an oversized
// packet. The enet error stays in the chain for errors.Is.
func (l enetLink) Send(channel uint8, data []byte, flags PacketFlags) error {
	err := l.p.Send(channel, data, enet.PacketFlag(flags))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, enet.ErrChannel), errors.Is(err, enet.ErrPacketTooLarge):
		return fmt.Errorf("%w: %w", godoterr.ErrInvalidParameter, err)
	case errors.Is(err, enet.ErrNotConnected), errors.Is(err, enet.ErrClosed):
		return fmt.Errorf("%w: %w", godoterr.ErrUnconfigured, err)
	}
	return err
}

// Disconnect implements Link: enet_peer_disconnect_later in the Godot 3.2
// dialect (queued packets are delivered first, as disconnect_peer does),
// enet_peer_disconnect in Godot 4's.
func (l enetLink) Disconnect(reason uint32) {
	if l.later {
		l.p.DisconnectLater(reason)
		return
	}
	l.p.Disconnect(reason)
}

// DisconnectNow implements Link: enet_peer_disconnect_now.
func (l enetLink) DisconnectNow(reason uint32) { l.p.DisconnectNow(reason) }

// ENetPeer returns the enet.Peer behind a Link that an ENetTransport
// produced (for its address, statistics or a DisconnectLater), and false
// for any other Link.
func ENetPeer(l Link) (*enet.Peer, bool) {
	el, ok := l.(enetLink)
	return el.p, ok && el.p != nil
}

// connectGate is the part of a server's admission rules that can be
// decided from an ENet CONNECT alone: refuse_new_connections, the
// client's id (its connect data) and Config.MaxPeers. NewServer over an
// ENet transport installs it as the host's connect filter
// (enet.Host.SetConnectFilter), so a client refused for these reasons is
// answered during the handshake and its connect fails at once: a Godot
// client (3.2 or 4.x) emits connection_failed instead of
// connected_to_server followed by server_disconnected, a Go client
// reports ConnectionFailed with the Reason, and the server sees no event.
// The host also refuses with ReasonServerFull when its PeerLimit slots
// are all in use (enet.Host.SetRefuseWhenFull), where libenet and Godot
// drop the CONNECT and let the client time out.
//
// The filter runs under the enet.Host's lock, which is taken while the
// Peer's is held (Link.Send), so it cannot take the Peer's lock: the gate
// keeps a copy of the ids admitted or pending behind its own mutex, which
// nothing else is taken under. The check at the transport's connect event
// (serverJoin) stays: two handshakes in flight with the same id, or more
// than MaxPeers of them at once, all pass the gate, and the later ones
// are then disconnected with the reason as before, as are Config.Admit
// refusals (Admit runs with the Peer locked, at the connect event).
type connectGate struct {
	mu       sync.Mutex
	refusing bool
	maxPeers int
	ids      map[int32]struct{}
	refused  uint64
}

func (g *connectGate) setRefusing(on bool) {
	g.mu.Lock()
	g.refusing = on
	g.mu.Unlock()
}

func (g *connectGate) add(id int32) {
	g.mu.Lock()
	if g.ids == nil {
		g.ids = make(map[int32]struct{})
	}
	g.ids[id] = struct{}{}
	g.mu.Unlock()
}

func (g *connectGate) remove(id int32) {
	g.mu.Lock()
	delete(g.ids, id)
	g.mu.Unlock()
}

func (g *connectGate) refusedCount() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refused
}

// filter is the enet.ConnectFilter: CheckJoin on the gate's copy.
func (g *connectGate) filter(_ netip.AddrPort, _ int, data uint32) (bool, uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	known := func(id int32) bool { _, ok := g.ids[id]; return ok }
	reason := CheckJoin(nil, known, data, g.refusing, g.maxPeers, len(g.ids))
	if reason == ReasonNone {
		return false, 0
	}
	g.refused++
	return true, uint32(reason)
}

// installGate makes an ENet server's host refuse at CONNECT time what p
// would refuse at its connect event (see connectGate). Transports that
// are not ENet (or do not expose their enet.Host) are left alone.
func installGate(t Transport, p *Peer) {
	ht, ok := t.(interface{ Host() *enet.Host })
	if !ok {
		return
	}
	h := ht.Host()
	if h == nil {
		return
	}
	h.SetConnectFilter(p.gate.filter)
	h.SetRefuseWhenFull(true, uint32(ReasonServerFull))
}
