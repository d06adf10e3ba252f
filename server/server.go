package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// Dialect is the Godot version a client speaks: multiplayer.Godot3 or
// multiplayer.Godot4.
type Dialect = multiplayer.Dialect

// Default addresses of packetpeer serve.
const (
	DefaultGodot3Addr = ":7777"
	DefaultGodot4Addr = ":7778"
	// DefaultMaxPeers is the client limit per dialect when Config.MaxPeers
	// is zero.
	DefaultMaxPeers = 1024
	// maxHostSlots is ENet's peer slot limit (12-bit peer ids).
	maxHostSlots = 4095
)

// Config configures a Server. The zero value serves nothing; set at least
// one address.
type Config struct {
	// Godot3Addr is the UDP address of the Godot 3.2 dialect
	// (NetworkedMultiplayerENet clients), e.g. ":7777" or
	// "127.0.0.1:0"; empty disables it.
	Godot3Addr string
	// Godot4Addr is the UDP address of the Godot 4.x dialect
	// (ENetMultiplayerPeer with SceneMultiplayer); empty disables it.
	Godot4Addr string
	// MaxPeers limits the clients of each dialect; more are refused with
	// multiplayer.ReasonServerFull. Zero: DefaultMaxPeers.
	MaxPeers int
	// Refuse starts the server refusing new connections
	// (refuse_new_connections); see SetRefuseNewConnections.
	Refuse bool
	// Compression is the ENet datagram compression of both dialects'
	// hosts (compression_mode / ENetConnection.compress). Clients must use
	// the same mode: it is not negotiated (see multiplayer.CompressionMode).
	// Zero: none. A mode whose Compressor() fails makes New fail before
	// anything is bound.
	Compression multiplayer.CompressionMode
	// Handler is the server-side application; nil: a NewChatRoom().
	Handler Handler
	// Logger receives join/leave and error logs; nil: slog.Default().
	Logger *slog.Logger
}

// Client identifies a connected client. Ids are unique within a dialect;
// the two dialects are separate rooms at the transport level (separate
// ENet hosts), joined by the Handler.
type Client struct {
	ID      int
	Dialect Dialect
	Addr    netip.AddrPort // remote UDP address (zero if unknown)
}

// Message is a packet a client addressed to the server (peer 1, or a
// broadcast, which includes the server).
type Message struct {
	From    Client
	Channel int                      // 3.2: the ENet channel; 4.x: the transfer channel
	Mode    multiplayer.TransferMode // the mode it was sent with
	Data    []byte                   // payload (a put_var/send_bytes body), owned by the handler
}

// Var decodes the payload as a Variant in the sender's dialect (put_var /
// var_to_bytes), without objects.
func (m Message) Var() (any, error) {
	d := variant.Decoder{Format: FormatOf(m.From.Dialect)}
	v, _, err := d.Decode(m.Data)
	return v, err
}

// FormatOf returns the Variant format of a dialect: variant.Godot3 or
// variant.Godot4.
func FormatOf(d Dialect) variant.Format {
	if d == multiplayer.Godot3 {
		return variant.Godot3
	}
	return variant.Godot4
}

// Handler is a server-side application. The Server calls its methods one
// at a time (never concurrently, across both dialects), in the order the
// events happened on each dialect: a client's Join comes before its
// messages, and Leave after them. Methods may call the Server's send
// methods, but must not block for long: they hold up every client.
type Handler interface {
	// Join is called when a client has connected and was admitted.
	Join(s *Server, c Client)
	// Leave is called when a client has gone, with the reason its
	// disconnect carried (0 for a plain disconnect or a timeout).
	Leave(s *Server, c Client, reason multiplayer.DisconnectReason)
	// Receive is called for every packet a client addresses to the server.
	// Data comes from the network: validate it (see CountDropped).
	Receive(s *Server, m Message)
}

// Server is packetpeer serve's engine: a Godot 3.2 multiplayer ENet server
// and a Godot 4.x one, relaying between their clients by Godot's rules
// (package multiplayer), with a Handler for what clients send to the
// server. Its methods are safe for concurrent use.
type Server struct {
	log     *slog.Logger
	handler Handler
	hmu     sync.Mutex // serializes Handler calls
	rooms   []*room    // enabled dialects, Godot3 first

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopping atomic.Bool
	shutOnce sync.Once
	shutErr  error

	dmu     sync.Mutex
	dropped map[dropKey]uint64
}

type dropKey struct {
	d      Dialect
	reason string
}

// room is one dialect: a multiplayer server Peer over its transport.
type room struct {
	d    Dialect
	p    *multiplayer.Peer
	t    *transport
	smu  sync.Mutex // makes SetTargetPeer+PutPacket atomic
	vp   *packetpeer.VarPeer
	cmu  sync.Mutex
	conn map[int]Client // admitted clients
}

// New binds the enabled dialects' UDP addresses and starts serving: one
// goroutine per dialect handles its events and packets until Shutdown or
// Close.
func New(cfg Config) (*Server, error) {
	if cfg.Godot3Addr == "" && cfg.Godot4Addr == "" {
		return nil, errors.New("server: no address: enable Godot3Addr or Godot4Addr")
	}
	if cfg.MaxPeers < 0 {
		return nil, fmt.Errorf("server: MaxPeers %d is negative", cfg.MaxPeers)
	}
	s := &Server{log: cfg.Logger, handler: cfg.Handler, dropped: make(map[dropKey]uint64)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.handler == nil {
		s.handler = NewChatRoom()
	}
	maxPeers := cfg.MaxPeers
	if maxPeers == 0 {
		maxPeers = DefaultMaxPeers
	}
	for _, l := range []struct {
		d    Dialect
		addr string
	}{{multiplayer.Godot3, cfg.Godot3Addr}, {multiplayer.Godot4, cfg.Godot4Addr}} {
		if l.addr == "" {
			continue
		}
		r, err := newRoom(l.d, l.addr, maxPeers, cfg.Compression)
		if err != nil {
			for _, r := range s.rooms {
				_ = r.p.Close()
			}
			return nil, err
		}
		r.p.SetRefuseNewConnections(cfg.Refuse)
		s.rooms = append(s.rooms, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, r := range s.rooms {
		s.log.Info("serving", "dialect", r.d.String(), "addr", r.t.Host().LocalAddr().String())
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(ctx, r)
		}()
	}
	return s, nil
}

func newRoom(d Dialect, addr string, maxPeers int, mode multiplayer.CompressionMode) (*room, error) {
	mcfg := &multiplayer.Config{Dialect: d, MaxPeers: maxPeers, CloseReason: multiplayer.ReasonShutdown}
	comp, err := mode.Compressor() // one per host
	if err != nil {
		return nil, fmt.Errorf("server: compression: %w", err)
	}
	// Slots beyond MaxPeers let the Peer refuse extra clients with a
	// reason instead of ENet dropping their CONNECT.
	hc := enet.HostConfig{PeerLimit: min(maxPeers+16, maxHostSlots), ChannelLimit: multiplayer.MaxENetChannels, Compressor: comp}
	if d == multiplayer.Godot3 {
		hc.ChannelLimit = multiplayer.ConnectChannelCount(d, 0)
	}
	h, err := enet.NewHost(addr, &hc)
	if err != nil {
		return nil, fmt.Errorf("server: %s on %q: %w", d, addr, err)
	}
	t := newTransport(h, d)
	p, err := multiplayer.NewServer(t, mcfg)
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("server: %s: %w", d, err)
	}
	return &room{d: d, p: p, t: t, vp: packetpeer.NewVarPeer(p, FormatOf(d)), conn: make(map[int]Client)}, nil
}

// Addr returns the local UDP address of a dialect, or nil if disabled.
func (s *Server) Addr(d Dialect) net.Addr {
	if r := s.room(d); r != nil {
		return r.t.Host().LocalAddr()
	}
	return nil
}

func (s *Server) room(d Dialect) *room {
	for _, r := range s.rooms {
		if r.d == d {
			return r
		}
	}
	return nil
}

// serve drives one dialect until ctx ends: Poll, then every event and
// packet in order, then block until the host has more.
func (s *Server) serve(ctx context.Context, r *room) {
	for {
		if err := r.p.Poll(); err != nil {
			if multiplayer.IsClosed(err) {
				return
			}
			s.log.Error("poll", "dialect", r.d.String(), "err", err)
		}
		s.dispatch(r, true)
		if err := r.t.wait(ctx); err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Error("transport", "dialect", r.d.String(), "err", err)
			}
			return
		}
	}
}

// dispatch hands pending events and (when deliver) packets to the Handler.
func (s *Server) dispatch(r *room, deliver bool) {
	for {
		ev, ok := r.p.PollEvent()
		if !ok {
			break
		}
		switch ev.Type {
		case multiplayer.PeerConnected:
			c := Client{ID: ev.Peer, Dialect: r.d, Addr: r.t.addr(ev.Peer)}
			r.cmu.Lock()
			r.conn[c.ID] = c
			r.cmu.Unlock()
			s.log.Info("join", "peer", c.ID, "addr", c.Addr.String(), "dialect", r.d.String())
			s.call(func() { s.handler.Join(s, c) })
		case multiplayer.PeerDisconnected:
			r.cmu.Lock()
			c, ok := r.conn[ev.Peer]
			delete(r.conn, ev.Peer)
			r.cmu.Unlock()
			if !ok {
				continue
			}
			if ev.Reason == multiplayer.ReasonNone && s.stopping.Load() {
				ev.Reason = multiplayer.ReasonShutdown
			}
			s.log.Info("leave", "peer", c.ID, "addr", c.Addr.String(), "dialect", r.d.String(), "reason", ev.Reason.String())
			s.call(func() { s.handler.Leave(s, c, ev.Reason) })
		}
	}
	for {
		pk, err := r.p.Receive()
		if err != nil {
			return
		}
		if !deliver {
			continue
		}
		r.cmu.Lock()
		c, ok := r.conn[pk.From]
		r.cmu.Unlock()
		if !ok {
			c = Client{ID: pk.From, Dialect: r.d}
		}
		m := Message{From: c, Channel: pk.Channel, Mode: pk.Mode, Data: pk.Data}
		s.call(func() { s.handler.Receive(s, m) })
	}
}

func (s *Server) call(f func()) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	f()
}

// Clients returns the connected clients of both dialects.
func (s *Server) Clients() []Client {
	var out []Client
	for _, r := range s.rooms {
		r.cmu.Lock()
		for _, c := range r.conn {
			out = append(out, c)
		}
		r.cmu.Unlock()
	}
	return out
}

// SetRefuseNewConnections turns refuse_new_connections on or off for
// both dialects: refused clients are disconnected with
// multiplayer.ReasonRefused.
func (s *Server) SetRefuseNewConnections(refuse bool) {
	for _, r := range s.rooms {
		r.p.SetRefuseNewConnections(refuse)
	}
}

// Send sends data, reliably, as the server (peer 1) to target in dialect
// d: a client id, 0 for every client of that dialect, -N for every client
// but N (Godot's target peer). Errors: the dialect is disabled, or
// PutPacket's (multiplayer.ErrUnknownPeer for an unknown target).
func (s *Server) Send(d Dialect, target int, data []byte) error {
	r := s.room(d)
	if r == nil {
		return fmt.Errorf("server: dialect %s is not served", d)
	}
	return r.send(target, func() error { return r.p.PutPacket(data) })
}

// SendVar is Send of a Variant, encoded for the dialect (put_var).
func (s *Server) SendVar(d Dialect, target int, v any) error {
	r := s.room(d)
	if r == nil {
		return fmt.Errorf("server: dialect %s is not served", d)
	}
	return r.send(target, func() error { return r.vp.PutVar(v) })
}

// BroadcastVar sends a Variant to every client of every dialect, each in
// its own encoding. The first error is returned after trying them all.
func (s *Server) BroadcastVar(v any) error {
	var first error
	for _, r := range s.rooms {
		if len(r.p.Peers()) == 0 {
			continue
		}
		if err := r.send(multiplayer.TargetPeerBroadcast, func() error { return r.vp.PutVar(v) }); err != nil && first == nil {
			first = fmt.Errorf("server: %s: %w", r.d, err)
		}
	}
	return first
}

func (r *room) send(target int, put func() error) error {
	r.smu.Lock()
	defer r.smu.Unlock()
	r.p.SetTargetPeer(target)
	if err := r.p.SetTransferMode(multiplayer.TransferModeReliable); err != nil {
		return err
	}
	return put()
}

// CountDropped counts a message the Handler rejected (reported by
// /metrics as packetpeer_handler_dropped_total{dialect,reason}).
func (s *Server) CountDropped(d Dialect, reason string) {
	s.dmu.Lock()
	s.dropped[dropKey{d, reason}]++
	s.dmu.Unlock()
}

// Dropped returns how many messages of dialect d the Handler rejected for
// reason (see CountDropped).
func (s *Server) Dropped(d Dialect, reason string) uint64 {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	return s.dropped[dropKey{d, reason}]
}

// Stats returns the multiplayer counters of a dialect (zero if disabled).
func (s *Server) Stats(d Dialect) multiplayer.Stats {
	if r := s.room(d); r != nil {
		return r.p.Stats()
	}
	return multiplayer.Stats{}
}

// Shutdown stops the server gracefully: new connections are refused,
// every client gets a clean disconnect (multiplayer.ReasonShutdown) after
// the data queued for it, and the server waits for the disconnects to be
// acknowledged (Leave is called for each) until ctx ends; then whatever
// is left is closed at once (Close). It returns ctx.Err() if ctx ended
// before every client had left, nil otherwise. Later calls return the
// first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() { s.shutErr = s.shutdown(ctx) })
	return s.shutErr
}

// Close stops the server at once: every client gets an immediate
// disconnect (ReasonShutdown) after the data queued for it. It is
// Shutdown with an expired context.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// ShuttingDown reports whether Shutdown or Close was called.
func (s *Server) ShuttingDown() bool { return s.stopping.Load() }

func (s *Server) shutdown(ctx context.Context) error {
	s.stopping.Store(true)
	s.cancel()
	s.wg.Wait() // the serve loops have returned; we drive the Peers now
	var wg sync.WaitGroup
	errs := make([]error, len(s.rooms))
	for i, r := range s.rooms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.drain(ctx, r)
		}()
	}
	wg.Wait()
	s.log.Info("stopped")
	return errors.Join(errs...)
}

// drain disconnects r's clients gracefully and closes r's Peer.
func (s *Server) drain(ctx context.Context, r *room) error {
	r.p.SetRefuseNewConnections(true)
	s.dispatch(r, false) // anything already queued
	r.t.disconnectAll(multiplayer.ReasonShutdown)
	var err error
	for len(r.p.Peers()) > 0 {
		if ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		_ = r.p.Poll()
		s.dispatch(r, false)
		if len(r.p.Peers()) == 0 {
			break
		}
		wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = r.t.wait(wctx)
		cancel()
	}
	_ = r.p.Poll()
	s.dispatch(r, false)
	// Clients still here are closed at once; they are gone for the Handler.
	r.cmu.Lock()
	left := make([]Client, 0, len(r.conn))
	for _, c := range r.conn {
		left = append(left, c)
	}
	clear(r.conn)
	r.cmu.Unlock()
	for _, c := range left {
		s.log.Info("leave", "peer", c.ID, "addr", c.Addr.String(), "dialect", r.d.String(), "reason", multiplayer.ReasonShutdown.String())
		s.call(func() { s.handler.Leave(s, c, multiplayer.ReasonShutdown) })
	}
	if cerr := r.p.Close(); cerr != nil && !multiplayer.IsClosed(cerr) {
		return errors.Join(err, cerr)
	}
	return err
}
