package netsim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Queue bounds.
const (
	// DefaultQueueLimit is the rate limiter's queue size when
	// Impairment.QueueLimit is zero: 1000 packets, netem's default limit.
	DefaultQueueLimit = 1000

	// MaxQueueLimit is the largest Impairment.QueueLimit accepted.
	MaxQueueLimit = 1 << 16

	// maxPending and maxPendingBytes bound everything a direction holds
	// (packets waiting for the rate limiter, delayed by latency, or held back
	// for reordering), whatever the impairment. A packet over either bound is
	// dropped and counted in Stats.DroppedQueue. A latency of 1 s at 60 000
	// packets/s of 1 KiB reaches them.
	maxPending      = 1 << 16
	maxPendingBytes = 64 << 20

	// maxHeld bounds the packets held back for reordering at once; a packet
	// chosen for reordering while maxHeld are held is simply not held.
	maxHeld = 1024

	// HoldTimeout is how long after its own delivery time a packet held back
	// for reordering waits for a later packet to overtake it before it is
	// delivered anyway (traffic may stop: the held packet is not lost).
	HoldTimeout = 100 * time.Millisecond
)

// Impairment describes what happens to the packets of one direction. The zero
// value forwards every packet at once, unchanged.
//
// Order of effects for each packet: loss, then duplication (the copy follows
// the original), then the rate limiter's queue (Rate, QueueLimit), then
// latency and jitter, then reordering.
//
// Determinism: every packet consumes the same number of draws from a PCG
// generator seeded with Seed, whatever is decided for it, so which packets
// are lost, duplicated or reordered, and their jitter, depend only on Seed
// and the order in which packets enter the direction, never on timing. Only
// drops by a full queue (Stats.DroppedQueue) depend on timing. The two
// directions of a Proxy or PacketConn use different streams even with the
// same Seed, so equal settings do not mean correlated losses.
type Impairment struct {
	// Loss is the probability (0..1) that a packet is dropped.
	Loss float64

	// Latency is the one-way delay added to every packet.
	Latency time.Duration

	// Jitter varies each packet's delay uniformly in Latency±Jitter. Jitter
	// may exceed Latency: a delay below zero counts as zero. Jitter never
	// reorders packets: a packet is never delivered before one that entered
	// the direction earlier (packets clump instead, as in a FIFO queue).
	// Use Reorder for reordering.
	Jitter time.Duration

	// Duplicate is the probability (0..1) that a packet is delivered twice.
	Duplicate float64

	// Reorder is the probability (0..1) that a packet is held back and
	// delivered right after the next packet that entered the direction after
	// it (so at least one later packet overtakes it). A held packet that no
	// later packet overtakes within HoldTimeout of its own delivery time is
	// delivered anyway.
	Reorder float64

	// Rate is the link's rate in bits per second (UDP payload bits; IP and
	// UDP headers are not counted); zero means unlimited. Packets wait in a
	// queue of QueueLimit packets for their turn; a packet that finds the
	// queue full is dropped (Stats.DroppedQueue). See ParseRate.
	Rate uint64

	// QueueLimit is the rate limiter's queue size in packets, counting the
	// packet being transmitted; zero means DefaultQueueLimit. Used only when
	// Rate is set.
	QueueLimit int

	// Seed seeds the generator behind every random decision (any value,
	// zero included, is a valid seed).
	Seed int64
}

// Errors returned by Impairment.Validate (wrapped, with the field and value).
var (
	ErrProbability = errors.New("netsim: probability outside 0..1")
	ErrNegative    = errors.New("netsim: negative duration")
	ErrQueueLimit  = errors.New("netsim: queue limit outside 0.." + strconv.Itoa(MaxQueueLimit))
)

// Validate reports the first invalid field: a probability (Loss, Duplicate,
// Reorder) outside 0..1 or NaN (ErrProbability), a negative Latency or Jitter
// (ErrNegative), or a QueueLimit outside 0..MaxQueueLimit (ErrQueueLimit).
// Jitter larger than Latency is valid (see Jitter).
func (imp Impairment) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", imp.Loss}, {"duplicate", imp.Duplicate}, {"reorder", imp.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("%w: %s %v", ErrProbability, p.name, p.v)
		}
	}
	if imp.Latency < 0 {
		return fmt.Errorf("%w: latency %v", ErrNegative, imp.Latency)
	}
	if imp.Jitter < 0 {
		return fmt.Errorf("%w: jitter %v", ErrNegative, imp.Jitter)
	}
	if imp.QueueLimit < 0 || imp.QueueLimit > MaxQueueLimit {
		return fmt.Errorf("%w: queue limit %d", ErrQueueLimit, imp.QueueLimit)
	}
	return nil
}

// delays reports whether the impairment delays or holds packets (and so needs
// a scheduler); loss and duplication alone are decided and applied inline.
func (imp Impairment) delays() bool {
	return imp.Latency > 0 || imp.Jitter > 0 || imp.Rate > 0 || imp.Reorder > 0
}

// String formats the impairment like the netsim command's flags.
func (imp Impairment) String() string {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if imp.Loss > 0 {
		add("loss=" + strconv.FormatFloat(imp.Loss, 'g', -1, 64))
	}
	if imp.Latency > 0 {
		add("latency=" + imp.Latency.String())
	}
	if imp.Jitter > 0 {
		add("jitter=" + imp.Jitter.String())
	}
	if imp.Duplicate > 0 {
		add("dup=" + strconv.FormatFloat(imp.Duplicate, 'g', -1, 64))
	}
	if imp.Reorder > 0 {
		add("reorder=" + strconv.FormatFloat(imp.Reorder, 'g', -1, 64))
	}
	if imp.Rate > 0 {
		add("rate=" + FormatRate(imp.Rate))
		q := imp.QueueLimit
		if q == 0 {
			q = DefaultQueueLimit
		}
		add("queue=" + strconv.Itoa(q))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// ErrRate is returned (wrapped) by ParseRate.
var ErrRate = errors.New("netsim: bad rate")

// rateUnits are tc's rate units (tc(8), "RATES"): decimal and binary bit
// units, and byte units, where "bps" means BYTES per second, as in tc.
var rateUnits = []struct {
	suffix string
	bits   float64 // bits per second per unit
}{
	// Longest suffixes first.
	{"kibit", 1 << 10}, {"mibit", 1 << 20}, {"gibit", 1 << 30}, {"tibit", 1 << 40},
	{"kibps", 8 << 10}, {"mibps", 8 << 20}, {"gibps", 8 << 30}, {"tibps", 8 << 40},
	{"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12},
	{"kbps", 8e3}, {"mbps", 8e6}, {"gbps", 8e9}, {"tbps", 8e12},
	{"bit", 1}, {"bps", 8},
}

// ParseRate parses a rate as tc(8) does and returns it in bits per second:
// a number (decimals allowed) followed by a unit, case-insensitive:
//
//	bit or none        bits per second
//	kbit mbit gbit tbit  10^3, 10^6, 10^9, 10^12 bits per second
//	kibit mibit gibit tibit  2^10, 2^20, 2^30, 2^40 bits per second
//	bps                BYTES per second (as in tc: 100kbps is 800 000 bit/s)
//	kbps mbps gbps tbps, kibps mibps gibps tibps  the same multiples of bytes per second
//
// "0" means unlimited. Examples: "1mbit" = 1 000 000, "500kbit" = 500 000,
// "100kbps" = 800 000.
func ParseRate(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range rateUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = num, u.bits
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || strings.ContainsAny(t, "+-xXpPeEiInN_") {
		return 0, fmt.Errorf("%w %q: want a number and a unit such as 500kbit or 1mbit", ErrRate, s)
	}
	bits := v * mult
	if bits >= math.MaxUint64 || (bits > 0 && bits < 1) {
		return 0, fmt.Errorf("%w %q: out of range", ErrRate, s)
	}
	return uint64(math.Round(bits)), nil
}

// FormatRate formats bits per second with the largest decimal tc bit unit
// that keeps it short: 1000000 → "1mbit", 1500 → "1.5kbit".
func FormatRate(bps uint64) string {
	units := []struct {
		name string
		v    float64
	}{{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}}
	for _, u := range units {
		if float64(bps) >= u.v {
			return strconv.FormatFloat(float64(bps)/u.v, 'g', 6, 64) + u.name
		}
	}
	return strconv.FormatUint(bps, 10) + "bit"
}

// Stats counts what happened to the packets of one direction. Once no
// packet is in transit (no send in progress, or after Close),
//
//	In + Duplicated == Forwarded + DroppedLoss + DroppedQueue + Failed + Pending
type Stats struct {
	In           uint64 // packets that entered the direction
	Forwarded    uint64 // packets delivered (copies included)
	DroppedLoss  uint64 // packets dropped by Loss
	DroppedQueue uint64 // packets (copies included) dropped by a full queue
	Duplicated   uint64 // extra copies made by Duplicate
	Reordered    uint64 // packets held back by Reorder
	Failed       uint64 // packets the destination refused (a write error; PacketConn: a full receive queue)
	Pending      uint64 // packets queued now (after Close: discarded at Close)
	Bytes        uint64 // payload bytes delivered
}

// String formats the counters as key=value pairs.
func (s Stats) String() string {
	return fmt.Sprintf("in=%d forwarded=%d lost=%d queue_dropped=%d duplicated=%d reordered=%d failed=%d pending=%d bytes=%d",
		s.In, s.Forwarded, s.DroppedLoss, s.DroppedQueue, s.Duplicated, s.Reordered, s.Failed, s.Pending, s.Bytes)
}
