package engine

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
	"github.com/packetpeer/packetpeer/enet/rangecoder"
)

// capture runs a short session and returns the datagrams the client sent
// after the handshake, as fuzz seeds.
func capture(t testing.TB, cfg Config) [][]byte {
	w := newWire(t)
	var seeds [][]byte
	server := w.add(1, cfg)
	client := w.add(2, cfg)
	_ = server
	cp, _ := client.Connect(addrOf(1), 4, 7, w.now)
	for i := 0; i < 12; i++ {
		for _, d := range w.queue {
			if d.from == addrOf(2) {
				seeds = append(seeds, d.b)
			}
		}
		w.step(5)
		if cp.State() == StateConnected && i%4 == 0 {
			_ = cp.Send(0, payload(i, 1500), FlagReliable)
			_ = cp.Send(1, payload(i, 10), 0)
			_ = cp.Send(2, payload(i, 10), FlagUnsequenced)
			_ = cp.Send(3, payload(i, 1400), FlagUnreliableFragment)
		}
	}
	cp.Disconnect(3, w.now)
	w.step(5)
	for _, d := range w.queue {
		if d.from == addrOf(2) {
			seeds = append(seeds, d.b)
		}
	}
	return seeds
}

// FuzzReceive feeds a stream of datagrams into a server that has one
// connected client, both as raw datagrams from the client's address and
// with a valid header for that peer prepended (so that the command parser
// and the peer state machine see the fuzz input), checking that nothing
// panics and that the waiting-data accounting stays consistent.
//
// Input: mode byte (bit 0: checksum, bit 1: range coder, bit 2: add a
// valid header), then datagrams each prefixed by a 2-byte length.
func FuzzReceive(f *testing.F) {
	for mode := byte(0); mode < 8; mode++ {
		cfg := testConfig()
		cfg.Checksum = mode&1 != 0
		if mode&2 != 0 {
			cfg.Compressor = rangecoder.New()
		}
		seeds := capture(f, cfg)
		in := []byte{mode &^ 4}
		for _, s := range seeds {
			in = binary.BigEndian.AppendUint16(in, uint16(len(s)))
			in = append(in, s...)
		}
		f.Add(in)
	}
	f.Add([]byte{4, 0, 6, 0x86, 0, 0, 5, 0, 0})
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, in []byte) {
	if len(in) < 1 {
		return
	}
	mode := in[0]
	in = in[1:]
	cfg := testConfig()
	cfg.Checksum = mode&1 != 0
	if mode&2 != 0 {
		cfg.Compressor = sharedCoder
	}
	w := newWire(t)
	server := w.add(1, cfg)
	client := w.add(2, cfg)
	cp, err := client.Connect(addrOf(1), 4, 7, w.now)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && cp.State() != StateConnected; i++ {
		w.step(5)
	}
	w.step(5)
	sp := &server.Peers()[0]
	for len(in) >= 2 {
		n := int(binary.BigEndian.Uint16(in))
		in = in[2:]
		if n > len(in) {
			n = len(in)
		}
		d := in[:n]
		in = in[n:]
		if mode&4 != 0 && sp.State() != StateDisconnected {
			// Prepend a header the server accepts for its peer.
			h := protocol.Header{PeerID: sp.index, SessionID: sp.incomingSessionID, HasSentTime: true, SentTime: uint16(w.now)}
			b := h.Append(nil)
			if cfg.Checksum {
				sum := protocol.Checksum(b, sp.connectID, d)
				b = append(b, sum[:]...)
			}
			d = append(b, d...)
		}
		server.Receive(d, addrOf(2), w.now)
		server.Flush(w.now, true)
		for {
			if _, ok := server.PopEvent(); !ok {
				break
			}
		}
		w.now += 7
		if server.totalWaiting < 0 || sp.totalWaiting < 0 || server.totalWaiting > cfg.HostMaximumWaitingData {
			t.Fatalf("waiting data host %d peer %d", server.totalWaiting, sp.totalWaiting)
		}
	}
	// The host still works: run the session on.
	w.queue = nil
	for i := 0; i < 20; i++ {
		w.step(5)
	}
}

// TestReceiveMutations runs FuzzReceive's body on randomly mutated
// sessions (deterministic seed), so that the receive path's robustness is
// checked by every go test run, not only under -fuzz.
func TestReceiveMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for mode := byte(0); mode < 4; mode++ {
		cfg := testConfig()
		cfg.Checksum = mode&1 != 0
		if mode&2 != 0 {
			cfg.Compressor = sharedCoder
		}
		seeds := capture(t, cfg)
		for iter := 0; iter < 300; iter++ {
			in := []byte{mode | byte(rng.IntN(2))<<2}
			for _, s := range seeds {
				s = bytes.Clone(s)
				for k := 0; k < 1+rng.IntN(3); k++ {
					if len(s) > 0 {
						s[rng.IntN(len(s))] = byte(rng.Uint32())
					}
				}
				if rng.IntN(4) == 0 && len(s) > 0 {
					s = s[:rng.IntN(len(s))]
				}
				in = binary.BigEndian.AppendUint16(in, uint16(len(s)))
				in = append(in, s...)
			}
			fuzzOne(t, in)
		}
	}
}

// sharedCoder: the hosts of a test run one at a time, so they can share a
// range coder (a Coder is 72 KiB).
var sharedCoder = rangecoder.New()
