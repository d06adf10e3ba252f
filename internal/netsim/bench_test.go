package netsim

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkProxy measures forwarding through a Proxy on 127.0.0.1: a client
// keeps up to window 64-byte packets in flight to a sink; pkts/s counts
// what reached the sink. A packet the kernel drops (a socket buffer
// overflow) is written off after 20 ms of no progress and reported as
// kernel-lost.
func BenchmarkProxy(b *testing.B) {
	for _, c := range []struct {
		name string
		imp  Impairment
	}{
		{"zero", Impairment{}},
		{"loss", Impairment{Loss: 0.01}},
		{"latency", Impairment{Latency: time.Millisecond}},
	} {
		b.Run(c.name, func(b *testing.B) { benchProxy(b, c.imp) })
	}
}

func benchProxy(b *testing.B, imp Impairment) {
	sink := listenLocal(b)
	defer sink.Close()
	var recv atomic.Int64
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			if _, err := sink.Read(buf); err != nil {
				return
			}
			recv.Add(1)
		}
	}()
	p, err := NewProxy(Config{Listen: "127.0.0.1:0", Target: sink.LocalAddr().String(), Up: imp})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	client, err := net.DialUDP("udp", nil, p.Addr().(*net.UDPAddr))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	pkt := make([]byte, 64)
	// Open the mapping before timing.
	client.Write(pkt)
	for recv.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	recv.Store(0)
	const window = 128
	var sent, writtenOff int64
	lastProgress, lastRecv := time.Now(), int64(0)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sent < int64(b.N) {
		r := recv.Load()
		accounted := r + writtenOff + int64(p.Stats().Up.DroppedLoss)
		if sent-accounted < window {
			client.Write(pkt)
			sent++
			continue
		}
		if r != lastRecv {
			lastRecv, lastProgress = r, time.Now()
		} else if time.Since(lastProgress) > 20*time.Millisecond {
			writtenOff = sent - r - int64(p.Stats().Up.DroppedLoss)
			lastProgress = time.Now()
		}
		time.Sleep(20 * time.Microsecond)
	}
	for deadline := time.Now().Add(time.Second); recv.Load()+writtenOff+int64(p.Stats().Up.DroppedLoss) < sent && time.Now().Before(deadline); {
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	st := p.Stats().Up
	b.ReportMetric(float64(recv.Load())/elapsed.Seconds(), "pkts/s")
	b.ReportMetric(float64(sent-recv.Load()-int64(st.DroppedLoss)), "kernel-lost")
}

// BenchmarkLinkSend measures the impairment engine alone, without sockets.
func BenchmarkLinkSend(b *testing.B) {
	for _, c := range []struct {
		name string
		imp  Impairment
	}{
		{"zero", Impairment{}},
		{"loss+dup", Impairment{Loss: 0.1, Duplicate: 0.1}},
		{"latency", Impairment{Latency: time.Microsecond}},
		{"all", Impairment{Loss: 0.1, Latency: 10 * time.Microsecond, Jitter: 10 * time.Microsecond, Duplicate: 0.02, Reorder: 0.05, Rate: 100e9}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var delivered atomic.Int64
			l, _ := newLink(c.imp, streamUp, func([]byte, netip.AddrPort, any) error { delivered.Add(1); return nil })
			pkt := make([]byte, 1200)
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			b.ResetTimer()
			for range b.N {
				_ = l.send(pkt, netip.AddrPort{}, nil)
			}
			b.StopTimer()
			l.close()
			st := l.stats()
			b.ReportMetric(float64(st.DroppedQueue)/float64(b.N), "queue-drops/op")
		})
	}
}
