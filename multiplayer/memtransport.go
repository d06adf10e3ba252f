package multiplayer

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/packetpeer/packetpeer/godoterr"
)

// MemNetwork is an in-process network of Transports: a test double for
// ENet, for tests and examples of code built on Peer (and the proof of
// this package's engine until it runs over package enet).
//
// It models what a Peer sees of ENet after the handshake: Dial raises a
// TransportConnect event on both ends at once (with the dial data on the
// listening end), packets arrive intact and in order on every channel
// whatever their flags (no loss, no reordering, no fragmentation), a
// channel at or beyond the negotiated count is refused, and disconnects
// raise the events ENet raises (Disconnect: the remote's data on the other
// end and 0 on this one; DisconnectNow: only on the other end; Close: 0 on
// the other end, as a timeout would). Each transport queues at most
// MemMaxQueuedEvents events; Send fails with ErrBusy beyond that.
//
// All methods are safe for concurrent use.
type MemNetwork struct {
	mu        sync.Mutex
	listeners map[string]*MemTransport
}

// MemMaxQueuedEvents bounds each MemTransport's event queue.
const MemMaxQueuedEvents = 1 << 16

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{listeners: make(map[string]*MemTransport)}
}

// MemTransport is one endpoint of a MemNetwork; see MemNetwork.
type MemTransport struct {
	n      *MemNetwork
	name   string // listening name, "" for a dialed transport
	limit  int    // channel limit
	events ring[TransportEvent]
	notify chan struct{}
	closed bool
	links  map[*memLink]struct{}
}

type memLink struct {
	owner    *MemTransport
	peer     *memLink
	channels int
	dead     bool
}

func newMemTransport(n *MemNetwork, name string, limit int) *MemTransport {
	if limit <= 0 || limit > MaxENetChannels {
		limit = MaxENetChannels
	}
	t := &MemTransport{n: n, name: name, limit: limit, notify: make(chan struct{}), links: make(map[*memLink]struct{})}
	t.events.max = MemMaxQueuedEvents
	return t
}

// Listen returns a transport accepting connections dialed to name, with
// a channel limit of channelLimit (0: 255). Listening on a name in use is
// an error wrapping godoterr.ErrAlreadyInUse.
func (n *MemNetwork) Listen(name string, channelLimit int) (*MemTransport, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.listeners[name] != nil {
		return nil, fmt.Errorf("memnet: %q: %w", name, godoterr.ErrAlreadyInUse)
	}
	t := newMemTransport(n, name, channelLimit)
	n.listeners[name] = t
	return t, nil
}

// Dial returns a transport connected to the listener name, requesting
// channels channels (0: 255; the listener's limit caps it) and sending
// data as the connect data (a Godot client's unique id). Both ends get a
// TransportConnect event at once. With no listener of that name the
// returned transport gets a TransportDisconnect instead, as an ENet
// connect that timed out.
func (n *MemNetwork) Dial(name string, channels int, data uint32) *MemTransport {
	n.mu.Lock()
	defer n.mu.Unlock()
	t := newMemTransport(n, "", channels)
	l := n.listeners[name]
	if l == nil || l.closed {
		t.push(TransportEvent{Type: TransportDisconnect, Link: &memLink{owner: t, dead: true}})
		return t
	}
	ch := min(t.limit, l.limit)
	a := &memLink{owner: t, channels: ch}
	b := &memLink{owner: l, channels: ch, peer: a}
	a.peer = b
	t.links[a] = struct{}{}
	l.links[b] = struct{}{}
	l.push(TransportEvent{Type: TransportConnect, Link: b, Data: data})
	t.push(TransportEvent{Type: TransportConnect, Link: a})
	return t
}

// push queues ev and wakes NextEvent; n.mu held.
func (t *MemTransport) push(ev TransportEvent) bool {
	if t.closed || !t.events.push(ev) {
		return false
	}
	close(t.notify)
	t.notify = make(chan struct{})
	return true
}

// Service implements Transport.
func (t *MemTransport) Service() (TransportEvent, error) {
	t.n.mu.Lock()
	defer t.n.mu.Unlock()
	if t.closed {
		return TransportEvent{}, fmt.Errorf("memnet: %w", net.ErrClosed)
	}
	ev, _ := t.events.pop()
	return ev, nil
}

// NextEvent implements Transport.
func (t *MemTransport) NextEvent(ctx context.Context) (TransportEvent, error) {
	for {
		t.n.mu.Lock()
		if t.closed {
			t.n.mu.Unlock()
			return TransportEvent{}, fmt.Errorf("memnet: %w", net.ErrClosed)
		}
		if ev, ok := t.events.pop(); ok {
			t.n.mu.Unlock()
			return ev, nil
		}
		ch := t.notify
		t.n.mu.Unlock()
		select {
		case <-ctx.Done():
			return TransportEvent{}, ctx.Err()
		case <-ch:
		}
	}
}

// Flush implements Transport; packets are delivered at Send already.
func (t *MemTransport) Flush() error { return nil }

// Close implements Transport: every connection ends (the other ends see
// a TransportDisconnect with data 0), a listener's name is freed, and
// later calls fail with net.ErrClosed.
func (t *MemTransport) Close() error {
	t.n.mu.Lock()
	defer t.n.mu.Unlock()
	if t.closed {
		return fmt.Errorf("memnet: %w", net.ErrClosed)
	}
	for l := range t.links {
		l.dead, l.peer.dead = true, true
		delete(l.peer.owner.links, l.peer)
		l.peer.owner.push(TransportEvent{Type: TransportDisconnect, Link: l.peer})
	}
	clear(t.links)
	t.closed = true
	if t.name != "" && t.n.listeners[t.name] == t {
		delete(t.n.listeners, t.name)
	}
	close(t.notify)
	t.notify = make(chan struct{})
	return nil
}

// Send implements Link.
func (l *memLink) Send(channel uint8, data []byte, flags PacketFlags) error {
	n := l.owner.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.dead || l.peer == nil {
		return fmt.Errorf("memnet: send on a closed connection: %w", godoterr.ErrUnconfigured)
	}
	if int(channel) >= l.channels {
		return fmt.Errorf("memnet: channel %d of %d: %w", channel, l.channels, godoterr.ErrInvalidParameter)
	}
	ev := TransportEvent{Type: TransportReceive, Link: l.peer, Channel: channel, Flags: flags, Packet: append([]byte(nil), data...)}
	if !l.peer.owner.push(ev) {
		return fmt.Errorf("memnet: receive queue full: %w", godoterr.ErrBusy)
	}
	return nil
}

// Disconnect implements Link.
func (l *memLink) Disconnect(reason uint32) { l.disconnect(reason, true) }

// DisconnectNow implements Link.
func (l *memLink) DisconnectNow(reason uint32) { l.disconnect(reason, false) }

func (l *memLink) disconnect(reason uint32, graceful bool) {
	n := l.owner.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.dead || l.peer == nil {
		return
	}
	l.dead, l.peer.dead = true, true
	delete(l.owner.links, l)
	delete(l.peer.owner.links, l.peer)
	l.peer.owner.push(TransportEvent{Type: TransportDisconnect, Link: l.peer, Data: reason})
	if graceful {
		l.owner.push(TransportEvent{Type: TransportDisconnect, Link: l})
	}
}
