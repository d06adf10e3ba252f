package enet

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkLoopback is the workload of scripts/enetbench.c (the libenet
// anchor) between two Go hosts over loopback UDP: the client sends b.N
// packets on channel 0 with at most 1000 beyond the last count in flight,
// and the server returns a reliable 4-byte count every 1000 packets on
// channel 1. Both sides release every received packet. allocs/op is per
// packet, client and server together.
func BenchmarkLoopback(b *testing.B) {
	for _, c := range []struct {
		size     int
		reliable bool
	}{{64, true}, {1000, true}, {8000, true}, {64, false}} {
		mode := "unreliable"
		if c.reliable {
			mode = "reliable"
		}
		b.Run(fmt.Sprintf("%s-%d", mode, c.size), func(b *testing.B) {
			benchLoopback(b, c.size, c.reliable, 1000)
		})
	}
}

func benchLoopback(b *testing.B, size int, reliable bool, window int) {
	srv, err := NewHost("127.0.0.1:0", &HostConfig{PeerLimit: 64, ChannelLimit: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var got uint32
		var ack [4]byte
		for ctx.Err() == nil {
			ev, err := srv.Service(50 * time.Millisecond)
			if err != nil {
				return
			}
			if ev.Type == EventReceive {
				got++
				ev.Release()
				if got%1000 == 0 {
					binary.LittleEndian.PutUint32(ack[:], got)
					_ = ev.Peer.Send(1, ack[:], PacketFlagReliable)
				}
			}
		}
	}()
	defer wg.Wait()
	defer cancel()

	cli, err := NewHost("127.0.0.1:0", &HostConfig{PeerLimit: 1, ChannelLimit: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	peer, err := cli.Connect(srv.LocalAddr().String(), 2, 0)
	if err != nil {
		b.Fatal(err)
	}
	if ev, err := cli.Service(2 * time.Second); err != nil || ev.Type != EventConnect {
		b.Fatal("connect failed", err)
	}
	flags := PacketFlag(0)
	if reliable {
		flags = PacketFlagReliable
	}
	buf := make([]byte, size)
	// The server counts every packet of the run, warm-up included.
	run := func(count, base int) int {
		sent, acked := 0, 0
		target := count / 1000 * 1000
		lastProgress := time.Now()
		for acked < target {
			for sent < count && sent-acked < window {
				if err := peer.Send(0, buf, flags); err != nil {
					b.Fatal(err)
				}
				sent++
				if sent%64 == 0 {
					break
				}
			}
			timeout := time.Duration(0)
			if sent >= count {
				timeout = time.Millisecond
			}
			for {
				ev, err := cli.Service(timeout)
				if err != nil {
					b.Fatal(err)
				}
				if ev.Type == EventNone {
					break
				}
				if ev.Type == EventReceive {
					acked = int(binary.LittleEndian.Uint32(ev.Packet)) - base
					ev.Release()
					lastProgress = time.Now()
				}
			}
			if !reliable && time.Since(lastProgress) > time.Second {
				if sent >= count {
					break
				}
				if sent-acked >= window {
					acked = sent // lost counts: move on, as the anchor does
				}
			}
		}
		return acked
	}
	run(5000, 0) // warm up the pools
	const base = 5000
	cs0, ss0 := cli.Stats(), srv.Stats()
	n := max(b.N/1000*1000, 1000)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	acked := run(n, base)
	dt := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(acked)/dt.Seconds(), "pps")
	cs, ss := cli.Stats(), srv.Stats()
	b.ReportMetric(float64(cs.PacketsSent-cs0.PacketsSent)/float64(n), "cdgram/op")
	b.ReportMetric(float64(ss.PacketsSent-ss0.PacketsSent)/float64(n), "sdgram/op")
	peer.DisconnectNow(0)
}
