package engine

import (
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Attacks from 02-bugs-and-asks.md §2 that the engine must withstand.

// S3: a blind injector must match source address, peer index and session
// bits; an unsequenced DISCONNECT from another port or with the wrong
// session is ignored.
func TestAttackBlindDisconnect(t *testing.T) {
	w := newWire(t)
	_, server, _ := connectPair(t, w, testConfig())
	sp := &server.Peers()[0]
	disc := (&protocol.Disconnect{Header: protocol.CommandHeader{Command: uint8(protocol.CommandDisconnect) | protocol.CommandFlagUnsequenced, ChannelID: 0xFF, ReliableSequenceNumber: 9}, Data: 1}).Append(nil)
	for _, tc := range []struct {
		name    string
		from    uint16
		session uint8
	}{
		{"other port", 3, sp.incomingSessionID},
		{"wrong session", 2, sp.incomingSessionID ^ 1},
	} {
		dropped := server.DroppedDatagrams
		d := append(protocol.Header{PeerID: sp.index, SessionID: tc.session}.Append(nil), disc...)
		server.Receive(d, addrOf(tc.from), w.now)
		if server.DroppedDatagrams != dropped+1 || sp.State() != StateConnected {
			t.Fatalf("%s: state %v, dropped %d", tc.name, sp.State(), server.DroppedDatagrams-dropped)
		}
	}
	// The genuine address and session are obeyed (libenet behaviour).
	d := append(protocol.Header{PeerID: sp.index, SessionID: sp.incomingSessionID}.Append(nil), disc...)
	server.Receive(d, addrOf(2), w.now)
	if sp.State() != StateZombie {
		t.Fatalf("state %v after a genuine DISCONNECT", sp.State())
	}
}

// S4: first fragments announcing 32 MiB messages on every channel and
// window must not make the host hold more than MaximumWaitingData per
// peer; the fragments past the limit are not acknowledged.
func TestAttackFragmentMemory(t *testing.T) {
	cfg := testConfig()
	cfg.MaximumWaitingData = 4 << 20
	w := newWire(t)
	_, server, _ := connectPair(t, w, cfg)
	sp := &server.Peers()[0]
	acked := 0
	for ch := uint8(0); ch < 4; ch++ {
		for k := uint16(0); k < 50; k++ {
			f := protocol.SendFragment{
				Header:              protocol.CommandHeader{Command: uint8(protocol.CommandSendFragment) | protocol.CommandFlagAcknowledge, ChannelID: ch, ReliableSequenceNumber: 2 + k*100},
				StartSequenceNumber: 2 + k*100, FragmentCount: 24000, FragmentNumber: 0, TotalLength: 32 << 20, FragmentOffset: 0,
				Data: make([]byte, 100),
			}
			d := protocol.Header{PeerID: sp.index, SessionID: sp.incomingSessionID, HasSentTime: true, SentTime: uint16(w.now)}.Append(nil)
			d = f.Append(d)
			before := sp.acks.Len()
			server.Receive(d, addrOf(2), w.now)
			acked += sp.acks.Len() - before
			if sp.totalWaiting > cfg.MaximumWaitingData || server.totalWaiting > cfg.HostMaximumWaitingData {
				t.Fatalf("waiting data %d exceeds the limit %d", sp.totalWaiting, cfg.MaximumWaitingData)
			}
		}
	}
	if acked != 0 {
		t.Fatalf("%d oversized fragments acknowledged", acked)
	}
	// A 32 MiB message does not fit in 4 MiB: nothing was reserved.
	if sp.totalWaiting != 0 {
		t.Fatalf("waiting %d", sp.totalWaiting)
	}
	// Smaller messages are bounded too.
	for k := uint16(0); k < 100; k++ {
		f := protocol.SendFragment{
			Header:              protocol.CommandHeader{Command: uint8(protocol.CommandSendFragment) | protocol.CommandFlagAcknowledge, ChannelID: 0, ReliableSequenceNumber: 2 + k*200},
			StartSequenceNumber: 2 + k*200, FragmentCount: 100, TotalLength: 1 << 20, Data: make([]byte, 100),
		}
		d := protocol.Header{PeerID: sp.index, SessionID: sp.incomingSessionID, HasSentTime: true, SentTime: uint16(w.now)}.Append(nil)
		server.Receive(f.Append(d), addrOf(2), w.now)
		if sp.totalWaiting > cfg.MaximumWaitingData {
			t.Fatalf("waiting data %d exceeds the limit", sp.totalWaiting)
		}
	}
	if sp.totalWaiting == 0 || sp.State() != StateConnected {
		t.Fatalf("waiting %d state %v", sp.totalWaiting, sp.State())
	}
}

// S1 (partial): a retransmitted CONNECT does not take a second slot, and a
// full host refuses further CONNECTs without side effects.
func TestAttackConnectSlots(t *testing.T) {
	cfg := testConfig()
	cfg.PeerLimit = 2
	w := newWire(t)
	server := w.add(1, cfg)
	c := protocol.Connect{Header: protocol.CommandHeader{Command: 0x82, ChannelID: 0xFF, ReliableSequenceNumber: 1},
		IncomingSessionID: 0xFF, OutgoingSessionID: 0xFF, MTU: 1400, WindowSize: 65536, ChannelCount: 2,
		PacketThrottleInterval: 5000, PacketThrottleAcceleration: 2, PacketThrottleDeceleration: 2, ConnectID: protocol.ConnectID{1, 2, 3, 4}}
	send := func(from uint16, id byte) {
		c.ConnectID[0] = id
		d := protocol.Header{PeerID: protocol.MaximumPeerID, HasSentTime: true}.Append(nil)
		server.Receive(c.Append(d), addrOf(from), w.now)
	}
	send(10, 1)
	send(10, 1) // retransmission
	busy := 0
	for i := range server.Peers() {
		if server.Peers()[i].State() != StateDisconnected {
			busy++
		}
	}
	if busy != 1 {
		t.Fatalf("%d slots after a retransmitted CONNECT", busy)
	}
	send(11, 2)
	send(12, 3) // no slot left
	for i := range server.Peers() {
		if a := server.Peers()[i].Address(); a == addrOf(12) {
			t.Fatal("third CONNECT got a slot")
		}
	}
}
