package engine

import (
	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// bodyStart is where command bytes start in h.out; the header (2 or 4
// bytes) and the checksum (0 or 4) are written just before it.
const bodyStart = 8

// Flush sends everything that can be sent now to every peer
// (enet_protocol_send_outgoing_commands). checkTimeouts runs the
// retransmission and dead-peer checks and the bandwidth throttle
// (bandwidth.go), as enet_host_service does and enet_host_flush does not.
func (h *Host) Flush(now uint32, checkTimeouts bool) {
	h.now = now
	if checkTimeouts {
		h.bandwidthThrottle(now)
	}
	// A full scan when a peer's timer may be due (and at least every
	// fullScanInterval ms while flushes happen, as a safety net);
	// otherwise only the peers that queued something or received a
	// datagram since the last flush. libenet visits every peer each time.
	if checkTimeouts && (!h.timerOK || timeGreaterEqual(now, h.timerDue) || now-h.lastScan >= fullScanInterval) {
		due, any := uint32(0), false
		for i := range h.peers {
			p := &h.peers[i]
			if p.state == StateDisconnected || p.state == StateZombie {
				continue
			}
			h.flushPeerTimeouts(p, true)
			p.shrinkQueues()
			if d, ok := p.timerDue(); ok && (!any || timeLess(d, due)) {
				due, any = d, true
			}
		}
		h.timerDue, h.timerOK, h.lastScan = due, true, now
		if !any {
			h.timerDue = now + fullScanInterval
		}
		// Peers visited above that were listed are done; one listed
		// during the scan (before its turn, by another's processing) is
		// flushed below.
	}
	for k := 0; k < len(h.dirty); k++ {
		p := &h.peers[h.dirty[k]]
		p.dirty = false
		if p.state == StateDisconnected || p.state == StateZombie {
			continue
		}
		h.flushPeerTimeouts(p, checkTimeouts)
		if d, ok := p.timerDue(); ok && h.timerOK && timeLess(d, h.timerDue) {
			h.timerDue = d
		}
	}
	h.dirty = h.dirty[:0]
}

// shrinkQueues releases the queue buffers a burst grew beyond
// keepQueueCap elements once they are empty again (a join on a busy
// Godot server queues one announcement per other peer, for instance).
func (p *Peer) shrinkQueues() {
	p.acks.Shrink(keepQueueCap)
	p.control.Shrink(keepQueueCap)
	p.reliable.Shrink(keepQueueCap)
	p.unreliable.Shrink(keepQueueCap)
	p.sent.Shrink(keepQueueCap)
}

// keepQueueCap is the largest queue buffer, in commands, kept while empty:
// enough for a window of small reliable packets in flight without
// reallocating in steady state.
const keepQueueCap = 1024

// fullScanInterval bounds, in ms, the time between two scans of every
// peer while the host is being serviced.
const fullScanInterval = 50

// timerDue returns when p next needs a flush with timeout checks: its
// earliest retransmission, or its next ping.
func (p *Peer) timerDue() (uint32, bool) {
	switch {
	case p.state == StateDisconnected || p.state == StateZombie:
		return 0, false
	case p.sent.Len() > 0:
		return p.nextTimeout, true
	case p.state == StateConnected:
		return p.lastReceiveTime + p.pingInterval, true
	}
	return 0, false
}

func (h *Host) flushPeer(p *Peer, now uint32) {
	h.now = now
	h.flushPeerTimeouts(p, false)
}

func (h *Host) flushPeerTimeouts(p *Peer, checkTimeouts bool) {
	// At most one datagram per queued command plus one for acks and one
	// ping guarantees termination even if something never fits.
	for guard := 0; guard < 1<<20; guard++ {
		if p.state == StateDisconnected || p.state == StateZombie {
			return
		}
		if !h.sendDatagram(p, checkTimeouts) {
			return
		}
	}
}

// sendDatagram assembles and sends one datagram to p and reports whether
// more is waiting that did not fit.
func (h *Host) sendDatagram(p *Peer, checkTimeouts bool) bool {
	now := h.now
	h.more = false
	body := h.out[bodyStart:bodyStart]
	mtu := int(p.mtu)
	size := protocol.HeaderMaxSize // libenet budgets the header as 4 bytes
	count := 0
	sentTime := false

	// Acknowledgements first.
	for p.acks.Len() > 0 {
		if count >= protocol.MaximumPacketCommands || mtu-size < protocol.AcknowledgeSize {
			h.more = true
			break
		}
		a := p.acks.PopFront()
		body = (&protocol.Acknowledge{
			Header:                         protocol.CommandHeader{Command: uint8(protocol.CommandAcknowledge), ChannelID: a.channel, ReliableSequenceNumber: a.seq},
			ReceivedReliableSequenceNumber: a.seq, ReceivedSentTime: a.sentTime,
		}).Append(body)
		size += protocol.AcknowledgeSize
		count++
		if a.disconnect {
			p.zombie()
		}
	}
	if p.state == StateZombie {
		if count > 0 {
			h.finish(p, body, false)
		}
		return false
	}

	if checkTimeouts && p.sent.Len() > 0 && timeGreaterEqual(now, p.nextTimeout) && h.checkTimeouts(p) {
		return false
	}

	canPing := true
	if p.control.Len()+p.reliable.Len()+p.unreliable.Len() > 0 {
		canPing = h.checkOutgoing(p, &body, &size, &count, &sentTime)
	}
	if canPing && p.sent.Len() == 0 && p.state == StateConnected &&
		timeDiff(now, p.lastReceiveTime) >= p.pingInterval && mtu-size >= protocol.PingSize {
		p.Ping()
		h.checkOutgoing(p, &body, &size, &count, &sentTime)
	}
	if p.state == StateDisconnectLater && p.control.Len()+p.reliable.Len()+p.unreliable.Len()+p.sent.Len() == 0 {
		p.Disconnect(p.eventData, now)
		h.more = true
	}
	if count == 0 {
		return h.more
	}

	// Packet loss statistics (protocol.c, every 10 s).
	if p.packetLossEpoch == 0 {
		p.packetLossEpoch = now
	} else if timeDiff(now, p.packetLossEpoch) >= protocol.PeerPacketLossInterval && p.packetsSent > 0 {
		loss := uint32(uint64(p.packetsLost) * protocol.PeerPacketLossScale / uint64(p.packetsSent))
		p.packetLossVariance -= p.packetLossVariance / 4
		if loss >= p.packetLoss {
			p.packetLossVariance += (loss - p.packetLoss) / 4
			p.packetLoss += (loss - p.packetLoss) / 8
		} else {
			p.packetLossVariance += (p.packetLoss - loss) / 4
			p.packetLoss -= (p.packetLoss - loss) / 8
		}
		p.packetLossEpoch = now
		p.packetsSent, p.packetsLost = 0, 0
	}
	more := h.more
	h.finish(p, body, sentTime)
	return more
}

// finish adds the header, optional compression and checksum, and sends.
func (h *Host) finish(p *Peer, body []byte, sentTime bool) {
	hdr := protocol.Header{PeerID: p.outgoingPeerID, HasSentTime: sentTime, SentTime: uint16(h.now)}
	if p.outgoingPeerID < protocol.MaximumPeerID {
		hdr.SessionID = p.outgoingSessionID & 3
	}
	n := len(body)
	compressed := 0
	if c := h.cfg.Compressor; c != nil {
		h.cvec[0] = body
		m, err := c.Compress(h.cbuf[:n], h.cvec[:])
		h.cvec[0] = nil
		if err == nil && m > 0 && m < n {
			compressed = m
			hdr.Compressed = true
		}
	}
	start := bodyStart - hdr.Len()
	if h.cfg.Checksum {
		start -= protocol.ChecksumSize
	}
	hb := hdr.Append(h.out[start:start])
	if h.cfg.Checksum {
		var seed protocol.ConnectID
		if p.outgoingPeerID < protocol.MaximumPeerID {
			seed = p.connectID
		}
		sum := protocol.Checksum(hb, seed, body)
		copy(h.out[start+len(hb):], sum[:])
	}
	end := bodyStart + n
	if compressed > 0 {
		copy(h.out[bodyStart:], h.cbuf[:compressed])
		end = bodyStart + compressed
	}
	dg := h.out[start:end]
	p.lastSendTime = h.now
	p.PacketsOut++
	p.BytesOut += uint64(len(dg))
	h.TotalSentPackets++
	h.TotalSentData += uint64(len(dg))
	if h.cfg.Send != nil {
		h.cfg.Send(dg, p.address)
	}
}

// checkOutgoing moves queued commands into the datagram
// (enet_protocol_check_outgoing_commands) and reports whether a ping may
// be added. The three queues are merged in the order commands were queued.
func (h *Host) checkOutgoing(p *Peer, body *[]byte, size, count *int, sentTime *bool) bool {
	now := h.now
	mtu := int(p.mtu)
	canPing := true
	reliableBlocked := false
	for {
		var q *deque[outCmd]
		for _, d := range [...]*deque[outCmd]{&p.control, &p.reliable, &p.unreliable} {
			if d.Len() == 0 || (d == &p.reliable && reliableBlocked) {
				continue
			}
			if q == nil || d.At(0).order < q.At(0).order {
				q = d
			}
		}
		if q == nil {
			return canPing
		}
		c := q.At(0)
		var ch *channel
		var window uint16
		if c.ack {
			if int(c.channel) < len(p.channels) {
				ch = &p.channels[c.channel]
				window = c.reliableSeq / protocol.PeerReliableWindowSize
				if c.sendAttempts < 1 && c.reliableSeq%protocol.PeerReliableWindowSize == 0 &&
					(ch.reliableWindows[(window+protocol.PeerReliableWindows-1)%protocol.PeerReliableWindows] >= protocol.PeerReliableWindowSize ||
						ch.usedReliableWindows&busyWindowMask(window) != 0) {
					reliableBlocked = true
					continue
				}
			}
			if c.pkt != nil {
				windowSize := uint64(p.packetThrottle) * uint64(p.windowSize) / protocol.PeerPacketThrottleScale
				if uint64(p.reliableDataInTransit)+uint64(c.fragLen) > max(windowSize, uint64(p.mtu)) {
					reliableBlocked = true
					continue
				}
			}
			canPing = false
		}
		need := int(c.fixedLen) + int(c.fragLen)
		if *count >= protocol.MaximumPacketCommands || mtu-*size < need {
			h.more = true
			return canPing
		}
		cmd := q.PopFront()
		if cmd.ack {
			if ch != nil && cmd.sendAttempts < 1 {
				ch.usedReliableWindows |= 1 << window
				ch.reliableWindows[window]++
			}
			cmd.sendAttempts++
			if cmd.rto == 0 {
				cmd.rto = p.roundTripTime + 4*p.roundTripTimeVariance
				cmd.rtoLimit = p.timeoutLimit * cmd.rto
			}
			if p.sent.Len() == 0 {
				p.nextTimeout = now + cmd.rto
			}
			cmd.sentTime = now
			*sentTime = true
			p.reliableDataInTransit += uint32(cmd.fragLen)
		} else if cmd.pkt != nil && cmd.fragOff == 0 {
			p.packetThrottleCounter = (p.packetThrottleCounter + protocol.PeerPacketThrottleCounter) % protocol.PeerPacketThrottleScale
			if p.packetThrottleCounter > p.packetThrottle {
				// Drop the message and the rest of its fragments.
				pk := cmd.pkt
				h.release(pk)
				for p.unreliable.Len() > 0 && p.unreliable.At(0).pkt == pk && p.unreliable.At(0).fragOff != 0 {
					h.release(p.unreliable.PopFront().pkt)
				}
				continue
			}
		}
		*body = append(*body, cmd.fixed[:cmd.fixedLen]...)
		*size += int(cmd.fixedLen)
		if cmd.pkt != nil {
			*body = append(*body, cmd.pkt.data[cmd.fragOff:cmd.fragOff+uint32(cmd.fragLen)]...)
			*size += int(cmd.fragLen)
		}
		*count++
		p.packetsSent++
		if cmd.ack {
			p.sent.PushBack(cmd)
		} else {
			h.release(cmd.pkt)
		}
	}
}

// busyWindowMask is the set of reliable windows w..w+9 (mod 16) that must
// be free before a command opening window w is sent (1.3.17's fix for
// lsalzman/enet #141/#143).
func busyWindowMask(w uint16) uint16 {
	const span = 1<<(protocol.PeerFreeReliableWindows+2) - 1
	return uint16(span<<w | span>>(protocol.PeerReliableWindows-w))
}

// checkTimeouts retransmits timed-out reliable commands and detects dead
// peers (enet_protocol_check_timeouts). It reports whether the peer was
// disconnected.
func (h *Host) checkTimeouts(p *Peer) bool {
	now := h.now
	h.requeue = h.requeue[:0]
	for i := 0; i < p.sent.Len(); {
		c := p.sent.At(i)
		if timeDiff(now, c.sentTime) < c.rto {
			i++
			continue
		}
		if p.earliestTimeout == 0 || timeLess(c.sentTime, p.earliestTimeout) {
			p.earliestTimeout = c.sentTime
		}
		if p.earliestTimeout != 0 && (timeDiff(now, p.earliestTimeout) >= p.timeoutMaximum ||
			(c.rto >= c.rtoLimit && timeDiff(now, p.earliestTimeout) >= p.timeoutMinimum)) {
			h.requeueAll(p)
			h.notifyDisconnect(p)
			return true
		}
		if p.state == StateAcknowledgingConnect && !h.cfg.RetransmitVerify {
			// VERIFY_CONNECT is only re-sent in answer to a CONNECT
			// (handleConnect); the timer just ages the handshake.
			c.sentTime = now
			if c.rto < 1<<30 {
				c.rto *= 2
			}
			i++
			continue
		}
		if c.pkt != nil {
			p.reliableDataInTransit -= uint32(c.fragLen)
		}
		p.packetsLost++
		p.TotalPacketsLost++
		if c.rto < 1<<30 {
			c.rto *= 2
		}
		h.requeue = append(h.requeue, p.sent.RemoveAt(i))
	}
	h.requeueAll(p)
	if p.sent.Len() > 0 {
		f := p.sent.At(0)
		p.nextTimeout = f.sentTime + f.rto
	}
	return false
}

func (h *Host) requeueAll(p *Peer) {
	if len(h.requeue) > 0 {
		p.markDirty()
	}
	for i := len(h.requeue) - 1; i >= 0; i-- {
		c := h.requeue[i]
		if c.channel == protocol.ControlChannel {
			p.control.PushFront(c)
		} else {
			p.reliable.PushFront(c)
		}
		h.requeue[i] = outCmd{}
	}
	h.requeue = h.requeue[:0]
}

// removeSent retires the command acknowledged by (seq, channel)
// (enet_protocol_remove_sent_reliable_command) and returns its type, or
// CommandNone if nothing matched.
func (h *Host) removeSent(p *Peer, seq uint16, chID uint8) protocol.CommandType {
	var c outCmd
	found, wasSent := false, true
	for i := 0; i < p.sent.Len(); i++ {
		if e := p.sent.At(i); e.reliableSeq == seq && e.channel == chID {
			c = p.sent.RemoveAt(i)
			found = true
			break
		}
	}
	if !found {
		// A command that timed out and was requeued (libenet searches the
		// outgoing list among commands sent at least once).
		q := &p.reliable
		if chID == protocol.ControlChannel {
			q = &p.control
		}
		for i := 0; i < q.Len(); i++ {
			e := q.At(i)
			if e.sendAttempts < 1 {
				break
			}
			if e.reliableSeq == seq && e.channel == chID {
				c = q.RemoveAt(i)
				found, wasSent = true, false
				break
			}
		}
	}
	if !found {
		return protocol.CommandNone
	}
	if int(chID) < len(p.channels) {
		ch := &p.channels[chID]
		w := seq / protocol.PeerReliableWindowSize
		if ch.reliableWindows[w] > 0 {
			ch.reliableWindows[w]--
			if ch.reliableWindows[w] == 0 {
				ch.usedReliableWindows &^= 1 << w
			}
		}
	}
	if c.pkt != nil {
		if wasSent {
			p.reliableDataInTransit -= uint32(c.fragLen)
		}
		h.release(c.pkt)
	}
	if p.sent.Len() > 0 {
		f := p.sent.At(0)
		p.nextTimeout = f.sentTime + f.rto
	}
	return c.typ
}

// notifyDisconnect is enet_protocol_notify_disconnect with an event.
func (h *Host) notifyDisconnect(p *Peer) {
	if p.state != StateConnecting && p.state < StateConnectionSucceeded {
		p.reset()
		return
	}
	p.eventData = 0
	p.zombie()
}
