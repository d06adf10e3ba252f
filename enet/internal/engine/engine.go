// Package engine is ENet's protocol state machine (libenet 1.3.17's host.c,
// peer.c and protocol.c) without sockets, goroutines or clocks: the caller
// feeds received datagrams in with [Host.Receive], collects outgoing ones
// with [Host.Flush] through the [Config.Send] callback, takes events with
// [Host.PopEvent], and passes the current time in milliseconds to every
// call. A Host is not safe for concurrent use; package enet serialises
// access to it.
//
// Time is a 32-bit millisecond counter that wraps, compared as libenet's
// time.h does (a difference of 24 h or more means "earlier").
//
// The data structures are arrays rather than libenet's linked lists: peers
// are a slice of slots, outgoing and in-flight commands are ring buffers of
// values, and payloads live in pooled buffers shared by all the fragments
// (and all the peers, for a broadcast) that carry them.
package engine

import (
	"crypto/rand"
	"errors"
	"io"
	"net/netip"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Errors returned by the engine. Package enet re-exports them.
var (
	ErrNotConnected   = errors.New("enet: peer is not connected")
	ErrChannel        = errors.New("enet: channel ID not below the peer's channel count")
	ErrPacketTooLarge = errors.New("enet: packet larger than the maximum packet size")
	ErrNoFreePeer     = errors.New("enet: no free peer slot")
	ErrChannelCount   = errors.New("enet: channel count out of range 1..255")
)

// PacketFlags are libenet's ENET_PACKET_FLAG_* values that matter on the
// wire.
type PacketFlags uint32

const (
	FlagReliable           PacketFlags = 1 << 0 // ENET_PACKET_FLAG_RELIABLE
	FlagUnsequenced        PacketFlags = 1 << 1 // ENET_PACKET_FLAG_UNSEQUENCED
	FlagUnreliableFragment PacketFlags = 1 << 3 // ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT
)

// Compressor is the same interface as enet.Compressor.
type Compressor interface {
	Compress(dst []byte, src [][]byte) (int, error)
	Decompress(dst, src []byte) (int, error)
}

// Config holds validated host settings (package enet fills the defaults).
type Config struct {
	PeerLimit              int    // 1..4095
	ChannelLimit           int    // 1..255
	IncomingBandwidth      uint32 // bytes/s, 0 = unlimited
	OutgoingBandwidth      uint32 // bytes/s, 0 = unlimited
	MTU                    int    // 576..4096
	Checksum               bool
	Compressor             Compressor
	MaximumPacketSize      int // bytes
	MaximumWaitingData     int // bytes per peer
	HostMaximumWaitingData int // bytes for the whole host
	DuplicatePeers         int // peers per source IP
	// MaxPendingConnections caps the handshakes being answered (peers in
	// ACKNOWLEDGING_CONNECT) host-wide, MaxPendingPerAddress those from
	// one source IP; zero means no limit beyond the peer slots. A CONNECT
	// over a limit is dropped and counted in ConnectStats.
	MaxPendingConnections int
	MaxPendingPerAddress  int
	// RetransmitVerify restores libenet's timer-driven retransmission of
	// VERIFY_CONNECT. When false (the default), VERIFY_CONNECT is sent
	// once per CONNECT received, so an unverified address never gets more
	// bytes back than it sent (see handleConnect).
	RetransmitVerify bool
	// Send transmits one datagram. b is only valid during the call.
	Send func(b []byte, to netip.AddrPort)
	// Rand supplies connect IDs; nil means crypto/rand.
	Rand io.Reader
}

// EventType is the kind of an [Event].
type EventType uint8

const (
	EventNone EventType = iota
	EventConnect
	EventDisconnect
	EventReceive
)

// Event is one event for the application. Gen identifies the connection
// of the peer slot it belongs to (see [Peer.Gen]).
type Event struct {
	Type    EventType
	Peer    *Peer
	Gen     uint32
	Channel uint8
	Data    uint32
	Packet  []byte
	Flags   PacketFlags
	// User is the peer's UserData when the event was popped (before a
	// disconnect event resets the slot).
	User    any
	waiting int // bytes reserved against the waiting-data limits
}

// Host is one ENet host: a table of peer slots and the scratch buffers
// used to build and parse datagrams.
type Host struct {
	cfg   Config
	peers []Peer
	now   uint32

	events                deque[Event]
	totalWaiting          int
	connectedPeers        int
	bandwidthLimitedPeers int
	bw                    bandwidthState // bandwidth.go
	refusal               refusalState   // refuse.go

	// send scratch: 8 bytes reserved for header+checksum in front of the body
	out  [8 + protocol.MaximumMTU + protocol.MaximumPacketCommands*8]byte
	cbuf [protocol.MaximumMTU]byte
	cvec [1][]byte
	dbuf [protocol.MaximumMTU]byte
	more bool

	// dirty lists the peers that may have something to send (see
	// markDirty): a flush between timer checks visits only them.
	// timerDue is the earliest retransmission or ping time of any peer
	// (valid while timerOK), found by the last full scan at lastScan.
	dirty    []uint16
	timerDue uint32
	timerOK  bool
	lastScan uint32

	freePackets []*packet
	dataFree    dataPool
	freeBig     []*packet
	freeIn      []*inCmd
	requeue     []outCmd

	// Statistics, host-wide.
	TotalSentData, TotalSentPackets         uint64
	TotalReceivedData, TotalReceivedPackets uint64
	// DroppedDatagrams counts datagrams ignored, wholly or from an invalid
	// or refused command on, as invalid, unexpected or not matching a peer.
	DroppedDatagrams uint64
	// Connects counts what happened to incoming CONNECTs.
	Connects ConnectStats
}

// New returns a host with cfg.PeerLimit peer slots.
func New(cfg Config) *Host {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	h := &Host{cfg: cfg, peers: make([]Peer, cfg.PeerLimit)}
	for i := range h.peers {
		p := &h.peers[i]
		p.host = h
		p.index = uint16(i)
		p.incomingSessionID = protocol.SessionUnassigned
		p.outgoingSessionID = protocol.SessionUnassigned
		p.reset()
	}
	return h
}

// Peers returns the peer slots.
func (h *Host) Peers() []Peer { return h.peers }

// Config returns the host's configuration.
func (h *Host) Config() *Config { return &h.cfg }

// SetTime sets the service clock used by calls that take no time argument.
func (h *Host) SetTime(now uint32) { h.now = now }

// Time wrap-around helpers (libenet time.h).
func timeLess(a, b uint32) bool         { return a-b >= protocol.TimeOverflow }
func timeGreaterEqual(a, b uint32) bool { return !timeLess(a, b) }
func timeDiff(a, b uint32) uint32 {
	if a-b >= protocol.TimeOverflow {
		return b - a
	}
	return a - b
}

func (h *Host) pushEvent(ev Event) { h.events.PushBack(ev) }

// PopEvent returns the next event. Receive events of a connection that the
// application has since reset are skipped; a disconnect event frees its
// peer slot (as libenet resets the peer when it dispatches the event).
func (h *Host) PopEvent() (Event, bool) {
	var ev Event
	ok := h.PopEventInto(&ev)
	return ev, ok
}

// PopEventInto is PopEvent writing the event to *dst, which saves copying
// it on the per-packet path; *dst is unchanged when there is none.
func (h *Host) PopEventInto(dst *Event) bool {
	for h.events.Len() > 0 {
		ev := h.events.Front()
		p := ev.Peer
		if ev.waiting > 0 {
			h.totalWaiting -= ev.waiting
			if p.gen == ev.Gen {
				p.totalWaiting -= ev.waiting
			}
		}
		if p.gen != ev.Gen {
			h.events.DropFront()
			continue
		}
		*dst = *ev
		h.events.DropFront()
		dst.User = p.UserData
		if dst.Type == EventDisconnect {
			p.reset()
		}
		return true
	}
	return false
}

// PendingEvents reports how many events are queued (some may be skipped by
// PopEvent).
func (h *Host) PendingEvents() int { return h.events.Len() }

// NextWake returns how many milliseconds from now the host next needs a
// Flush with timeouts (a retransmission deadline, a ping, or queued
// commands), at most max. It scans the peer slots.
func (h *Host) NextWake(now uint32, max uint32) uint32 {
	wake := h.bandwidthWake(now, max)
	if len(h.dirty) > 0 {
		return 0
	}
	if h.timerOK {
		if timeGreaterEqual(now, h.timerDue) {
			return 0
		}
		return min(wake, h.timerDue-now)
	}
	for i := range h.peers {
		p := &h.peers[i]
		if p.state == StateDisconnected || p.state == StateZombie {
			continue
		}
		if p.acks.Len()+p.control.Len()+p.unreliable.Len() > 0 {
			return 0
		}
		var due uint32
		switch {
		case p.sent.Len() > 0:
			due = p.nextTimeout
		case p.state == StateConnected:
			due = p.lastReceiveTime + p.pingInterval
		default:
			continue
		}
		if timeGreaterEqual(now, due) {
			return 0
		}
		wake = min(wake, due-now)
	}
	return wake
}

// packet is a payload shared by the commands (fragments, broadcast copies)
// that carry it.
type packet struct {
	data   []byte
	refs   int32
	pooled bool // data is a pooledPacketSize buffer kept with the packet
	big    bool // data comes from the data pool (allocData)
}

const pooledPacketSize = protocol.MaximumMTU

func (h *Host) newPacket(data []byte) *packet {
	var pk *packet
	if len(data) <= pooledPacketSize {
		if n := len(h.freePackets); n > 0 {
			pk = h.freePackets[n-1]
			h.freePackets[n-1] = nil
			h.freePackets = h.freePackets[:n-1]
		} else {
			pk = &packet{data: make([]byte, 0, pooledPacketSize), pooled: true}
		}
		pk.data = append(pk.data[:0], data...)
	} else {
		if n := len(h.freeBig); n > 0 {
			pk = h.freeBig[n-1]
			h.freeBig[n-1] = nil
			h.freeBig = h.freeBig[:n-1]
		} else {
			pk = &packet{big: true}
		}
		pk.data = h.copyData(data)
	}
	pk.refs = 0
	return pk
}

func (h *Host) release(pk *packet) {
	if pk == nil {
		return
	}
	pk.refs--
	if pk.refs > 0 {
		return
	}
	if pk.pooled && len(h.freePackets) < 1024 {
		h.freePackets = append(h.freePackets, pk)
	} else if pk.big {
		h.FreeData(pk.data)
		pk.data = nil
		if len(h.freeBig) < 64 {
			h.freeBig = append(h.freeBig, pk)
		}
	}
}
