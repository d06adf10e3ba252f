package engine

import (
	"hash/maphash"
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Refusing a connection so that the client sees a failed connect.
//
// A libenet 1.3.17 client in the CONNECTING state accepts a datagram whose
// header peer ID is its own peer index (the CONNECT's outgoingPeerID) and
// that comes from the address it is connecting to: the session bits are
// not checked while its outgoingPeerID is still 0xFFF (it learns ours only
// from VERIFY_CONNECT), and the checksum, when enabled, is seeded with the
// connect ID it chose. A DISCONNECT command in such a datagram moves the
// peer to ZOMBIE with the command's data as event data
// (enet_protocol_handle_disconnect), so the application gets
// ENET_EVENT_TYPE_DISCONNECT with that data and never a CONNECT event. The
// engine's own client (handleDisconnect) does the same.
//
// A refusal is therefore answered with one datagram, built from the
// CONNECT alone, without a peer slot:
//
//	offset 0  u16 BE  peer ID field: the CONNECT's outgoingPeerID, session
//	                  bits = the CONNECT's incomingSessionID & 3, no flags
//	                  (no sent time, never compressed)
//	offset 2  4 bytes CRC-32 seeded with the CONNECT's connect ID (only
//	                  with Config.Checksum)
//	then      8 bytes DISCONNECT: command 0x44 (UNSEQUENCED, not to be
//	                  acknowledged), channel 0xFF, sequence 0, u32 BE data
//
// 10 bytes (14 with the checksum) in answer to a CONNECT datagram of at
// least 52 (4-byte header + 48-byte command): an unverified source address
// never gets back more than a fifth of what was sent in its name. In
// addition refusals are rate-limited per source IP address: a token bucket
// of refusalBurst refusals refilled with one every refusalRefillMS
// milliseconds, kept in a fixed table of refusalSlots entries indexed by a
// keyed hash of the address (an entry taken over by another address starts
// full). A CONNECT over the rate is dropped and counted in
// ConnectStats.RefusalsLimited; a libenet client re-sends its CONNECT on
// its retransmission timer (about 0.5 s, 1.5 s, 3.5 s ... after the first)
// and gets the refusal then. Nothing else is kept about a refused client.

const (
	refusalSlots    = 256
	refusalBurst    = 4
	refusalRefillMS = 250
)

// ConnectFilter decides about a CONNECT that would start a new connection;
// see Host.SetConnectFilter.
type ConnectFilter func(addr netip.AddrPort, channelCount int, data uint32) (refuse bool, reason uint32)

type refusalSlot struct {
	addr   netip.Addr
	tokens uint32
	last   uint32
}

// refusalState is the host's refusal policy and rate table.
type refusalState struct {
	filter         ConnectFilter
	refuseFull     bool
	refuseFullData uint32
	key            uint64
	slots          [refusalSlots]refusalSlot
	buf            [protocol.HeaderMinSize + protocol.ChecksumSize + protocol.DisconnectSize]byte
}

// SetConnectFilter installs f (nil removes it). f is called from Receive
// for every CONNECT that would start a new connection (not for a
// retransmitted CONNECT of a handshake in progress), after the
// DuplicatePeers and pending-handshake limits and before a peer slot is
// taken; when it returns refuse, the client is sent a refusal carrying
// reason (see the package comment of refuse.go) and no slot is used.
func (h *Host) SetConnectFilter(f ConnectFilter) { h.refusal.filter = f }

// SetRefuseFull makes a host with no free peer slot answer a CONNECT with
// a refusal carrying data (on), or drop it as libenet does (off, the
// default).
func (h *Host) SetRefuseFull(on bool, data uint32) {
	h.refusal.refuseFull, h.refusal.refuseFullData = on, data
}

// allowRefusal takes a token from addr's bucket.
func (r *refusalState) allow(addr netip.Addr, now uint32) bool {
	if r.key == 0 {
		r.key = maphash.Bytes(maphash.MakeSeed(), nil) | 1
	}
	b := addr.As16()
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	x := (hi ^ r.key) * 0x9E3779B97F4A7C15
	x ^= lo
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 31
	s := &r.slots[x%refusalSlots]
	if s.addr != addr {
		*s = refusalSlot{addr: addr, tokens: refusalBurst - 1, last: now}
		return true
	}
	if add := timeDiff(now, s.last) / refusalRefillMS; add > 0 {
		s.tokens = min(refusalBurst, s.tokens+add)
		s.last = now
	}
	if s.tokens == 0 {
		return false
	}
	s.tokens--
	return true
}

// sendRefusal answers the CONNECT c from addr with a DISCONNECT carrying data,
// unless addr is over its refusal rate.
func (h *Host) sendRefusal(c *protocol.Connect, to netip.AddrPort, data uint32) {
	r := &h.refusal
	if !r.allow(to.Addr(), h.now) {
		h.Connects.RefusalsLimited++
		return
	}
	hb := protocol.Header{PeerID: c.OutgoingPeerID, SessionID: c.IncomingSessionID & 3}.Append(r.buf[:0])
	bodyAt := len(hb)
	if h.cfg.Checksum {
		bodyAt += protocol.ChecksumSize
	}
	body := (&protocol.Disconnect{Header: protocol.CommandHeader{
		Command: uint8(protocol.CommandDisconnect) | protocol.CommandFlagUnsequenced, ChannelID: protocol.ControlChannel,
	}, Data: data}).Append(r.buf[bodyAt:bodyAt])
	if h.cfg.Checksum {
		sum := protocol.Checksum(hb, c.ConnectID, body)
		copy(r.buf[len(hb):], sum[:])
	}
	dg := r.buf[:bodyAt+len(body)]
	h.Connects.RefusalsSent++
	h.TotalSentPackets++
	h.TotalSentData += uint64(len(dg))
	if h.cfg.Send != nil {
		h.cfg.Send(dg, to)
	}
}
