package engine

import (
	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// inWindow is libenet's receive window test: seq must lie in the current
// reliable window of the channel or the 6 after it.
func inWindow(cur, seq uint16) bool {
	w := seq / protocol.PeerReliableWindowSize
	cw := cur / protocol.PeerReliableWindowSize
	if seq < cur {
		w += protocol.PeerReliableWindows
	}
	return w >= cw && w < cw+protocol.PeerFreeReliableWindows-1
}

// dataChannel checks the state and channel for a data command.
func (p *Peer) dataChannel(id uint8) *channel {
	if (p.state != StateConnected && p.state != StateDisconnectLater) || int(id) >= len(p.channels) {
		return nil
	}
	return &p.channels[id]
}

// reserve accounts n bytes of received data against the per-peer and
// per-host waiting-data limits (libenet checks only the per-peer one,
// maximumWaitingData).
func (p *Peer) reserve(n int) bool {
	h := p.host
	if p.totalWaiting >= h.cfg.MaximumWaitingData || p.totalWaiting+n > h.cfg.MaximumWaitingData ||
		h.totalWaiting+n > h.cfg.HostMaximumWaitingData {
		return false
	}
	p.totalWaiting += n
	h.totalWaiting += n
	return true
}

func (p *Peer) newIn() *inCmd {
	h := p.host
	if n := len(h.freeIn); n > 0 {
		in := h.freeIn[n-1]
		h.freeIn = h.freeIn[:n-1]
		return in
	}
	return new(inCmd)
}

// deliver queues a receive event; the reservation moves to the event.
func (p *Peer) deliver(ch uint8, data []byte, flags PacketFlags, waiting int) {
	p.host.pushEvent(Event{Type: EventReceive, Peer: p, Gen: p.gen, Channel: ch, Packet: data, Flags: flags, waiting: waiting})
}

func (p *Peer) deliverIn(ch uint8, in *inCmd) {
	p.deliver(ch, in.data, in.flags, in.waiting)
	in.waiting = 0
	in.data = nil
	p.freeIn(in)
}

func (h *Host) handleSendReliable(p *Peer, raw []byte) result {
	r, _, _ := protocol.ParseSendReliable(raw)
	ch := p.dataChannel(r.Header.ChannelID)
	if ch == nil || len(r.Data) > h.cfg.MaximumPacketSize {
		return abort
	}
	if p.state == StateDisconnectLater {
		return proceed
	}
	seq := r.Header.ReliableSequenceNumber
	if !inWindow(ch.incomingReliableSeq, seq) || seq == ch.incomingReliableSeq {
		return proceed
	}
	pos, dup := reliablePos(ch, seq)
	if dup {
		return proceed
	}
	if !p.reserve(len(r.Data)) {
		return abort
	}
	if pos == 0 && seq == ch.incomingReliableSeq+1 {
		// In order and nothing waiting: deliver at once.
		ch.incomingReliableSeq = seq
		p.deliver(r.Header.ChannelID, h.copyData(r.Data), FlagReliable, len(r.Data))
		p.dispatchReliable(r.Header.ChannelID, true)
		return proceed
	}
	in := p.newIn()
	*in = inCmd{typ: protocol.CommandSendReliable, reliableSeq: seq, data: h.copyData(r.Data), flags: FlagReliable, waiting: len(r.Data)}
	ch.reliable = insertAt(ch.reliable, pos, in)
	p.dispatchReliable(r.Header.ChannelID, false)
	return proceed
}

// reliablePos finds where seq goes in ch.reliable (sorted by distance
// ahead of incomingReliableSeq) and whether it is already there.
func reliablePos(ch *channel, seq uint16) (int, bool) {
	d := seq - ch.incomingReliableSeq
	i := len(ch.reliable)
	for i > 0 {
		ed := ch.reliable[i-1].reliableSeq - ch.incomingReliableSeq
		if ed < d {
			break
		}
		if ed == d {
			return i - 1, true
		}
		i--
	}
	return i, false
}

func insertAt(s []*inCmd, i int, v *inCmd) []*inCmd {
	s = append(s, nil)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func removeFront(s []*inCmd) []*inCmd {
	copy(s, s[1:])
	s[len(s)-1] = nil
	return s[:len(s)-1]
}

// dispatchReliable delivers the complete in-order prefix of ch.reliable
// (enet_peer_dispatch_incoming_reliable_commands).
func (p *Peer) dispatchReliable(id uint8, delivered bool) {
	ch := &p.channels[id]
	for len(ch.reliable) > 0 {
		in := ch.reliable[0]
		if in.fragmentsRemaining > 0 || in.reliableSeq != ch.incomingReliableSeq+1 {
			break
		}
		ch.incomingReliableSeq = in.reliableSeq
		if in.fragmentCount > 0 {
			ch.incomingReliableSeq += uint16(in.fragmentCount - 1)
		}
		ch.reliable = removeFront(ch.reliable)
		p.deliverIn(id, in)
		delivered = true
		// Entries a malformed sender placed inside a fragment range are now
		// behind and can never be delivered.
		for len(ch.reliable) > 0 {
			d := ch.reliable[0].reliableSeq - ch.incomingReliableSeq
			if d != 0 && d < 0x8000 {
				break
			}
			p.freeIn(ch.reliable[0])
			ch.reliable = removeFront(ch.reliable)
		}
	}
	if delivered {
		ch.incomingUnreliableSeq = 0
		if len(ch.unreliable) > 0 {
			p.dispatchUnreliable(id)
		}
	}
}

// unreliableLess orders unreliable entries by reliable distance, then
// unreliable sequence number.
func unreliableKey(ch *channel, rs, us uint16) uint32 {
	return uint32(rs-ch.incomingReliableSeq)<<16 | uint32(us)
}

func unreliablePos(ch *channel, rs, us uint16) (int, *inCmd) {
	k := unreliableKey(ch, rs, us)
	i := len(ch.unreliable)
	for i > 0 {
		e := ch.unreliable[i-1]
		ek := unreliableKey(ch, e.reliableSeq, e.unreliableSeq)
		if ek < k {
			break
		}
		if ek == k {
			return i - 1, e
		}
		i--
	}
	return i, nil
}

// dispatchUnreliable delivers complete unreliable messages of the current
// reliable sequence number in order, keeps those waiting for a future
// reliable message, and drops older or overtaken ones
// (enet_peer_dispatch_incoming_unreliable_commands).
func (p *Peer) dispatchUnreliable(id uint8) {
	ch := &p.channels[id]
	cur := ch.incomingReliableSeq
	keep := ch.unreliable[:0]
	waiting := false
	for _, in := range ch.unreliable {
		switch {
		case waiting:
			keep = append(keep, in)
		case in.reliableSeq == cur:
			if in.fragmentsRemaining == 0 {
				ch.incomingUnreliableSeq = in.unreliableSeq
				p.deliverIn(id, in)
			} else {
				keep = append(keep, in)
			}
		case inWindow(cur, in.reliableSeq):
			waiting = true
			keep = append(keep, in)
		default:
			p.freeIn(in)
		}
	}
	// Incomplete messages overtaken by a delivered one can never be
	// delivered (their late fragments are refused).
	final := keep[:0]
	for _, in := range keep {
		if in.reliableSeq == cur && in.fragmentsRemaining > 0 && in.unreliableSeq <= ch.incomingUnreliableSeq {
			p.freeIn(in)
			continue
		}
		final = append(final, in)
	}
	for i := len(final); i < len(ch.unreliable); i++ {
		ch.unreliable[i] = nil
	}
	ch.unreliable = final
}

func (h *Host) handleSendUnreliable(p *Peer, raw []byte) result {
	u, _, _ := protocol.ParseSendUnreliable(raw)
	ch := p.dataChannel(u.Header.ChannelID)
	if ch == nil || len(u.Data) > h.cfg.MaximumPacketSize {
		return abort
	}
	if p.state == StateDisconnectLater {
		return proceed
	}
	rs, us := u.Header.ReliableSequenceNumber, u.UnreliableSequenceNumber
	if !inWindow(ch.incomingReliableSeq, rs) || (rs == ch.incomingReliableSeq && us <= ch.incomingUnreliableSeq) {
		return proceed
	}
	pos, dup := unreliablePos(ch, rs, us)
	if dup != nil {
		return proceed
	}
	if !p.reserve(len(u.Data)) {
		return abort
	}
	if rs == ch.incomingReliableSeq && len(ch.unreliable) == 0 {
		ch.incomingUnreliableSeq = us
		p.deliver(u.Header.ChannelID, h.copyData(u.Data), 0, len(u.Data))
		return proceed
	}
	in := p.newIn()
	*in = inCmd{typ: protocol.CommandSendUnreliable, reliableSeq: rs, unreliableSeq: us, data: h.copyData(u.Data), waiting: len(u.Data)}
	ch.unreliable = insertAt(ch.unreliable, pos, in)
	p.dispatchUnreliable(u.Header.ChannelID)
	return proceed
}

func (h *Host) handleSendUnsequenced(p *Peer, raw []byte) result {
	u, _, _ := protocol.ParseSendUnsequenced(raw)
	ch := p.dataChannel(u.Header.ChannelID)
	if ch == nil || len(u.Data) > h.cfg.MaximumPacketSize {
		return abort
	}
	group := uint32(u.UnsequencedGroup)
	index := group % protocol.PeerUnsequencedWindowSize
	base := uint32(p.incomingUnsequencedGroup)
	if group < base {
		group += 0x10000
	}
	if group >= base+protocol.PeerFreeUnsequencedWindows*protocol.PeerUnsequencedWindowSize {
		return proceed
	}
	group &= 0xFFFF
	if group-index != base {
		p.incomingUnsequencedGroup = uint16(group - index)
		p.unsequencedWindow = [len(p.unsequencedWindow)]uint32{}
	} else if p.unsequencedWindow[index/32]&(1<<(index%32)) != 0 {
		return proceed
	}
	if p.state == StateDisconnectLater {
		return proceed
	}
	if !p.reserve(len(u.Data)) {
		return abort
	}
	p.deliver(u.Header.ChannelID, h.copyData(u.Data), FlagUnsequenced, len(u.Data))
	p.unsequencedWindow[index/32] |= 1 << (index % 32)
	return proceed
}

// newFragmented allocates the reassembly buffer and bitmap of a
// fragmented message, charged to the waiting-data limits.
func (p *Peer) newFragmented(typ protocol.CommandType, rs, us uint16, count, total uint32, flags PacketFlags) *inCmd {
	words := (count + 31) / 32
	cost := int(total) + int(words)*4
	if !p.reserve(cost) {
		return nil
	}
	in := p.newIn()
	*in = inCmd{typ: typ, reliableSeq: rs, unreliableSeq: us, fragmentCount: count, fragmentsRemaining: count,
		data: p.host.allocData(int(total)), flags: flags, waiting: cost}
	if words <= uint32(len(in.fragsInline)) {
		in.fragments = in.fragsInline[:words]
	} else {
		in.fragments = make([]uint32, words)
	}
	return in
}

// addFragment copies one fragment in and reports whether the message is
// now complete.
func addFragment(in *inCmd, number, offset uint32, data []byte) bool {
	if in.fragmentsRemaining == 0 || number >= in.fragmentCount {
		return false // complete already: a duplicate
	}
	bit := uint32(1) << (number % 32)
	if in.fragments[number/32]&bit != 0 {
		return false
	}
	in.fragments[number/32] |= bit
	in.fragmentsRemaining--
	copy(in.data[offset:], data) // the parser guarantees offset+len <= total
	if in.fragmentsRemaining == 0 {
		in.fragments = nil
		in.waiting -= int((in.fragmentCount + 31) / 32 * 4)
		return true
	}
	return false
}

func (h *Host) handleSendFragment(p *Peer, raw []byte) result {
	f, _, _ := protocol.ParseSendFragment(raw)
	id := f.Header.ChannelID
	ch := p.dataChannel(id)
	if ch == nil || f.TotalLength > uint32(h.cfg.MaximumPacketSize) {
		return abort
	}
	start := f.StartSequenceNumber
	if !inWindow(ch.incomingReliableSeq, start) || p.state == StateDisconnectLater {
		return proceed
	}
	if start == ch.incomingReliableSeq {
		return proceed // a fragment of a message already delivered
	}
	pos, found := reliablePos(ch, start)
	var in *inCmd
	if found {
		in = ch.reliable[pos]
		if in.typ != protocol.CommandSendFragment || uint32(len(in.data)) != f.TotalLength || in.fragmentCount != f.FragmentCount {
			return abort
		}
	} else {
		in = p.newFragmented(protocol.CommandSendFragment, start, 0, f.FragmentCount, f.TotalLength, FlagReliable)
		if in == nil {
			return abort
		}
		ch.reliable = insertAt(ch.reliable, pos, in)
	}
	if addFragment(in, f.FragmentNumber, f.FragmentOffset, f.Data) {
		h.releaseBitmap(p, in)
		p.dispatchReliable(id, false)
	}
	return proceed
}

// releaseBitmap returns the bitmap's share of a completed message's
// reservation.
func (h *Host) releaseBitmap(p *Peer, in *inCmd) {
	bitmap := int((in.fragmentCount + 31) / 32 * 4)
	p.totalWaiting -= bitmap
	h.totalWaiting -= bitmap
}

func (h *Host) handleSendUnreliableFragment(p *Peer, raw []byte) result {
	f, _, _ := protocol.ParseSendUnreliableFragment(raw)
	id := f.Header.ChannelID
	ch := p.dataChannel(id)
	if ch == nil || f.TotalLength > uint32(h.cfg.MaximumPacketSize) {
		return abort
	}
	if p.state == StateDisconnectLater {
		return proceed
	}
	rs, us := f.Header.ReliableSequenceNumber, f.StartSequenceNumber
	if !inWindow(ch.incomingReliableSeq, rs) || (rs == ch.incomingReliableSeq && us <= ch.incomingUnreliableSeq) {
		return proceed
	}
	pos, in := unreliablePos(ch, rs, us)
	if in != nil {
		if in.typ != protocol.CommandSendUnreliableFragment || uint32(len(in.data)) != f.TotalLength || in.fragmentCount != f.FragmentCount {
			return abort
		}
	} else {
		in = p.newFragmented(protocol.CommandSendUnreliableFragment, rs, us, f.FragmentCount, f.TotalLength, FlagUnreliableFragment)
		if in == nil {
			return abort
		}
		ch.unreliable = insertAt(ch.unreliable, pos, in)
	}
	if addFragment(in, f.FragmentNumber, f.FragmentOffset, f.Data) {
		h.releaseBitmap(p, in)
		p.dispatchUnreliable(id)
	}
	return proceed
}
