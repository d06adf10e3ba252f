package udp

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/packetpeer/packetpeer/godoterr"
)

// DefaultMaxPendingConnections is Godot's UDPServer.max_pending_connections
// default.
const DefaultMaxPendingConnections = 16

// ServerStats are a Server's counters.
type ServerStats struct {
	// DroppedPending counts datagrams from new addresses dropped because
	// MaxPendingConnections peers were already waiting to be taken.
	DroppedPending uint64
}

// Server is Godot's UDPServer (3.2.2+, 4.x): one bound socket shared by
// one Peer per remote address. A datagram from a new address creates a
// pending Peer (at most MaxPendingConnections; more are dropped and
// counted) that TakeConnection hands out; later datagrams from that address
// go to that Peer's queue. Taken peers are connected, send through the
// server's socket and cannot change their destination (ErrLocked).
//
// One goroutine reads the socket and routes datagrams as they arrive, so
// Poll only reports the state (Godot requires calling poll; calling it
// here is harmless). Safe for concurrent use.
type Server struct {
	cfg                   Config
	MaxPendingConnections int // read when a new address arrives; 0 means DefaultMaxPendingConnections

	mu      sync.Mutex
	conn    *net.UDPConn
	bconn   *batcher
	peers   map[netip.AddrPort]*Peer
	pending []*Peer
	closed  bool

	droppedPending atomic.Uint64
}

// NewServer returns a Server that is not listening yet. Peers it creates
// use cfg's queue size.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.norm()
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, peers: map[netip.AddrPort]*Peer{}}, nil
}

// Listen binds the server's socket (listen); addr is interpreted as in
// Peer.Bind. A server already listening wraps godoterr.ErrAlreadyInUse.
func (s *Server) Listen(addr netip.AddrPort) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return fmt.Errorf("udp: server already listening: %w", godoterr.ErrAlreadyInUse)
	}
	network := "udp"
	switch {
	case !addr.Addr().IsValid():
		addr = netip.AddrPortFrom(netip.IPv6Unspecified(), addr.Port())
	case addr.Addr().Unmap().Is4():
		network, addr = "udp4", netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	default:
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return fmt.Errorf("udp: server bind %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	bc, err := newBatcher(conn, network == "udp4", s.cfg.BatchSize)
	if err != nil {
		conn.Close()
		return fmt.Errorf("udp: server bind %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	s.conn = conn
	s.bconn = bc
	s.closed = false
	go readLoop(conn, s.bconn, s.cfg.BatchSize, s.route)
	return nil
}

func (s *Server) route(from netip.AddrPort, b []byte, _ bool) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	s.mu.Lock()
	p := s.peers[from]
	if p == nil {
		max := s.MaxPendingConnections
		if max == 0 {
			max = DefaultMaxPendingConnections
		}
		if len(s.pending) >= max || s.closed {
			s.mu.Unlock()
			s.droppedPending.Add(1)
			return
		}
		p = newPeer(s.cfg)
		p.server, p.connected = s, true
		p.setDestLocked(from)
		s.peers[from] = p
		s.pending = append(s.pending, p)
	}
	s.mu.Unlock()
	p.push(from, b)
}

// Poll returns nil while listening, else an error wrapping
// godoterr.ErrUnconfigured. Routing happens in the background.
func (s *Server) Poll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return fmt.Errorf("udp: server not listening: %w", godoterr.ErrUnconfigured)
	}
	return nil
}

// IsListening reports whether the server is listening.
func (s *Server) IsListening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// LocalAddr returns the bound address (4.x get_local_port is its port).
func (s *Server) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return netip.AddrPort{}
	}
	return s.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// IsConnectionAvailable reports whether TakeConnection has a peer.
func (s *Server) IsConnectionAvailable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

// TakeConnection returns the oldest pending peer (with the datagrams it has
// sent so far queued), or nil when none is pending.
func (s *Server) TakeConnection() *Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil
	}
	p := s.pending[0]
	s.pending = append(s.pending[:0], s.pending[1:]...)
	return p
}

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats { return ServerStats{DroppedPending: s.droppedPending.Load()} }

func (s *Server) remove(p *Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, q := range s.peers {
		if q == p {
			delete(s.peers, a)
		}
	}
	for i, q := range s.pending {
		if q == p {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			break
		}
	}
}

// Stop closes the socket (stop); every peer of the server is closed.
func (s *Server) Stop() error {
	s.mu.Lock()
	conn := s.conn
	s.conn = nil
	s.closed = true
	peers := make([]*Peer, 0, len(s.peers))
	for _, p := range s.peers {
		peers = append(peers, p)
	}
	s.peers = map[netip.AddrPort]*Peer{}
	s.pending = nil
	s.mu.Unlock()
	for _, p := range peers {
		p.mu.Lock()
		p.server = nil
		p.mu.Unlock()
		_ = p.Close()
	}
	if conn == nil {
		return fmt.Errorf("udp: server: %w", net.ErrClosed)
	}
	return conn.Close()
}
