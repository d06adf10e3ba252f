package server

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/multiplayer"
)

// transport is a multiplayer.Transport over an enet.Host, like
// multiplayer.ENetTransport, with two additions the serve engine needs:
// it remembers each client's address and connection by the id in its
// CONNECT data (for logs and for a graceful shutdown), and wait blocks
// until the host has an event without taking it from the Peer (the event
// is kept and returned by the next Service). That lets one goroutine per
// Peer handle events and packets in the order Godot would, with Poll.
type transport struct {
	h     *enet.Host
	later bool // Godot 3.2 disconnects with disconnect_later

	mu      sync.Mutex
	pending *multiplayer.TransportEvent
	conns   map[uint32]*enet.Peer // client id -> its connection (first one wins)
}

var _ multiplayer.Transport = (*transport)(nil)

func newTransport(h *enet.Host, d multiplayer.Dialect) *transport {
	return &transport{h: h, later: d == multiplayer.Godot3, conns: make(map[uint32]*enet.Peer)}
}

// Service implements multiplayer.Transport.
func (t *transport) Service() (multiplayer.TransportEvent, error) {
	t.mu.Lock()
	if ev := t.pending; ev != nil {
		t.pending = nil
		t.mu.Unlock()
		return *ev, nil
	}
	t.mu.Unlock()
	ev, err := t.h.Service(0)
	if err != nil {
		return multiplayer.TransportEvent{}, err
	}
	return t.convert(ev), nil
}

// NextEvent implements multiplayer.Transport.
func (t *transport) NextEvent(ctx context.Context) (multiplayer.TransportEvent, error) {
	t.mu.Lock()
	if ev := t.pending; ev != nil {
		t.pending = nil
		t.mu.Unlock()
		return *ev, nil
	}
	t.mu.Unlock()
	ev, err := t.h.NextEvent(ctx)
	if err != nil {
		return multiplayer.TransportEvent{}, err
	}
	return t.convert(ev), nil
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
	ev, err := t.h.NextEvent(ctx)
	if err != nil {
		return err
	}
	out := t.convert(ev)
	if out.Type == multiplayer.TransportNone {
		return nil
	}
	t.mu.Lock()
	t.pending = &out
	t.mu.Unlock()
	return nil
}

// Flush implements multiplayer.Transport.
func (t *transport) Flush() error { return t.h.Flush() }

// Close implements multiplayer.Transport.
func (t *transport) Close() error { return t.h.Close() }

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
	_ = t.h.Flush()
}

func (t *transport) convert(ev enet.Event) multiplayer.TransportEvent {
	var out multiplayer.TransportEvent
	switch ev.Type {
	case enet.EventConnect:
		out.Type = multiplayer.TransportConnect
		t.mu.Lock()
		if t.conns[ev.Data] == nil {
			t.conns[ev.Data] = ev.Peer
		}
		t.mu.Unlock()
	case enet.EventDisconnect:
		out.Type = multiplayer.TransportDisconnect
		t.mu.Lock()
		for id, p := range t.conns {
			if p == ev.Peer {
				delete(t.conns, id)
				break
			}
		}
		t.mu.Unlock()
	case enet.EventReceive:
		out.Type = multiplayer.TransportReceive
	default:
		return out
	}
	out.Link = link{p: ev.Peer, later: t.later}
	out.Data = ev.Data
	out.Channel = ev.ChannelID
	out.Flags = multiplayer.PacketFlags(ev.Flags)
	out.Packet = ev.Packet
	return out
}

// link is a multiplayer.Link over one enet.Peer (comparable: the same
// *enet.Peer for every event of one connection).
type link struct {
	p     *enet.Peer
	later bool
}

func (l link) Send(channel uint8, data []byte, flags multiplayer.PacketFlags) error {
	err := l.p.Send(channel, data, enet.PacketFlag(flags))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, enet.ErrChannel), errors.Is(err, enet.ErrPacketTooLarge):
		return fmt.Errorf("%w: %w", godoterr.ErrInvalidParameter, err)
	case errors.Is(err, enet.ErrNotConnected), errors.Is(err, enet.ErrClosed):
		return fmt.Errorf("%w: %w", godoterr.ErrUnconfigured, err)
	}
	return err
}

func (l link) Disconnect(reason uint32) {
	if l.later {
		l.p.DisconnectLater(reason)
		return
	}
	l.p.Disconnect(reason)
}

func (l link) DisconnectNow(reason uint32) { l.p.DisconnectNow(reason) }
