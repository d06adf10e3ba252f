package enet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packetpeer/packetpeer/enet/internal/engine"
	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// HostConfig configures a [Host]. The zero value is valid: 32 peers, 255
// channels, unlimited bandwidth, MTU 1400, no checksum, no compression.
// A nil *HostConfig means the zero value.
type HostConfig struct {
	// PeerLimit is the number of peer slots, 1..4095 (the 12-bit peer ID
	// of ENet's header). Zero means 32, Godot's default max_clients.
	// Incoming and outgoing connections share the slots; a host with a
	// free slot accepts CONNECTs, as libenet's does.
	PeerLimit int
	// ChannelLimit caps the channels per peer, 1..255. Zero means 255
	// (enet_host_create treats 0 the same way). A connecting peer asking
	// for more gets this many.
	ChannelLimit int
	// IncomingBandwidth and OutgoingBandwidth are this host's bandwidth in
	// bytes per second; zero means unlimited. They are announced in
	// CONNECT/VERIFY_CONNECT and size the peers' reliable windows
	// (window = bandwidth/65536 × 4096 bytes, clamped to 4096..65536), as
	// in libenet. They can be changed with Host.SetBandwidthLimit. The
	// outgoing bandwidth caps unreliable sends through the packet
	// throttle, recomputed every second (enet_host_bandwidth_throttle); the
	// incoming bandwidth is shared among the peers and announced to them
	// in BANDWIDTH_LIMIT.
	IncomingBandwidth, OutgoingBandwidth uint32
	// MTU is the largest datagram this host sends, 576..4096 bytes. Zero
	// means 1400, libenet 1.3.17's ENET_HOST_DEFAULT_MTU. Each connection
	// uses the smaller of the two hosts' MTUs.
	MTU int
	// Checksum appends ENet's CRC-32 (enet_crc32, seeded with the connect
	// ID) to every datagram and drops datagrams whose checksum does not
	// match. Not negotiated: both hosts must enable it (libenet: setting
	// host->checksum = enet_crc32).
	Checksum bool
	// Compressor, when set, compresses each datagram's commands and sets
	// the COMPRESSED header flag when the result is shorter; compressed
	// datagrams are dropped by a host without one. Not negotiated. Use
	// NewRangeCoder for libenet's enet_host_compress_with_range_coder.
	Compressor Compressor
	// MaximumPacketSize bounds the packets sent and received, in bytes,
	// 1..1<<30. Zero means 32 MiB (ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE).
	// Larger sends fail with ErrPacketTooLarge; larger incoming packets
	// are dropped and not acknowledged.
	MaximumPacketSize int
	// MaximumWaitingData bounds, per peer, the bytes received but not yet
	// returned by Service/NextEvent, including partially reassembled
	// fragments, 1..1<<30. Zero means 32 MiB
	// (ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA). Past it, new packets are
	// dropped unacknowledged, so the sender retransmits them later.
	MaximumWaitingData int
	// HostMaximumWaitingData is the same bound for all peers together,
	// 1..1<<31. Zero means 128 MiB. libenet has no such limit.
	HostMaximumWaitingData int
	// DuplicatePeers caps the connections from one IP address, 1..4095.
	// Zero means 4095 (libenet's default duplicatePeers).
	DuplicatePeers int
	// MaxPendingConnections caps the incoming handshakes in progress (a
	// CONNECT answered, its VERIFY_CONNECT not yet acknowledged) on the
	// whole host, 1..4095. Zero means min(PeerLimit, 1024).
	// MaxPendingPerAddress caps those from one source IP address (any
	// port), 1..4095; zero means 256. A CONNECT over either limit is
	// dropped (counted in HardeningStats); the client re-sends it on its
	// own timer. A pending handshake is dropped after libenet's
	// retransmission timeouts (about 30 s). Tools that open hundreds of
	// connections at once from one address should raise
	// MaxPendingPerAddress.
	MaxPendingConnections, MaxPendingPerAddress int
	// RetransmitVerifyConnect makes the host re-send VERIFY_CONNECT on its
	// retransmission timer, as libenet does (about 6 datagrams over 30 s
	// for one CONNECT, spoofed or not). By default VERIFY_CONNECT is sent
	// once per CONNECT received, so an unverified address never receives
	// more bytes than it sent; a client whose acknowledgement of it is lost
	// completes the handshake with its next datagram.
	RetransmitVerifyConnect bool
	// PacketConn, when set, is used instead of a new UDP socket, and the
	// address argument of NewHost must be empty. Close does not close it;
	// it sets a past read deadline to stop the host's reader.
	PacketConn net.PacketConn
}

func (c *HostConfig) engineConfig() (engine.Config, error) {
	var cfg HostConfig
	if c != nil {
		cfg = *c
	}
	bad := func(field string, v, lo, hi int) error {
		return fmt.Errorf("%w: %s %d outside %d..%d", ErrInvalidConfig, field, v, lo, hi)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.PeerLimit, 32)
	def(&cfg.ChannelLimit, protocol.MaximumChannelCount)
	def(&cfg.MTU, protocol.HostDefaultMTU)
	def(&cfg.MaximumPacketSize, protocol.HostDefaultMaximumPacketSize)
	def(&cfg.MaximumWaitingData, protocol.HostDefaultMaximumWaitingData)
	def(&cfg.HostMaximumWaitingData, 128<<20)
	def(&cfg.DuplicatePeers, protocol.MaximumPeerID)
	def(&cfg.MaxPendingConnections, min(cfg.PeerLimit, 1024))
	def(&cfg.MaxPendingPerAddress, 256)
	for _, f := range []struct {
		name      string
		v, lo, hi int
	}{
		{"PeerLimit", cfg.PeerLimit, 1, protocol.MaximumPeerID},
		{"ChannelLimit", cfg.ChannelLimit, 1, protocol.MaximumChannelCount},
		{"MTU", cfg.MTU, protocol.MinimumMTU, protocol.MaximumMTU},
		{"MaximumPacketSize", cfg.MaximumPacketSize, 1, 1 << 30},
		{"MaximumWaitingData", cfg.MaximumWaitingData, 1, 1 << 30},
		{"HostMaximumWaitingData", cfg.HostMaximumWaitingData, 1, 1 << 31},
		{"DuplicatePeers", cfg.DuplicatePeers, 1, protocol.MaximumPeerID},
		{"MaxPendingConnections", cfg.MaxPendingConnections, 1, protocol.MaximumPeerID},
		{"MaxPendingPerAddress", cfg.MaxPendingPerAddress, 1, protocol.MaximumPeerID},
	} {
		if f.v < f.lo || f.v > f.hi {
			return engine.Config{}, bad(f.name, f.v, f.lo, f.hi)
		}
	}
	ec := engine.Config{
		PeerLimit: cfg.PeerLimit, ChannelLimit: cfg.ChannelLimit,
		IncomingBandwidth: cfg.IncomingBandwidth, OutgoingBandwidth: cfg.OutgoingBandwidth,
		MTU: cfg.MTU, Checksum: cfg.Checksum, MaximumPacketSize: cfg.MaximumPacketSize,
		MaximumWaitingData: cfg.MaximumWaitingData, HostMaximumWaitingData: cfg.HostMaximumWaitingData,
		DuplicatePeers:        cfg.DuplicatePeers,
		MaxPendingConnections: cfg.MaxPendingConnections, MaxPendingPerAddress: cfg.MaxPendingPerAddress,
		RetransmitVerify: cfg.RetransmitVerifyConnect,
	}
	if cfg.Compressor != nil {
		ec.Compressor = cfg.Compressor
	}
	return ec, nil
}

// rxBufSize holds any datagram ENet accepts (MTU 4096 + checksum) with
// room to detect longer ones.
const rxBufSize = protocol.MaximumDatagramSize + 1

// Host is an ENet host (ENetHost): a UDP socket and a table of peers.
//
// A Host is safe for use by several goroutines. Godot-style code calls
// Service in its loop; Go-style code calls NextEvent from one goroutine
// and Peer.Send from any. Both share one engine: a single mutex guards it.
//
// As with libenet, the host makes progress while a goroutine is inside
// Service or NextEvent: that goroutine sends what is queued, receives (on
// Linux up to 64 datagrams per recvmmsg call, everything one engine step
// sends in one sendmmsg call), handles retransmissions and timeouts, and
// waits on the socket itself (through the Go netpoller) until a datagram
// arrives, a timer is due, or another goroutine queues data (Peer.Send
// and the like interrupt the wait). There is no background goroutine
// between the socket and the caller, so a datagram costs no goroutine
// hand-off. A host nobody services neither receives nor acknowledges,
// and its peers eventually time out. With a HostConfig.PacketConn that is
// not a *net.UDPConn, one reader goroutine receives instead. Received
// data waiting for the application is bounded by
// HostConfig.MaximumWaitingData; beyond the socket buffer, datagrams are
// dropped by the kernel, as for libenet. On Linux each host holds 768 KiB
// of batch buffers (512 KiB of receive buffers with UDP_GRO, 256 KiB
// without; 256 KiB for sending); pages the kernel never fills are not
// resident.
type Host struct {
	mu      sync.Mutex
	eng     *engine.Host
	conn    net.PacketConn
	udp     *net.UDPConn
	bio     *batchIO // batched socket I/O, nil when unavailable
	ownConn bool
	start   time.Time
	closed  bool

	wake       chan struct{}
	closing    chan struct{}
	readerDone chan struct{} // nil unless a reader goroutine runs (no batchIO)
	rxDropped  atomic.Uint64
	// Socket waits (batchIO only): sockOwner is held by the one goroutine
	// that waits on the socket; parked is set while it is (about to be)
	// parked there; pokeGen counts pokes, so that a poke racing with the
	// start of a wait is never lost (see waitSocket).
	sockOwner atomic.Bool
	parked    atomic.Bool
	pokeGen   atomic.Uint64
	timerBusy atomic.Bool
	evScratch engine.Event // popEvent's, guarded by mu (it keeps the last event's references until the next)
	timer     *time.Timer  // reused by one waiting Service at a time
}

// NewHost creates a host bound to addr ("127.0.0.1:0", ":7777", ...; the
// empty string means ":0", any address and an ephemeral port), or using
// cfg.PacketConn when addr is empty and it is set (enet_host_create).
func NewHost(addr string, cfg *HostConfig) (*Host, error) {
	ec, err := cfg.engineConfig()
	if err != nil {
		return nil, err
	}
	h := &Host{start: time.Now()}
	if cfg != nil && cfg.PacketConn != nil {
		if addr != "" {
			return nil, fmt.Errorf("%w: both an address and a PacketConn", ErrInvalidConfig)
		}
		h.conn = cfg.PacketConn
	} else {
		if addr == "" {
			addr = ":0"
		}
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		h.conn, h.ownConn = c, true
		if u, ok := c.(*net.UDPConn); ok {
			_ = u.SetReadBuffer(protocol.HostReceiveBufferSize)
			_ = u.SetWriteBuffer(protocol.HostSendBufferSize)
		}
	}
	h.udp, _ = h.conn.(*net.UDPConn)
	if h.udp != nil {
		h.bio = newBatchIO(h.udp)
	}
	ec.Send = h.write
	h.eng = engine.New(ec)
	h.timer = time.NewTimer(time.Hour)
	h.timer.Stop()
	h.wake = make(chan struct{}, 1)
	h.closing = make(chan struct{})
	if h.bio == nil {
		h.readerDone = make(chan struct{})
		go h.reader()
	}
	return h, nil
}

// NewHostAddrPort is NewHost with a netip.AddrPort.
func NewHostAddrPort(addr netip.AddrPort, cfg *HostConfig) (*Host, error) {
	return NewHost(addr.String(), cfg)
}

// LocalAddr returns the socket's local address.
func (h *Host) LocalAddr() net.Addr { return h.conn.LocalAddr() }

// now is the engine clock: milliseconds since the host was created,
// starting at 1 (0 means "never" in some of libenet's fields).
func (h *Host) now() uint32 { return uint32(time.Since(h.start)/time.Millisecond) + 1 }

// write is the engine's Send callback; called with h.mu held. With
// batched I/O the datagram is copied into the batch that sendBatch sends.
func (h *Host) write(b []byte, to netip.AddrPort) {
	if h.bio != nil {
		h.bio.queue(b, to)
		return
	}
	// A failed send is treated as a lost datagram: reliable data is
	// retransmitted and a peer that stays unreachable times out.
	if h.udp != nil {
		_, _ = h.udp.WriteToUDPAddrPort(b, to)
	} else {
		_, _ = h.conn.WriteTo(b, net.UDPAddrFromAddrPort(to))
	}
}

// sendBatch sends the datagrams queued by write. Called with h.mu held.
func (h *Host) sendBatch() {
	if h.bio != nil {
		h.bio.flush()
	}
}

// stopErr reports whether a read error means the host is stopping.
func (h *Host) stopErr(err error) bool {
	select {
	case <-h.closing:
		return true
	default:
	}
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}

// reader receives datagrams until the host closes, when the host has no
// batched socket access (a HostConfig.PacketConn that is not a
// *net.UDPConn, or a platform without recvmmsg). Each datagram is fed to
// the engine under h.mu, followed by one flush without timeout checks
// (acknowledgements, and data the acknowledgements let through), as
// enet_host_service does after receiving; a waiting Service is woken when
// events are queued.
func (h *Host) reader() {
	defer close(h.readerDone)
	buf := new([rxBufSize]byte)
	for {
		var (
			n    int
			from netip.AddrPort
			err  error
		)
		if h.udp != nil {
			n, from, err = h.udp.ReadFromUDPAddrPort(buf[:])
		} else {
			var a net.Addr
			n, a, err = h.conn.ReadFrom(buf[:])
			if ua, ok := a.(*net.UDPAddr); ok && err == nil {
				from = ua.AddrPort()
			}
		}
		if err != nil {
			if h.stopErr(err) {
				return
			}
			continue // transient (ICMP errors and the like)
		}
		if n > protocol.MaximumDatagramSize || !from.IsValid() {
			h.rxDropped.Add(1)
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return
		}
		now := h.now()
		h.eng.Receive(buf[:n], from, now)
		h.afterReceive(now)
	}
}

// poll receives what is already waiting in the socket, up to 256
// datagrams as enet_host_service. Called with h.mu held.
func (h *Host) poll(now uint32) {
	if h.bio == nil {
		return
	}
	for k := 0; k < 4; k++ {
		n, full := h.bio.poll()
		for i := 0; i < n; i++ {
			b, from, seg, ok := h.bio.pollAt(i)
			if !ok || !from.IsValid() {
				h.rxDropped.Add(1)
				continue
			}
			if seg == 0 {
				h.eng.Receive(b, from, now)
				continue
			}
			h.bio.groMessages++
			for len(b) > 0 { // a UDP_GRO run of datagrams
				d := b[:min(seg, len(b))]
				b = b[len(d):]
				h.eng.Receive(d, from, now)
			}
		}
		if !full {
			return
		}
	}
}

// afterReceive flushes after received datagrams, releases h.mu and wakes
// a waiter if there are events.
func (h *Host) afterReceive(now uint32) {
	h.eng.Flush(now, false)
	h.sendBatch()
	events := h.eng.PendingEvents() > 0
	h.mu.Unlock()
	if events {
		h.poke()
	}
}

// Connect starts connecting to addr ("host:port") with channelCount
// channels (1..255) and a 32-bit data value the remote receives in its
// EventConnect (enet_host_connect). The returned peer is connecting; an
// EventConnect for it follows, or an EventDisconnect if the remote does
// not answer (about 31 s with libenet's retransmission schedule, sooner
// with Peer.SetTimeout). Errors: ErrChannelCount, ErrNoFreePeer,
// ErrClosed, or an address resolution error.
func (h *Host) Connect(addr string, channelCount int, data uint32) (*Peer, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		ua, rerr := net.ResolveUDPAddr("udp", addr)
		if rerr != nil {
			return nil, rerr
		}
		ap = ua.AddrPort()
	}
	return h.ConnectAddrPort(ap, channelCount, data)
}

// ConnectAddrPort is Connect with a netip.AddrPort.
func (h *Host) ConnectAddrPort(addr netip.AddrPort, channelCount int, data uint32) (*Peer, error) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	p, err := h.eng.Connect(addr, channelCount, data, h.now())
	if err != nil {
		return nil, err
	}
	w := &Peer{host: h, p: p, gen: p.Gen()}
	p.UserData = w
	h.poke()
	return w, nil
}

// poke wakes a goroutine blocked in Service or NextEvent so that newly
// queued commands are sent. Called with h.mu held.
func (h *Host) poke() {
	h.pokeGen.Add(1)
	if h.parked.Load() {
		_ = h.udp.SetReadDeadline(pastDeadline)
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// pastDeadline interrupts a wait on the socket.
var pastDeadline = time.Unix(1, 0)

// waitSocket parks the calling goroutine, which holds sockOwner, on the
// socket until a datagram is waiting, d passes, ctx is done, the host
// closes or poke is called after gen was read. A poke that comes before
// parked is set is seen through pokeGen; one that comes after sets a past
// read deadline, which no later SetReadDeadline of this wait can undo
// because the generation is checked after the deadline is set.
func (h *Host) waitSocket(ctx context.Context, gen uint64, d time.Duration) {
	h.parked.Store(true)
	defer h.parked.Store(false)
	_ = h.udp.SetReadDeadline(time.Now().Add(d))
	if h.pokeGen.Load() != gen {
		return
	}
	if ctx != nil && ctx.Done() != nil {
		stop := context.AfterFunc(ctx, h.interruptSocket)
		defer stop()
	}
	_ = h.bio.waitReadable() // readable, deadline, closed: the caller looks
}

// interruptSocket ends a socket wait (ctx done).
func (h *Host) interruptSocket() {
	h.pokeGen.Add(1)
	_ = h.udp.SetReadDeadline(pastDeadline)
}

// Service sends queued commands, receives datagrams and returns the next
// event, waiting up to timeout for one (enet_host_service). A zero timeout
// polls once. It returns an Event with Type EventNone when the timeout
// passes, and ErrClosed after Close. Retransmissions, pings and timeouts
// are handled while it waits.
func (h *Host) Service(timeout time.Duration) (Event, error) {
	if timeout < 0 {
		timeout = 0
	}
	return h.service(nil, timeout, false)
}

// NextEvent is Service without a timeout: it waits until an event arrives
// or ctx is done, and then returns ctx.Err().
func (h *Host) NextEvent(ctx context.Context) (Event, error) {
	if err := ctx.Err(); err != nil {
		return Event{}, err
	}
	ev, err := h.service(ctx, 0, true)
	if err == nil && ev.Type == EventNone {
		return ev, ctx.Err()
	}
	return ev, err
}

// maxWake bounds a wait so that a missed wake-up costs at most this long.
const maxWake = 250

func (h *Host) service(ctx context.Context, timeout time.Duration, forever bool) (Event, error) {
	var deadline time.Time // set on the first wait
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
			if timer == h.timer {
				h.timerBusy.Store(false)
			}
		}
	}()
	for {
		gen := h.pokeGen.Load() // before the flush: see waitSocket
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return Event{}, ErrClosed
		}
		if ev, ok := h.popEvent(); ok {
			h.mu.Unlock()
			return ev, nil
		}
		now := h.now()
		h.eng.Flush(now, true)
		h.poll(now)
		h.eng.Flush(now, true)
		h.sendBatch()
		if ev, ok := h.popEvent(); ok {
			h.mu.Unlock()
			return ev, nil
		}
		if !forever && timeout == 0 {
			h.mu.Unlock()
			return Event{}, nil // a poll: no clock read beyond the engine's
		}
		wake := time.Duration(h.eng.NextWake(now, maxWake)) * time.Millisecond
		h.mu.Unlock()

		if !forever {
			if deadline.IsZero() {
				deadline = time.Now().Add(timeout)
			}
			remaining := time.Until(deadline)
			if remaining <= 0 {
				return Event{}, nil
			}
			wake = min(wake, remaining)
		}
		if wake <= 0 {
			wake = time.Millisecond
		}
		if done != nil {
			select {
			case <-done:
				return Event{}, nil
			default:
			}
		}
		// One goroutine at a time waits on the socket itself; any other
		// waits to be poked, as with a reader goroutine.
		if h.bio != nil && h.sockOwner.CompareAndSwap(false, true) {
			h.waitSocket(ctx, gen, wake)
			h.sockOwner.Store(false)
			select { // let another waiter take over the socket
			case h.wake <- struct{}{}:
			default:
			}
			continue
		}
		if timer == nil {
			if h.timerBusy.CompareAndSwap(false, true) {
				timer = h.timer
				timer.Reset(wake)
			} else {
				timer = time.NewTimer(wake)
			}
		} else {
			timer.Reset(wake)
		}
		select {
		case <-h.wake:
		case <-timer.C:
		case <-done:
			return Event{}, nil
		case <-h.closing:
			return Event{}, ErrClosed
		}
	}
}

func (h *Host) popEvent() (Event, bool) {
	ev := &h.evScratch
	if !h.eng.PopEventInto(ev) {
		return Event{}, false
	}
	w, _ := ev.User.(*Peer)
	if w == nil || w.gen != ev.Gen {
		w = &Peer{host: h, p: ev.Peer, gen: ev.Gen}
		if ev.Peer.Gen() == ev.Gen {
			ev.Peer.UserData = w
		}
	}
	out := Event{Peer: w}
	switch ev.Type {
	case engine.EventConnect:
		out.Type, out.Data = EventConnect, ev.Data
	case engine.EventDisconnect:
		out.Type, out.Data = EventDisconnect, ev.Data
	case engine.EventReceive:
		out.Type, out.ChannelID, out.Packet, out.Flags = EventReceive, ev.Channel, ev.Packet, PacketFlag(ev.Flags)
		out.host = h
	}
	return out, true
}

// Flush sends everything queued without receiving or checking timeouts
// (enet_host_flush).
func (h *Host) Flush() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	h.eng.Flush(h.now(), false)
	h.sendBatch()
	return nil
}

// Broadcast queues data on channelID to every connected peer that has
// that channel (enet_host_broadcast); the payload is copied once. Errors:
// ErrPacketTooLarge, ErrClosed.
func (h *Host) Broadcast(channelID uint8, data []byte, flags PacketFlag) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if err := h.eng.Broadcast(channelID, data, engine.PacketFlags(flags)); err != nil {
		return err
	}
	h.poke()
	return nil
}

// Close stops the host: every peer is reset without notice (as
// enet_host_destroy does; disconnect peers first to tell them), goroutines
// in Service or NextEvent return ErrClosed, and the socket is closed if
// NewHost opened it.
// Further calls return ErrClosed. Close is idempotent.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.closing)
	h.pokeGen.Add(1)
	for i := range h.eng.Peers() {
		h.eng.Peers()[i].Reset()
	}
	h.mu.Unlock()
	var err error
	if h.ownConn {
		err = h.conn.Close()
	} else {
		err = h.conn.SetReadDeadline(pastDeadline)
	}
	if h.readerDone != nil {
		<-h.readerDone
	}
	return err
}

// Stats are host-wide counters since the host was created.
type HostStats struct {
	PacketsSent, BytesSent         uint64 // datagrams and bytes written
	PacketsReceived, BytesReceived uint64 // datagrams and bytes read
	DroppedDatagrams               uint64 // invalid, unexpected, oversized or overflowing the queue
}

// Stats returns the host's counters.
func (h *Host) Stats() HostStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HostStats{
		PacketsSent: h.eng.TotalSentPackets, BytesSent: h.eng.TotalSentData,
		PacketsReceived: h.eng.TotalReceivedPackets, BytesReceived: h.eng.TotalReceivedData,
		DroppedDatagrams: h.eng.DroppedDatagrams + h.rxDropped.Load(),
	}
}
