package udp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestBatchFamilies sends batches (sendmmsg) to batched receivers
// (recvmmsg) over IPv4, IPv6 and a dual-stack socket sending to IPv4, with
// more packets than one system call carries, empty packets in between and
// a maximum-size datagram, and checks payloads, order and sender address.
func TestBatchFamilies(t *testing.T) {
	for _, tc := range []struct{ name, rx, tx string }{
		{"v4", "127.0.0.1:0", "127.0.0.1:0"},
		{"v6", "[::1]:0", "[::1]:0"},
		{"dualstack-to-v4", "127.0.0.1:0", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Listen(netip.MustParseAddrPort(tc.rx), Config{BatchSize: 8, QueueBytes: 1 << 20})
			if err != nil {
				t.Skip(err)
			}
			defer a.Close()
			var txAddr netip.AddrPort
			if tc.tx != "" {
				txAddr = netip.MustParseAddrPort(tc.tx)
			}
			b, err := Listen(txAddr, Config{BatchSize: 4})
			if err != nil {
				t.Skip(err)
			}
			defer b.Close()
			if err := b.SetDestAddress(a.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			var pkts [][]byte
			for i := range 150 {
				switch {
				case i%50 == 7:
					pkts = append(pkts, nil)
				case i == 100:
					pkts = append(pkts, bytes.Repeat([]byte{0xAB}, MaxPacketSize))
				default:
					pkts = append(pkts, []byte{byte(i), byte(i >> 8), 1, 2, 3})
				}
			}
			n, err := b.PutBatch(pkts)
			if err != nil || n != len(pkts) {
				t.Fatal(n, err)
			}
			want := 0
			var wantBytes uint64
			for _, p := range pkts {
				if len(p) > 0 {
					want++
					wantBytes += uint64(len(p))
				}
			}
			if st := b.Stats(); st.PacketsOut != uint64(want) || st.BytesOut != wantBytes {
				t.Fatalf("stats %+v, want %d packets %d bytes", st, want, wantBytes)
			}
			waitFor(t, func() bool { return a.AvailablePacketCount() == want })
			buf := make([]byte, MaxPacketSize)
			for _, p := range pkts {
				if len(p) == 0 {
					continue
				}
				n, from, err := a.GetPacketFrom(buf)
				if err != nil || !bytes.Equal(buf[:n], p) {
					t.Fatalf("got %d bytes %v, want %d", n, err, len(p))
				}
				if from.Port() != b.LocalAddr().Port() || !from.Addr().IsLoopback() || from.Addr().Is4In6() {
					t.Fatalf("sender %v, want loopback port %d", from, b.LocalAddr().Port())
				}
			}
		})
	}
}

func TestPutBatchClosed(t *testing.T) {
	a, _ := Listen(lo, Config{})
	a.SetDestAddress(netip.MustParseAddrPort("127.0.0.1:9"))
	a.Close()
	if _, err := a.PutBatch([][]byte{{1}}); !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
}

// TestBatchSteadyStateAllocs is the goal: once the sockets are
// open, sending a batch with PutBatch and receiving it (recvmmsg in the
// reader goroutine, GetPacketFrom) allocates nothing, counted over the
// whole process (both goroutines).
func TestBatchSteadyStateAllocs(t *testing.T) {
	rx, _ := Listen(lo, Config{QueueBytes: 1 << 20})
	defer rx.Close()
	tx, _ := New(Config{})
	defer tx.Close()
	tx.SetDestAddress(rx.LocalAddr())
	p := make([]byte, 64)
	pkts := make([][]byte, 32)
	for i := range pkts {
		pkts[i] = p
	}
	buf := make([]byte, 2048)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var failed error
	round := func() {
		if _, err := tx.PutBatch(pkts); err != nil {
			failed = err
			return
		}
		for got := 0; got < len(pkts); {
			if err := rx.Wait(ctx); err != nil {
				failed = err
				return
			}
			for {
				if _, _, err := rx.GetPacketFrom(buf); err != nil {
					break
				}
				got++
			}
		}
	}
	round() // opens tx's socket and allocates its send arrays
	allocs := testing.AllocsPerRun(50, round)
	if failed != nil {
		t.Fatal(failed)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per batch of %d packets, want 0", allocs, len(pkts))
	}
	// One explicit round, AllocsPerRun's warm-up and its 50 runs.
	if st := rx.Stats(); st.DroppedQueueFull != 0 || st.PacketsIn != 52*32 {
		t.Fatalf("stats %+v", st)
	}
}
