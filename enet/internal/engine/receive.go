package engine

import (
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// result of a command handler: proceed, or stop processing the datagram
// (libenet's "goto commandError").
type result bool

const (
	proceed result = true
	abort   result = false
)

// Receive processes one datagram from addr
// (enet_protocol_handle_incoming_commands). Nothing in b can make it panic;
// invalid datagrams are dropped and counted in DroppedDatagrams, and an
// invalid command stops the datagram after the commands before it took
// effect, as in libenet. b is not retained.
func (h *Host) Receive(b []byte, from netip.AddrPort, now uint32) {
	h.now = now
	h.TotalReceivedPackets++
	h.TotalReceivedData += uint64(len(b))
	d, err := protocol.ParseDatagram(b, h.cfg.Checksum)
	if err != nil {
		h.DroppedDatagrams++
		return
	}
	var p *Peer
	if d.Header.PeerID != protocol.MaximumPeerID {
		if int(d.Header.PeerID) >= len(h.peers) {
			h.DroppedDatagrams++
			return
		}
		p = &h.peers[d.Header.PeerID]
		if p.state == StateDisconnected || p.state == StateZombie || p.address != from ||
			(p.outgoingPeerID < protocol.MaximumPeerID && d.Header.SessionID != p.incomingSessionID) {
			h.DroppedDatagrams++
			return
		}
	}
	body := d.Body
	if d.Header.Compressed {
		c := h.cfg.Compressor
		if c == nil {
			h.DroppedDatagrams++
			return
		}
		limit := len(h.dbuf) - d.Header.Len()
		n, err := c.Decompress(h.dbuf[:limit], body)
		if err != nil || n <= 0 {
			h.DroppedDatagrams++
			return
		}
		body = h.dbuf[:n]
	}
	if h.cfg.Checksum {
		var seed protocol.ConnectID
		if p != nil {
			seed = p.connectID
		}
		if !d.VerifyChecksum(seed, body) {
			h.DroppedDatagrams++
			return
		}
	}
	if p != nil {
		p.PacketsIn++
		p.BytesIn += uint64(len(b))
		// Acknowledgements may open its window, a state change may
		// need a reply: flush it next time.
		p.markDirty()
	}
	r := protocol.NewCommandReader(d.Header, body)
	for r.Next() {
		cmd := r.Command()
		if p != nil && p.state == StateAcknowledgingConnect && !h.cfg.RetransmitVerify {
			switch cmd.Type() {
			case protocol.CommandAcknowledge, protocol.CommandConnect, protocol.CommandVerifyConnect, protocol.CommandDisconnect:
			default:
				// The client knows our peer index and session bits, so it
				// got VERIFY_CONNECT and its acknowledgement was lost: the
				// handshake is complete (see handleConnect).
				h.completeConnect(p)
			}
		}
		var res result
		switch cmd.Type() {
		case protocol.CommandAcknowledge:
			res = h.handleAcknowledge(p, cmd.Raw)
		case protocol.CommandConnect:
			if p != nil {
				return
			}
			p = h.handleConnect(cmd.Raw, from)
			if p == nil {
				return // refused or dropped: counted in h.Connects
			}
			res = proceed
		case protocol.CommandVerifyConnect:
			res = h.handleVerifyConnect(p, cmd.Raw)
		case protocol.CommandDisconnect:
			res = h.handleDisconnect(p, cmd.Raw)
		case protocol.CommandPing:
			res = p.state == StateConnected || p.state == StateDisconnectLater
		case protocol.CommandSendReliable:
			res = h.handleSendReliable(p, cmd.Raw)
		case protocol.CommandSendUnreliable:
			res = h.handleSendUnreliable(p, cmd.Raw)
		case protocol.CommandSendUnsequenced:
			res = h.handleSendUnsequenced(p, cmd.Raw)
		case protocol.CommandSendFragment:
			res = h.handleSendFragment(p, cmd.Raw)
		case protocol.CommandSendUnreliableFragment:
			res = h.handleSendUnreliableFragment(p, cmd.Raw)
		case protocol.CommandBandwidthLimit:
			res = h.handleBandwidthLimit(p, cmd.Raw)
		case protocol.CommandThrottleConfigure:
			res = h.handleThrottleConfigure(p, cmd.Raw)
		default:
			res = abort
		}
		if !res {
			// libenet's commandError: the rest of the datagram is
			// ignored (data on a channel the peer does not have, a
			// fragment over the packet size limit, ...).
			h.DroppedDatagrams++
			return
		}
		if p != nil && cmd.Header.Acknowledge() {
			switch p.state {
			case StateDisconnecting, StateAcknowledgingConnect, StateDisconnected, StateZombie:
			case StateAcknowledgingDisconnect:
				if cmd.Type() == protocol.CommandDisconnect {
					p.queueAck(cmd.Header, d.Header.SentTime)
				}
			default:
				p.queueAck(cmd.Header, d.Header.SentTime)
			}
		}
	}
	if r.Err() != nil {
		// A malformed command: the rest of the datagram is ignored.
		h.DroppedDatagrams++
	}
}

// queueAck is enet_peer_queue_acknowledgement: no acknowledgement for a
// reliable command 7 or 8 windows ahead (the sender must not be told it
// arrived when it was dropped).
func (p *Peer) queueAck(hdr protocol.CommandHeader, sentTime uint16) {
	if int(hdr.ChannelID) < len(p.channels) {
		ch := &p.channels[hdr.ChannelID]
		w := hdr.ReliableSequenceNumber / protocol.PeerReliableWindowSize
		cw := ch.incomingReliableSeq / protocol.PeerReliableWindowSize
		if hdr.ReliableSequenceNumber < ch.incomingReliableSeq {
			w += protocol.PeerReliableWindows
		}
		if w >= cw+protocol.PeerFreeReliableWindows-1 && w <= cw+protocol.PeerFreeReliableWindows {
			return
		}
	}
	p.bw.outgoingDataTotal += protocol.AcknowledgeSize
	p.markDirty()
	p.acks.PushBack(ack{channel: hdr.ChannelID, seq: hdr.ReliableSequenceNumber, sentTime: sentTime,
		disconnect: hdr.Type() == protocol.CommandDisconnect})
}

func (h *Host) handleAcknowledge(p *Peer, raw []byte) result {
	if p.state == StateDisconnected || p.state == StateZombie {
		return proceed
	}
	a, _, _ := protocol.ParseAcknowledge(raw)
	now := h.now
	sent := uint32(a.ReceivedSentTime) | now&0xFFFF0000
	if sent&0x8000 > now&0x8000 {
		sent -= 0x10000
	}
	if timeLess(now, sent) {
		return proceed
	}
	rtt := max(timeDiff(now, sent), 1)
	if p.lastReceiveTime > 0 {
		p.throttle(rtt)
		p.roundTripTimeVariance -= p.roundTripTimeVariance / 4
		if rtt >= p.roundTripTime {
			d := rtt - p.roundTripTime
			p.roundTripTimeVariance += d / 4
			p.roundTripTime += d / 8
		} else {
			d := p.roundTripTime - rtt
			p.roundTripTimeVariance += d / 4
			p.roundTripTime -= d / 8
		}
	} else {
		p.roundTripTime = rtt
		p.roundTripTimeVariance = (rtt + 1) / 2
	}
	if p.roundTripTime < p.lowestRoundTripTime {
		p.lowestRoundTripTime = p.roundTripTime
	}
	if p.roundTripTimeVariance > p.highestRoundTripTimeVariance {
		p.highestRoundTripTimeVariance = p.roundTripTimeVariance
	}
	if p.packetThrottleEpoch == 0 || timeDiff(now, p.packetThrottleEpoch) >= p.packetThrottleInterval {
		p.lastRoundTripTime = p.lowestRoundTripTime
		p.lastRoundTripTimeVariance = max(p.highestRoundTripTimeVariance, 1)
		p.lowestRoundTripTime = p.roundTripTime
		p.highestRoundTripTimeVariance = p.roundTripTimeVariance
		p.packetThrottleEpoch = now
	}
	p.lastReceiveTime = max(now, 1)
	p.earliestTimeout = 0
	typ := h.removeSent(p, a.ReceivedReliableSequenceNumber, a.Header.ChannelID)
	switch p.state {
	case StateAcknowledgingConnect:
		if typ != protocol.CommandVerifyConnect {
			return abort
		}
		h.notifyConnect(p)
	case StateDisconnecting:
		if typ != protocol.CommandDisconnect {
			return abort
		}
		h.notifyDisconnect(p)
	case StateDisconnectLater:
		if p.control.Len()+p.reliable.Len()+p.unreliable.Len()+p.sent.Len() == 0 {
			p.Disconnect(p.eventData, now)
		}
	}
	return proceed
}

func (h *Host) notifyConnect(p *Peer) {
	if p.channels == nil && p.pendingChannels > 0 {
		p.initChannels(p.pendingChannels)
		p.pendingChannels = 0
	}
	p.changeState(StateConnected)
	h.pushEvent(Event{Type: EventConnect, Peer: p, Gen: p.gen, Data: p.eventData})
}

// ConnectStats counts what happened to incoming CONNECT commands.
type ConnectStats struct {
	Accepted        uint64 // a slot entered ACKNOWLEDGING_CONNECT
	Retransmitted   uint64 // a CONNECT for a handshake already in progress
	VerifyResent    uint64 // VERIFY_CONNECT re-sent in answer to one of those
	Invalid         uint64 // malformed CONNECT (also in DroppedDatagrams)
	RefusedFull     uint64 // no free peer slot
	RefusedAddress  uint64 // DuplicatePeers connections from the source IP
	RefusedPending  uint64 // MaxPendingConnections handshakes in progress
	RefusedPerAddr  uint64 // MaxPendingPerAddress handshakes from the source IP
	ImplicitConnect uint64 // handshakes completed by a datagram other than the ACK of VERIFY_CONNECT
	RefusedFilter   uint64 // refused by the connect filter (Host.SetConnectFilter)
	RefusalsSent    uint64 // refusal datagrams sent (filter, or full with SetRefuseFull)
	RefusalsLimited uint64 // refusals not sent: the source IP was over its refusal rate
}

// Refused is the number of CONNECTs refused for any limit or by the
// connect filter.
func (s ConnectStats) Refused() uint64 {
	return s.RefusedFull + s.RefusedAddress + s.RefusedPending + s.RefusedPerAddr + s.RefusedFilter
}

// handleConnect answers a CONNECT from an address nothing has verified.
//
// Limits, checked in this order, each counted in h.Connects and in
// DroppedDatagrams: a free slot (unless SetRefuseFull is on),
// DuplicatePeers connections per source IP, MaxPendingConnections
// handshakes host-wide and MaxPendingPerAddress per source IP (a handshake
// is pending from the CONNECT until the client's acknowledgement of
// VERIFY_CONNECT). Then the connect filter, and with SetRefuseFull the
// lack of a free slot, are answered with a refusal (refuse.go), counted in
// h.Connects but not as dropped. A pending slot holds no channel
// array (allocated when the handshake completes); the slot itself must be
// reserved because VERIFY_CONNECT tells the client its index.
//
// Reply size: CONNECT is 52 bytes on the wire (4-byte header with sent
// time + 48-byte command), VERIFY_CONNECT 48 (4 + 44), plus the same 4
// bytes each with checksums, so one reply is never larger than its
// request. libenet re-sends VERIFY_CONNECT on its retransmission timer
// (about 6 sends over ~30 s, ~5.5x the bytes of one spoofed CONNECT).
// Unless Config.RetransmitVerify is set, this host instead re-sends it
// only when the client re-sends CONNECT (libenet clients do, on their own
// timer, until they get VERIFY_CONNECT), so the bytes sent to an
// unverified address never exceed the bytes received from it. The
// protocol lets a client lose its acknowledgement of VERIFY_CONNECT and
// believe it is connected; the next datagram it sends with our peer
// index, the right session bits and address (a ping within 500 ms if idle)
// then completes the handshake. That datagram is no easier to forge than
// the acknowledgement libenet accepts.
func (h *Host) handleConnect(raw []byte, from netip.AddrPort) *Peer {
	c, _, err := protocol.ParseConnect(raw)
	if err != nil {
		h.Connects.Invalid++
		h.DroppedDatagrams++
		return nil
	}
	var p *Peer
	dup, pending, pendingAddr := 0, 0, 0
	for i := range h.peers {
		q := &h.peers[i]
		switch q.state {
		case StateDisconnected:
			if p == nil {
				p = q
			}
			continue
		case StateConnecting:
			continue
		case StateAcknowledgingConnect:
			pending++
		}
		if q.address.Addr() == from.Addr() {
			if q.address.Port() == from.Port() && q.connectID == c.ConnectID {
				h.connectRetransmitted(q)
				return nil
			}
			dup++
			if q.state == StateAcknowledgingConnect {
				pendingAddr++
			}
		}
	}
	refuse := func(n *uint64) *Peer {
		*n++
		h.DroppedDatagrams++
		return nil
	}
	// The abuse limits drop silently; the application's filter and a full
	// host (with SetRefuseFull) answer with a refusal (refuse.go).
	switch {
	case p == nil && !h.refusal.refuseFull:
		return refuse(&h.Connects.RefusedFull)
	case dup >= h.cfg.DuplicatePeers:
		return refuse(&h.Connects.RefusedAddress)
	case h.cfg.MaxPendingConnections > 0 && pending >= h.cfg.MaxPendingConnections:
		return refuse(&h.Connects.RefusedPending)
	case h.cfg.MaxPendingPerAddress > 0 && pendingAddr >= h.cfg.MaxPendingPerAddress:
		return refuse(&h.Connects.RefusedPerAddr)
	}
	if f := h.refusal.filter; f != nil {
		if no, reason := f(from, int(c.ChannelCount), c.Data); no {
			h.Connects.RefusedFilter++
			h.sendRefusal(&c, from, reason)
			return nil
		}
	}
	if p == nil {
		h.Connects.RefusedFull++
		h.sendRefusal(&c, from, h.refusal.refuseFullData)
		return nil
	}
	h.Connects.Accepted++
	channels := min(int(c.ChannelCount), h.cfg.ChannelLimit)
	p.channels = nil
	p.pendingChannels = channels
	p.state = StateAcknowledgingConnect
	p.connectID = c.ConnectID
	p.address = from
	p.outgoingPeerID = c.OutgoingPeerID
	p.incomingBandwidth = c.IncomingBandwidth
	p.outgoingBandwidth = c.OutgoingBandwidth
	p.packetThrottleInterval = c.PacketThrottleInterval
	p.packetThrottleAcceleration = c.PacketThrottleAcceleration
	p.packetThrottleDeceleration = c.PacketThrottleDeceleration
	p.eventData = c.Data

	in := c.IncomingSessionID
	if in == protocol.SessionUnassigned {
		in = p.outgoingSessionID
	}
	in = (in + 1) & 3
	if in == p.outgoingSessionID {
		in = (in + 1) & 3
	}
	p.outgoingSessionID = in
	out := c.OutgoingSessionID
	if out == protocol.SessionUnassigned {
		out = p.incomingSessionID
	}
	out = (out + 1) & 3
	if out == p.incomingSessionID {
		out = (out + 1) & 3
	}
	p.incomingSessionID = out

	// MTU: the smaller of ours and the client's (libenet 1.3.18; 1.3.17
	// adopts the client's). The client keeps the minimum either way.
	mtu := min(max(c.MTU, protocol.MinimumMTU), protocol.MaximumMTU)
	p.mtu = min(mtu, uint32(h.cfg.MTU))

	hostOut := h.cfg.OutgoingBandwidth
	switch {
	case hostOut == 0 && p.incomingBandwidth == 0:
		p.windowSize = protocol.MaximumWindowSize
	case hostOut == 0 || p.incomingBandwidth == 0:
		p.windowSize = max(hostOut, p.incomingBandwidth) / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize
	default:
		p.windowSize = min(hostOut, p.incomingBandwidth) / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize
	}
	p.windowSize = clampWindow(p.windowSize)

	window := uint32(protocol.MaximumWindowSize)
	if h.cfg.IncomingBandwidth != 0 {
		window = h.cfg.IncomingBandwidth / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize
	}
	window = clampWindow(min(window, c.WindowSize))

	p.bw.toldIn, p.bw.toldOut = h.cfg.IncomingBandwidth, h.cfg.OutgoingBandwidth
	v := protocol.VerifyConnect{
		OutgoingPeerID: p.index, IncomingSessionID: in, OutgoingSessionID: out,
		MTU: p.mtu, WindowSize: window, ChannelCount: uint32(channels),
		IncomingBandwidth: h.cfg.IncomingBandwidth, OutgoingBandwidth: h.cfg.OutgoingBandwidth,
		PacketThrottleInterval: p.packetThrottleInterval, PacketThrottleAcceleration: p.packetThrottleAcceleration,
		PacketThrottleDeceleration: p.packetThrottleDeceleration, ConnectID: p.connectID,
	}
	p.queueControl(protocol.CommandVerifyConnect, protocol.CommandFlagAcknowledge, func(hdr protocol.CommandHeader, dst []byte) []byte {
		v.Header = hdr
		return v.Append(dst)
	})
	return p
}

// connectRetransmitted handles a CONNECT for a connection that already
// has slot q: while the handshake is pending and VERIFY_CONNECT is not
// retransmitted by timer, it is re-sent now, once for this CONNECT.
func (h *Host) connectRetransmitted(q *Peer) {
	h.Connects.Retransmitted++
	if q.state != StateAcknowledgingConnect || h.cfg.RetransmitVerify {
		return
	}
	for i := 0; i < q.sent.Len(); i++ {
		if c := q.sent.At(i); c.typ == protocol.CommandVerifyConnect {
			q.markDirty()
			q.control.PushFront(q.sent.RemoveAt(i))
			if q.sent.Len() > 0 {
				f := q.sent.At(0)
				q.nextTimeout = f.sentTime + f.rto
			}
			h.Connects.VerifyResent++
			return
		}
	}
	// Still queued (not sent yet): it goes out with the next flush.
}

// completeConnect finishes a pending handshake whose VERIFY_CONNECT
// acknowledgement was lost (see handleConnect).
func (h *Host) completeConnect(p *Peer) {
	for _, d := range [...]*deque[outCmd]{&p.sent, &p.control} {
		for i := 0; i < d.Len(); i++ {
			if d.At(i).typ == protocol.CommandVerifyConnect {
				d.RemoveAt(i)
				break
			}
		}
	}
	if p.sent.Len() > 0 {
		f := p.sent.At(0)
		p.nextTimeout = f.sentTime + f.rto
	}
	h.Connects.ImplicitConnect++
	h.notifyConnect(p)
}

func (h *Host) handleVerifyConnect(p *Peer, raw []byte) result {
	if p.state != StateConnecting {
		return proceed
	}
	v, _, err := protocol.ParseVerifyConnect(raw)
	if err != nil || v.PacketThrottleInterval != p.packetThrottleInterval ||
		v.PacketThrottleAcceleration != p.packetThrottleAcceleration ||
		v.PacketThrottleDeceleration != p.packetThrottleDeceleration || v.ConnectID != p.connectID {
		p.eventData = 0
		p.zombie()
		return abort
	}
	h.removeSent(p, 1, protocol.ControlChannel)
	if int(v.ChannelCount) < len(p.channels) {
		p.channels = p.channels[:v.ChannelCount]
	}
	p.outgoingPeerID = v.OutgoingPeerID
	p.incomingSessionID = v.IncomingSessionID
	p.outgoingSessionID = v.OutgoingSessionID
	mtu := min(max(v.MTU, protocol.MinimumMTU), protocol.MaximumMTU)
	p.mtu = min(p.mtu, mtu)
	p.windowSize = min(p.windowSize, clampWindow(v.WindowSize))
	p.incomingBandwidth = v.IncomingBandwidth
	p.outgoingBandwidth = v.OutgoingBandwidth
	h.notifyConnect(p)
	return proceed
}

func (h *Host) handleDisconnect(p *Peer, raw []byte) result {
	if p.state == StateDisconnected || p.state == StateZombie || p.state == StateAcknowledgingDisconnect {
		return proceed
	}
	d, _, _ := protocol.ParseDisconnect(raw)
	p.resetQueues()
	switch {
	case p.state == StateConnectionSucceeded || p.state == StateDisconnecting || p.state == StateConnecting:
		p.eventData = d.Data
		p.zombie()
	case p.state != StateConnected && p.state != StateDisconnectLater:
		p.reset()
	case d.Header.Acknowledge():
		p.changeState(StateAcknowledgingDisconnect)
		p.eventData = d.Data
	default:
		p.eventData = d.Data
		p.zombie()
	}
	return proceed
}

func (h *Host) handleBandwidthLimit(p *Peer, raw []byte) result {
	if p.state != StateConnected && p.state != StateDisconnectLater {
		return abort
	}
	b, _, _ := protocol.ParseBandwidthLimit(raw)
	if p.incomingBandwidth != 0 {
		h.bandwidthLimitedPeers--
	}
	p.incomingBandwidth = b.IncomingBandwidth
	p.outgoingBandwidth = b.OutgoingBandwidth
	if p.incomingBandwidth != 0 {
		h.bandwidthLimitedPeers++
	}
	hostOut := h.cfg.OutgoingBandwidth
	switch {
	case p.incomingBandwidth == 0 && hostOut == 0:
		p.windowSize = protocol.MaximumWindowSize
	case p.incomingBandwidth == 0 || hostOut == 0:
		p.windowSize = max(p.incomingBandwidth, hostOut) / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize
	default:
		p.windowSize = min(p.incomingBandwidth, hostOut) / protocol.PeerWindowSizeScale * protocol.MinimumWindowSize
	}
	p.windowSize = clampWindow(p.windowSize)
	return proceed
}

func (h *Host) handleThrottleConfigure(p *Peer, raw []byte) result {
	if p.state != StateConnected && p.state != StateDisconnectLater {
		return abort
	}
	t, _, _ := protocol.ParseThrottleConfigure(raw)
	p.packetThrottleInterval = t.PacketThrottleInterval
	p.packetThrottleAcceleration = t.PacketThrottleAcceleration
	p.packetThrottleDeceleration = t.PacketThrottleDeceleration
	return proceed
}
