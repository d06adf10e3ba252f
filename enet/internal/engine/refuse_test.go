package engine

import (
	"net/netip"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
	"github.com/packetpeer/packetpeer/enet/rangecoder"
)

// freeSlots counts the server's slots in the disconnected state.
func freeSlots(h *Host) int {
	n := 0
	for i := range h.Peers() {
		if h.Peers()[i].State() == StateDisconnected {
			n++
		}
	}
	return n
}

// TestRefuseFilter: a CONNECT refused by the filter makes the connecting
// client report a disconnect with the reason and never a connect, the
// server keeps no slot and reports no event, the refusal is smaller than
// the CONNECT, and an allowed client still connects; in every wire mode.
func TestRefuseFilter(t *testing.T) {
	for _, mode := range []string{"plain", "checksum", "rangecoder", "both"} {
		t.Run(mode, func(t *testing.T) {
			cfg := testConfig()
			cfg.Checksum = mode == "checksum" || mode == "both"
			if mode == "rangecoder" || mode == "both" {
				cfg.Compressor = rangecoder.New()
			}
			w := newWire(t)
			server := w.add(1, cfg)
			client := w.add(2, cfg)
			type call struct {
				addr     netip.AddrPort
				channels int
				data     uint32
			}
			var calls []call
			server.SetConnectFilter(func(addr netip.AddrPort, channels int, data uint32) (bool, uint32) {
				calls = append(calls, call{addr, channels, data})
				return data == 666, 0x80000001
			})
			var connectLen, refusalLen []int
			w.drop = func(d dgram) bool {
				if d.to == addrOf(1) && len(connectLen) == 0 {
					connectLen = append(connectLen, len(d.b))
				}
				if d.from == addrOf(1) {
					refusalLen = append(refusalLen, len(d.b))
				}
				return false
			}
			cp, err := client.Connect(addrOf(1), 3, 666, w.now)
			if err != nil {
				t.Fatal(err)
			}
			var cev []Event
			w.run(100, 5, func() bool { cev = append(cev, w.take(addrOf(2))...); return len(cev) > 0 })
			if len(cev) != 1 || cev[0].Type != EventDisconnect || cev[0].Data != 0x80000001 || cev[0].Peer != cp {
				t.Fatalf("client events %+v", cev)
			}
			w.run(200, 5, nil) // nothing else follows on either side
			if e := w.take(addrOf(2)); len(e) != 0 {
				t.Fatalf("client events after the refusal: %+v", e)
			}
			if e := w.take(addrOf(1)); len(e) != 0 {
				t.Fatalf("server events: %+v", e)
			}
			if cp.State() != StateDisconnected || freeSlots(server) != cfg.PeerLimit {
				t.Fatalf("client %v, server free slots %d", cp.State(), freeSlots(server))
			}
			if len(calls) != 1 || calls[0] != (call{addrOf(2), 3, 666}) {
				t.Fatalf("filter calls %+v", calls)
			}
			want := 2 + protocol.DisconnectSize
			if cfg.Checksum {
				want += protocol.ChecksumSize
			}
			if len(refusalLen) != 1 || refusalLen[0] != want || refusalLen[0] >= connectLen[0] {
				t.Fatalf("refusal datagrams %v (want one of %d bytes), CONNECT %d bytes", refusalLen, want, connectLen[0])
			}
			if s := server.Connects; s.RefusedFilter != 1 || s.RefusalsSent != 1 || s.Accepted != 0 || server.DroppedDatagrams != 0 {
				t.Fatalf("server stats %+v dropped %d", s, server.DroppedDatagrams)
			}

			// An allowed client connects; its retransmitted CONNECTs are
			// not shown to the filter again.
			w.drop = nil
			cp2, err := client.Connect(addrOf(1), 2, 7, w.now)
			if err != nil {
				t.Fatal(err)
			}
			w.run(100, 5, func() bool { return cp2.State() == StateConnected && len(w.events[addrOf(1)]) > 0 })
			if e := w.take(addrOf(1)); e[0].Type != EventConnect || e[0].Data != 7 {
				t.Fatalf("server events %+v", e)
			}
			if len(calls) != 2 || calls[1].data != 7 {
				t.Fatalf("filter calls %+v", calls)
			}
		})
	}
}

// TestRefuseFull: with SetRefuseFull a host without a free slot refuses
// with the given data; without it the CONNECT is dropped as by libenet.
func TestRefuseFull(t *testing.T) {
	for _, on := range []bool{true, false} {
		w := newWire(t)
		cfg := testConfig()
		cfg.PeerLimit = 1
		server := w.add(1, cfg)
		server.SetRefuseFull(on, 0xF011)
		first := w.add(2, testConfig())
		if _, err := first.Connect(addrOf(1), 1, 1, w.now); err != nil {
			t.Fatal(err)
		}
		w.run(100, 5, func() bool { return len(w.events[addrOf(1)]) > 0 })
		second := w.add(3, testConfig())
		cp, err := second.Connect(addrOf(1), 1, 2, w.now)
		if err != nil {
			t.Fatal(err)
		}
		if on {
			w.run(300, 5, func() bool { return len(w.events[addrOf(3)]) > 0 })
		} else {
			w.run(300, 5, nil)
		}
		ev := w.take(addrOf(3))
		if on && (len(ev) != 1 || ev[0].Type != EventDisconnect || ev[0].Data != 0xF011) {
			t.Fatalf("refuse full: events %+v", ev)
		}
		if !on && len(ev) != 0 {
			t.Fatalf("drop when full: events %+v", ev)
		}
		if !on && cp.State() != StateConnecting {
			t.Fatalf("drop when full: client %v", cp.State())
		}
		if server.Connects.RefusedFull == 0 || (server.Connects.RefusalsSent > 0) != on {
			t.Fatalf("on=%v stats %+v", on, server.Connects)
		}
	}
}

// TestRefusalRate: spoofed CONNECTs from one IP get at most refusalBurst
// refusals at once and one per refusalRefillMS after that, each smaller
// than the CONNECT; another IP is not affected; nothing is allocated to
// any of them.
func TestRefusalRate(t *testing.T) {
	w := newWire(t)
	server := w.add(1, testConfig())
	server.SetConnectFilter(func(netip.AddrPort, int, uint32) (bool, uint32) { return true, 9 })
	var sentBytes, sent int
	server.cfg.Send = func(b []byte, to netip.AddrPort) { sent++; sentBytes += len(b) }
	victim := netip.AddrFrom4([4]byte{10, 0, 0, 1})
	before := server.TotalReceivedData
	for i := 0; i < 100; i++ {
		spoofConnect(server, netip.AddrPortFrom(victim, uint16(2000+i)), uint32(i), w.now)
	}
	received := server.TotalReceivedData - before
	if sent != refusalBurst || server.Connects.RefusalsLimited != 100-refusalBurst || server.Connects.RefusedFilter != 100 {
		t.Fatalf("sent %d stats %+v", sent, server.Connects)
	}
	if uint64(sentBytes)*5 > received {
		t.Fatalf("%d bytes sent for %d received", sentBytes, received)
	}
	// Another address gets its own bucket.
	spoofConnect(server, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 2}), 5), 1, w.now)
	if sent != refusalBurst+1 {
		t.Fatalf("other address: sent %d", sent)
	}
	// One second refills refusalBurst tokens (1000/refusalRefillMS).
	for i := 0; i < 100; i++ {
		spoofConnect(server, netip.AddrPortFrom(victim, uint16(3000+i)), uint32(1000+i), w.now+1000)
	}
	if want := 2*refusalBurst + 1; sent != want {
		t.Fatalf("after 1 s: sent %d, want %d", sent, want)
	}
	if freeSlots(server) != server.cfg.PeerLimit || server.PendingEvents() != 0 {
		t.Fatalf("server state: %d free slots, %d events", freeSlots(server), server.PendingEvents())
	}
}

// TestRefusalSteadyAllocs: refusing does not allocate.
func TestRefusalSteadyAllocs(t *testing.T) {
	w := newWire(t)
	server := w.add(1, testConfig())
	server.SetConnectFilter(func(netip.AddrPort, int, uint32) (bool, uint32) { return true, 9 })
	server.cfg.Send = func([]byte, netip.AddrPort) {}
	c := protocol.Connect{Header: protocol.CommandHeader{Command: 0x82, ChannelID: 0xFF, ReliableSequenceNumber: 1},
		IncomingSessionID: 0xFF, OutgoingSessionID: 0xFF, MTU: 1400, WindowSize: 65536, ChannelCount: 2,
		PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2}
	dg := c.Append(protocol.Header{PeerID: protocol.MaximumPeerID, HasSentTime: true}.Append(nil))
	from := addrOf(9)
	now := uint32(1000)
	if a := testing.AllocsPerRun(500, func() {
		server.Receive(dg, from, now)
		now += refusalRefillMS
	}); a != 0 {
		t.Fatalf("%.1f allocations per refusal", a)
	}
	if server.Connects.RefusalsSent < 500 {
		t.Fatalf("stats %+v", server.Connects)
	}
}
