package packetpeer

import (
	"testing"

	"github.com/packetpeer/packetpeer/variant"
)

var benchValue = func() any {
	d := variant.NewDictionary(1)
	d.Set("x", int64(10))
	return []any{int64(7), "player_moved", 1.5, d}
}()

// BenchmarkPutVar is PutVar over a Pipe, drained with GetPacket (whose
// returned slice is the one allocation per iteration).
func BenchmarkPutVar(b *testing.B) {
	a, c := NewPipe(nil)
	vp := NewVarPeer(a, variant.Godot3)
	b.ReportAllocs()
	for b.Loop() {
		if err := vp.PutVar(benchValue); err != nil {
			b.Fatal(err)
		}
		_, _ = c.GetPacket()
	}
}

// BenchmarkGetVar is GetVar over a Pipe (decoding allocates the values).
func BenchmarkGetVar(b *testing.B) {
	a, c := NewPipe(nil)
	send, recv := NewVarPeer(a, variant.Godot3), NewVarPeer(c, variant.Godot3)
	b.ReportAllocs()
	for b.Loop() {
		_ = send.PutVar(benchValue)
		if _, err := recv.GetVar(); err != nil {
			b.Fatal(err)
		}
	}
}

// discard accepts and forgets every packet.
type discard struct{}

func (discard) PutPacket([]byte) error     { return nil }
func (discard) GetPacket() ([]byte, error) { return nil, ErrUnavailable }
func (discard) AvailablePacketCount() int  { return 0 }
func (discard) MaxPacketSize() int         { return 1 << 16 }
func (discard) Close() error               { return nil }

// BenchmarkPutVarOnly is PutVar alone (0 allocs/op in steady state).
func BenchmarkPutVarOnly(b *testing.B) {
	vp := NewVarPeer(discard{}, variant.Godot3)
	b.ReportAllocs()
	for b.Loop() {
		if err := vp.PutVar(benchValue); err != nil {
			b.Fatal(err)
		}
	}
}
