package enet

// SetBandwidthLimit changes the host's incoming and outgoing bandwidth in
// bytes per second, 0 meaning unlimited (enet_host_bandwidth_limit); the
// initial values are HostConfig.IncomingBandwidth and OutgoingBandwidth.
//
// The bandwidth throttle (enet_host_bandwidth_throttle) runs once per
// second from Service/NextEvent. It limits the unreliable packets sent to
// each peer to about the smaller of OutgoingBandwidth shared among the
// peers in proportion to what is queued to them, and the incoming
// bandwidth the peer announced: an unreliable packet is sent with
// probability (t+1)/32 and otherwise dropped, where the throttle t is
// capped at 32 × allowed bytes / bytes queued over the last second. The
// same throttle scales the reliable data in flight (never below one MTU).
// Reliable packets are never dropped.
//
// Within a second of a change (and of a peer connecting or leaving), the
// host shares IncomingBandwidth among its peers, as libenet does, and
// tells each peer its share in a BANDWIDTH_LIMIT command, which also
// carries OutgoingBandwidth: a peer that announced a non-zero outgoing
// bandwidth below the fair share is told its own outgoing bandwidth, the
// others split the rest, and a peer that announced an outgoing bandwidth
// of 0 is told 0 (unlimited; libenet's rule). The peer sizes its reliable
// window for us from it (bandwidth/65536 × 4096 bytes, clamped to
// 4096..65536). A BANDWIDTH_LIMIT is only sent when a peer's values
// change (libenet re-sends unchanged ones after every connect and
// disconnect). Windows already negotiated are not recomputed here, as in
// libenet. Returns ErrClosed after Close.
func (h *Host) SetBandwidthLimit(incoming, outgoing uint32) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	h.eng.SetBandwidthLimit(incoming, outgoing)
	h.poke()
	return nil
}

// BandwidthLimit returns the host's incoming and outgoing bandwidth in
// bytes per second (0: unlimited).
func (h *Host) BandwidthLimit() (incoming, outgoing uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.eng.BandwidthLimit()
}

// PeerBandwidth describes the bandwidth state of a connection.
type PeerBandwidth struct {
	// Incoming and Outgoing are the remote host's bandwidth in bytes per
	// second as it last announced it (CONNECT, VERIFY_CONNECT or
	// BANDWIDTH_LIMIT; 0: unlimited). Incoming is what the remote allows
	// this host to send it.
	Incoming, Outgoing uint32
	// Window is the reliable window in bytes, 4096..65536.
	Window int
	// ThrottleLimit caps the packet throttle, 1..32 (32: no limit), as
	// set by the bandwidth throttle once per second.
	ThrottleLimit int
}

// Bandwidth returns the connection's bandwidth state (zero after the
// connection ended).
func (p *Peer) Bandwidth() PeerBandwidth {
	h := p.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if !p.live() {
		return PeerBandwidth{}
	}
	in, out := p.p.Bandwidth()
	return PeerBandwidth{Incoming: in, Outgoing: out, Window: int(p.p.WindowSize()), ThrottleLimit: int(p.p.ThrottleLimit())}
}
