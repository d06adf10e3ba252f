package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/packetpeer/packetpeer/godoterr"
)

// MaxPacketSize is the largest payload PutPacket accepts, in bytes: 65507,
// the most an IPv4 UDP datagram can carry (65535 − 20-byte IP header −
// 8-byte UDP header). Godot's PacketPeerUDP.get_max_packet_size returns 512
// but enforces nothing; returning the real limit lets wrappers size buffers
// correctly. IPv6 could carry 20 bytes more; the IPv4 limit is used for
// every socket because a dual-stack socket may send to either family.
const MaxPacketSize = 65507

// DefaultQueueBytes is the default receive queue size in bytes: 131072, the
// ring buffer Godot's listen/bind makes with its default recv_buf_size of
// 65536. Each queued packet costs its size plus 24 bytes, as in Godot.
const DefaultQueueBytes = 1 << 17

// MaxQueueBytes is the largest Config.QueueBytes accepted (1 GiB).
const MaxQueueBytes = 1 << 30

// DefaultBatchSize is how many datagrams one receive system call may return
// (recvmmsg on Linux; elsewhere one datagram per call).
const DefaultBatchSize = 32

// readBufSize is the receive buffer per datagram, as Godot's 64 KiB.
const readBufSize = 1 << 16

// Config configures a Peer or a Server. The zero value is Godot's defaults.
type Config struct {
	// QueueBytes bounds the receive queue (Godot's ring buffer), including
	// 24 bytes per packet; 0 means DefaultQueueBytes. A datagram that does
	// not fit is dropped and counted in Stats.DroppedQueueFull.
	QueueBytes int
	// BatchSize is the number of datagrams read per system call; 0 means
	// DefaultBatchSize, 1 reads one datagram per system call. The receive
	// goroutine holds BatchSize buffers of 64 KiB. Neither mode allocates
	// per datagram.
	BatchSize int
}

func (c Config) norm() (Config, error) {
	if c.QueueBytes == 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.QueueBytes < 0 || c.QueueBytes > MaxQueueBytes || c.BatchSize < 0 || c.BatchSize > 1024 {
		return c, fmt.Errorf("udp: QueueBytes %d (0..%d) or BatchSize %d (0..1024) out of range: %w",
			c.QueueBytes, MaxQueueBytes, c.BatchSize, godoterr.ErrInvalidParameter)
	}
	return c, nil
}

// Stats are a Peer's counters.
type Stats struct {
	PacketsIn, BytesIn   uint64 // datagrams queued and their payload bytes
	PacketsOut, BytesOut uint64 // datagrams sent and their payload bytes
	// DroppedQueueFull counts datagrams dropped because the receive queue
	// was full (Godot drops them too, silently).
	DroppedQueueFull uint64
	// DroppedForeign counts datagrams dropped in connected mode because
	// they came from another address than the connected host.
	DroppedForeign uint64
}

type counters struct {
	packetsIn, bytesIn, packetsOut, bytesOut, droppedFull, droppedForeign atomic.Uint64
}

func (c *counters) stats() Stats {
	return Stats{c.packetsIn.Load(), c.bytesIn.Load(), c.packetsOut.Load(), c.bytesOut.Load(),
		c.droppedFull.Load(), c.droppedForeign.Load()}
}

// Errors specific to this package; each wraps a Godot code.
var (
	// ErrNotOpen: the Peer has no socket yet (Godot's get_packet returns
	// FAILED then).
	ErrNotOpen = fmt.Errorf("udp: socket not open: %w", godoterr.Failed)
	// ErrNoDestination: PutPacket without SetDestAddress or ConnectToHost.
	ErrNoDestination = fmt.Errorf("udp: no destination address: %w", godoterr.ErrUnconfigured)
	// ErrLocked: the Peer belongs to a Server and cannot change its
	// connection, broadcast or multicast settings.
	ErrLocked = fmt.Errorf("udp: peer is owned by a UDPServer: %w", godoterr.ErrLocked)
	// ErrNoPacket: GetPacket or GetPacketFrom found the queue empty
	// (wraps godoterr.ErrUnavailable, Godot's ERR_UNAVAILABLE). A shared
	// value, so polling an empty queue allocates nothing.
	ErrNoPacket = fmt.Errorf("udp: no packet queued: %w", godoterr.ErrUnavailable)
)

// Peer is Godot's PacketPeerUDP. Each datagram is one packet; nothing is
// added on the wire. It implements packetpeer.PacketPeer and Wait.
//
// The socket opens on Bind, or lazily with an ephemeral port on PutPacket,
// ConnectToHost or JoinMulticastGroup. Once open, one goroutine per socket
// reads datagrams (several per system call) into a bounded byte queue, like
// Godot's ring buffer; a datagram that does not fit is dropped and counted.
// GetPacket and AvailablePacketCount never block (Godot's polled use);
// Wait blocks until a packet is queued. Safe for concurrent use.
type Peer struct {
	cfg Config

	mu        sync.Mutex
	conn      *net.UDPConn
	bconn     *batcher
	v4        bool // socket is IPv4-only
	q         ring
	dest      netip.AddrPort
	connected bool
	last      netip.AddrPort
	broadcast bool
	closed    bool
	server    *Server // owner, or nil
	notify    chan struct{}
	done      chan struct{}

	counters
}

// New returns an unbound Peer. An invalid cfg is an error wrapping
// godoterr.ErrInvalidParameter.
func New(cfg Config) (*Peer, error) {
	cfg, err := cfg.norm()
	if err != nil {
		return nil, err
	}
	return newPeer(cfg), nil
}

func newPeer(cfg Config) *Peer {
	return &Peer{cfg: cfg, q: ring{buf: make([]byte, cfg.QueueBytes)},
		notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// Listen returns a Peer bound to addr (see Bind).
func Listen(addr netip.AddrPort, cfg Config) (*Peer, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := p.Bind(addr); err != nil {
		return nil, err
	}
	return p, nil
}

// Bind opens the socket on addr (Godot 3 listen, Godot 4 bind). An addr
// whose Addr is the zero netip.Addr means Godot's "*": a dual-stack IPv6
// socket that also receives IPv4; 0.0.0.0 and :: are the wildcard of one
// family; any other address binds that interface. Port 0 picks a free port
// (see LocalAddr). Errors: a socket already open wraps
// godoterr.ErrAlreadyInUse; a failed bind wraps godoterr.ErrCantCreate.
func (p *Peer) Bind(addr netip.AddrPort) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("udp: %w", net.ErrClosed)
	}
	if p.conn != nil {
		return fmt.Errorf("udp: already bound to %v: %w", p.conn.LocalAddr(), godoterr.ErrAlreadyInUse)
	}
	if p.server != nil {
		return ErrLocked
	}
	network := "udp"
	switch {
	case !addr.Addr().IsValid():
		addr = netip.AddrPortFrom(netip.IPv6Unspecified(), addr.Port())
	case addr.Addr().Unmap().Is4():
		network = "udp4"
		addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	default:
		network = "udp6"
	}
	return p.openLocked(network, addr)
}

func (p *Peer) openLocked(network string, addr netip.AddrPort) error {
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return fmt.Errorf("udp: bind %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	bc, err := newBatcher(conn, network == "udp4", p.cfg.BatchSize)
	if err != nil {
		conn.Close()
		return fmt.Errorf("udp: bind %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	p.conn = conn
	p.v4 = network == "udp4"
	p.bconn = bc
	if p.broadcast {
		_ = setBroadcast(conn, true)
	}
	go readLoop(conn, p.bconn, p.cfg.BatchSize, p.deliver)
	return nil
}

// ensureOpenLocked opens an ephemeral socket of to's family if none is open.
func (p *Peer) ensureOpenLocked(to netip.Addr) error {
	if p.closed {
		return fmt.Errorf("udp: %w", net.ErrClosed)
	}
	if p.conn != nil || p.server != nil {
		return nil
	}
	if to.Unmap().Is4() {
		return p.openLocked("udp4", netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	}
	return p.openLocked("udp6", netip.AddrPortFrom(netip.IPv6Unspecified(), 0))
}

// readLoop reads datagrams from conn until it is closed, passing each to
// deliver (last marks the final datagram of a batch). One goroutine per
// socket, parked in the netpoller while nothing arrives; no allocation per
// datagram in either mode.
func readLoop(conn *net.UDPConn, bc *batcher, batch int, deliver func(from netip.AddrPort, p []byte, last bool)) {
	var buf []byte
	if batch <= 1 {
		buf = make([]byte, readBufSize)
	}
	failures := 0
	for {
		var err error
		if batch <= 1 {
			var n int
			var from netip.AddrPort
			if n, from, err = conn.ReadFromUDPAddrPort(buf); err == nil {
				deliver(from, buf[:n], true)
			}
		} else {
			err = bc.read(deliver)
		}
		switch {
		case err == nil:
			failures = 0
		case errors.Is(err, net.ErrClosed):
			return
		default:
			// E.g. ECONNREFUSED after an ICMP port unreachable: the socket
			// reports it once and goes on. Back off if an error persists
			// rather than spin.
			if failures++; failures > 8 {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
}

// deliver queues one datagram (reader goroutine).
func (p *Peer) deliver(from netip.AddrPort, b []byte, last bool) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	p.mu.Lock()
	switch {
	case p.connected && from != p.dest:
		p.droppedForeign.Add(1)
	case !p.q.push(from, b):
		p.droppedFull.Add(1)
	default:
		p.packetsIn.Add(1)
		p.bytesIn.Add(uint64(len(b)))
	}
	p.mu.Unlock()
	if last {
		p.signal()
	}
}

// push queues a datagram routed by a Server.
func (p *Peer) push(from netip.AddrPort, b []byte) {
	p.mu.Lock()
	ok := !p.closed && p.q.push(from, b)
	p.mu.Unlock()
	if ok {
		p.packetsIn.Add(1)
		p.bytesIn.Add(uint64(len(b)))
		p.signal()
	} else {
		p.droppedFull.Add(1)
	}
}

func (p *Peer) signal() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// SetDestAddress sets where PutPacket sends (set_dest_address). An invalid
// address or port 0 wraps godoterr.ErrInvalidParameter; on a connected Peer
// it wraps godoterr.ErrUnconfigured (the destination is fixed by
// ConnectToHost), as in Godot 3.2.2+.
func (p *Peer) SetDestAddress(addr netip.AddrPort) error {
	if !addr.Addr().IsValid() || addr.Port() == 0 {
		return fmt.Errorf("udp: destination %v: %w", addr, godoterr.ErrInvalidParameter)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.connected {
		return fmt.Errorf("udp: destination of a connected peer cannot change: %w", godoterr.ErrUnconfigured)
	}
	p.setDestLocked(addr)
	return nil
}

func (p *Peer) setDestLocked(addr netip.AddrPort) {
	p.dest = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
}

// ConnectToHost makes the Peer talk only to addr (connect_to_host, Godot
// 3.2.2+): PutPacket sends there, datagrams from any other address are
// dropped and counted in Stats.DroppedForeign, and packets already queued
// are discarded, as Godot flushes its ring. No datagram is sent. Errors: an
// invalid address wraps godoterr.ErrInvalidParameter, a Server-owned Peer
// gives ErrLocked.
func (p *Peer) ConnectToHost(addr netip.AddrPort) error {
	if !addr.Addr().IsValid() || addr.Port() == 0 {
		return fmt.Errorf("udp: connect to %v: %w", addr, godoterr.ErrInvalidParameter)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server != nil {
		return ErrLocked
	}
	if err := p.ensureOpenLocked(addr.Addr()); err != nil {
		return err
	}
	p.setDestLocked(addr)
	p.connected = true
	p.q.reset()
	return nil
}

// IsConnected reports connected mode (is_connected_to_host /
// is_socket_connected). Peers taken from a Server are connected.
func (p *Peer) IsConnected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connected
}

// IsBound reports whether the socket is open (is_listening / is_bound).
func (p *Peer) IsBound() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return (p.conn != nil || p.server != nil) && !p.closed
}

// LocalAddr returns the socket's local address (Godot 4 get_local_port is
// its port), or the zero AddrPort when not open.
func (p *Peer) LocalAddr() netip.AddrPort {
	p.mu.Lock()
	c := p.conn
	if p.server != nil {
		c = p.server.conn
	}
	p.mu.Unlock()
	if c == nil {
		return netip.AddrPort{}
	}
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// PacketAddr returns the sender of the packet most recently returned by
// GetPacket (get_packet_ip and get_packet_port); IPv4 senders are plain
// IPv4 addresses, not IPv4-mapped.
func (p *Peer) PacketAddr() netip.AddrPort {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// DestAddr returns the destination set by SetDestAddress or ConnectToHost.
func (p *Peer) DestAddr() netip.AddrPort {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dest
}

// MaxPacketSize returns MaxPacketSize (65507; see there for why not
// Godot's 512).
func (p *Peer) MaxPacketSize() int { return MaxPacketSize }

// Stats returns the counters.
func (p *Peer) Stats() Stats { return p.counters.stats() }

// PutPacket sends b as one datagram to the destination. An empty b sends
// nothing and returns nil (the packetpeer.PacketPeer contract). Errors: no
// destination: ErrNoDestination (godoterr.ErrUnconfigured); longer than
// MaxPacketSize: godoterr.ErrInvalidParameter; a socket error wraps
// godoterr.Failed (Godot's FAILED), after Close net.ErrClosed.
func (p *Peer) PutPacket(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if len(b) > MaxPacketSize {
		return fmt.Errorf("udp: packet of %d bytes exceeds %d: %w", len(b), MaxPacketSize, godoterr.ErrInvalidParameter)
	}
	p.mu.Lock()
	dest := p.dest
	if !dest.IsValid() {
		p.mu.Unlock()
		return ErrNoDestination
	}
	if err := p.ensureOpenLocked(dest.Addr()); err != nil {
		p.mu.Unlock()
		return err
	}
	conn := p.conn
	if p.server != nil {
		conn = p.server.conn
	}
	p.mu.Unlock()
	if _, err := conn.WriteToUDPAddrPort(b, dest); err != nil {
		return sendErr(err)
	}
	p.packetsOut.Add(1)
	p.bytesOut.Add(uint64(len(b)))
	return nil
}

func sendErr(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("udp: %w", err)
	}
	return fmt.Errorf("udp: send: %w (%w)", err, godoterr.Failed)
}

// PutBatch sends every packet of pkts to the destination with as few
// system calls as possible (sendmmsg on Linux, up to 64 datagrams per call)
// and returns how many leading entries of pkts were sent. Empty packets are
// skipped (counted as sent). The checks and errors are PutPacket's; on a
// send error the count says where it stopped. In steady state it allocates
// nothing.
func (p *Peer) PutBatch(pkts [][]byte) (int, error) {
	for _, b := range pkts {
		if len(b) > MaxPacketSize {
			return 0, fmt.Errorf("udp: packet of %d bytes exceeds %d: %w", len(b), MaxPacketSize, godoterr.ErrInvalidParameter)
		}
	}
	p.mu.Lock()
	dest := p.dest
	if !dest.IsValid() {
		p.mu.Unlock()
		return 0, ErrNoDestination
	}
	if err := p.ensureOpenLocked(dest.Addr()); err != nil {
		p.mu.Unlock()
		return 0, err
	}
	bc := p.bconn
	if p.server != nil {
		bc = p.server.bconn
	}
	p.mu.Unlock()
	n, bytes, err := bc.write(pkts, dest)
	sent := 0
	for _, b := range pkts[:n] {
		if len(b) > 0 {
			sent++
		}
	}
	p.packetsOut.Add(uint64(sent))
	p.bytesOut.Add(bytes)
	if err != nil {
		return n, sendErr(err)
	}
	return n, nil
}

func (p *Peer) openErrLocked() error {
	if p.closed {
		return fmt.Errorf("udp: %w", net.ErrClosed)
	}
	if p.conn == nil && p.server == nil {
		return ErrNotOpen
	}
	return nil
}

// GetPacket returns the oldest queued packet without blocking and records
// its sender for PacketAddr. Errors: nothing queued wraps
// godoterr.ErrUnavailable; no socket: ErrNotOpen; closed: net.ErrClosed.
func (p *Peer) GetPacket() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, from, ok := p.q.head()
	if !ok {
		if err := p.openErrLocked(); err != nil {
			return nil, err
		}
		return nil, ErrNoPacket
	}
	b := make([]byte, n)
	p.q.pop(b)
	p.last = from
	return b, nil
}

// GetPacketFrom is GetPacket without allocating: it copies the oldest
// packet into dst and returns its size and sender. If dst is shorter than
// the packet, it returns an error wrapping godoterr.ErrInvalidParameter and
// the packet stays queued.
func (p *Peer) GetPacketFrom(dst []byte) (int, netip.AddrPort, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, from, ok := p.q.head()
	if !ok {
		if err := p.openErrLocked(); err != nil {
			return 0, netip.AddrPort{}, err
		}
		return 0, netip.AddrPort{}, ErrNoPacket
	}
	if len(dst) < n {
		return 0, netip.AddrPort{}, fmt.Errorf("udp: packet of %d bytes, buffer of %d: %w", n, len(dst), godoterr.ErrInvalidParameter)
	}
	p.q.pop(dst[:n])
	p.last = from
	return n, from, nil
}

// AvailablePacketCount returns the number of queued packets (Godot returns
// -1 for a socket that is not open; this returns 0).
func (p *Peer) AvailablePacketCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.q.count
}

// Wait blocks until a packet is queued (nil), ctx is done (ctx.Err()), or
// the Peer is closed (net.ErrClosed). Unlike Godot's wait, it can be
// interrupted. Without a socket it returns ErrNotOpen.
func (p *Peer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		count := p.q.count
		err := p.openErrLocked()
		p.mu.Unlock()
		if count > 0 {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-p.notify:
		case <-p.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SetBroadcastEnabled allows sending to broadcast addresses
// (set_broadcast_enabled; default off, when the system refuses such sends).
// It applies now and to a socket opened later. A Server-owned Peer gives
// ErrLocked.
func (p *Peer) SetBroadcastEnabled(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server != nil {
		return ErrLocked
	}
	p.broadcast = on
	if p.conn != nil {
		return setBroadcast(p.conn, on)
	}
	return nil
}

func setBroadcast(c *net.UDPConn, on bool) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	v := 0
	if on {
		v = 1
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, v)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("udp: SO_BROADCAST: %w (%w)", serr, godoterr.Failed)
	}
	return nil
}

// JoinMulticastGroup joins group on the interface named ifname ("" lets the
// system choose) (join_multicast_group). The socket must be bound to the
// group's port to receive its traffic. Errors: a non-multicast group wraps
// godoterr.ErrInvalidParameter, an unknown interface
// godoterr.ErrInvalidParameter, a Server-owned Peer ErrLocked, a system
// refusal godoterr.Failed.
func (p *Peer) JoinMulticastGroup(group netip.Addr, ifname string) error {
	return p.multicast(group, ifname, true)
}

// LeaveMulticastGroup leaves a group joined with JoinMulticastGroup
// (leave_multicast_group); without a socket it is an error wrapping
// godoterr.ErrUnconfigured, as in Godot.
func (p *Peer) LeaveMulticastGroup(group netip.Addr, ifname string) error {
	return p.multicast(group, ifname, false)
}

func (p *Peer) multicast(group netip.Addr, ifname string, join bool) error {
	if !group.IsValid() || !group.IsMulticast() {
		return fmt.Errorf("udp: %v is not a multicast group: %w", group, godoterr.ErrInvalidParameter)
	}
	group = group.Unmap()
	var ifi *net.Interface
	if ifname != "" {
		var err error
		if ifi, err = net.InterfaceByName(ifname); err != nil {
			return fmt.Errorf("udp: interface %q: %w (%w)", ifname, err, godoterr.ErrInvalidParameter)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server != nil {
		return ErrLocked
	}
	if !join && p.conn == nil {
		return fmt.Errorf("udp: leave %v: socket not open: %w", group, godoterr.ErrUnconfigured)
	}
	if err := p.ensureOpenLocked(group); err != nil {
		return err
	}
	ga := &net.UDPAddr{IP: group.AsSlice()}
	var err error
	switch {
	case group.Is4():
		// A dual-stack socket joins IPv4 groups through the IPv4 options too.
		pc := ipv4.NewPacketConn(p.conn)
		if join {
			err = pc.JoinGroup(ifi, ga)
		} else {
			err = pc.LeaveGroup(ifi, ga)
		}
	default:
		pc := ipv6.NewPacketConn(p.conn)
		if join {
			err = pc.JoinGroup(ifi, ga)
		} else {
			err = pc.LeaveGroup(ifi, ga)
		}
	}
	if err != nil {
		return fmt.Errorf("udp: multicast %v: %w (%w)", group, err, godoterr.Failed)
	}
	return nil
}

// Close closes the socket (or detaches a Server-owned Peer from its
// Server) and stops its goroutine. Later calls fail with net.ErrClosed.
func (p *Peer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("udp: %w", net.ErrClosed)
	}
	p.closed = true
	close(p.done)
	conn, srv := p.conn, p.server
	p.conn = nil
	p.q.reset()
	p.mu.Unlock()
	if srv != nil {
		srv.remove(p)
	}
	if conn != nil {
		return conn.Close()
	}
	return nil
}
