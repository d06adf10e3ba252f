package engine

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
	"github.com/packetpeer/packetpeer/enet/rangecoder"
)

// Attacks from 02-bugs-and-asks.md §2 (continued from attacks_test.go),
// in the deterministic in-memory simulation.

func spoofConnect(h *Host, from netip.AddrPort, id uint32, now uint32) {
	c := protocol.Connect{Header: protocol.CommandHeader{Command: 0x82, ChannelID: 0xFF, ReliableSequenceNumber: 1},
		IncomingSessionID: 0xFF, OutgoingSessionID: 0xFF, MTU: 1400, WindowSize: 65536, ChannelCount: 255,
		PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2,
		ConnectID: protocol.ConnectID{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}}
	d := protocol.Header{PeerID: protocol.MaximumPeerID, HasSentTime: true, SentTime: uint16(now)}.Append(nil)
	h.Receive(c.Append(d), from, now)
}

func countStates(h *Host) (pending, connected int) {
	for i := range h.Peers() {
		p := &h.Peers()[i]
		switch p.State() {
		case StateAcknowledgingConnect:
			pending++
			if p.channels != nil {
				panic("pending peer holds a channel array")
			}
		case StateConnected:
			connected++
		}
	}
	return
}

// hardenedConfig is testConfig with pending-connection limits.
func hardenedConfig() Config {
	cfg := testConfig()
	cfg.PeerLimit = 64
	cfg.MaxPendingConnections = 32
	cfg.MaxPendingPerAddress = 8
	return cfg
}

// S1, one address: a CONNECT flood from many ports of one IP holds at most
// MaxPendingPerAddress slots (without channel arrays), every refusal is
// counted, an established peer keeps working and another address can still
// connect; the pending slots are freed when the handshakes time out.
func TestAttackConnectFloodOneAddress(t *testing.T) {
	w := newWire(t)
	cfg := hardenedConfig()
	client, server, cp := connectPair(t, w, cfg)
	attacker := netip.AddrFrom4([4]byte{10, 0, 0, 1})
	for i := 0; i < 1000; i++ {
		spoofConnect(server, netip.AddrPortFrom(attacker, uint16(1000+i)), uint32(i), w.now)
		if i%50 == 0 {
			w.step(5)
		}
	}
	pending, _ := countStates(server)
	if pending != cfg.MaxPendingPerAddress || server.Connects.RefusedPerAddr != uint64(1000-cfg.MaxPendingPerAddress) {
		t.Fatalf("pending %d, refused per address %d (%+v)", pending, server.Connects.RefusedPerAddr, server.Connects)
	}
	// The established connection still carries data.
	if err := cp.Send(1, payload(1, 5000), FlagReliable); err != nil {
		t.Fatal(err)
	}
	w.run(200, 5, func() bool { return len(w.events[addrOf(1)]) > 0 })
	if ev := w.take(addrOf(1)); ev[0].Type != EventReceive || len(ev[0].Packet) != 5000 {
		t.Fatalf("event %+v", ev[0])
	}
	// Another address is not affected.
	other := w.add(3, cfg)
	if _, err := other.Connect(addrOf(1), 2, 7, w.now); err != nil {
		t.Fatal(err)
	}
	w.run(200, 5, func() bool { return len(w.events[addrOf(3)]) > 0 })
	// The spoofed handshakes expire (libenet's ~31.5 s) and free the slots.
	w.run(8000, 5, func() bool { p, _ := countStates(server); return p == 0 })
	_, connected := countStates(server)
	if connected != 2 || client.Peers()[0].State() != StateConnected {
		t.Fatalf("%d connected after the flood", connected)
	}
	t.Logf("connect stats %+v", server.Connects)
}

// S1, many addresses: spoofed CONNECTs from 5000 source IPs hold at most
// MaxPendingConnections slots; the rest of the slots stay free for
// established and future peers.
func TestAttackConnectFloodManyAddresses(t *testing.T) {
	w := newWire(t)
	cfg := hardenedConfig()
	_, server, cp := connectPair(t, w, cfg)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		spoofConnect(server, netip.AddrPortFrom(a, uint16(r.IntN(60000)+1024)), r.Uint32(), w.now)
		if i%100 == 0 {
			w.step(5)
		}
	}
	pending, connected := countStates(server)
	if pending != cfg.MaxPendingConnections || connected != 1 ||
		server.Connects.RefusedPending != uint64(5000-cfg.MaxPendingConnections) {
		t.Fatalf("pending %d connected %d stats %+v", pending, connected, server.Connects)
	}
	free := 0
	for i := range server.Peers() {
		if server.Peers()[i].State() == StateDisconnected {
			free++
		}
	}
	if free != cfg.PeerLimit-cfg.MaxPendingConnections-1 {
		t.Fatalf("%d free slots", free)
	}
	if err := cp.Send(0, payload(2, 100), FlagReliable); err != nil {
		t.Fatal(err)
	}
	w.run(200, 5, func() bool { return len(w.events[addrOf(1)]) > 0 })
	// Once the spoofed handshakes expire, new clients connect.
	w.run(8000, 5, func() bool { p, _ := countStates(server); return p == 0 })
	c3 := w.add(3, cfg)
	if _, err := c3.Connect(addrOf(1), 2, 7, w.now); err != nil {
		t.Fatal(err)
	}
	w.run(200, 5, func() bool { return len(w.events[addrOf(3)]) > 0 })
}

// S2: reflection. CONNECT is 52 bytes, VERIFY_CONNECT 48; by default the
// host answers each CONNECT once and never by timer, so over the whole
// life of a spoofed handshake the victim gets fewer bytes than the
// attacker sent, however many CONNECTs were sent. With RetransmitVerify
// (libenet's behaviour) the ratio is about 5.5.
func TestAttackReflection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		retrans   bool
		checksum  bool
		connects  int
		maxRatio  float64
		wantAbove float64
	}{
		{"one CONNECT", false, false, 1, 1, 0},
		{"one CONNECT, checksum", false, true, 1, 1, 0},
		{"repeated CONNECTs", false, false, 20, 1, 0},
		{"libenet retransmission", true, false, 1, 10, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := hardenedConfig()
			cfg.RetransmitVerify = tc.retrans
			cfg.Checksum = tc.checksum
			w := newWire(t)
			server := w.add(1, cfg)
			victim := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 4000)
			var in, out, replies int
			w.drop = func(d dgram) bool {
				if d.to == victim {
					out += len(d.b)
					replies++
					if len(d.b) > 52+4 {
						t.Errorf("reply of %d bytes", len(d.b))
					}
				}
				return false
			}
			c := protocol.Connect{Header: protocol.CommandHeader{Command: 0x82, ChannelID: 0xFF, ReliableSequenceNumber: 1},
				IncomingSessionID: 0xFF, OutgoingSessionID: 0xFF, MTU: 1400, WindowSize: 65536, ChannelCount: 2,
				PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2, ConnectID: protocol.ConnectID{9}}
			d := protocol.Header{PeerID: protocol.MaximumPeerID, HasSentTime: true}.Append(nil)
			if tc.checksum {
				d = append(d, 0, 0, 0, 0)
			}
			d = c.Append(d)
			if tc.checksum {
				sum := protocol.Checksum(d[:4], protocol.ConnectID{}, d[8:])
				copy(d[4:], sum[:])
			}
			for i := 0; i < tc.connects; i++ {
				server.Receive(d, victim, w.now)
				in += len(d)
				w.run(200, 5, nil) // 1 s between CONNECTs
			}
			w.run(12000, 5, func() bool { p, _ := countStates(server); return p == 0 })
			w.step(5)
			ratio := float64(out) / float64(in)
			t.Logf("%d bytes in, %d bytes out in %d replies: ratio %.2f", in, out, replies, ratio)
			if replies == 0 || ratio > tc.maxRatio || ratio <= tc.wantAbove {
				t.Fatalf("ratio %.2f", ratio)
			}
		})
	}
}

// The handshake without VERIFY_CONNECT retransmission survives the loss
// of VERIFY_CONNECT (the client's CONNECT retransmission brings another)
// and of the client's acknowledgement of it (the client's next datagram
// completes the handshake).
func TestHandshakeLosses(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose protocol.CommandType
		n    int
	}{
		{"VERIFY_CONNECT lost twice", protocol.CommandVerifyConnect, 2},
		{"acknowledgement lost", protocol.CommandAcknowledge, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			cfg := hardenedConfig()
			server := w.add(1, cfg)
			client := w.add(2, cfg)
			lost := 0
			w.drop = func(d dgram) bool {
				if lost >= tc.n {
					return false
				}
				dg, err := protocol.ParseDatagram(d.b, false)
				if err != nil {
					return false
				}
				r := protocol.NewCommandReader(dg.Header, dg.Body)
				for r.Next() {
					if r.Command().Type() == tc.lose {
						lost++
						return true
					}
				}
				return false
			}
			cp, err := client.Connect(addrOf(1), 2, 5, w.now)
			if err != nil {
				t.Fatal(err)
			}
			w.run(2000, 5, func() bool { return len(w.events[addrOf(1)]) > 0 && len(w.events[addrOf(2)]) > 0 })
			if lost != tc.n {
				t.Fatalf("lost %d", lost)
			}
			if err := cp.Send(1, payload(3, 3000), FlagReliable); err != nil {
				t.Fatal(err)
			}
			w.take(addrOf(1))
			w.run(400, 5, func() bool { return len(w.events[addrOf(1)]) > 0 })
			if ev := w.take(addrOf(1)); ev[0].Type != EventReceive || ev[0].Channel != 1 || len(ev[0].Packet) != 3000 {
				t.Fatalf("event %+v", ev[0])
			}
			t.Logf("server connect stats %+v", server.Connects)
		})
	}
}

// S5: compressed junk addressed to no peer is decompressed into a bounded
// buffer and dropped; it cannot take a slot or panic the host.
func TestAttackCompressedJunk(t *testing.T) {
	cfg := hardenedConfig()
	cfg.Compressor = rangecoder.New()
	w := newWire(t)
	server := w.add(1, cfg)
	r := rand.New(rand.NewPCG(3, 4))
	const n = 20000
	for i := 0; i < n; i++ {
		b := protocol.Header{PeerID: protocol.MaximumPeerID, Compressed: true, HasSentTime: i%2 == 0}.Append(nil)
		junk := make([]byte, r.IntN(1500))
		for j := range junk {
			junk[j] = byte(r.Uint32())
		}
		server.Receive(append(b, junk...), addrOf(uint16(1000+i%100)), w.now)
	}
	pending, connected := countStates(server)
	if pending+connected != 0 || server.DroppedDatagrams < n-10 {
		t.Fatalf("pending %d connected %d dropped %d of %d", pending, connected, server.DroppedDatagrams, n)
	}
}

// S6: datagrams larger than any ENet datagram are dropped and counted, and
// the ones after them are processed.
func TestAttackOversizedDatagram(t *testing.T) {
	w := newWire(t)
	_, server, cp := connectPair(t, w, testConfig())
	for _, n := range []int{protocol.MaximumDatagramSize + 1, 9000, 65507} {
		dropped := server.DroppedDatagrams
		server.Receive(make([]byte, n), addrOf(2), w.now)
		if server.DroppedDatagrams != dropped+1 {
			t.Fatalf("%d-byte datagram not counted", n)
		}
	}
	if err := cp.Send(0, payload(4, 10), FlagReliable); err != nil {
		t.Fatal(err)
	}
	w.run(100, 5, func() bool { return len(w.events[addrOf(1)]) > 0 })
}

// S7: connection churn does not make the host send BANDWIDTH_LIMIT (or
// anything else unsolicited) to its established peers.
func TestAttackChurnControlTraffic(t *testing.T) {
	w := newWire(t)
	cfg := testConfig()
	cfg.IncomingBandwidth, cfg.OutgoingBandwidth = 1<<20, 1<<20
	_, server, _ := connectPair(t, w, cfg)
	bw := 0
	w.drop = func(d dgram) bool {
		if d.from != addrOf(1) || d.to != addrOf(2) {
			return false
		}
		dg, err := protocol.ParseDatagram(d.b, false)
		if err != nil {
			t.Fatal(err)
		}
		r := protocol.NewCommandReader(dg.Header, dg.Body)
		for r.Next() {
			if typ := r.Command().Type(); typ == protocol.CommandBandwidthLimit || typ == protocol.CommandThrottleConfigure {
				bw++
			}
		}
		return false
	}
	for i := 0; i < 30; i++ {
		port := uint16(100 + i)
		c := w.add(port, cfg)
		p, err := c.Connect(addrOf(1), 2, 0, w.now)
		if err != nil {
			t.Fatal(err)
		}
		w.run(100, 5, func() bool { return p.State() == StateConnected })
		p.Disconnect(0, w.now)
		w.run(100, 5, func() bool { return p.State() == StateDisconnected })
		delete(w.hosts, addrOf(port))
	}
	w.run(400, 5, nil) // 2 s for any periodic recalculation
	if bw != 0 {
		t.Fatalf("%d bandwidth/throttle commands sent to an established peer during churn", bw)
	}
	_ = server
}

// S4, host-wide: two peers each allowed MaximumWaitingData cannot hold
// more than HostMaximumWaitingData together.
func TestAttackFragmentMemoryHostWide(t *testing.T) {
	cfg := testConfig()
	cfg.MaximumWaitingData = 4 << 20
	cfg.HostMaximumWaitingData = 5 << 20
	w := newWire(t)
	server := w.add(1, cfg)
	var peers []*Peer
	for _, port := range []uint16{2, 3} {
		c := w.add(port, cfg)
		if _, err := c.Connect(addrOf(1), 2, 0, w.now); err != nil {
			t.Fatal(err)
		}
	}
	w.run(100, 5, func() bool { _, n := countStates(server); return n == 2 })
	for i := range server.Peers() {
		if p := &server.Peers()[i]; p.State() == StateConnected {
			peers = append(peers, p)
		}
	}
	for _, sp := range peers {
		for k := uint16(0); k < 20; k++ {
			f := protocol.SendFragment{
				Header:              protocol.CommandHeader{Command: uint8(protocol.CommandSendFragment) | protocol.CommandFlagAcknowledge, ChannelID: 0, ReliableSequenceNumber: 2 + k*200},
				StartSequenceNumber: 2 + k*200, FragmentCount: 300, TotalLength: 300 << 10, Data: make([]byte, 100),
			}
			d := protocol.Header{PeerID: sp.index, SessionID: sp.incomingSessionID, HasSentTime: true, SentTime: uint16(w.now)}.Append(nil)
			server.Receive(f.Append(d), sp.address, w.now)
			if sp.totalWaiting > cfg.MaximumWaitingData || server.totalWaiting > cfg.HostMaximumWaitingData {
				t.Fatalf("waiting peer %d host %d", sp.totalWaiting, server.totalWaiting)
			}
		}
	}
	if server.totalWaiting == 0 || peers[1].totalWaiting == 0 {
		t.Fatalf("nothing reserved: host %d", server.totalWaiting)
	}
}
