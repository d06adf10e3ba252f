package protocol

import "testing"

func BenchmarkAppendSendReliable(b *testing.B) {
	c := SendReliable{Header: CommandHeader{0x86, 0, 1}, Data: make([]byte, 64)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.Append(buf[:0])
	}
}

func BenchmarkAppendConnect(b *testing.B) {
	c := connectWant()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.Append(buf[:0])
	}
}

func BenchmarkParseConnect(b *testing.B) {
	c := connectWant()
	wire := c.Append(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseConnect(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSendFragment(b *testing.B) {
	wire := (&SendFragment{Header: CommandHeader{0x88, 0, 2}, StartSequenceNumber: 2, FragmentCount: 2, TotalLength: 2744, Data: make([]byte, 1372)}).Append(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseSendFragment(wire); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalkDatagram parses and walks a datagram of 11 commands.
func BenchmarkWalkDatagram(b *testing.B) {
	wire := busyDatagram()
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		d, err := ParseDatagram(wire, false)
		if err != nil {
			b.Fatal(err)
		}
		r := NewCommandReader(d.Header, d.Body)
		for r.Next() {
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkChecksum1400(b *testing.B) {
	body := make([]byte, 1396)
	hdr := []byte{0x80, 0, 0, 1}
	b.ReportAllocs()
	b.SetBytes(1400)
	for b.Loop() {
		Checksum(hdr, ConnectID{1, 2, 3, 4}, body)
	}
}
