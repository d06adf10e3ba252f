package packetpeer

import (
	"context"
	"errors"
	"time"
)

// Waiter is implemented by peers that can block until a packet arrives.
// ReadPacket, VarPeer.ReadVar and the wrappers use it when the peer
// implements it, and poll otherwise.
type Waiter interface {
	// Wait blocks until AvailablePacketCount is at least 1, ctx is done
	// (returning ctx.Err()), or the peer can deliver no more packets
	// (returning an error wrapping net.ErrClosed when it was closed, or
	// io.EOF when the remote end closed and nothing is left to read).
	// Wait returns nil at once when a packet is already available.
	Wait(ctx context.Context) error
}

// Polling backoff of Wait for peers that do not implement Waiter: the first
// sleep, doubling up to the longest.
const (
	PollMinInterval = 50 * time.Microsecond
	PollMaxInterval = 5 * time.Millisecond
)

// Wait blocks until p has a packet available, ctx is done, or p fails. It
// calls p.Wait when p implements Waiter; otherwise it checks
// AvailablePacketCount with a sleep that starts at PollMinInterval and
// doubles up to PollMaxInterval, so a packet is noticed at most
// PollMaxInterval late. It returns nil as soon as a packet is available,
// ctx.Err() when ctx ends first.
func Wait(ctx context.Context, p PacketPeer) error {
	if w, ok := p.(Waiter); ok {
		return w.Wait(ctx)
	}
	if p.AvailablePacketCount() > 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	d := PollMinInterval
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if p.AvailablePacketCount() > 0 {
			return nil
		}
		d = min(2*d, PollMaxInterval)
		t.Reset(d)
	}
}

// ReadPacket returns the next packet of p, blocking until one arrives or
// ctx is done: the Go-style front door to a polled PacketPeer. A packet that
// is already queued is returned even if ctx is done. Errors other than
// ErrUnavailable from GetPacket are returned as they are (a wrapper may
// drop a bad packet and return its error; the next call reads on). When ctx
// ends first the error is ctx.Err() (context.DeadlineExceeded for a
// deadline).
func ReadPacket(ctx context.Context, p PacketPeer) ([]byte, error) {
	for {
		pkt, err := p.GetPacket()
		if err == nil {
			return pkt, nil
		}
		if !errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		if err := Wait(ctx, p); err != nil {
			return nil, err
		}
	}
}
