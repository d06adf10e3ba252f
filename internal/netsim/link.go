package netsim

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Generator streams: the second PCG word, so that the directions of one
// Proxy or PacketConn draw independent sequences from the same Seed.
const (
	streamUp   uint64 = 0x6e657473696d2075 // client→target, PacketConn writes
	streamDown uint64 = 0x6e657473696d2064 // target→client, PacketConn reads
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// decision is what the impairment does to one packet.
type decision struct {
	lose, dup, reorder bool
	delay, dupDelay    int64 // nanoseconds, ≥ 0
}

// decide draws exactly five numbers whatever it decides, so the decisions
// for packet i depend only on the seed and i.
func decide(r *rand.Rand, imp *Impairment) decision {
	uLoss, uDup, uReorder := r.Float64(), r.Float64(), r.Float64()
	j1, j2 := r.Float64(), r.Float64()
	return decision{
		lose:     uLoss < imp.Loss,
		dup:      uDup < imp.Duplicate,
		reorder:  uReorder < imp.Reorder,
		delay:    jittered(imp, j1),
		dupDelay: jittered(imp, j2),
	}
}

// jittered is Latency + (2u-1)·Jitter, clamped at zero.
func jittered(imp *Impairment, u float64) int64 {
	d := int64(imp.Latency)
	if imp.Jitter > 0 {
		d += int64((2*u - 1) * float64(imp.Jitter))
	}
	return max(d, 0)
}

// packet is one datagram queued in a link. Packets come from two pools by
// size, so that a steady flow allocates nothing.
type packet struct {
	b         []byte // payload; aliases buf
	buf       []byte // pooled storage
	addr      netip.AddrPort
	ref       any // destination (a *mapping, a net.Addr)
	seq       uint64
	due       int64 // delivery time, link clock
	holdUntil int64 // reordering: deliver by then even if not overtaken
}

const smallPacket = 2048

var (
	smallPool = sync.Pool{New: func() any { return &packet{buf: make([]byte, smallPacket)} }}
	largePool = sync.Pool{New: func() any { return &packet{buf: make([]byte, 1<<16)} }}
)

func getPacket(b []byte) *packet {
	var p *packet
	if len(b) <= smallPacket {
		p = smallPool.Get().(*packet)
	} else {
		p = largePool.Get().(*packet)
		if len(b) > len(p.buf) { // cannot happen with UDP; be safe anyway
			p.buf = make([]byte, len(b))
		}
	}
	p.b = p.buf[:copy(p.buf, b)]
	return p
}

func putPacket(p *packet) {
	p.b, p.ref, p.addr = nil, nil, netip.AddrPort{}
	if cap(p.buf) == smallPacket {
		smallPool.Put(p)
	} else {
		largePool.Put(p)
	}
}

// ring is a FIFO that grows by doubling.
type ring[T any] struct {
	buf        []T
	head, size int
}

func (r *ring[T]) len() int { return r.size }
func (r *ring[T]) peek() T  { return r.buf[r.head] }

func (r *ring[T]) push(v T) {
	if r.size == len(r.buf) {
		nb := make([]T, max(16, 2*len(r.buf)))
		for i := range r.size {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v
}

// deliverFunc hands a packet to its destination; b is only valid during the
// call.
type deliverFunc func(b []byte, addr netip.AddrPort, ref any) error

// link is one impaired direction. Loss and duplication alone are applied in
// the sender's goroutine; anything that delays packets goes through one
// scheduler goroutine per link. Delivery times are non-decreasing (jitter
// does not reorder), so the timer queue is a FIFO ring rather than a heap;
// packets held back for reordering wait in a short list beside it.
type link struct {
	imp        Impairment
	sched      bool
	queueLimit int
	deliver    deliverFunc
	base       time.Time

	mu           sync.Mutex
	rng          *rand.Rand
	seq          uint64
	closed       bool
	q            ring[*packet] // by due, then seq
	held         []*packet     // by seq
	backlog      ring[int64]   // transmission end times of packets in the rate limiter
	busyUntil    int64
	lastDue      int64
	pendingBytes int
	discarded    uint64
	inFlight     atomic.Int64 // taken out of the queue, not yet delivered

	wake   chan struct{}
	done   chan struct{}
	exited chan struct{}

	in, forwarded, lost, queueDropped, duplicated, reordered, failed, bytes atomic.Uint64
}

// newLink validates imp and starts the link's scheduler if it needs one.
func newLink(imp Impairment, stream uint64, deliver deliverFunc) (*link, error) {
	if err := imp.Validate(); err != nil {
		return nil, err
	}
	l := &link{
		imp:        imp,
		sched:      imp.delays(),
		queueLimit: imp.QueueLimit,
		deliver:    deliver,
		base:       time.Now(),
		rng:        newRand(imp.Seed, stream),
	}
	if l.queueLimit == 0 {
		l.queueLimit = DefaultQueueLimit
	}
	if l.sched {
		l.wake = make(chan struct{}, 1)
		l.done = make(chan struct{})
		l.exited = make(chan struct{})
		go l.run()
	}
	return l, nil
}

func (l *link) now() int64 { return int64(time.Since(l.base)) }

// send puts b (copied if it must wait) into the link. It returns the
// delivery error of an inline delivery, net.ErrClosed after close, else nil:
// a lost packet is not an error, as with UDP.
func (l *link) send(b []byte, addr netip.AddrPort, ref any) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return net.ErrClosed
	}
	l.in.Add(1)
	d := decide(l.rng, &l.imp)
	seq := l.seq
	l.seq++
	if d.lose {
		l.mu.Unlock()
		l.lost.Add(1)
		return nil
	}
	if d.dup {
		l.duplicated.Add(1)
	}
	if !l.sched {
		l.mu.Unlock()
		err := l.deliverOne(b, addr, ref)
		if d.dup {
			if err2 := l.deliverOne(b, addr, ref); err == nil {
				err = err2
			}
		}
		return err
	}
	now := l.now()
	wake := l.enqueue(b, addr, ref, seq, now, d.delay, d.reorder)
	if d.dup {
		wake = l.enqueue(b, addr, ref, seq, now, d.dupDelay, false) || wake
	}
	l.mu.Unlock()
	if wake {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (l *link) deliverOne(b []byte, addr netip.AddrPort, ref any) error {
	if err := l.deliver(b, addr, ref); err != nil {
		l.failed.Add(1)
		return err
	}
	l.forwarded.Add(1)
	l.bytes.Add(uint64(len(b)))
	return nil
}

// enqueue queues a copy of b; l.mu is held. It reports whether the
// scheduler must re-plan its wake-up.
func (l *link) enqueue(b []byte, addr netip.AddrPort, ref any, seq uint64, now, delay int64, reorder bool) bool {
	if l.q.len()+len(l.held) >= maxPending || l.pendingBytes+len(b) > maxPendingBytes {
		l.queueDropped.Add(1)
		return false
	}
	txEnd := now
	if l.imp.Rate > 0 {
		for l.backlog.len() > 0 && l.backlog.peek() <= now {
			l.backlog.pop()
		}
		if l.backlog.len() >= l.queueLimit {
			l.queueDropped.Add(1)
			return false
		}
		start := max(now, l.busyUntil)
		// ≤ 65535·8·1e9 ≈ 5.2e14: no overflow.
		txEnd = start + int64(uint64(len(b))*8*uint64(time.Second)/l.imp.Rate)
		l.busyUntil = txEnd
		l.backlog.push(txEnd)
	}
	p := getPacket(b)
	p.addr, p.ref, p.seq = addr, ref, seq
	p.due = txEnd + delay
	l.pendingBytes += len(p.b)
	if reorder && len(l.held) < maxHeld {
		l.reordered.Add(1)
		p.holdUntil = p.due + int64(HoldTimeout)
		l.held = append(l.held, p)
		return true
	}
	p.due = max(p.due, l.lastDue)
	l.lastDue = p.due
	l.q.push(p)
	return l.q.len() == 1
}

// maxBatch bounds the packets one scheduler round takes out under the lock.
const maxBatch = 256

func (l *link) run() {
	defer close(l.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	batch := make([]*packet, 0, maxBatch+maxHeld)
	for {
		l.mu.Lock()
		now := l.now()
		batch = batch[:0]
		for l.q.len() > 0 && l.q.peek().due <= now && len(batch) < maxBatch {
			p := l.q.pop()
			batch = append(batch, p)
			// Release the held packets p overtook.
			n := 0
			for n < len(l.held) && l.held[n].seq < p.seq {
				n++
			}
			if n > 0 {
				batch = append(batch, l.held[:n]...)
				l.held = l.held[:copy(l.held, l.held[n:])]
			}
		}
		kept := l.held[:0]
		for _, h := range l.held {
			if h.holdUntil <= now {
				batch = append(batch, h)
			} else {
				kept = append(kept, h)
			}
		}
		clear(l.held[len(kept):])
		l.held = kept
		next := int64(-1)
		if l.q.len() > 0 {
			next = l.q.peek().due
		}
		for _, h := range l.held {
			if next < 0 || h.holdUntil < next {
				next = h.holdUntil
			}
		}
		for _, p := range batch {
			l.pendingBytes -= len(p.b)
		}
		full := len(batch) >= maxBatch
		l.inFlight.Add(int64(len(batch)))
		l.mu.Unlock()

		for i, p := range batch {
			_ = l.deliverOne(p.b, p.addr, p.ref)
			l.inFlight.Add(-1)
			putPacket(p)
			batch[i] = nil
		}
		if full {
			continue
		}
		if next >= 0 {
			d := next - l.now()
			if d <= 0 {
				continue
			}
			timer.Reset(time.Duration(d))
		}
		select {
		case <-timer.C:
		case <-l.wake:
		case <-l.done:
			return
		}
	}
}

// close stops the link and discards what it still holds (counted in
// Stats.Pending). Concurrent and later sends return net.ErrClosed.
func (l *link) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	if l.sched {
		close(l.done)
		<-l.exited
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.q.len() > 0 {
		putPacket(l.q.pop())
		l.discarded++
	}
	for i, h := range l.held {
		putPacket(h)
		l.held[i] = nil
		l.discarded++
	}
	l.held = l.held[:0]
	l.pendingBytes = 0
}

func (l *link) stats() Stats {
	l.mu.Lock()
	pending := uint64(l.q.len()+len(l.held)) + l.discarded + uint64(max(l.inFlight.Load(), 0))
	s := Stats{
		In:           l.in.Load(),
		Forwarded:    l.forwarded.Load(),
		DroppedLoss:  l.lost.Load(),
		DroppedQueue: l.queueDropped.Load(),
		Duplicated:   l.duplicated.Load(),
		Reordered:    l.reordered.Load(),
		Failed:       l.failed.Load(),
		Bytes:        l.bytes.Load(),
		Pending:      pending,
	}
	l.mu.Unlock()
	return s
}
