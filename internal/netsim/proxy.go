package netsim

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy defaults.
const (
	DefaultMaxMappings = 1024
	DefaultIdleTimeout = 60 * time.Second
)

// maxDatagram is the read buffer size: the largest UDP payload.
const maxDatagram = 1 << 16

// Config configures a Proxy. Listen and Target are required; the zero value
// of every other field means its documented default.
type Config struct {
	Listen string // UDP address to listen on, e.g. "127.0.0.1:0"
	Target string // UDP address to forward to, e.g. "127.0.0.1:7777"

	Up   Impairment // client → target
	Down Impairment // target → client

	// MaxMappings bounds the clients (source addresses) served at once;
	// packets from further clients are dropped (ProxyStats.Rejected) until
	// a mapping expires. Zero: DefaultMaxMappings. Each mapping holds a
	// socket, a goroutine and a 64 KiB read buffer.
	MaxMappings int

	// IdleTimeout closes a client's mapping (and its upstream socket) after
	// no packet went either way for this long. Zero: DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// ProxyStats is a snapshot of a Proxy's counters.
type ProxyStats struct {
	Up   Stats // client → target
	Down Stats // target → client

	Mappings int    // clients mapped now
	Opened   uint64 // mappings opened so far
	Expired  uint64 // mappings closed by IdleTimeout
	Rejected uint64 // packets from new clients dropped because MaxMappings were mapped
}

// Proxy is a UDP proxy that impairs each direction. Each client source
// address gets its own upstream socket, so the target sees distinct peers,
// as behind a NAT. Both directions are shared by all clients: the rate
// limit and the random decisions apply to the aggregate, in arrival order.
type Proxy struct {
	conn        *net.UDPConn
	target      *net.UDPAddr
	up, down    *link
	maxMappings int
	idle        time.Duration
	base        time.Time

	mu       sync.Mutex
	closed   bool
	mappings map[netip.AddrPort]*mapping

	opened, expired, rejected atomic.Uint64
	wg                        sync.WaitGroup
}

// mapping is one client's upstream socket.
type mapping struct {
	client netip.AddrPort
	conn   *net.UDPConn
	last   atomic.Int64 // last packet either way, Proxy clock
}

// ErrConfig is returned (wrapped) by NewProxy for a missing or bad field.
var ErrConfig = errors.New("netsim: bad proxy config")

// NewProxy validates cfg, listens on cfg.Listen and starts forwarding.
func NewProxy(cfg Config) (*Proxy, error) {
	if err := cfg.Up.Validate(); err != nil {
		return nil, fmt.Errorf("up: %w", err)
	}
	if err := cfg.Down.Validate(); err != nil {
		return nil, fmt.Errorf("down: %w", err)
	}
	if cfg.MaxMappings < 0 {
		return nil, fmt.Errorf("%w: MaxMappings %d", ErrConfig, cfg.MaxMappings)
	}
	if cfg.IdleTimeout < 0 {
		return nil, fmt.Errorf("%w: IdleTimeout %v", ErrConfig, cfg.IdleTimeout)
	}
	if cfg.Listen == "" || cfg.Target == "" {
		return nil, fmt.Errorf("%w: Listen and Target are required", ErrConfig)
	}
	target, err := net.ResolveUDPAddr("udp", cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("%w: target: %v", ErrConfig, err)
	}
	if target.Port == 0 {
		return nil, fmt.Errorf("%w: target %q has no port", ErrConfig, cfg.Target)
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen: %v", ErrConfig, err)
	}
	p := &Proxy{
		target:      target,
		maxMappings: cfg.MaxMappings,
		idle:        cfg.IdleTimeout,
		base:        time.Now(),
		mappings:    make(map[netip.AddrPort]*mapping),
	}
	if p.maxMappings == 0 {
		p.maxMappings = DefaultMaxMappings
	}
	if p.idle == 0 {
		p.idle = DefaultIdleTimeout
	}
	p.conn, err = net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, err
	}
	p.up, _ = newLink(cfg.Up, streamUp, func(b []byte, _ netip.AddrPort, ref any) error {
		_, err := ref.(*mapping).conn.Write(b)
		return err
	})
	p.down, _ = newLink(cfg.Down, streamDown, func(b []byte, addr netip.AddrPort, _ any) error {
		_, err := p.conn.WriteToUDPAddrPort(b, addr)
		return err
	})
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr returns the address clients send to.
func (p *Proxy) Addr() net.Addr { return p.conn.LocalAddr() }

// AddrPort returns the address clients send to.
func (p *Proxy) AddrPort() netip.AddrPort {
	return p.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

func (p *Proxy) now() int64 { return int64(time.Since(p.base)) }

// serve reads the clients' packets.
func (p *Proxy) serve() {
	defer p.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. an ICMP error reported on the socket
		}
		m := p.mapping(from)
		if m == nil {
			continue
		}
		m.last.Store(p.now())
		_ = p.up.send(buf[:n], netip.AddrPort{}, m)
	}
}

// mapping returns from's mapping, opening one if there is room; nil if not.
func (p *Proxy) mapping(from netip.AddrPort) *mapping {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m := p.mappings[from]; m != nil {
		return m
	}
	if p.closed {
		return nil
	}
	if len(p.mappings) >= p.maxMappings {
		p.rejected.Add(1)
		return nil
	}
	conn, err := net.DialUDP("udp", nil, p.target)
	if err != nil {
		p.rejected.Add(1)
		return nil
	}
	m := &mapping{client: from, conn: conn}
	m.last.Store(p.now())
	p.mappings[from] = m
	p.opened.Add(1)
	p.wg.Add(1)
	go p.readUpstream(m)
	return m
}

// readUpstream forwards the target's replies to m's client and closes m
// once idle.
func (p *Proxy) readUpstream(m *mapping) {
	defer p.wg.Done()
	buf := make([]byte, maxDatagram)
	_ = m.conn.SetReadDeadline(time.Now().Add(p.idle))
	for {
		n, err := m.conn.Read(buf)
		if err != nil {
			var ne net.Error
			switch {
			case errors.Is(err, net.ErrClosed):
				return
			case errors.As(err, &ne) && ne.Timeout():
				idleFor := time.Duration(p.now() - m.last.Load())
				if idleFor >= p.idle {
					p.expire(m)
					return
				}
				_ = m.conn.SetReadDeadline(time.Now().Add(p.idle - idleFor))
			}
			continue // e.g. ECONNREFUSED: the target is not listening (yet)
		}
		m.last.Store(p.now())
		_ = p.down.send(buf[:n], m.client, nil)
	}
}

func (p *Proxy) expire(m *mapping) {
	p.mu.Lock()
	if p.mappings[m.client] == m {
		delete(p.mappings, m.client)
		p.expired.Add(1)
	}
	p.mu.Unlock()
	_ = m.conn.Close()
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() ProxyStats {
	p.mu.Lock()
	n := len(p.mappings)
	p.mu.Unlock()
	return ProxyStats{
		Up:       p.up.stats(),
		Down:     p.down.stats(),
		Mappings: n,
		Opened:   p.opened.Load(),
		Expired:  p.expired.Load(),
		Rejected: p.rejected.Load(),
	}
}

// Close stops the proxy: it discards the packets still queued (counted in
// Stats.Pending), closes every socket and returns once all its goroutines
// have exited. Close is idempotent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	ms := make([]*mapping, 0, len(p.mappings))
	for _, m := range p.mappings {
		ms = append(ms, m)
	}
	p.mu.Unlock()

	p.up.close()
	p.down.close()
	err := p.conn.Close()
	for _, m := range ms {
		_ = m.conn.Close()
	}
	p.wg.Wait()
	return err
}
