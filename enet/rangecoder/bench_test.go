package rangecoder

import (
	"math/rand/v2"
	"testing"
)

func benchInput() []byte {
	for _, tc := range corpus() {
		if tc.name == "packet-1400" {
			return concat(tc.bufs)
		}
	}
	panic("missing")
}

func BenchmarkCompress1400(b *testing.B) {
	c := New()
	in := [][]byte{benchInput()}
	dst := make([]byte, 1400)
	b.ReportAllocs()
	b.SetBytes(1400)
	for b.Loop() {
		if _, err := c.Compress(dst, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecompress1400(b *testing.B) {
	c := New()
	in := benchInput()
	comp := make([]byte, 1400)
	n, _ := c.Compress(comp, [][]byte{in})
	dst := make([]byte, 4092)
	b.ReportAllocs()
	b.SetBytes(1400)
	for b.Loop() {
		if _, err := c.Decompress(dst, comp[:n]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecompressJunk measures the cost of a junk "compressed" datagram.
func BenchmarkDecompressJunk(b *testing.B) {
	c := New()
	rng := rand.New(rand.NewPCG(1, 1))
	junk := make([]byte, 1400)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	dst := make([]byte, 4092)
	b.ReportAllocs()
	for b.Loop() {
		c.Decompress(dst, junk)
	}
}
