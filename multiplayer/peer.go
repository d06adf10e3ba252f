package multiplayer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	packetpeer "github.com/packetpeer/packetpeer"
)

// Peer is Godot's MultiplayerPeer over a Transport, in the server or the
// client role, speaking the Godot 3.2 or the Godot 4.x dialect (see the
// package documentation for both protocols).
//
// It is a packetpeer.PacketPeer (PutPacket sends to the target peer with
// the transfer mode and channel set; GetPacket returns the next received
// payload), so packetpeer.NewVarPeer gives it put_var/get_var, and a
// packetpeer.Waiter, so packetpeer.ReadPacket blocks on it.
//
// Two ways to drive it, which may be mixed:
//   - Godot's: call Poll regularly (every frame), then PollEvent and
//     GetPacket until they are empty.
//   - Go's: NextEvent(ctx) and Wait(ctx)/packetpeer.ReadPacket(ctx, ...)
//     block, reading the transport themselves.
//
// All methods are safe for concurrent use.
type Peer struct {
	mu     sync.Mutex
	rmu    sync.Mutex // held by whoever reads the transport (Poll or a waiter)
	t      Transport
	cfg    Config
	server bool
	id     int32

	status   ConnectionStatus
	target   int32
	mode     TransferMode
	channel  int
	refusing bool
	closed   bool // Close was called
	ended    bool // a client's connection ended; only queued data is left

	links map[Link]*remote  // server: every connection, admitted or pending
	gate  connectGate       // server: what the ENet connect filter decides on (enet.go)
	byID  map[int32]*remote // server: admitted and pending clients by id
	srv   *remote           // client: the server
	peers []int32           // admitted peers, ascending (client: the server and announced peers)

	in     ring[packet]
	events ring[Event]
	stats  Stats

	notify     chan struct{}
	pumpCancel context.CancelFunc
	mustCloseT bool
	tcloseOnce sync.Once

	buf   []byte
	route []int32
	ann   []Announcement
}

type remote struct {
	id         int32
	link       Link
	admitted   bool
	authLocal  bool // we called CompleteAuth
	authRemote bool // the remote sent 07 00
	deadline   time.Time
	reason     DisconnectReason // why we asked it to leave, reported on its disconnect
}

type packet struct {
	from    int32
	channel int
	mode    TransferMode
	data    []byte
}

// Packet is a received packet with the metadata Godot reads through
// get_packet_peer, get_packet_channel and get_packet_mode.
type Packet struct {
	From    int          // sender's unique id
	Channel int          // 3.2: the ENet channel; 4.x: the transfer channel
	Mode    TransferMode // from the ENet flags the packet arrived with
	Data    []byte       // the payload, owned by the caller
}

var _ packetpeer.PacketPeer = (*Peer)(nil)
var _ packetpeer.Waiter = (*Peer)(nil)

// NewServer returns a Peer in the server role (unique id 1, status
// Connected at once, as create_server) over t, a transport that accepts
// connections. The Peer owns t from now on and closes it on Close.
func NewServer(t Transport, cfg *Config) (*Peer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := newPeer(t, c, ServerID)
	p.server = true
	p.status = Connected
	p.links = make(map[Link]*remote)
	p.byID = make(map[int32]*remote)
	p.gate.maxPeers = c.MaxPeers
	installGate(t, p)
	return p, nil
}

// NewClient returns a Peer in the client role with unique id id over t,
// a transport that has started one connection to the server with id as
// its connect data (ENet CONNECT data; see ConnectChannelCount for its
// channel count). The status is Connecting until the connection completes
// (and, with Config.Auth, until authentication completes). id is usually
// GenerateUniqueID(); it must be in 2 … 2³¹−1 (ErrBadConfig).
func NewClient(t Transport, id int, cfg *Config) (*Peer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if !validClientID(int64(id)) {
		return nil, fmt.Errorf("client id %d, want %d…%d: %w", id, MinClientID, MaxPeerID, ErrBadConfig)
	}
	p := newPeer(t, c, int32(id))
	p.status = Connecting
	return p, nil
}

func newPeer(t Transport, c Config, id int32) *Peer {
	p := &Peer{t: t, cfg: c, id: id, mode: TransferModeReliable, notify: make(chan struct{})}
	if c.Dialect == Godot3 {
		p.channel = -1
	}
	p.in.max = c.MaxQueuedPackets
	p.events.max = c.MaxQueuedEvents
	return p
}

// Dialect returns the dialect the Peer speaks.
func (p *Peer) Dialect() Dialect { return p.cfg.Dialect }

// UniqueID returns the Peer's unique id: 1 for a server (get_unique_id).
func (p *Peer) UniqueID() int { return int(p.id) }

// IsServer reports whether the Peer is in the server role (is_server).
func (p *Peer) IsServer() bool { return p.server }

// ServerRelay reports whether server_relay is on.
func (p *Peer) ServerRelay() bool { return !p.cfg.DisableServerRelay }

// ConnectionStatus returns the connection status (get_connection_status).
func (p *Peer) ConnectionStatus() ConnectionStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// SetTargetPeer sets where PutPacket sends (set_target_peer): 0
// (TargetPeerBroadcast) every peer, 1 (TargetPeerServer) the server, N
// peer N, -N every peer except N. It is checked when sending.
func (p *Peer) SetTargetPeer(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = int32(max(min(id, MaxPeerID), -MaxPeerID))
}

// TargetPeer returns the target set by SetTargetPeer (0 by default).
func (p *Peer) TargetPeer() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int(p.target)
}

// SetTransferMode sets the transfer mode of PutPacket (transfer_mode;
// default TransferModeReliable). Anything but Godot's three modes is
// ErrBadMode.
func (p *Peer) SetTransferMode(m TransferMode) error {
	if !m.valid() {
		return fmt.Errorf("transfer mode %d: %w", int(m), ErrBadMode)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	return nil
}

// TransferMode returns the transfer mode of PutPacket.
func (p *Peer) TransferMode() TransferMode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// SetTransferChannel sets the channel of PutPacket (transfer_channel).
// Godot3: -1 (default) uses channel 1 for reliable and 2 for unreliable
// packets; 1 … ChannelCount-1 sends on that ENet channel; 0 is reserved.
// Godot4: 0 (default) uses ENet channels 0/1; n in 1 … ChannelCount uses
// ENet channel n+1. Other values are ErrBadChannel and leave the setting
// unchanged.
func (p *Peer) SetTransferChannel(ch int) error {
	var err error
	if p.cfg.Dialect == Godot3 {
		err = checkGodot3Channel(ch, p.cfg.ChannelCount)
	} else if ch < 0 || ch > p.cfg.ChannelCount {
		err = fmt.Errorf("godot4 transfer channel %d (0…%d): %w", ch, p.cfg.ChannelCount, ErrBadChannel)
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.channel = ch
	return nil
}

// TransferChannel returns the channel of PutPacket (-1 or 0 by default).
func (p *Peer) TransferChannel() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.channel
}

// SetRefuseNewConnections sets refuse_new_connections: a server then
// turns every new connection away with ReasonRefused (Godot resets it
// silently). Over ENet the refusal answers the client's CONNECT, so its
// connect fails at once (Godot: connection_failed) and the server sees no
// event; over another transport the connection is disconnected when it
// completes. Existing peers are not affected.
func (p *Peer) SetRefuseNewConnections(refuse bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = refuse
	p.gate.setRefusing(refuse)
}

// RefuseNewConnections reports refuse_new_connections.
func (p *Peer) RefuseNewConnections() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusing
}

// Peers returns the ids of the connected peers, ascending: on a server
// the admitted clients; on a client the server (1) and the peers it
// announced.
func (p *Peer) Peers() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]int, len(p.peers))
	for i, id := range p.peers {
		out[i] = int(id)
	}
	return out
}

// AuthenticatingPeers returns the ids of peers waiting for
// authentication, ascending (get_authenticating_peers).
func (p *Peer) AuthenticatingPeers() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []int32
	if p.server {
		for id, r := range p.byID {
			if !r.admitted {
				ids = insertPeer(ids, id)
			}
		}
	} else if p.srv != nil && !p.srv.admitted {
		ids = append(ids, ServerID)
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// Stats returns a snapshot of the Peer's counters. PeersRefused includes
// the connections refused during the ENet handshake.
func (p *Peer) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.PeersRefused += p.gate.refusedCount()
	return s
}

// MaxPacketSize returns the largest payload PutPacket accepts.
func (p *Peer) MaxPacketSize() int { return p.cfg.MaxPacketSize }

// AvailablePacketCount returns the number of received packets queued.
func (p *Peer) AvailablePacketCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.in.len()
}

// PacketPeer returns the sender's id of the next packet GetPacket returns
// (get_packet_peer reads the front of the queue, as in Godot), or 0 when
// none is queued.
func (p *Peer) PacketPeer() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pk, ok := p.in.peek(); ok {
		return int(pk.from)
	}
	return 0
}

// PacketChannel returns the channel of the next packet (get_packet_channel):
// Godot3 the ENet channel, Godot4 the transfer channel; 0 when none.
func (p *Peer) PacketChannel() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pk, ok := p.in.peek(); ok {
		return pk.channel
	}
	return 0
}

// PacketMode returns the transfer mode of the next packet
// (get_packet_mode), from its ENet flags; TransferModeReliable when none.
func (p *Peer) PacketMode() TransferMode {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pk, ok := p.in.peek(); ok {
		return pk.mode
	}
	return TransferModeReliable
}

// GetPacket removes and returns the next received payload. With none
// queued: ErrNoPacket (wraps godoterr.ErrUnavailable); after Close an
// error wrapping net.ErrClosed.
func (p *Peer) GetPacket() ([]byte, error) {
	pk, err := p.Receive()
	return pk.Data, err
}

// Receive is GetPacket with the sender, channel and mode of the packet,
// read atomically.
func (p *Peer) Receive() (Packet, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return Packet{}, errClosed
	}
	pk, ok := p.in.pop()
	if !ok {
		return Packet{}, ErrNoPacket
	}
	return Packet{From: int(pk.from), Channel: pk.channel, Mode: pk.mode, Data: pk.data}, nil
}

// PollEvent removes and returns the next event, if any.
func (p *Peer) PollEvent() (Event, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events.pop()
}

// Poll handles every transport event pending now (at most 16384) and
// checks authentication timeouts, as Godot's poll(); it never blocks.
// Events and packets are then available from PollEvent and GetPacket.
// If a goroutine is blocked in NextEvent or Wait, that goroutine is
// reading the transport and Poll only checks timeouts.
func (p *Peer) Poll() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errClosed
	}
	p.mu.Unlock()
	var err error
	if p.rmu.TryLock() {
		err = p.drain()
		p.rmu.Unlock()
	}
	p.mu.Lock()
	p.checkTimeouts()
	p.broadcast()
	p.mu.Unlock()
	p.afterUnlock()
	return err
}

// drain handles pending transport events; the caller holds rmu.
func (p *Peer) drain() error {
	for range maxPollEvents {
		ev, err := p.t.Service()
		if err != nil {
			return p.transportFailed(err)
		}
		if ev.Type == TransportNone {
			return nil
		}
		p.mu.Lock()
		p.handle(ev)
		stop := p.closed || p.ended
		p.mu.Unlock()
		if stop {
			return nil
		}
	}
	return nil
}

// transportFailed records a transport error: after our own Close or the
// end of a client's connection it is expected and not reported.
func (p *Peer) transportFailed(err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errClosed
	}
	if p.ended {
		return nil
	}
	return fmt.Errorf("multiplayer: transport: %w", err)
}

// NextEvent returns the next event, reading the transport until one is
// raised or ctx is done (ctx.Err()). After Close it returns an error
// wrapping net.ErrClosed; on a client whose connection ended, io.EOF once
// the last event was returned.
func (p *Peer) NextEvent(ctx context.Context) (Event, error) {
	var ev Event
	err := p.waitFor(ctx, func() bool {
		var ok bool
		ev, ok = p.events.pop()
		return ok
	})
	return ev, err
}

// Wait blocks until a packet is available (packetpeer.Waiter), reading the
// transport meanwhile. It returns ctx.Err() when ctx ends first, an error
// wrapping net.ErrClosed after Close, and io.EOF on a client whose
// connection ended once every packet was read.
func (p *Peer) Wait(ctx context.Context) error {
	return p.waitFor(ctx, func() bool { return p.in.len() > 0 })
}

// waitFor blocks until cond (called with mu held) is true.
func (p *Peer) waitFor(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return errClosed
		}
		if cond() {
			p.mu.Unlock()
			return nil
		}
		if p.ended {
			p.mu.Unlock()
			return io.EOF
		}
		ch := p.notify
		p.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
		if !p.rmu.TryLock() {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-ch:
			}
			continue
		}
		if err := p.pump(ctx); err != nil {
			return err
		}
	}
}

// pump reads one transport event (blocking) and then everything pending;
// the caller holds rmu, which pump releases.
func (p *Peer) pump(ctx context.Context) error {
	p.mu.Lock()
	if p.closed || p.ended {
		p.mu.Unlock()
		p.rmu.Unlock()
		return nil // waitFor reports it
	}
	var pctx context.Context
	var cancel context.CancelFunc
	if d, ok := p.nextDeadline(); ok {
		pctx, cancel = context.WithDeadline(ctx, d)
	} else {
		pctx, cancel = context.WithCancel(ctx)
	}
	p.pumpCancel = cancel
	p.mu.Unlock()

	ev, err := p.t.NextEvent(pctx)
	cancel()
	if err == nil {
		p.mu.Lock()
		p.handle(ev)
		p.mu.Unlock()
		err = p.drain()
	}
	p.rmu.Unlock()

	p.mu.Lock()
	p.pumpCancel = nil
	p.checkTimeouts()
	p.broadcast()
	closed, ended := p.closed, p.ended
	p.mu.Unlock()
	p.afterUnlock()
	switch {
	case err == nil, closed, ended:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil // our own cancellation: an auth deadline, or Close
	}
	return fmt.Errorf("multiplayer: transport: %w", err)
}

// broadcast wakes every goroutine in waitFor; mu held.
func (p *Peer) broadcast() {
	close(p.notify)
	p.notify = make(chan struct{})
}

// emit queues an event; mu held.
func (p *Peer) emit(e Event) {
	if !p.events.push(e) {
		p.stats.EventsDropped++
	}
}

// deliver queues a received payload; mu held.
func (p *Peer) deliver(from int32, channel int, mode TransferMode, data []byte) {
	if !p.in.push(packet{from: from, channel: channel, mode: mode, data: data}) {
		p.drop(DropQueueFull)
		return
	}
	p.stats.PacketsReceived++
}

func (p *Peer) drop(r DropReason) { p.stats.Drops[r]++ }

// handle dispatches one transport event; mu held.
func (p *Peer) handle(ev TransportEvent) {
	if p.closed || p.ended {
		return
	}
	switch ev.Type {
	case TransportConnect:
		if p.server {
			p.serverJoin(ev.Link, ev.Data)
		} else {
			p.clientConnected(ev.Link)
		}
	case TransportDisconnect:
		if p.server {
			if r := p.links[ev.Link]; r != nil {
				reason := DisconnectReason(ev.Data)
				if r.reason != ReasonNone {
					reason = r.reason
				}
				p.serverLeave(r, reason)
			}
		} else if p.srv == nil || ev.Link == p.srv.link {
			p.clientEnded(DisconnectReason(ev.Data))
		}
	case TransportReceive:
		switch {
		case p.server && p.cfg.Dialect == Godot3:
			p.serverReceive3(ev)
		case p.server:
			p.serverReceive4(ev)
		case p.srv == nil || ev.Link != p.srv.link:
			p.drop(DropUnknownSender)
		case p.cfg.Dialect == Godot3:
			p.clientReceive3(ev)
		default:
			p.clientReceive4(ev)
		}
	}
}

// ---- server side ----

func (p *Peer) serverJoin(link Link, data uint32) {
	if p.links[link] != nil {
		return
	}
	pending := func(id int32) bool { return p.byID[id] != nil }
	reason := CheckJoin(p.peers, pending, data, p.refusing, p.cfg.MaxPeers, len(p.byID))
	if reason == ReasonNone && p.cfg.Admit != nil {
		reason = p.cfg.Admit(int(data))
	}
	if reason != ReasonNone {
		p.stats.PeersRefused++
		link.Disconnect(uint32(reason))
		_ = p.t.Flush()
		return
	}
	r := &remote{id: int32(data), link: link}
	p.links[link] = r
	p.byID[r.id] = r
	p.gate.add(r.id)
	if p.cfg.Auth {
		r.deadline = p.cfg.Now().Add(p.cfg.AuthTimeout)
		p.emit(Event{Type: PeerAuthenticating, Peer: int(r.id)})
		return
	}
	p.serverAdmit(r)
}

func (p *Peer) serverAdmit(r *remote) {
	r.admitted = true
	if p.ServerRelay() {
		p.ann = JoinAnnouncements(p.cfg.Dialect, p.peers, r.id, p.ann[:0])
		p.announce()
	}
	p.peers = insertPeer(p.peers, r.id)
	p.stats.PeersJoined++
	p.emit(Event{Type: PeerConnected, Peer: int(r.id)})
}

// announce sends p.ann; mu held.
func (p *Peer) announce() {
	for _, a := range p.ann {
		to := p.byID[a.To]
		if to == nil {
			continue
		}
		p.buf = AppendAnnouncement(p.buf[:0], p.cfg.Dialect, a)
		if to.link.Send(0, p.buf, FlagReliable) == nil {
			p.stats.PacketsSent++
		}
	}
	if len(p.ann) > 0 {
		_ = p.t.Flush()
	}
}

// serverLeave forgets r; mu held.
func (p *Peer) serverLeave(r *remote, reason DisconnectReason) {
	delete(p.links, r.link)
	delete(p.byID, r.id)
	p.gate.remove(r.id)
	if !r.admitted {
		p.emit(Event{Type: PeerAuthenticationFailed, Peer: int(r.id), Reason: reason})
		return
	}
	p.peers = removePeer(p.peers, r.id)
	if p.ServerRelay() {
		p.ann = LeaveAnnouncements(p.peers, r.id, p.ann[:0])
		p.announce()
	}
	p.stats.PeersLeft++
	p.emit(Event{Type: PeerDisconnected, Peer: int(r.id), Reason: reason})
}

func (p *Peer) serverReceive3(ev TransportEvent) {
	r := p.links[ev.Link]
	if r == nil || !r.admitted {
		p.drop(DropUnknownSender)
		return
	}
	if ev.Channel == Godot3ChannelConfig {
		p.drop(DropSystemFromClient)
		return
	}
	h, payload, err := ParseGodot3Header(ev.Packet)
	if err != nil {
		p.drop(DropMalformed)
		return
	}
	if h.Source != r.id {
		p.drop(DropSpoofedSource)
		return
	}
	rt := RouteGodot3(p.peers, r.id, h.Target, p.ServerRelay(), p.route[:0])
	p.route = rt.Forward
	if rt.Drop != DropNone {
		p.drop(rt.Drop)
		return
	}
	p.forward(rt.Forward, ev.Channel, ev.Flags, ev.Packet)
	if rt.Deliver {
		// An empty payload is a packet too: Godot 3.2's put_packet sends
		// the 8-byte header alone and get_packet returns 0 bytes.
		p.deliver(r.id, int(ev.Channel), ModeFromFlags(ev.Flags), payload)
	}
}

// forward sends pkt unchanged to ids; mu held.
func (p *Peer) forward(ids []int32, ch uint8, flags PacketFlags, pkt []byte) {
	for _, id := range ids {
		to := p.byID[id]
		if to == nil {
			continue
		}
		if to.link.Send(ch, pkt, flags) != nil {
			p.drop(DropRelayFailed) // e.g. a channel the target lacks
			continue
		}
		p.stats.PacketsRelayed++
		p.stats.PacketsSent++
	}
	// No flush here: the transport sends the relayed copies when the
	// event loop next services it (drain ends with one), so a burst of
	// relayed packets goes out in one batch instead of one system call
	// each.
}

func (p *Peer) serverReceive4(ev TransportEvent) {
	r := p.links[ev.Link]
	if r == nil {
		p.drop(DropUnknownSender)
		return
	}
	cmd, err := PacketCommand(ev.Packet)
	if err != nil {
		p.drop(DropMalformed)
		return
	}
	mode := ModeFromFlags(ev.Flags)
	ch := Godot4ReceiveChannel(ev.Channel)
	switch cmd {
	case CommandRaw:
		if !r.admitted {
			p.drop(DropUnauthenticated)
			return
		}
		p.deliverRaw(r.id, ch, mode, ev.Packet)
	case CommandSys:
		m, err := ParseSys(ev.Packet)
		if err != nil {
			p.drop(DropMalformed)
			return
		}
		if m.Command == SysAuth {
			p.authReceived(r, m)
			return
		}
		if !r.admitted {
			p.drop(DropUnauthenticated)
			return
		}
		if m.Command != SysRelay {
			p.drop(DropSystemFromClient)
			return
		}
		inner := m.Payload
		if inner[0]&CommandMask == byte(CommandSys) {
			p.drop(DropUnsupported)
			return
		}
		rt := RouteGodot4Relay(p.peers, r.id, m.Peer, p.ServerRelay(), p.route[:0])
		p.route = rt.Forward
		if rt.Drop != DropNone {
			p.drop(rt.Drop)
			return
		}
		if len(rt.Forward) > 0 {
			p.buf = AppendRelay(p.buf[:0], r.id, inner)
			p.forward(rt.Forward, ev.Channel, godot4Flags(mode), p.buf)
		}
		if rt.Deliver {
			p.deliverRaw(r.id, ch, mode, inner)
		}
	default:
		if !r.admitted {
			p.drop(DropUnauthenticated)
			return
		}
		p.drop(DropUnsupported)
	}
}

// godot4Flags are the flags Godot 4 sends mode with.
func godot4Flags(m TransferMode) PacketFlags {
	_, fl, _ := Godot4SendChannel(m, 0)
	return fl
}

// deliverRaw queues the data of a RAW packet from id; anything else is
// counted as unsupported. mu held.
func (p *Peer) deliverRaw(from int32, ch int, mode TransferMode, pkt []byte) {
	data, err := ParseRaw(pkt)
	switch {
	case errors.Is(err, ErrNotCommand):
		p.drop(DropUnsupported)
	case err != nil:
		p.drop(DropMalformed)
	default:
		p.deliver(from, ch, mode, data)
	}
}

// ---- client side ----

func (p *Peer) clientConnected(link Link) {
	if p.srv != nil {
		return
	}
	p.srv = &remote{id: ServerID, link: link}
	if p.cfg.Auth {
		p.srv.deadline = p.cfg.Now().Add(p.cfg.AuthTimeout)
		p.emit(Event{Type: PeerAuthenticating, Peer: ServerID})
		return
	}
	p.clientAdmit()
}

func (p *Peer) clientAdmit() {
	p.srv.admitted = true
	p.status = Connected
	p.peers = insertPeer(p.peers, ServerID)
	p.emit(Event{Type: PeerConnected, Peer: ServerID})
	p.emit(Event{Type: ConnectionSucceeded})
}

// clientEnded handles the end of the connection to the server; mu held.
func (p *Peer) clientEnded(reason DisconnectReason) {
	if p.ended {
		return
	}
	admitted := p.srv != nil && p.srv.admitted
	if p.srv != nil && p.srv.reason != ReasonNone {
		reason = p.srv.reason
	}
	p.ended = true
	p.status = Disconnected
	p.peers = p.peers[:0]
	switch {
	case admitted && !reason.Refusal():
		if p.cfg.Dialect == Godot4 {
			p.emit(Event{Type: PeerDisconnected, Peer: ServerID, Reason: reason})
		}
		p.emit(Event{Type: ServerDisconnected, Reason: reason})
	default:
		if p.srv != nil && p.cfg.Auth && !admitted {
			p.emit(Event{Type: PeerAuthenticationFailed, Peer: ServerID, Reason: reason})
		}
		p.emit(Event{Type: ConnectionFailed, Reason: reason})
	}
	if p.pumpCancel != nil {
		p.pumpCancel()
	}
	// Godot closes the connection here too; closeTransport does it once
	// the lock is released.
	p.mustCloseT = true
}

// closeTransport closes the transport once, when the client's connection
// ended or on Close; mu not held.
func (p *Peer) closeTransport() error {
	var err error
	p.tcloseOnce.Do(func() { err = p.t.Close() })
	return err
}

// afterUnlock runs what must not run under mu.
func (p *Peer) afterUnlock() {
	p.mu.Lock()
	c := p.mustCloseT
	p.mu.Unlock()
	if c {
		_ = p.closeTransport()
	}
}

func (p *Peer) clientReceive3(ev TransportEvent) {
	if ev.Channel == Godot3ChannelConfig {
		m, err := ParseGodot3SysMessage(ev.Packet)
		if err != nil {
			p.drop(DropMalformed)
			return
		}
		p.announced(m.Peer, m.Type == Godot3AddPeer)
		return
	}
	h, payload, err := ParseGodot3Header(ev.Packet)
	if err != nil {
		p.drop(DropMalformed)
		return
	}
	// Like Godot, the client trusts the server's source field; the target
	// is ignored. An empty payload is delivered as an empty packet.
	p.deliver(h.Source, int(ev.Channel), ModeFromFlags(ev.Flags), payload)
}

// announced applies a peer announcement from the server; mu held.
func (p *Peer) announced(id int32, join bool) {
	if id == p.id {
		p.drop(DropMalformed)
		return
	}
	if join {
		if hasPeer(p.peers, id) {
			return
		}
		p.peers = insertPeer(p.peers, id)
		p.stats.PeersJoined++
		p.emit(Event{Type: PeerConnected, Peer: int(id)})
		return
	}
	if !hasPeer(p.peers, id) {
		return
	}
	p.peers = removePeer(p.peers, id)
	p.stats.PeersLeft++
	p.emit(Event{Type: PeerDisconnected, Peer: int(id)})
}

func (p *Peer) clientReceive4(ev TransportEvent) {
	cmd, err := PacketCommand(ev.Packet)
	if err != nil {
		p.drop(DropMalformed)
		return
	}
	mode := ModeFromFlags(ev.Flags)
	ch := Godot4ReceiveChannel(ev.Channel)
	if cmd == CommandSys {
		m, err := ParseSys(ev.Packet)
		if err != nil {
			p.drop(DropMalformed)
			return
		}
		if m.Command == SysAuth {
			p.authReceived(p.srv, m)
			return
		}
		if !p.srv.admitted {
			p.drop(DropUnauthenticated)
			return
		}
		if !p.ServerRelay() {
			p.drop(DropRelayDisabled)
			return
		}
		switch m.Command {
		case SysAddPeer, SysDelPeer:
			p.announced(m.Peer, m.Command == SysAddPeer)
		case SysRelay:
			if !validClientID(int64(m.Peer)) || m.Peer == p.id {
				p.drop(DropMalformed)
				return
			}
			p.deliverRaw(m.Peer, ch, mode, m.Payload)
		}
		return
	}
	if !p.srv.admitted {
		p.drop(DropUnauthenticated)
		return
	}
	p.deliverRaw(ServerID, ch, mode, ev.Packet)
}

// ---- authentication (Godot 4 SceneMultiplayer) ----

func (p *Peer) authReceived(r *remote, m SysMessage) {
	if !p.cfg.Auth || r.admitted {
		// Godot ignores AUTH from admitted peers; without an
		// auth_callback it rejects it.
		p.drop(DropUnauthenticated)
		return
	}
	if m.AuthCompleted() {
		r.authRemote = true
		p.maybeAdmit(r)
		return
	}
	p.emit(Event{Type: AuthData, Peer: int(r.id), Data: append([]byte(nil), m.Payload...)})
}

func (p *Peer) maybeAdmit(r *remote) {
	if !r.authLocal || !r.authRemote || r.admitted {
		return
	}
	if p.server {
		p.serverAdmit(r)
	} else {
		p.clientAdmit()
	}
}

// pendingPeer returns the pending remote with id; mu held.
func (p *Peer) pendingPeer(id int) (*remote, error) {
	if p.closed {
		return nil, errClosed
	}
	var r *remote
	if p.server {
		if id >= MinClientID && id <= MaxPeerID {
			r = p.byID[int32(id)]
		}
	} else if id == ServerID && !p.ended {
		r = p.srv
	}
	if !p.cfg.Auth || r == nil || r.admitted {
		return nil, fmt.Errorf("peer %d: %w", id, ErrNotAuthenticating)
	}
	return r, nil
}

// SendAuth sends authentication bytes to a pending peer (send_auth): the
// packet 07 00 <data>, reliable on channel 0. data must not be empty
// (ErrEmptyPayload): the empty AUTH packet is the completion marker.
func (p *Peer) SendAuth(id int, data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("send auth: %w", ErrEmptyPayload)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.pendingPeer(id)
	if err != nil {
		return err
	}
	p.buf = AppendAuth(p.buf[:0], data)
	if err := r.link.Send(0, p.buf, FlagReliable); err != nil {
		return err
	}
	p.stats.PacketsSent++
	return p.t.Flush()
}

// CompleteAuth marks authentication of a pending peer as completed on
// this side (complete_auth): it sends the marker 07 00, and the peer is
// admitted (PeerConnected, announcements; on a client also
// ConnectionSucceeded) once the remote's marker has arrived as well.
func (p *Peer) CompleteAuth(id int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.pendingPeer(id)
	if err != nil {
		return err
	}
	if !r.authLocal {
		p.buf = AppendAuthCompleted(p.buf[:0])
		if err := r.link.Send(0, p.buf, FlagReliable); err != nil {
			return err
		}
		p.stats.PacketsSent++
		_ = p.t.Flush()
		r.authLocal = true
	}
	p.maybeAdmit(r)
	return nil
}

// nextDeadline returns the earliest authentication deadline; mu held.
func (p *Peer) nextDeadline() (time.Time, bool) {
	if !p.cfg.Auth {
		return time.Time{}, false
	}
	var d time.Time
	consider := func(r *remote) {
		if r != nil && !r.admitted && (d.IsZero() || r.deadline.Before(d)) {
			d = r.deadline
		}
	}
	if p.server {
		for _, r := range p.byID {
			consider(r)
		}
	} else if !p.ended {
		consider(p.srv)
	}
	return d, !d.IsZero()
}

// checkTimeouts disconnects peers whose authentication timed out; mu held.
func (p *Peer) checkTimeouts() {
	if !p.cfg.Auth || p.closed {
		return
	}
	now := p.cfg.Now()
	if p.server {
		for _, r := range p.byID {
			if !r.admitted && !now.Before(r.deadline) {
				r.link.Disconnect(uint32(ReasonAuthFailed))
				p.serverLeave(r, ReasonAuthFailed)
			}
		}
		return
	}
	if r := p.srv; r != nil && !r.admitted && !p.ended && !now.Before(r.deadline) {
		r.link.DisconnectNow(uint32(ReasonAuthFailed))
		p.clientEnded(ReasonAuthFailed)
	}
}

// ---- sending ----

// PutPacket sends p to the target peer with the transfer mode and channel
// set (put_packet). Godot3: an empty packet is sent (the header alone) and
// arrives as an empty packet, as with Godot 3.2. Godot4: an empty packet
// is ErrEmptyPayload, as SceneMultiplayer.send_bytes refuses one.
//
// Godot3 prepends the 8-byte header (own id, target). A server sends a
// copy to every addressed peer; a client sends to the server, which
// relays. The target must be 0 or ±a known peer.
//
// Godot4 sends the RAW packet 03 <p> (send_bytes). A server sends it to
// every addressed peer (an unknown positive target is refused); a client
// sends it to the server directly for target 1 and otherwise, with
// server_relay on, wrapped as RELAY 07 03 <target> 03 <p>; with relay off
// only the server can be reached.
//
// Errors: ErrNotConnected (ERR_UNCONFIGURED) unless connected,
// ErrUnknownPeer, ErrPacketTooLarge, ErrBadChannel, errors of the
// transport's Send; after Close an error wrapping net.ErrClosed.
func (p *Peer) PutPacket(data []byte) error {
	if len(data) == 0 && p.cfg.Dialect == Godot4 {
		return fmt.Errorf("send_bytes: %w", ErrEmptyPayload)
	}
	if len(data) > p.cfg.MaxPacketSize {
		return fmt.Errorf("%d bytes, max %d: %w", len(data), p.cfg.MaxPacketSize, ErrPacketTooLarge)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errClosed
	}
	if p.status != Connected {
		return ErrNotConnected
	}
	if p.cfg.Dialect == Godot3 {
		return p.put3(data)
	}
	return p.put4(data)
}

func (p *Peer) put3(data []byte) error {
	ch, fl, err := Godot3SendChannel(p.mode, p.channel, p.cfg.ChannelCount, p.cfg.AlwaysOrdered)
	if err != nil {
		return err
	}
	tgt := p.target
	if tgt != TargetPeerBroadcast && !hasPeer(p.peers, abs32(tgt)) {
		return fmt.Errorf("target %d: %w", tgt, ErrUnknownPeer)
	}
	p.buf = AppendGodot3Header(p.buf[:0], Godot3Header{Source: p.id, Target: tgt})
	p.buf = append(p.buf, data...)
	if !p.server {
		return p.sendTo(p.srv, ch, fl, p.buf)
	}
	ids, err := Targets(p.peers, tgt, p.route[:0])
	p.route = ids
	if err != nil {
		return fmt.Errorf("target %d: %w", tgt, err)
	}
	return p.sendAll(ids, ch, fl, p.buf)
}

func (p *Peer) put4(data []byte) error {
	ch, fl, err := Godot4SendChannel(p.mode, p.channel)
	if err != nil {
		return err
	}
	tgt := p.target
	if p.server {
		ids, err := Targets(p.peers, tgt, p.route[:0])
		p.route = ids
		if err != nil {
			return fmt.Errorf("target %d: %w", tgt, err)
		}
		p.buf = AppendRaw(p.buf[:0], data)
		return p.sendAll(ids, ch, fl, p.buf)
	}
	switch {
	case tgt == TargetPeerServer:
		p.buf = AppendRaw(p.buf[:0], data)
	case p.ServerRelay():
		p.buf = AppendRelay(p.buf[:0], tgt, nil)
		p.buf = AppendRaw(p.buf, data)
	case tgt == -TargetPeerServer:
		return nil // every peer but the server: without relay, nobody
	case tgt > TargetPeerServer:
		return fmt.Errorf("target %d without server relay: %w", tgt, ErrUnknownPeer)
	default:
		p.buf = AppendRaw(p.buf[:0], data) // 0 or -N: the server is the only peer
	}
	return p.sendTo(p.srv, ch, fl, p.buf)
}

func (p *Peer) sendTo(r *remote, ch uint8, fl PacketFlags, b []byte) error {
	if r == nil {
		return ErrNotConnected
	}
	if err := r.link.Send(ch, b, fl); err != nil {
		return err
	}
	p.stats.PacketsSent++
	return p.t.Flush()
}

func (p *Peer) sendAll(ids []int32, ch uint8, fl PacketFlags, b []byte) error {
	var first error
	for _, id := range ids {
		r := p.byID[id]
		if r == nil {
			continue
		}
		if err := r.link.Send(ch, b, fl); err != nil {
			if first == nil {
				first = fmt.Errorf("peer %d: %w", id, err)
			}
			continue
		}
		p.stats.PacketsSent++
	}
	if err := p.t.Flush(); first == nil {
		first = err
	}
	return first
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// ---- disconnecting ----

// DisconnectPeer disconnects a peer (disconnect_peer). On a server, id is
// a client: without now, a graceful disconnect with ReasonKicked whose
// PeerDisconnected event (and announcements) follow when the transport
// reports it; with now, an immediate one, and PeerDisconnected and the
// announcements happen at once (Godot 3.2's now=true; Godot 4's force
// skips them, leaving other clients with a stale peer — not copied). On a
// client, id must be 1: the connection to the server ends, gracefully
// (ServerDisconnected follows) or, with now, at once as Close.
func (p *Peer) DisconnectPeer(id int, now bool) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errClosed
	}
	if !p.server {
		if id != ServerID {
			p.mu.Unlock()
			return fmt.Errorf("disconnect peer %d: %w", id, ErrServerOnly)
		}
		if p.srv == nil || p.ended {
			p.mu.Unlock()
			return ErrNotConnected
		}
		if now {
			p.mu.Unlock()
			return p.Close()
		}
		p.srv.link.Disconnect(0)
		err := p.t.Flush()
		p.mu.Unlock()
		return err
	}
	defer p.mu.Unlock()
	var r *remote
	if id >= MinClientID && id <= MaxPeerID {
		r = p.byID[int32(id)]
	}
	if r == nil {
		return fmt.Errorf("disconnect peer %d: %w", id, ErrUnknownPeer)
	}
	r.reason = ReasonKicked
	if !now {
		r.link.Disconnect(uint32(ReasonKicked))
		return p.t.Flush()
	}
	r.link.DisconnectNow(uint32(ReasonKicked))
	p.serverLeave(r, ReasonKicked)
	return p.t.Flush()
}

// Close ends every connection at once (close_connection / close): each
// gets an immediate disconnect carrying Config.CloseReason, or Godot's
// value (3.2: own id; 4.x: 0), after queued packets were flushed; no
// PeerDisconnected events are raised. The transport is closed. Status
// becomes Disconnected and every later call fails with an error wrapping
// net.ErrClosed, Close included.
func (p *Peer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errClosed
	}
	reason := uint32(p.cfg.CloseReason)
	if reason == 0 && p.cfg.Dialect == Godot3 {
		reason = uint32(p.id)
	}
	_ = p.t.Flush()
	if p.server {
		for link := range p.links {
			link.DisconnectNow(reason)
		}
	} else if p.srv != nil && !p.ended {
		p.srv.link.DisconnectNow(reason)
	}
	_ = p.t.Flush()
	p.closed = true
	p.status = Disconnected
	p.links, p.byID, p.srv, p.peers = nil, nil, nil, nil
	p.in = ring[packet]{}
	if p.pumpCancel != nil {
		p.pumpCancel()
	}
	p.broadcast()
	p.mu.Unlock()
	if err := p.closeTransport(); err != nil && !IsClosed(err) {
		return err
	}
	return nil
}
