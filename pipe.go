package packetpeer

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
)

// Pipe defaults.
const (
	// DefaultPipeBufferSize is the default byte capacity of each direction
	// of a Pipe: 1 MiB.
	DefaultPipeBufferSize = 1 << 20
	// DefaultPipeMaxPacketSize is the default largest packet of a Pipe:
	// 65536 bytes.
	DefaultPipeMaxPacketSize = 1 << 16
)

// PipeConfig configures NewPipe. The zero value (or nil) means the defaults.
type PipeConfig struct {
	// BufferSize is how many bytes each direction queues: every queued
	// packet takes its length plus 4 bytes, in a ring buffer allocated once
	// (like the ring buffer of Godot's PacketPeerUDP). Zero or negative:
	// DefaultPipeBufferSize. It is raised to MaxPacketSize+4 if smaller.
	BufferSize int
	// MaxPacketSize is the largest packet PutPacket accepts, in bytes. Zero
	// or negative: DefaultPipeMaxPacketSize.
	MaxPacketSize int
}

// Pipe is one end of an in-memory connected pair of PacketPeers made by
// NewPipe: packets put on one end are got, in order and intact, on the
// other. It is safe for concurrent use, implements Waiter, allocates only
// the slices GetPacket returns, and starts no goroutine.
//
// Limits and errors: PutPacket of more than MaxPacketSize bytes fails with
// an error wrapping ErrInvalidParameter; when the other end's queue has no
// room it fails with an error wrapping ErrBusy (nothing is queued or
// dropped: the caller still has the packet). After Close of this end every
// method fails with an error wrapping net.ErrClosed. After Close of the
// other end, PutPacket fails with an error wrapping net.ErrClosed, the
// packets already queued can still be read, and then Wait (and so
// ReadPacket) returns io.EOF.
type Pipe struct {
	s  *pipeShared
	id int // receives from s.q[id], sends to s.q[1-id]
}

type pipeShared struct {
	mu        sync.Mutex
	q         [2]pipeRing
	closed    [2]bool
	maxPacket int
}

// pipeRing is a byte ring buffer of [u32 LE length][payload] records.
type pipeRing struct {
	buf    []byte
	head   int // offset of the oldest record
	used   int // bytes in use
	count  int // records
	waitCh chan struct{}
}

// NewPipe returns the two connected ends of a new in-memory pipe.
func NewPipe(cfg *PipeConfig) (a, b *Pipe) {
	var c PipeConfig
	if cfg != nil {
		c = *cfg
	}
	if c.MaxPacketSize <= 0 {
		c.MaxPacketSize = DefaultPipeMaxPacketSize
	}
	if c.BufferSize <= 0 {
		c.BufferSize = DefaultPipeBufferSize
	}
	c.BufferSize = max(c.BufferSize, c.MaxPacketSize+4)
	s := &pipeShared{maxPacket: c.MaxPacketSize}
	s.q[0].buf = make([]byte, c.BufferSize)
	s.q[1].buf = make([]byte, c.BufferSize)
	return &Pipe{s: s, id: 0}, &Pipe{s: s, id: 1}
}

var errPipeClosed = fmt.Errorf("packetpeer: pipe closed: %w", net.ErrClosed)

// PutPacket queues a copy of p for the other end. See Pipe for the errors.
func (p *Pipe) PutPacket(b []byte) error {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed[p.id] {
		return errPipeClosed
	}
	if s.closed[1-p.id] {
		return fmt.Errorf("packetpeer: pipe closed by the other end: %w", net.ErrClosed)
	}
	if len(b) == 0 {
		return nil
	}
	if len(b) > s.maxPacket {
		return fmt.Errorf("packetpeer: packet of %d bytes exceeds the pipe's MaxPacketSize %d: %w", len(b), s.maxPacket, ErrInvalidParameter)
	}
	r := &s.q[1-p.id]
	if len(r.buf)-r.used < 4+len(b) {
		return fmt.Errorf("packetpeer: pipe queue full (%d of %d bytes used): %w", r.used, len(r.buf), ErrBusy)
	}
	var hdr [4]byte
	binary.LittleEndian.PutUint32(hdr[:], uint32(len(b)))
	r.write(hdr[:])
	r.write(b)
	r.count++
	if r.waitCh != nil {
		close(r.waitCh)
		r.waitCh = nil
	}
	return nil
}

func (r *pipeRing) write(b []byte) {
	tail := (r.head + r.used) % len(r.buf)
	n := copy(r.buf[tail:], b)
	copy(r.buf, b[n:])
	r.used += len(b)
}

func (r *pipeRing) read(b []byte) {
	n := copy(b, r.buf[r.head:])
	copy(b[n:], r.buf)
	r.head = (r.head + len(b)) % len(r.buf)
	r.used -= len(b)
}

// GetPacket returns the next packet from the other end, or an error
// wrapping ErrUnavailable when none is queued.
func (p *Pipe) GetPacket() ([]byte, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed[p.id] {
		return nil, errPipeClosed
	}
	r := &s.q[p.id]
	if r.count == 0 {
		return nil, fmt.Errorf("packetpeer: no packet queued: %w", ErrUnavailable)
	}
	var hdr [4]byte
	r.read(hdr[:])
	b := make([]byte, binary.LittleEndian.Uint32(hdr[:]))
	r.read(b)
	r.count--
	return b, nil
}

// AvailablePacketCount returns the number of queued packets (0 once this
// end is closed).
func (p *Pipe) AvailablePacketCount() int {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed[p.id] {
		return 0
	}
	return s.q[p.id].count
}

// MaxPacketSize returns PipeConfig.MaxPacketSize.
func (p *Pipe) MaxPacketSize() int { return p.s.maxPacket }

// Close closes this end and wakes every Wait on both ends. Closing twice
// returns an error wrapping net.ErrClosed.
func (p *Pipe) Close() error {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed[p.id] {
		return errPipeClosed
	}
	s.closed[p.id] = true
	for i := range s.q {
		if s.q[i].waitCh != nil {
			close(s.q[i].waitCh)
			s.q[i].waitCh = nil
		}
	}
	// Free this end's queue: packets for it can no longer be read.
	s.q[p.id].buf, s.q[p.id].head, s.q[p.id].used, s.q[p.id].count = nil, 0, 0, 0
	return nil
}

// Wait blocks until a packet is queued for this end (nil), ctx is done
// (ctx.Err()), this end is closed (net.ErrClosed) or the other end is
// closed and nothing is left (io.EOF).
func (p *Pipe) Wait(ctx context.Context) error {
	s := p.s
	for {
		s.mu.Lock()
		if s.closed[p.id] {
			s.mu.Unlock()
			return errPipeClosed
		}
		r := &s.q[p.id]
		if r.count > 0 {
			s.mu.Unlock()
			return nil
		}
		if s.closed[1-p.id] {
			s.mu.Unlock()
			return io.EOF
		}
		if r.waitCh == nil {
			r.waitCh = make(chan struct{})
		}
		ch := r.waitCh
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
