package udp

import (
	"context"
	"net"
	"testing"
	"time"
)

const benchSize = 64

// burst is how many packets the sender sends before waiting for the
// receiver to have them all: below what the default socket buffer holds,
// so the kernel does not drop and the rates compare delivered packets.
const burst = 128

func report(b *testing.B, start time.Time, got int) {
	b.ReportMetric(float64(got)/time.Since(start).Seconds(), "pkts/s")
	if got != b.N {
		b.Errorf("received %d of %d", got, b.N)
	}
}

// sender runs send(k) for bursts of k packets, waiting for ack after each.
func sender(n int, ack <-chan struct{}, send func(k int)) {
	for n > 0 {
		k := min(n, burst)
		send(k)
		n -= k
		if _, ok := <-ack; !ok {
			return
		}
	}
}

// BenchmarkUDPPlainConn is the baseline: one net.UDPConn write and one read
// system call per packet.
func BenchmarkUDPPlainConn(b *testing.B) {
	rx, _ := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo))
	tx, _ := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo))
	defer rx.Close()
	defer tx.Close()
	dst := rx.LocalAddr().(*net.UDPAddr).AddrPort()
	ack := make(chan struct{}, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go sender(b.N, ack, func(k int) {
		p := make([]byte, benchSize)
		for range k {
			tx.WriteToUDPAddrPort(p, dst)
		}
	})
	buf := make([]byte, 2048)
	rx.SetReadDeadline(time.Now().Add(time.Minute))
	got := 0
	for got < b.N {
		if _, _, err := rx.ReadFromUDPAddrPort(buf); err != nil {
			break
		}
		got++
		if got%burst == 0 {
			ack <- struct{}{}
		}
	}
	close(ack)
	report(b, start, got)
}

func benchPeer(b *testing.B, batch int) {
	rx, _ := Listen(lo, Config{BatchSize: batch, QueueBytes: 4 << 20})
	tx, _ := New(Config{BatchSize: batch})
	defer rx.Close()
	defer tx.Close()
	tx.SetDestAddress(rx.LocalAddr())
	p := make([]byte, benchSize)
	tx.PutPacket(p) // open the socket outside the timing
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rx.Wait(ctx)
	rx.GetPacket()
	pkts := make([][]byte, batch)
	for i := range pkts {
		pkts[i] = p
	}
	ack := make(chan struct{}, 1)
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go sender(b.N, ack, func(k int) {
		if batch <= 1 {
			for range k {
				tx.PutPacket(p)
			}
			return
		}
		for k > 0 {
			n := min(k, batch)
			tx.PutBatch(pkts[:n])
			k -= n
		}
	})
	got := 0
	for got < b.N {
		if err := rx.Wait(ctx); err != nil {
			break
		}
		for {
			if _, _, err := rx.GetPacketFrom(buf); err != nil {
				break
			}
			got++
			if got%burst == 0 {
				ack <- struct{}{}
			}
		}
	}
	close(ack)
	report(b, start, got)
	b.ReportMetric(float64(rx.Stats().DroppedQueueFull), "queue-drops")
}

// BenchmarkUDPPeerBatched: PutBatch (sendmmsg) and the batched reader
// (recvmmsg), up to 32 datagrams per system call; compare its pkts/s with
// BenchmarkUDPPlainConn from the same run. Allocations: 0 per packet.
func BenchmarkUDPPeerBatched(b *testing.B) { benchPeer(b, 32) }

// BenchmarkUDPPeerUnbatched: PutPacket and one datagram per read system
// call (BatchSize 1).
func BenchmarkUDPPeerUnbatched(b *testing.B) { benchPeer(b, 1) }
