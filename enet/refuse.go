package enet

import (
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/engine"
)

// ConnectFilter decides about an incoming connection before it takes a
// peer slot. addr is the client's address, channelCount the channel count
// it asked for (1..255, before HostConfig.ChannelLimit caps it), data its
// 32-bit connect data (what it passed to enet_host_connect; a Godot
// client's unique id). Returning refuse turns the client away with reason
// as disconnect data (see Host.SetConnectFilter).
type ConnectFilter func(addr netip.AddrPort, channelCount int, data uint32) (refuse bool, reason uint32)

// SetConnectFilter installs f (nil removes it). f is called for every
// CONNECT that would start a new connection, from the goroutine servicing
// the host, with the host locked: it must return quickly and must not call
// methods of the Host or its Peers. A CONNECT that repeats one already
// being handled, or that a HardeningStats limit drops, does not reach f.
//
// A refused client is answered with one datagram and nothing about it is
// kept: a DISCONNECT (command 0x44, unacknowledged, channel 0xFF, data =
// reason) addressed to the client's own peer index from the CONNECT, with
// the CONNECT's connect ID as checksum seed when HostConfig.Checksum is
// set; 10 bytes, 14 with the checksum, for a CONNECT of at least 52. A
// libenet 1.3.17 client (and this package's) that is still connecting
// accepts it and reports EventDisconnect with Data = reason, and no
// EventConnect; Godot's clients then emit connection_failed. Refusals to
// one source IP address are limited to a burst of 4 and one per 250 ms
// after that (a fixed table of 256 addresses); over the rate the CONNECT
// is dropped, and the client, which re-sends its CONNECT on its
// retransmission timer, is answered later. See RefusalStats.
//
// libenet has no such hook: a libenet server accepts the connection and
// can only disconnect it afterwards, so the client sees a connect and
// then a disconnect.
func (h *Host) SetConnectFilter(f ConnectFilter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f == nil {
		h.eng.SetConnectFilter(nil)
		return
	}
	h.eng.SetConnectFilter(engine.ConnectFilter(f))
}

// SetRefuseWhenFull makes a host whose peer slots are all in use answer a
// new CONNECT with a refusal carrying reason (as SetConnectFilter
// describes; same rate limit) when refuse is true. By default (false) such
// a CONNECT is dropped, as libenet does, and the client times out after
// about 5 s or more of retransmissions. The connect filter, if any, is
// asked first.
func (h *Host) SetRefuseWhenFull(refuse bool, reason uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.eng.SetRefuseFull(refuse, reason)
}

// RefusalStats counts refused connection attempts.
type RefusalStats struct {
	Filtered    uint64 // CONNECTs the connect filter refused
	Full        uint64 // CONNECTs that found no free peer slot (refused or dropped)
	Sent        uint64 // refusal datagrams sent
	RateLimited uint64 // refusals not sent: the source IP was over its refusal rate
}

// RefusalStats returns the host's refusal counters.
func (h *Host) RefusalStats() RefusalStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.eng.Connects
	return RefusalStats{Filtered: s.RefusedFilter, Full: s.RefusedFull, Sent: s.RefusalsSent, RateLimited: s.RefusalsLimited}
}
