package packetpeer

import (
	"context"
	"fmt"
	"sync/atomic"
)

// DropReason says why a packet was dropped. Transports and wrappers count
// drops in a Stats under one of these reasons.
type DropReason int

// Drop reasons. Their String forms are the names used in snapshots, logs
// and JSON.
const (
	// DropQueueFull ("queue_full"): a bounded receive queue was full.
	DropQueueFull DropReason = iota
	// DropWrongSender ("wrong_sender"): a datagram from an address the peer
	// is not connected to.
	DropWrongSender
	// DropOversize ("oversize"): larger than the configured maximum.
	DropOversize
	// DropDecompressError ("decompress_error"): a compressed packet that did
	// not decompress.
	DropDecompressError
	// DropRateLimited ("rate_limited"): over a RateLimitedPeer's incoming
	// limit.
	DropRateLimited
	// DropInvalidData ("invalid_data"): malformed framing or headers.
	DropInvalidData
	// DropClosed ("closed"): arrived or was queued while closing.
	DropClosed
	// DropOther ("other"): any other reason.
	DropOther

	numDropReasons = iota
)

var dropNames = [numDropReasons]string{
	"queue_full", "wrong_sender", "oversize", "decompress_error",
	"rate_limited", "invalid_data", "closed", "other",
}

// String returns the reason's snake_case name, e.g. "queue_full".
func (r DropReason) String() string {
	if r >= 0 && int(r) < numDropReasons {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", int(r))
}

// MarshalText returns String, so that snapshots marshal to JSON with named
// keys.
func (r DropReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Stats counts packets and bytes in and out and drops by reason. All methods
// are safe for concurrent use and do not allocate; the zero value is ready.
// Counters are uint64 and wrap around on overflow. Bytes are packet payload
// bytes as seen by the peer that counts them (a StatsPeer under a
// compression wrapper counts compressed bytes, above it uncompressed ones).
type Stats struct {
	packetsIn, packetsOut atomic.Uint64
	bytesIn, bytesOut     atomic.Uint64
	drops, dropBytes      [numDropReasons]atomic.Uint64
}

// In counts one received packet of n bytes.
func (s *Stats) In(n int) {
	s.packetsIn.Add(1)
	s.bytesIn.Add(uint64(n))
}

// Out counts one sent packet of n bytes.
func (s *Stats) Out(n int) {
	s.packetsOut.Add(1)
	s.bytesOut.Add(uint64(n))
}

// Drop counts one dropped packet of n bytes for reason r. An unknown reason
// counts as DropOther.
func (s *Stats) Drop(r DropReason, n int) {
	if r < 0 || int(r) >= numDropReasons {
		r = DropOther
	}
	s.drops[r].Add(1)
	s.dropBytes[r].Add(uint64(n))
}

// StatsSnapshot is a copy of a Stats' counters at one moment (each counter
// is read atomically, the set is not).
type StatsSnapshot struct {
	PacketsIn, PacketsOut uint64
	BytesIn, BytesOut     uint64
	// Drops and DropBytes are the dropped packets and their bytes by reason;
	// reasons with no drops are absent.
	Drops     map[DropReason]uint64
	DropBytes map[DropReason]uint64
}

// Dropped returns the total number of dropped packets.
func (s StatsSnapshot) Dropped() uint64 {
	var n uint64
	for _, d := range s.Drops {
		n += d
	}
	return n
}

// Snapshot returns the current counters.
func (s *Stats) Snapshot() StatsSnapshot {
	snap := StatsSnapshot{
		PacketsIn:  s.packetsIn.Load(),
		PacketsOut: s.packetsOut.Load(),
		BytesIn:    s.bytesIn.Load(),
		BytesOut:   s.bytesOut.Load(),
		Drops:      map[DropReason]uint64{},
		DropBytes:  map[DropReason]uint64{},
	}
	for r := range numDropReasons {
		if d := s.drops[r].Load(); d != 0 {
			snap.Drops[DropReason(r)] = d
			snap.DropBytes[DropReason(r)] = s.dropBytes[r].Load()
		}
	}
	return snap
}

// StatsPeer is a PacketPeer that counts what passes through its inner peer:
// every successful PutPacket as out, every packet GetPacket returns as in.
// Failed calls are not counted (the caller still has the packet or there
// was none). Wrappers and transports can count their drops in the same
// Stats (see Stats). It implements Waiter.
type StatsPeer struct {
	inner PacketPeer
	stats *Stats
}

// NewStatsPeer wraps inner, counting into stats, or into a new Stats when
// stats is nil.
func NewStatsPeer(inner PacketPeer, stats *Stats) *StatsPeer {
	if stats == nil {
		stats = new(Stats)
	}
	return &StatsPeer{inner: inner, stats: stats}
}

// Stats returns the counters.
func (p *StatsPeer) Stats() *Stats { return p.stats }

// Inner returns the wrapped peer.
func (p *StatsPeer) Inner() PacketPeer { return p.inner }

// PutPacket sends b through the inner peer and counts it when that succeeds.
func (p *StatsPeer) PutPacket(b []byte) error {
	if err := p.inner.PutPacket(b); err != nil {
		return err
	}
	if len(b) > 0 {
		p.stats.Out(len(b))
	}
	return nil
}

// GetPacket returns the inner peer's next packet and counts it.
func (p *StatsPeer) GetPacket() ([]byte, error) {
	b, err := p.inner.GetPacket()
	if err == nil {
		p.stats.In(len(b))
	}
	return b, err
}

// AvailablePacketCount returns the inner peer's count.
func (p *StatsPeer) AvailablePacketCount() int { return p.inner.AvailablePacketCount() }

// MaxPacketSize returns the inner peer's limit.
func (p *StatsPeer) MaxPacketSize() int { return p.inner.MaxPacketSize() }

// Close closes the inner peer.
func (p *StatsPeer) Close() error { return p.inner.Close() }

// Wait waits on the inner peer (see the package function Wait).
func (p *StatsPeer) Wait(ctx context.Context) error { return Wait(ctx, p.inner) }
