package stream

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

// DefaultMaxPending is how many accepted connections a Server holds for
// TakeConnection: 8, Godot's TCP_Server MAX_PENDING_CONNECTIONS (the
// backlog it passes to listen). Connections beyond it wait in the kernel's
// listen backlog, not in memory.
const DefaultMaxPending = 8

// Server is Godot's TCP_Server (3.x) / TCPServer (4.x) for game loops:
// Listen, then every frame IsConnectionAvailable and TakeConnection, which
// never block. (Listener.Accept is the blocking, context-aware way.)
//
// A goroutine accepts connections into a queue of at most MaxPending; when
// the queue is full it stops accepting, so further clients wait in the
// kernel backlog, as with Godot's polled accept. Stop closes the socket,
// ends the goroutine and closes connections not taken. Safe for concurrent
// use.
type Server struct {
	// MaxPending bounds the accepted-but-not-taken queue; 0 means
	// DefaultMaxPending. Read by Listen.
	MaxPending int

	mu  sync.Mutex
	run *serverRun // nil when not listening
	wg  sync.WaitGroup

	acceptErrors atomic.Uint64
}

// serverRun is one Listen..Stop period.
type serverRun struct {
	l     *net.TCPListener
	queue chan *Conn    // accepted, not taken
	slots chan struct{} // one token per accepted connection not taken
	done  chan struct{}
}

// ErrNotListening: Stop on a Server that is not listening
// (wraps godoterr.ErrUnconfigured).
var ErrNotListening = fmt.Errorf("stream: server not listening: %w", godoterr.ErrUnconfigured)

// Listen starts listening on addr (listen(port, bind_address)). An addr
// whose Addr is the zero netip.Addr is Godot's "*": all interfaces, IPv6
// and IPv4; port 0 picks a free port (see LocalAddr). Errors: already
// listening wraps godoterr.ErrAlreadyInUse; a failed bind wraps
// godoterr.ErrCantCreate; MaxPending < 0 wraps
// godoterr.ErrInvalidParameter.
func (s *Server) Listen(addr netip.AddrPort) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		return fmt.Errorf("stream: server already listening on %v: %w", s.run.l.Addr(), godoterr.ErrAlreadyInUse)
	}
	max := s.MaxPending
	if max < 0 {
		return fmt.Errorf("stream: MaxPending %d: %w", max, godoterr.ErrInvalidParameter)
	}
	if max == 0 {
		max = DefaultMaxPending
	}
	var la *net.TCPAddr
	if addr.Addr().IsValid() {
		la = net.TCPAddrFromAddrPort(addr)
	} else {
		la = &net.TCPAddr{Port: int(addr.Port())}
	}
	l, err := net.ListenTCP("tcp", la)
	if err != nil {
		return fmt.Errorf("stream: listen %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	r := &serverRun{l: l, queue: make(chan *Conn, max), slots: make(chan struct{}, max), done: make(chan struct{})}
	s.run = r
	s.wg.Add(1)
	go s.acceptLoop(r)
	return nil
}

func (s *Server) acceptLoop(r *serverRun) {
	defer s.wg.Done()
	for {
		// Accept only when there is room: at most cap(slots) connections
		// accepted and not taken; the rest wait in the kernel backlog.
		select {
		case r.slots <- struct{}{}:
		case <-r.done:
			return
		}
		c, err := r.l.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// E.g. EMFILE: count, back off, keep listening.
			s.acceptErrors.Add(1)
			<-r.slots
			select {
			case <-r.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		r.queue <- NewConn(c) // never blocks: a slot was taken
	}
}

// IsListening reports whether the server is listening (is_listening).
func (s *Server) IsListening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run != nil
}

// LocalAddr returns the listening address (4.x get_local_port is its
// port), or the zero AddrPort when not listening.
func (s *Server) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return netip.AddrPort{}
	}
	return s.run.l.Addr().(*net.TCPAddr).AddrPort()
}

// IsConnectionAvailable reports, without blocking, whether TakeConnection
// has a connection (is_connection_available); false when not listening.
func (s *Server) IsConnectionAvailable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run != nil && len(s.run.queue) > 0
}

// TakeConnection returns the oldest accepted connection, StatusConnected,
// or nil when none is waiting or the server is not listening
// (take_connection returns null then). It never blocks.
func (s *Server) TakeConnection() *Conn {
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case c := <-r.queue:
		<-r.slots
		return c
	default:
		return nil
	}
}

// AcceptErrors counts failed accepts (e.g. out of file descriptors); the
// server backs off 50 ms after each and keeps listening.
func (s *Server) AcceptErrors() uint64 { return s.acceptErrors.Load() }

// Stop stops listening (stop): the socket is closed, the accept goroutine
// has ended when Stop returns, and connections not taken are closed. The
// Server may Listen again. Stopping a Server that is not listening returns
// ErrNotListening.
func (s *Server) Stop() error {
	s.mu.Lock()
	r := s.run
	s.run = nil
	s.mu.Unlock()
	if r == nil {
		return ErrNotListening
	}
	close(r.done)
	err := r.l.Close()
	s.wg.Wait()
	for {
		select {
		case c := <-r.queue:
			_ = c.Close()
		default:
			return err
		}
	}
}
