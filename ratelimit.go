package packetpeer

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token-bucket limit on packets and bytes per second in one
// direction (golang.org/x/time/rate). A zero rate means that dimension is
// unlimited; the zero RateLimit limits nothing.
type RateLimit struct {
	// PacketsPerSecond is the sustained packet rate. Zero: unlimited.
	PacketsPerSecond float64
	// BytesPerSecond is the sustained payload rate. Zero: unlimited.
	BytesPerSecond float64
	// PacketBurst is how many packets may pass at once after a quiet
	// period. Zero: PacketsPerSecond rounded up (one second's worth), at
	// least 1.
	PacketBurst int
	// ByteBurst is how many bytes may pass at once; it is also the largest
	// packet that can ever pass. Zero: BytesPerSecond rounded up, at least
	// 1.
	ByteBurst int
}

// RateLimitConfig configures NewRateLimitedPeer.
type RateLimitConfig struct {
	// In limits packets returned by GetPacket; Out limits PutPacket.
	In, Out RateLimit
	// Stats, when set, counts incoming packets dropped for being over the
	// limit (DropRateLimited).
	Stats *Stats
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// RateLimitedPeer is a PacketPeer that limits the packets and bytes per
// second passing through its inner peer, separately in each direction.
//
// Policy when a limit is exceeded:
//   - Outgoing: PutPacket returns an error wrapping ErrBusy at once and
//     sends nothing; no tokens are spent, nothing is dropped, and the
//     caller may retry later (or drop the packet itself). A packet larger
//     than Out.ByteBurst can never pass and fails with ErrInvalidParameter.
//   - Incoming: packets over the In limit are dropped (consumed from the
//     inner peer and discarded) and counted in Config.Stats as
//     DropRateLimited, so a flooding sender cannot build up latency or
//     memory; GetPacket goes on to the next packet and returns
//     ErrUnavailable when none passes. AvailablePacketCount is the inner
//     peer's, so it may count packets that GetPacket will then drop.
//
// It is safe for concurrent use and allocates nothing per packet.
type RateLimitedPeer struct {
	inner    PacketPeer
	stats    *Stats
	now      func() time.Time
	mu       sync.Mutex
	inPkts   *rate.Limiter // nil: unlimited
	inBytes  *rate.Limiter
	outPkts  *rate.Limiter
	outBytes *rate.Limiter
}

// NewRateLimitedPeer wraps inner with the limits in cfg. A negative or NaN
// rate or burst is an error wrapping ErrInvalidParameter.
func NewRateLimitedPeer(inner PacketPeer, cfg RateLimitConfig) (*RateLimitedPeer, error) {
	p := &RateLimitedPeer{inner: inner, stats: cfg.Stats, now: cfg.Now}
	if p.now == nil {
		p.now = time.Now
	}
	var err error
	if p.inPkts, p.inBytes, err = cfg.In.limiters("In"); err != nil {
		return nil, err
	}
	if p.outPkts, p.outBytes, err = cfg.Out.limiters("Out"); err != nil {
		return nil, err
	}
	return p, nil
}

func (l RateLimit) limiters(dir string) (pkts, bytes *rate.Limiter, err error) {
	bad := func(v float64) bool { return v < 0 || math.IsNaN(v) || math.IsInf(v, 0) }
	if bad(l.PacketsPerSecond) || bad(l.BytesPerSecond) || l.PacketBurst < 0 || l.ByteBurst < 0 {
		return nil, nil, fmt.Errorf("packetpeer: RateLimitConfig.%s: negative or non-finite rate or burst %+v: %w", dir, l, ErrInvalidParameter)
	}
	burst := func(b int, r float64) int {
		if b > 0 {
			return b
		}
		return max(1, int(math.Min(math.Ceil(r), math.MaxInt32)))
	}
	if l.PacketsPerSecond > 0 {
		pkts = rate.NewLimiter(rate.Limit(l.PacketsPerSecond), burst(l.PacketBurst, l.PacketsPerSecond))
	}
	if l.BytesPerSecond > 0 {
		bytes = rate.NewLimiter(rate.Limit(l.BytesPerSecond), burst(l.ByteBurst, l.BytesPerSecond))
	}
	return pkts, bytes, nil
}

// allow takes one packet of n bytes from both limiters if both have the
// tokens, else nothing. Called with p.mu held.
func allow(pkts, bytes *rate.Limiter, now time.Time, n int) bool {
	if pkts != nil && pkts.TokensAt(now) < 1 {
		return false
	}
	if bytes != nil && bytes.TokensAt(now) < float64(n) {
		return false
	}
	if pkts != nil {
		pkts.AllowN(now, 1)
	}
	if bytes != nil {
		bytes.AllowN(now, n)
	}
	return true
}

// PutPacket sends b if the Out limit allows it now, else returns an error
// wrapping ErrBusy (see RateLimitedPeer for the policy).
func (p *RateLimitedPeer) PutPacket(b []byte) error {
	if len(b) == 0 {
		return p.inner.PutPacket(b)
	}
	p.mu.Lock()
	if p.outBytes != nil && len(b) > p.outBytes.Burst() {
		p.mu.Unlock()
		return fmt.Errorf("packetpeer: packet of %d bytes exceeds the rate limit's byte burst %d: %w", len(b), p.outBytes.Burst(), ErrInvalidParameter)
	}
	ok := allow(p.outPkts, p.outBytes, p.now(), len(b))
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("packetpeer: outgoing rate limit exceeded: %w", ErrBusy)
	}
	// Tokens are spent even if the inner peer then refuses the packet: the
	// attempt is what the limit meters.
	return p.inner.PutPacket(b)
}

// GetPacket returns the next incoming packet within the In limit, dropping
// (and counting) the ones over it; ErrUnavailable when none is left.
func (p *RateLimitedPeer) GetPacket() ([]byte, error) {
	for {
		b, err := p.inner.GetPacket()
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		ok := allow(p.inPkts, p.inBytes, p.now(), len(b))
		p.mu.Unlock()
		if ok {
			return b, nil
		}
		if p.stats != nil {
			p.stats.Drop(DropRateLimited, len(b))
		}
	}
}

// AvailablePacketCount returns the inner peer's count (see RateLimitedPeer).
func (p *RateLimitedPeer) AvailablePacketCount() int { return p.inner.AvailablePacketCount() }

// MaxPacketSize returns the inner peer's limit, or Out.ByteBurst when that
// is smaller.
func (p *RateLimitedPeer) MaxPacketSize() int {
	m := p.inner.MaxPacketSize()
	if p.outBytes != nil {
		m = min(m, p.outBytes.Burst())
	}
	return m
}

// Close closes the inner peer.
func (p *RateLimitedPeer) Close() error { return p.inner.Close() }

// Wait waits for a packet on the inner peer (see the package function Wait).
func (p *RateLimitedPeer) Wait(ctx context.Context) error { return Wait(ctx, p.inner) }
