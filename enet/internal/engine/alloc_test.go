package engine

import (
	"net/netip"
	"testing"
)

// pairDirect connects two engine hosts whose Send callbacks deliver
// synchronously, without copying.
func pairDirect(tb testing.TB) (client, server *Host, cp *Peer, now *uint32) {
	t := uint32(1000)
	now = &t
	ca, sa := addrOf(2), addrOf(1)
	client = New(testConfig())
	scfg := testConfig()
	scfg.Send = func(b []byte, to netip.AddrPort) { client.Receive(b, sa, *now) }
	server = New(scfg)
	client.cfg.Send = func(b []byte, to netip.AddrPort) { server.Receive(b, ca, *now) }
	cp, _ = client.Connect(sa, 1, 0, *now)
	for i := 0; i < 20; i++ {
		client.Flush(*now, true)
		server.Flush(*now, true)
		for {
			if _, ok := client.PopEvent(); !ok {
				break
			}
		}
		for {
			if _, ok := server.PopEvent(); !ok {
				break
			}
		}
		*now += 5
	}
	if cp.State() != StateConnected {
		tb.Fatal("not connected")
	}
	return client, server, cp, now
}

// TestSteadyStateAllocs: after warm-up, sending a small reliable packet,
// acknowledging it and delivering it costs one allocation, the payload
// copy the application receives.
func TestSteadyStateAllocs(t *testing.T) {
	client, server, cp, now := pairDirect(t)
	msg := payload(1, 100)
	step := func() {
		if err := cp.Send(0, msg, FlagReliable); err != nil {
			t.Fatal(err)
		}
		client.Flush(*now, true) // data -> server
		server.Flush(*now, true) // ack -> client
		ev, ok := server.PopEvent()
		if !ok || len(ev.Packet) != 100 {
			t.Fatal("not delivered")
		}
		*now += 1
	}
	for i := 0; i < 100; i++ {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a > 1 {
		t.Fatalf("%.1f allocations per packet, want <= 1 (the delivered copy)", a)
	}
}

func BenchmarkSendReceive(b *testing.B) {
	client, server, cp, now := pairDirect(b)
	msg := payload(1, 64)
	b.ReportAllocs()
	b.SetBytes(64)
	for b.Loop() {
		_ = cp.Send(0, msg, FlagReliable)
		client.Flush(*now, true)
		server.Flush(*now, true)
		server.PopEvent()
		*now++
	}
}
