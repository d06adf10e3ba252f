package engine

import (
	"io"
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// State is ENetPeerState; the numeric order matters (libenet compares
// states with < and >=).
type State uint8

const (
	StateDisconnected State = iota
	StateConnecting
	StateAcknowledgingConnect
	StateConnectionPending
	StateConnectionSucceeded
	StateConnected
	StateDisconnectLater
	StateDisconnecting
	StateAcknowledgingDisconnect
	StateZombie
)

var stateNames = [...]string{"disconnected", "connecting", "acknowledging connect", "connection pending",
	"connection succeeded", "connected", "disconnect later", "disconnecting", "acknowledging disconnect", "zombie"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// outCmd is an outgoing command (ENetOutgoingCommand). Its fixed part is
// encoded when it is queued, sequence numbers included; the payload is
// pkt.data[fragOff:fragOff+fragLen].
type outCmd struct {
	order         uint64
	fixed         [protocol.ConnectSize]byte
	fixedLen      uint8
	channel       uint8
	ack           bool
	typ           protocol.CommandType
	reliableSeq   uint16
	unreliableSeq uint16
	sendAttempts  uint16
	fragLen       uint16
	fragOff       uint32
	pkt           *packet
	sentTime      uint32
	rto, rtoLimit uint32
}

// ack is a pending acknowledgement (ENetAcknowledgement).
type ack struct {
	channel    uint8
	disconnect bool
	seq        uint16
	sentTime   uint16
}

// inCmd is a received message waiting for ordering or for its fragments
// (ENetIncomingCommand).
type inCmd struct {
	typ                protocol.CommandType
	reliableSeq        uint16
	unreliableSeq      uint16
	fragmentCount      uint32
	fragmentsRemaining uint32
	fragments          []uint32
	fragsInline        [4]uint32 // fragments of messages of up to 128 fragments
	data               []byte
	flags              PacketFlags
	waiting            int
}

// channel is ENetChannel.
type channel struct {
	outgoingReliableSeq   uint16
	outgoingUnreliableSeq uint16
	usedReliableWindows   uint16
	reliableWindows       [protocol.PeerReliableWindows]uint16
	incomingReliableSeq   uint16
	incomingUnreliableSeq uint16
	reliable              []*inCmd // sorted by distance ahead of incomingReliableSeq
	unreliable            []*inCmd // sorted by (reliable distance, unreliable seq)
}

// Peer is one peer slot (ENetPeer).
type Peer struct {
	host  *Host
	index uint16
	gen   uint32
	state State
	dirty bool // listed in host.dirty

	address           netip.AddrPort
	outgoingPeerID    uint16
	incomingSessionID uint8
	outgoingSessionID uint8
	connectID         protocol.ConnectID
	eventData         uint32

	mtu        uint32
	windowSize uint32
	channels   []channel
	// pendingChannels is the channel count granted to a CONNECT; the
	// channels are allocated when the handshake completes.
	pendingChannels int

	incomingBandwidth, outgoingBandwidth uint32        // the remote host's, bytes/s
	bw                                   peerBandwidth // bandwidth.go

	packetThrottle, packetThrottleLimit, packetThrottleCounter uint32
	packetThrottleEpoch, packetThrottleInterval                uint32
	packetThrottleAcceleration, packetThrottleDeceleration     uint32

	lastSendTime, lastReceiveTime, earliestTimeout, nextTimeout uint32
	pingInterval, timeoutLimit, timeoutMinimum, timeoutMaximum  uint32

	roundTripTime, roundTripTimeVariance              uint32
	lastRoundTripTime, lastRoundTripTimeVariance      uint32
	lowestRoundTripTime, highestRoundTripTimeVariance uint32

	packetLossEpoch, packetsSent, packetsLost uint32
	packetLoss, packetLossVariance            uint32

	reliableDataInTransit    uint32
	outgoingReliableSeq      uint16 // control channel
	incomingUnsequencedGroup uint16
	outgoingUnsequencedGroup uint16
	unsequencedWindow        [protocol.PeerUnsequencedWindowSize / 32]uint32
	totalWaiting             int
	order                    uint64

	acks       deque[ack]
	control    deque[outCmd] // acknowledged commands on channel 0xFF
	reliable   deque[outCmd] // acknowledged commands on data channels
	unreliable deque[outCmd] // everything without ACKNOWLEDGE
	sent       deque[outCmd] // reliable commands in flight, by send time

	// Statistics.
	PacketsIn, PacketsOut, BytesIn, BytesOut uint64
	TotalPacketsLost                         uint64

	// UserData is for package enet.
	UserData any
}

// Index returns the slot index (the peer ID in headers sent to us).
func (p *Peer) Index() int { return int(p.index) }

// Gen counts resets of the slot; a connection is identified by (slot, Gen).
func (p *Peer) Gen() uint32 { return p.gen }

// State returns the peer's state.
func (p *Peer) State() State { return p.state }

// Address returns the remote address.
func (p *Peer) Address() netip.AddrPort { return p.address }

// MTU returns the negotiated MTU in bytes.
func (p *Peer) MTU() int { return int(p.mtu) }

// ChannelCount returns the negotiated channel count.
func (p *Peer) ChannelCount() int { return len(p.channels) }

// RoundTripTime returns the smoothed RTT and its variance in ms.
func (p *Peer) RoundTripTime() (rtt, variance uint32) {
	return p.roundTripTime, p.roundTripTimeVariance
}

// PacketLoss returns the packet loss and its variance scaled by 65536.
func (p *Peer) PacketLoss() (loss, variance uint32) { return p.packetLoss, p.packetLossVariance }

// Throttle returns the packet throttle (0..32).
func (p *Peer) Throttle() uint32 { return p.packetThrottle }

// QueuedBytes returns the payload bytes queued or in flight.
func (p *Peer) QueuedBytes() int {
	n := 0
	for _, d := range []*deque[outCmd]{&p.control, &p.reliable, &p.unreliable, &p.sent} {
		for i := 0; i < d.Len(); i++ {
			n += int(d.At(i).fragLen)
		}
	}
	return n
}

// Timeouts returns the timeout limit, minimum and maximum (ms).
func (p *Peer) Timeouts() (limit, min, max uint32) {
	return p.timeoutLimit, p.timeoutMinimum, p.timeoutMaximum
}

// reset is enet_peer_reset: the slot becomes free; session IDs survive.
func (p *Peer) reset() {
	h := p.host
	p.onDisconnect()
	p.resetQueues()
	p.gen++
	p.state = StateDisconnected
	p.outgoingPeerID = protocol.MaximumPeerID
	p.connectID = protocol.ConnectID{}
	p.address = netip.AddrPort{}
	p.eventData = 0
	p.pendingChannels = 0
	p.incomingBandwidth, p.outgoingBandwidth = 0, 0
	p.bw = peerBandwidth{}
	p.lastSendTime, p.lastReceiveTime, p.earliestTimeout, p.nextTimeout = 0, 0, 0, 0
	p.packetLossEpoch, p.packetsSent, p.packetsLost, p.packetLoss, p.packetLossVariance = 0, 0, 0, 0, 0
	p.packetThrottle = protocol.PeerDefaultPacketThrottle
	p.packetThrottleLimit = protocol.PeerPacketThrottleScale
	p.packetThrottleCounter = 0
	p.packetThrottleEpoch = 0
	p.packetThrottleAcceleration = protocol.PeerPacketThrottleAcceleration
	p.packetThrottleDeceleration = protocol.PeerPacketThrottleDeceleration
	p.packetThrottleInterval = protocol.PeerPacketThrottleInterval
	p.pingInterval = protocol.PeerPingInterval
	p.timeoutLimit = protocol.PeerTimeoutLimit
	p.timeoutMinimum = protocol.PeerTimeoutMinimum
	p.timeoutMaximum = protocol.PeerTimeoutMaximum
	p.lastRoundTripTime = protocol.PeerDefaultRoundTripTime
	p.lowestRoundTripTime = protocol.PeerDefaultRoundTripTime
	p.lastRoundTripTimeVariance, p.highestRoundTripTimeVariance = 0, 0
	p.roundTripTime = protocol.PeerDefaultRoundTripTime
	p.roundTripTimeVariance = 0
	p.mtu = uint32(h.cfg.MTU)
	p.reliableDataInTransit = 0
	p.outgoingReliableSeq = 0
	p.windowSize = protocol.MaximumWindowSize
	p.incomingUnsequencedGroup, p.outgoingUnsequencedGroup = 0, 0
	p.unsequencedWindow = [len(p.unsequencedWindow)]uint32{}
	p.PacketsIn, p.PacketsOut, p.BytesIn, p.BytesOut, p.TotalPacketsLost = 0, 0, 0, 0, 0
	p.UserData = nil
}

// onDisconnect keeps the host's connected-peer counts (enet_peer_on_disconnect).
func (p *Peer) onDisconnect() {
	if p.state == StateConnected || p.state == StateDisconnectLater {
		h := p.host
		if p.incomingBandwidth != 0 {
			h.bandwidthLimitedPeers--
		}
		h.connectedPeers--
		h.bw.recalc = true
	}
}

func (p *Peer) onConnect() {
	if p.state != StateConnected && p.state != StateDisconnectLater {
		h := p.host
		if p.incomingBandwidth != 0 {
			h.bandwidthLimitedPeers++
		}
		h.connectedPeers++
		h.bw.recalc = true
	}
}

// resetQueues is enet_peer_reset_queues: every queue is emptied and the
// channels are freed (libenet 1.3.17 frees them too, so data commands
// arriving afterwards are rejected).
func (p *Peer) resetQueues() {
	h := p.host
	p.acks.Clear()
	for _, d := range []*deque[outCmd]{&p.control, &p.reliable, &p.unreliable, &p.sent} {
		for d.Len() > 0 {
			c := d.PopFront()
			h.release(c.pkt)
		}
	}
	for i := range p.channels {
		c := &p.channels[i]
		for _, l := range [][]*inCmd{c.reliable, c.unreliable} {
			for _, in := range l {
				p.freeIn(in)
			}
		}
	}
	p.channels = nil
	p.reliableDataInTransit = 0
}

func (p *Peer) initChannels(n int) {
	p.channels = make([]channel, n)
}

func (p *Peer) changeState(s State) {
	if s == StateConnected || s == StateDisconnectLater {
		p.onConnect()
	} else {
		p.onDisconnect()
	}
	p.state = s
}

// zombie moves the peer to ZOMBIE and queues its disconnect event with the
// peer's event data; the slot is reset when the event is popped.
func (p *Peer) zombie() {
	p.changeState(StateZombie)
	p.resetQueues()
	p.host.pushEvent(Event{Type: EventDisconnect, Peer: p, Gen: p.gen, Data: p.eventData})
}

// fragmentLength is the payload room of one fragment (protocol.c
// enet_peer_send): MTU minus the 4-byte header, the 24-byte fragment
// command and the checksum.
func (p *Peer) fragmentLength() int {
	n := int(p.mtu) - protocol.HeaderMaxSize - protocol.SendFragmentSize
	if p.host.cfg.Checksum {
		n -= protocol.ChecksumSize
	}
	return n
}

// assign gives c its sequence numbers as enet_peer_setup_outgoing_command
// does; the caller then encodes c.fixed and calls push.
func (p *Peer) assign(c *outCmd) {
	if c.channel == protocol.ControlChannel {
		p.outgoingReliableSeq++
		c.reliableSeq = p.outgoingReliableSeq
		c.unreliableSeq = 0
	} else if c.ack {
		ch := &p.channels[c.channel]
		ch.outgoingReliableSeq++
		ch.outgoingUnreliableSeq = 0
		c.reliableSeq = ch.outgoingReliableSeq
		c.unreliableSeq = 0
	} else if c.typ == protocol.CommandSendUnsequenced {
		p.outgoingUnsequencedGroup++
		c.reliableSeq = 0
		c.unreliableSeq = 0
	} else {
		ch := &p.channels[c.channel]
		if c.fragOff == 0 {
			ch.outgoingUnreliableSeq++
		}
		c.reliableSeq = ch.outgoingReliableSeq
		c.unreliableSeq = ch.outgoingUnreliableSeq
	}
	c.sendAttempts, c.sentTime, c.rto, c.rtoLimit = 0, 0, 0, 0
}

// markDirty lists p for the next flush.
func (p *Peer) markDirty() {
	if !p.dirty {
		p.dirty = true
		p.host.dirty = append(p.host.dirty, p.index)
	}
}

// push appends an assigned and encoded command to its queue.
func (p *Peer) push(c *outCmd) {
	p.markDirty()
	p.order++
	p.bw.outgoingDataTotal += uint64(c.fixedLen) + uint64(c.fragLen)
	c.order = p.order
	if c.pkt != nil {
		c.pkt.refs++
	}
	switch {
	case c.ack && c.channel == protocol.ControlChannel:
		p.control.PushBack(*c)
	case c.ack:
		p.reliable.PushBack(*c)
	default:
		p.unreliable.PushBack(*c)
	}
}

func (c *outCmd) setFixed(b []byte) { c.fixedLen = uint8(copy(c.fixed[:], b)) }

// queueControl queues a command on the control channel; build appends its
// encoding to dst.
func (p *Peer) queueControl(typ protocol.CommandType, flags uint8, build func(hdr protocol.CommandHeader, dst []byte) []byte) {
	c := outCmd{channel: protocol.ControlChannel, ack: flags&protocol.CommandFlagAcknowledge != 0, typ: typ}
	p.assign(&c)
	c.fixedLen = uint8(len(build(protocol.CommandHeader{Command: uint8(typ) | flags, ChannelID: protocol.ControlChannel, ReliableSequenceNumber: c.reliableSeq}, c.fixed[:0])))
	p.push(&c)
}

// Send queues data on channel ch (enet_peer_send). data is copied.
func (p *Peer) Send(ch uint8, data []byte, flags PacketFlags) error {
	h := p.host
	if p.state != StateConnected {
		return ErrNotConnected
	}
	if int(ch) >= len(p.channels) {
		return ErrChannel
	}
	if len(data) > h.cfg.MaximumPacketSize {
		return ErrPacketTooLarge
	}
	pk := h.newPacket(data)
	p.sendPacket(ch, pk, flags)
	if pk.refs == 0 {
		h.release(pk)
	}
	return nil
}

func (p *Peer) sendPacket(ch uint8, pk *packet, flags PacketFlags) error {
	c := &p.channels[ch]
	size := len(pk.data)
	fragLen := p.fragmentLength()
	if size > fragLen {
		count := (size + fragLen - 1) / fragLen
		if count > protocol.MaximumFragmentCount {
			return ErrPacketTooLarge
		}
		typ := protocol.CommandSendFragment
		ack := true
		start := c.outgoingReliableSeq + 1
		if flags&(FlagReliable|FlagUnreliableFragment) == FlagUnreliableFragment && c.outgoingUnreliableSeq < 0xFFFF {
			typ, ack = protocol.CommandSendUnreliableFragment, false
			start = c.outgoingUnreliableSeq + 1
		}
		for i, off := 0, 0; off < size; i, off = i+1, off+fragLen {
			n := min(fragLen, size-off)
			oc := outCmd{channel: ch, ack: ack, typ: typ, pkt: pk, fragOff: uint32(off), fragLen: uint16(n)}
			number := uint32(i)
			p.assign(&oc)
			{
				f := protocol.SendFragment{
					Header:              protocol.CommandHeader{Command: uint8(typ), ChannelID: ch, ReliableSequenceNumber: oc.reliableSeq},
					StartSequenceNumber: start, FragmentCount: uint32(count), FragmentNumber: number,
					TotalLength: uint32(size), FragmentOffset: uint32(off),
				}
				if ack {
					f.Header.Command |= protocol.CommandFlagAcknowledge
				}
				var buf [protocol.SendFragmentSize]byte
				b := f.Append(buf[:0])
				b[6], b[7] = byte(n>>8), byte(n)
				oc.setFixed(b)
			}
			p.push(&oc)
		}
		return nil
	}
	oc := outCmd{channel: ch, pkt: pk, fragLen: uint16(size)}
	switch {
	case flags&(FlagReliable|FlagUnsequenced) == FlagUnsequenced:
		oc.typ = protocol.CommandSendUnsequenced
	case flags&FlagReliable != 0 || c.outgoingUnreliableSeq >= 0xFFFF:
		oc.typ, oc.ack = protocol.CommandSendReliable, true
	default:
		oc.typ = protocol.CommandSendUnreliable
	}
	p.assign(&oc)
	{
		var buf [8]byte
		var b []byte
		hdr := protocol.CommandHeader{Command: uint8(oc.typ), ChannelID: ch, ReliableSequenceNumber: oc.reliableSeq}
		switch oc.typ {
		case protocol.CommandSendUnsequenced:
			hdr.Command |= protocol.CommandFlagUnsequenced
			b = (&protocol.SendUnsequenced{Header: hdr, UnsequencedGroup: p.outgoingUnsequencedGroup}).Append(buf[:0])
			b[6], b[7] = byte(size>>8), byte(size)
		case protocol.CommandSendReliable:
			hdr.Command |= protocol.CommandFlagAcknowledge
			b = (&protocol.SendReliable{Header: hdr}).Append(buf[:0])
			b[4], b[5] = byte(size>>8), byte(size)
		default:
			b = (&protocol.SendUnreliable{Header: hdr, UnreliableSequenceNumber: oc.unreliableSeq}).Append(buf[:0])
			b[6], b[7] = byte(size>>8), byte(size)
		}
		oc.setFixed(b)
	}
	p.push(&oc)
	return nil
}

// Broadcast queues data to every connected peer (enet_host_broadcast); the
// payload is stored once.
func (h *Host) Broadcast(ch uint8, data []byte, flags PacketFlags) error {
	if len(data) > h.cfg.MaximumPacketSize {
		return ErrPacketTooLarge
	}
	pk := h.newPacket(data)
	pk.refs++ // hold while queueing
	for i := range h.peers {
		p := &h.peers[i]
		if p.state != StateConnected || int(ch) >= len(p.channels) {
			continue
		}
		p.sendPacket(ch, pk, flags)
	}
	h.release(pk)
	return nil
}

// Ping queues a PING (enet_peer_ping) if the peer is connected.
func (p *Peer) Ping() {
	if p.state != StateConnected {
		return
	}
	p.queueControl(protocol.CommandPing, protocol.CommandFlagAcknowledge, func(hdr protocol.CommandHeader, dst []byte) []byte {
		return (&protocol.Ping{Header: hdr}).Append(dst)
	})
}

// SetTimeout sets the timeout parameters (enet_peer_timeout); zero keeps
// libenet's defaults (32, 5000 ms, 30000 ms).
func (p *Peer) SetTimeout(limit, minimum, maximum uint32) {
	if limit == 0 {
		limit = protocol.PeerTimeoutLimit
	}
	if minimum == 0 {
		minimum = protocol.PeerTimeoutMinimum
	}
	if maximum == 0 {
		maximum = protocol.PeerTimeoutMaximum
	}
	p.timeoutLimit, p.timeoutMinimum, p.timeoutMaximum = limit, minimum, maximum
}

// SetPingInterval sets the ping interval in ms; zero restores 500 ms.
func (p *Peer) SetPingInterval(ms uint32) {
	if ms == 0 {
		ms = protocol.PeerPingInterval
	}
	p.pingInterval = ms
	p.host.timerOK = false
}

// ThrottleConfigure sets the throttle parameters the remote applies to us
// and sends THROTTLE_CONFIGURE (enet_peer_throttle_configure).
func (p *Peer) ThrottleConfigure(interval, acceleration, deceleration uint32) {
	if p.state != StateConnected && p.state != StateDisconnectLater {
		return
	}
	p.packetThrottleInterval, p.packetThrottleAcceleration, p.packetThrottleDeceleration = interval, acceleration, deceleration
	p.queueControl(protocol.CommandThrottleConfigure, protocol.CommandFlagAcknowledge, func(hdr protocol.CommandHeader, dst []byte) []byte {
		return (&protocol.ThrottleConfigure{Header: hdr, PacketThrottleInterval: interval,
			PacketThrottleAcceleration: acceleration, PacketThrottleDeceleration: deceleration}).Append(dst)
	})
}

// Disconnect requests a graceful disconnect (enet_peer_disconnect).
func (p *Peer) Disconnect(data uint32, now uint32) {
	switch p.state {
	case StateDisconnecting, StateDisconnected, StateAcknowledgingDisconnect, StateZombie:
		return
	}
	p.resetQueues()
	connected := p.state == StateConnected || p.state == StateDisconnectLater
	flags := uint8(protocol.CommandFlagUnsequenced)
	if connected {
		flags = protocol.CommandFlagAcknowledge
	}
	p.queueControl(protocol.CommandDisconnect, flags, func(hdr protocol.CommandHeader, dst []byte) []byte {
		return (&protocol.Disconnect{Header: hdr, Data: data}).Append(dst)
	})
	if connected {
		p.onDisconnect()
		p.state = StateDisconnecting
		return
	}
	p.host.flushPeer(p, now)
	p.reset()
}

// DisconnectNow sends an unsequenced DISCONNECT and resets the peer at
// once (enet_peer_disconnect_now); no event follows.
func (p *Peer) DisconnectNow(data uint32, now uint32) {
	if p.state == StateDisconnected {
		return
	}
	if p.state != StateZombie && p.state != StateDisconnecting {
		p.resetQueues()
		p.queueControl(protocol.CommandDisconnect, protocol.CommandFlagUnsequenced, func(hdr protocol.CommandHeader, dst []byte) []byte {
			return (&protocol.Disconnect{Header: hdr, Data: data}).Append(dst)
		})
		p.host.flushPeer(p, now)
	}
	p.reset()
}

// DisconnectLater disconnects once all queued data is sent and
// acknowledged (enet_peer_disconnect_later).
func (p *Peer) DisconnectLater(data uint32, now uint32) {
	if (p.state == StateConnected || p.state == StateDisconnectLater) &&
		(p.control.Len()+p.reliable.Len()+p.unreliable.Len()+p.sent.Len() > 0) {
		p.state = StateDisconnectLater
		p.eventData = data
		return
	}
	p.Disconnect(data, now)
}

// Reset frees the slot without telling the remote (enet_peer_reset).
func (p *Peer) Reset() { p.reset() }

// throttle is enet_peer_throttle.
func (p *Peer) throttle(rtt uint32) {
	switch {
	case p.lastRoundTripTime <= p.lastRoundTripTimeVariance:
		p.packetThrottle = p.packetThrottleLimit
	case rtt < p.lastRoundTripTime:
		t := uint64(p.packetThrottle) + uint64(p.packetThrottleAcceleration)
		if t > uint64(p.packetThrottleLimit) {
			t = uint64(p.packetThrottleLimit)
		}
		p.packetThrottle = uint32(t)
	case uint64(rtt) > uint64(p.lastRoundTripTime)+2*uint64(p.lastRoundTripTimeVariance):
		if p.packetThrottle > p.packetThrottleDeceleration {
			p.packetThrottle -= p.packetThrottleDeceleration
		} else {
			p.packetThrottle = 0
		}
	}
}

// Connect starts a connection to addr (enet_host_connect).
func (h *Host) Connect(addr netip.AddrPort, channelCount int, data uint32, now uint32) (*Peer, error) {
	if channelCount < protocol.MinimumChannelCount || channelCount > protocol.MaximumChannelCount {
		return nil, ErrChannelCount
	}
	var p *Peer
	for i := range h.peers {
		if h.peers[i].state == StateDisconnected {
			p = &h.peers[i]
			break
		}
	}
	if p == nil {
		return nil, ErrNoFreePeer
	}
	var id protocol.ConnectID
	if _, err := io.ReadFull(h.cfg.Rand, id[:]); err != nil {
		return nil, err
	}
	h.now = now
	p.initChannels(channelCount)
	p.state = StateConnecting
	p.address = addr
	p.connectID = id
	p.bw.toldIn, p.bw.toldOut = h.cfg.IncomingBandwidth, h.cfg.OutgoingBandwidth
	if h.cfg.OutgoingBandwidth == 0 {
		p.windowSize = protocol.MaximumWindowSize
	} else {
		p.windowSize = clampWindow(h.cfg.OutgoingBandwidth / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize)
	}
	c := protocol.Connect{
		OutgoingPeerID: p.index, IncomingSessionID: p.incomingSessionID, OutgoingSessionID: p.outgoingSessionID,
		MTU: p.mtu, WindowSize: p.windowSize, ChannelCount: uint32(channelCount),
		IncomingBandwidth: h.cfg.IncomingBandwidth, OutgoingBandwidth: h.cfg.OutgoingBandwidth,
		PacketThrottleInterval: p.packetThrottleInterval, PacketThrottleAcceleration: p.packetThrottleAcceleration,
		PacketThrottleDeceleration: p.packetThrottleDeceleration, ConnectID: id, Data: data,
	}
	p.queueControl(protocol.CommandConnect, protocol.CommandFlagAcknowledge, func(hdr protocol.CommandHeader, dst []byte) []byte {
		c.Header = hdr
		return c.Append(dst)
	})
	return p, nil
}

func clampWindow(w uint32) uint32 {
	return min(max(w, protocol.MinimumWindowSize), protocol.MaximumWindowSize)
}

func (p *Peer) freeIn(in *inCmd) {
	h := p.host
	h.totalWaiting -= in.waiting
	p.totalWaiting -= in.waiting
	*in = inCmd{}
	if len(h.freeIn) < 1024 {
		h.freeIn = append(h.freeIn, in)
	}
}
