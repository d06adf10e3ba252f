package enet

// HardeningStats counts how the host treated incoming connection attempts
// (see HostConfig.MaxPendingConnections and RetransmitVerifyConnect).
type HardeningStats struct {
	ConnectsAccepted      uint64 // CONNECTs that took a slot
	ConnectsRetransmitted uint64 // CONNECTs repeating one already being handled
	VerifyResent          uint64 // VERIFY_CONNECTs re-sent in answer to those
	ConnectsInvalid       uint64 // malformed CONNECTs
	RefusedFull           uint64 // no free peer slot
	RefusedDuplicatePeers uint64 // DuplicatePeers connections from the source IP
	RefusedPending        uint64 // MaxPendingConnections handshakes in progress
	RefusedPendingAddress uint64 // MaxPendingPerAddress handshakes from the source IP
	ImplicitConnects      uint64 // handshakes completed by data after a lost acknowledgement
}

// HardeningStats returns the host's connection-attempt counters.
func (h *Host) HardeningStats() HardeningStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.eng.Connects
	return HardeningStats{
		ConnectsAccepted: s.Accepted, ConnectsRetransmitted: s.Retransmitted, VerifyResent: s.VerifyResent,
		ConnectsInvalid: s.Invalid, RefusedFull: s.RefusedFull, RefusedDuplicatePeers: s.RefusedAddress,
		RefusedPending: s.RefusedPending, RefusedPendingAddress: s.RefusedPerAddr, ImplicitConnects: s.ImplicitConnect,
	}
}
