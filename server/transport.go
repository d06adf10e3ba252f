package server

import (
	"context"
	"net/netip"
	"sync"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
)

// transport is multiplayer.ENetTransport with two additions the serve
// engine needs: it remembers each client's connection by the id in its
// CONNECT data (for logs and for a graceful shutdown), and wait blocks
// until the host has an event without taking it from the Peer (the event
// is kept and returned by the next Service). That lets one goroutine per
// Peer handle events and packets in the order Godot would, with Poll.
type transport struct {
	*multiplayer.ENetTransport

	mu      sync.Mutex
	pending *multiplayer.TransportEvent
	conns   map[uint32]*enet.Peer // client id -> its connection (first one wins)
}

var _ multiplayer.Transport = (*transport)(nil)

func newTransport(h *enet.Host, d multiplayer.Dialect) *transport {
	return &transport{ENetTransport: multiplayer.NewENetTransport(h, d), conns: make(map[uint32]*enet.Peer)}
}

// Service implements multiplayer.Transport.
func (t *transport) Service() (multiplayer.TransportEvent, error) {
	if ev, ok := t.takePending(); ok {
		return ev, nil
	}
	ev, err := t.ENetTransport.Service()
	if err != nil {
		return ev, err
	}
	t.track(ev)
	return ev, nil
}

// NextEvent implements multiplayer.Transport.
func (t *transport) NextEvent(ctx context.Context) (multiplayer.TransportEvent, error) {
	if ev, ok := t.takePending(); ok {
		return ev, nil
	}
	ev, err := t.ENetTransport.NextEvent(ctx)
	if err != nil {
		return ev, err
	}
	t.track(ev)
	return ev, nil
}

func (t *transport) takePending() (multiplayer.TransportEvent, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		return multiplayer.TransportEvent{}, false
	}
	ev := *t.pending
	t.pending = nil
	return ev, true
}

// wait blocks until the host has an event (kept for the next Service) or
// ctx ends. Only the goroutine that drives the Peer calls it.
func (t *transport) wait(ctx context.Context) error {
	t.mu.Lock()
	has := t.pending != nil
	t.mu.Unlock()
	if has {
		return nil
	}
	ev, err := t.ENetTransport.NextEvent(ctx)
	if err != nil {
		return err
	}
	if ev.Type == multiplayer.TransportNone {
		return nil
	}
	t.track(ev)
	t.mu.Lock()
	t.pending = &ev
	t.mu.Unlock()
	return nil
}

// track keeps conns up to date with connects and disconnects.
func (t *transport) track(ev multiplayer.TransportEvent) {
	p, ok := multiplayer.ENetPeer(ev.Link)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev.Type {
	case multiplayer.TransportConnect:
		if t.conns[ev.Data] == nil {
			t.conns[ev.Data] = p
		}
	case multiplayer.TransportDisconnect:
		for id, q := range t.conns {
			if q == p {
				delete(t.conns, id)
				break
			}
		}
	}
}

// addr returns the address of client id's connection.
func (t *transport) addr(id int) netip.AddrPort {
	t.mu.Lock()
	p := t.conns[uint32(id)]
	t.mu.Unlock()
	if p == nil {
		return netip.AddrPort{}
	}
	return p.Address()
}

// disconnectAll starts a graceful disconnect of every connection: queued
// packets are delivered first, then the DISCONNECT carrying reason.
func (t *transport) disconnectAll(reason multiplayer.DisconnectReason) {
	t.mu.Lock()
	peers := make([]*enet.Peer, 0, len(t.conns))
	for _, p := range t.conns {
		peers = append(peers, p)
	}
	t.mu.Unlock()
	for _, p := range peers {
		p.DisconnectLater(uint32(reason))
	}
	_ = t.Flush()
}
