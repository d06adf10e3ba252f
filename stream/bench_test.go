package stream

import (
	"context"
	"net/netip"
	"testing"
)

// BenchmarkPacketStreamTCP measures PacketPeerStream throughput over a
// loopback TCP connection with 16 KiB packets (MB/s) and allocations per
// packet on both ends (GetPacketInto, no copy out).
func BenchmarkPacketStreamTCP(b *testing.B) {
	for _, tc := range []struct {
		name        string
		size, batch int
	}{{"64B", 64, 1}, {"64B-PutPackets32", 64, 32}, {"16KiB", 16384, 1}} {
		size := tc.size
		b.Run(tc.name, func(b *testing.B) {
			ln, _ := Listen(netip.MustParseAddrPort("127.0.0.1:0"))
			defer ln.Close()
			ctx := context.Background()
			done := make(chan struct{})
			go func() {
				defer close(done)
				c, err := DialTCP(ctx, ln.Addr())
				if err != nil {
					return
				}
				s, _ := NewPacketStream(c, PacketStreamConfig{})
				p := make([]byte, size)
				pkts := make([][]byte, tc.batch)
				for i := range pkts {
					pkts[i] = p
				}
				<-done2
				for n := b.N; n > 0; n -= tc.batch {
					var err error
					if tc.batch == 1 {
						err = s.PutPacket(p)
					} else {
						err = s.PutPackets(pkts[:min(n, tc.batch)])
					}
					if err != nil {
						break
					}
				}
			}()
			c, _ := ln.Accept(ctx)
			s, _ := NewPacketStream(c, PacketStreamConfig{})
			defer s.Close()
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			s.AvailablePacketCount()
			b.ResetTimer()
			done2 <- struct{}{}
			for i := 0; i < b.N; {
				if err := s.Wait(ctx); err != nil {
					b.Fatal(err)
				}
				for i < b.N {
					if _, err := s.GetPacketInto(buf); err != nil {
						break
					}
					i++
				}
			}
			<-done
		})
	}
}

var done2 = make(chan struct{})
