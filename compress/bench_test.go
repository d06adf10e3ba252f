package compress

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkCompress and BenchmarkDecompress report MB/s per mode on 64 KiB
// of mixed (partly repetitive) data.
func benchInput() []byte {
	return mixed(rand.New(rand.NewPCG(5, 6)), 64<<10)
}

func BenchmarkCompress(b *testing.B) {
	in := benchInput()
	for _, m := range modes {
		b.Run(fmt.Sprint(m), func(b *testing.B) {
			buf := make([]byte, 0, MaxCompressedLen(len(in), m))
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = Compress(buf[:0], in, m)
			}
			b.ReportMetric(float64(len(buf))/float64(len(in)), "ratio")
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	in := benchInput()
	for _, m := range modes {
		b.Run(fmt.Sprint(m), func(b *testing.B) {
			c, _ := Compress(nil, in, m)
			out := make([]byte, 0, len(in))
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				out, err = Decompress(out[:0], c, len(in), m)
				if err != nil || !bytes.Equal(out, in) {
					b.Fatal(err)
				}
			}
		})
	}
}
