package engine

import (
	"math"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Bandwidth limiting: libenet 1.3.17's enet_host_bandwidth_limit and
// enet_host_bandwidth_throttle (host.c).
//
// Every peer counts the bytes of the commands queued to it
// (outgoingDataTotal: each command's fixed size plus its payload bytes
// when it is queued, and 8 per acknowledgement), as
// enet_peer_setup_outgoing_command and enet_peer_queue_acknowledgement
// do. At most once per HostBandwidthThrottleInterval (1000 ms), from a
// Flush with timeouts (enet_host_service's loop), the host computes for
// each connected peer a packet throttle limit, 1..32, that caps the
// packet throttle, the probability (throttle+1)/32 with which an
// unreliable packet is sent rather than dropped (checkOutgoing) and the
// share of the reliable window in flight:
//
//   - over the elapsed time t, the host may send B = OutgoingBandwidth × t
//     bytes (unlimited when 0) and its peers had D bytes queued;
//   - a peer that announced an incoming bandwidth b (BANDWIDTH_LIMIT,
//     CONNECT or VERIFY_CONNECT) and whose share of the host's throttle
//     (32·B/D) would exceed b × t is limited to 32·b·t/D_peer (at least
//     1); its b·t is taken off B and D and the rest is recomputed, until
//     no peer changes;
//   - every other peer gets 32·B/D (32 when D ≤ B);
//   - the counts restart from zero.
//
// When the set of connected peers or the host's limits changed
// (recalculateBandwidthLimits), the same pass also shares the host's
// IncomingBandwidth among the peers and tells each one in a
// BANDWIDTH_LIMIT command (acknowledged, control channel): a peer whose
// own outgoing bandwidth is non-zero and below the fair share
// IncomingBandwidth/n is told its own outgoing bandwidth and taken out of
// the share, repeatedly; every other peer is told the final fair share
// (0, unlimited, when IncomingBandwidth is 0). A peer that announced an
// outgoing bandwidth of 0 counts as below any share, and so is told 0,
// as in libenet. The outgoing field is the host's OutgoingBandwidth.
//
// Differences from libenet 1.3.17, none visible as a different rate:
//   - The products are computed in 64 bits. libenet multiplies 32-bit
//     values (OutgoingBandwidth × elapsed ms, 32 × bytes queued), which
//     wrap for bandwidths above about 4.2 MB/s and for more than 128 MiB
//     queued per interval.
//   - A BANDWIDTH_LIMIT is only sent to a peer when one of its two values
//     differs from what the peer was last told (in the handshake or an
//     earlier BANDWIDTH_LIMIT). libenet re-sends unchanged values to every
//     peer after any peer connects or disconnects (one reliable command
//     per peer per second under churn, 02-bugs-and-asks.md S7); such a
//     command changes nothing on the receiver unless the receiver has
//     meanwhile changed its own OutgoingBandwidth, in which case libenet
//     would recompute its window for us at that moment and this engine
//     lets it keep the old one.
//   - The per-round marks are a counter instead of the service time.

// bandwidthState is the host's part of the throttle.
type bandwidthState struct {
	epoch  uint32 // time of the last throttle pass (bandwidthThrottleEpoch)
	recalc bool   // recalculateBandwidthLimits
	round  uint32 // pass counter for the peers' marks
}

// peerBandwidth is a peer's part of the throttle.
type peerBandwidth struct {
	outgoingDataTotal uint64 // bytes queued since the last pass
	outMark, inMark   uint32 // round in which the peer was limited individually
	// toldIn and toldOut are the incoming/outgoing bandwidth the remote
	// last received from us.
	toldIn, toldOut uint32
}

// SetBandwidthLimit changes the host's bandwidth in bytes per second (0:
// unlimited), as enet_host_bandwidth_limit: the outgoing bandwidth takes
// effect at the next throttle pass, and the incoming one is shared among
// the peers and announced to them in BANDWIDTH_LIMIT commands queued by
// that pass (within HostBandwidthThrottleInterval). Window sizes already
// negotiated are not recomputed, as in libenet.
func (h *Host) SetBandwidthLimit(incoming, outgoing uint32) {
	h.cfg.IncomingBandwidth, h.cfg.OutgoingBandwidth = incoming, outgoing
	h.bw.recalc = true
}

// BandwidthLimit returns the host's incoming and outgoing bandwidth.
func (h *Host) BandwidthLimit() (incoming, outgoing uint32) {
	return h.cfg.IncomingBandwidth, h.cfg.OutgoingBandwidth
}

// Bandwidth returns the incoming and outgoing bandwidth the remote host
// announced (bytes/s, 0 = unlimited).
func (p *Peer) Bandwidth() (incoming, outgoing uint32) {
	return p.incomingBandwidth, p.outgoingBandwidth
}

// WindowSize returns the reliable window in bytes (4096..65536).
func (p *Peer) WindowSize() uint32 { return p.windowSize }

// ThrottleLimit returns the packet throttle limit (1..32) set by the
// bandwidth throttle.
func (p *Peer) ThrottleLimit() uint32 { return p.packetThrottleLimit }

// bandwidthWake bounds a wait so that a pending recalculation is sent
// within the throttle interval.
func (h *Host) bandwidthWake(now, wake uint32) uint32 {
	if !h.bw.recalc || h.connectedPeers == 0 {
		return wake
	}
	due := h.bw.epoch + protocol.HostBandwidthThrottleInterval
	if timeGreaterEqual(now, due) {
		return 0
	}
	return min(wake, due-now)
}

func connectedState(p *Peer) bool {
	return p.state == StateConnected || p.state == StateDisconnectLater
}

// throttleOf is libenet's host throttle: 32 when data fits bandwidth.
func throttleOf(bandwidth, data uint64) uint64 {
	if data <= bandwidth {
		return protocol.PeerPacketThrottleScale
	}
	return bandwidth * protocol.PeerPacketThrottleScale / data
}

// bandwidthThrottle is enet_host_bandwidth_throttle.
func (h *Host) bandwidthThrottle(now uint32) {
	elapsed := uint64(now - h.bw.epoch)
	if elapsed < protocol.HostBandwidthThrottleInterval {
		return
	}
	h.bw.epoch = now
	remaining := h.connectedPeers
	if remaining == 0 {
		return
	}
	h.bw.round++
	if h.bw.round == 0 {
		h.bw.round = 1
	}
	mark := h.bw.round

	// Unlimited is the same huge value on both sides, so the comparison
	// below stays "fits" through the subtractions, as in libenet.
	dataTotal, bandwidth := uint64(math.MaxUint64), uint64(math.MaxUint64)
	if out := h.cfg.OutgoingBandwidth; out != 0 {
		dataTotal = 0
		bandwidth = uint64(out) * elapsed / 1000
		for i := range h.peers {
			if p := &h.peers[i]; connectedState(p) {
				dataTotal += p.bw.outgoingDataTotal
			}
		}
	}

	needsAdjustment := h.bandwidthLimitedPeers > 0
	for remaining > 0 && needsAdjustment {
		needsAdjustment = false
		throttle := throttleOf(bandwidth, dataTotal)
		for i := range h.peers {
			p := &h.peers[i]
			if !connectedState(p) || p.incomingBandwidth == 0 || p.bw.outMark == mark {
				continue
			}
			peerBandwidth := uint64(p.incomingBandwidth) * elapsed / 1000
			if throttle*p.bw.outgoingDataTotal/protocol.PeerPacketThrottleScale <= peerBandwidth {
				continue
			}
			// outgoingDataTotal > 0 here, or the test above would hold.
			limit := peerBandwidth * protocol.PeerPacketThrottleScale / p.bw.outgoingDataTotal
			p.packetThrottleLimit = uint32(max(limit, 1))
			p.packetThrottle = min(p.packetThrottle, p.packetThrottleLimit)
			p.bw.outMark = mark
			p.bw.outgoingDataTotal = 0
			needsAdjustment = true
			remaining--
			bandwidth -= peerBandwidth
			dataTotal -= peerBandwidth
		}
	}
	if remaining > 0 {
		throttle := uint32(throttleOf(bandwidth, dataTotal))
		for i := range h.peers {
			p := &h.peers[i]
			if !connectedState(p) || p.bw.outMark == mark {
				continue
			}
			p.packetThrottleLimit = throttle
			p.packetThrottle = min(p.packetThrottle, throttle)
			p.bw.outgoingDataTotal = 0
		}
	}

	if !h.bw.recalc {
		return
	}
	h.bw.recalc = false
	remaining = h.connectedPeers
	share := uint64(h.cfg.IncomingBandwidth)
	var limit uint64
	needsAdjustment = share != 0 // libenet: no sharing of an unlimited bandwidth
	for remaining > 0 && needsAdjustment {
		needsAdjustment = false
		limit = share / uint64(remaining)
		for i := range h.peers {
			p := &h.peers[i]
			if !connectedState(p) || p.bw.inMark == mark {
				continue
			}
			if p.outgoingBandwidth > 0 && uint64(p.outgoingBandwidth) >= limit {
				continue
			}
			p.bw.inMark = mark
			needsAdjustment = true
			remaining--
			share -= uint64(p.outgoingBandwidth)
		}
	}
	out := h.cfg.OutgoingBandwidth
	for i := range h.peers {
		p := &h.peers[i]
		if !connectedState(p) {
			continue
		}
		in := uint32(limit)
		if p.bw.inMark == mark {
			in = p.outgoingBandwidth
		}
		if in == p.bw.toldIn && out == p.bw.toldOut {
			continue
		}
		p.bw.toldIn, p.bw.toldOut = in, out
		p.queueControl(protocol.CommandBandwidthLimit, protocol.CommandFlagAcknowledge, func(hdr protocol.CommandHeader, dst []byte) []byte {
			return (&protocol.BandwidthLimit{Header: hdr, IncomingBandwidth: in, OutgoingBandwidth: out}).Append(dst)
		})
	}
}
