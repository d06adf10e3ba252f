package protocol

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// connectDatagram is the 52-byte CONNECT datagram of spec 01 §2.4 with
// sent time 0x1234.
func connectDatagram(t testing.TB) []byte {
	c := connectWant()
	return c.Append(Header{PeerID: 0xFFF, HasSentTime: true, SentTime: 0x1234}.Append(nil))
}

// busyDatagram carries an ACK first, then one of each data/control command.
func busyDatagram() []byte {
	b := Header{PeerID: 1, SessionID: 2, HasSentTime: true, SentTime: 0x0102}.Append(nil)
	b = (&Acknowledge{CommandHeader{0x01, 0xFF, 1}, 1, 0x7777}).Append(b)
	b = (&Ping{CommandHeader{0x85, 0xFF, 2}}).Append(b)
	b = (&SendReliable{Header: CommandHeader{0x86, 0, 1}, Data: []byte("reliable")}).Append(b)
	b = (&SendUnreliable{Header: CommandHeader{0x07, 1, 0}, UnreliableSequenceNumber: 1, Data: []byte("u")}).Append(b)
	b = (&SendUnsequenced{Header: CommandHeader{0x49, 2, 0}, UnsequencedGroup: 1, Data: []byte{}}).Append(b)
	b = (&SendFragment{Header: CommandHeader{0x88, 0, 2}, StartSequenceNumber: 2, FragmentCount: 2, TotalLength: 4, Data: []byte{1, 2}}).Append(b)
	b = (&SendUnreliableFragment{Header: CommandHeader{0x0C, 0, 1}, StartSequenceNumber: 2, FragmentCount: 2, FragmentNumber: 1, TotalLength: 4, FragmentOffset: 2, Data: []byte{3, 4}}).Append(b)
	b = (&BandwidthLimit{CommandHeader{0x8A, 0xFF, 3}, 0, 0}).Append(b)
	b = (&ThrottleConfigure{CommandHeader{0x8B, 0xFF, 4}, 5000, 2, 2}).Append(b)
	b = (&VerifyConnect{CommandHeader{0x83, 0xFF, 1}, 0, 0, 0, 1400, 65536, 1, 0, 0, 5000, 2, 2, ConnectID{}}).Append(b)
	b = (&Disconnect{CommandHeader{0x84, 0xFF, 5}, 9}).Append(b)
	return b
}

func walk(t testing.TB, b []byte, checksum bool) ([]CommandType, error) {
	d, err := ParseDatagram(b, checksum)
	if err != nil {
		return nil, err
	}
	var types []CommandType
	r := NewCommandReader(d.Header, d.Body)
	for r.Next() {
		types = append(types, r.Command().Type())
	}
	return types, r.Err()
}

func TestDatagramConnect(t *testing.T) {
	b := connectDatagram(t)
	if len(b) != 52 || !bytes.Equal(b[:8], unhex(t, "8FFF1234 82FF0001")) {
		t.Fatalf("%d %x", len(b), b)
	}
	d, err := ParseDatagram(b, false)
	if err != nil || d.Header.PeerID != 0xFFF || len(d.Body) != ConnectSize {
		t.Fatal(d, err)
	}
	r := NewCommandReader(d.Header, d.Body)
	if !r.Next() || r.Next() || r.Err() != nil {
		t.Fatal(r.Err())
	}
}

func TestDatagramWalk(t *testing.T) {
	b := busyDatagram()
	types, err := walk(t, b, false)
	if err != nil || len(types) != 11 {
		t.Fatalf("%v %v", types, err)
	}
	// Every command's raw bytes re-encode identically: the walk covers the body.
	d, _ := ParseDatagram(b, false)
	r := NewCommandReader(d.Header, d.Body)
	var re []byte
	for r.Next() {
		re = append(re, r.Command().Raw...)
	}
	if !bytes.Equal(re, d.Body) || r.Offset() != len(d.Body) {
		t.Fatal("raw commands do not tile the body")
	}
}

func TestDatagramChecksum(t *testing.T) {
	seed := ConnectID{1, 2, 3, 4}
	plain := busyDatagram()
	hdr, body := plain[:4], plain[4:]
	sum := Checksum(hdr, seed, body)
	b := append(append(append([]byte(nil), hdr...), sum[:]...), body...)
	d, err := ParseDatagram(b, true)
	if err != nil || !d.HasChecksum || !bytes.Equal(d.Body, body) {
		t.Fatal(err)
	}
	if !d.VerifyChecksum(seed, d.Body) {
		t.Fatal("checksum does not verify")
	}
	if d.VerifyChecksum(ConnectID{1, 2, 3, 5}, d.Body) {
		t.Fatal("wrong seed verifies")
	}
	b[len(b)-1] ^= 1
	if d2, _ := ParseDatagram(b, true); d2.VerifyChecksum(seed, d2.Body) {
		t.Fatal("corrupt body verifies")
	}
	if _, err := ParseDatagram(hdr, true); !errors.Is(err, ErrTruncated) {
		t.Fatal(err)
	}
	if d, _ := ParseDatagram(plain, false); d.VerifyChecksum(seed, d.Body) {
		t.Fatal("no checksum verifies")
	}
}

func TestDatagramErrors(t *testing.T) {
	hdr := func(h Header) []byte { return h.Append(nil) }
	ping := (&Ping{CommandHeader{0x85, 0xFF, 2}}).Append(nil)
	ack := (&Acknowledge{CommandHeader{0x01, 0, 1}, 1, 2}).Append(nil)
	many := hdr(Header{PeerID: 0, HasSentTime: true})
	for i := 0; i < 33; i++ {
		many = append(many, ack...)
	}
	cases := []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"header only", hdr(Header{PeerID: 1}), ErrNoCommands},
		{"too long", make([]byte, MaximumDatagramSize+1), ErrDatagramTooLong},
		{"unknown command", append(hdr(Header{PeerID: 1}), 0x0D, 0, 0, 0), ErrCommandType},
		{"type 0", append(hdr(Header{PeerID: 1}), 0, 0, 0, 0), ErrCommandType},
		{"truncated command", append(hdr(Header{PeerID: 1, HasSentTime: true}), ping[:3]...), ErrTruncated},
		{"ack flag without sent time", append(hdr(Header{PeerID: 1}), ping...), ErrMissingSentTime},
		{"ping to no peer", append(hdr(Header{PeerID: 0xFFF, HasSentTime: true}), ping...), ErrCommandWithoutPeer},
		{"connect to a peer", append(hdr(Header{PeerID: 3, HasSentTime: true}), connectDatagram(t)[4:]...), ErrConnectWithPeer},
		{"33 commands", many, ErrTooManyCommands},
	}
	for _, c := range cases {
		if _, err := walk(t, c.b, false); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	// 32 commands are fine.
	if types, err := walk(t, many[:len(many)-8], false); err != nil || len(types) != 32 {
		t.Errorf("32 commands: %d %v", len(types), err)
	}
	// Commands before an error are returned.
	b := append(busyDatagram(), 0x0E)
	if types, err := walk(t, b, false); !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCommandType) || len(types) != 11 {
		t.Errorf("trailing junk: %d %v", len(types), err)
	}
}

// FuzzDatagram: the parser never panics, every accepted command re-encodes
// to exactly its bytes, and accepted commands tile the body.
func FuzzDatagram(f *testing.F) {
	f.Add(connectDatagram(f), false)
	f.Add(busyDatagram(), false)
	f.Add([]byte{0x80, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}, true)
	f.Fuzz(func(t *testing.T, b []byte, checksum bool) {
		d, err := ParseDatagram(b, checksum)
		if err != nil {
			return
		}
		r := NewCommandReader(d.Header, d.Body)
		off := 0
		for r.Next() {
			c := r.Command()
			if !bytes.Equal(c.Raw, d.Body[off:off+len(c.Raw)]) {
				t.Fatal("command bytes do not follow the previous command")
			}
			off += len(c.Raw)
			if re := reencode(t, c); !bytes.Equal(re, c.Raw) {
				t.Fatalf("%v re-encodes to %x, parsed from %x", c.Type(), re, c.Raw)
			}
		}
		if r.Err() == nil && off != len(d.Body) {
			t.Fatal("clean end before the end of the body")
		}
		if re := d.Header.Append(nil); !bytes.Equal(re, d.HeaderBytes) {
			t.Fatalf("header re-encodes to %x, parsed from %x", re, d.HeaderBytes)
		}
	})
}

func reencode(t *testing.T, c Command) []byte {
	var (
		out []byte
		err error
	)
	switch c.Type() {
	case CommandAcknowledge:
		var v Acknowledge
		v, _, err = ParseAcknowledge(c.Raw)
		out = v.Append(nil)
	case CommandConnect:
		var v Connect
		v, _, err = ParseConnect(c.Raw)
		out = v.Append(nil)
	case CommandVerifyConnect:
		var v VerifyConnect
		v, _, err = ParseVerifyConnect(c.Raw)
		out = v.Append(nil)
	case CommandDisconnect:
		var v Disconnect
		v, _, err = ParseDisconnect(c.Raw)
		out = v.Append(nil)
	case CommandPing:
		var v Ping
		v, _, err = ParsePing(c.Raw)
		out = v.Append(nil)
	case CommandSendReliable:
		var v SendReliable
		v, _, err = ParseSendReliable(c.Raw)
		out = v.Append(nil)
	case CommandSendUnreliable:
		var v SendUnreliable
		v, _, err = ParseSendUnreliable(c.Raw)
		out = v.Append(nil)
	case CommandSendFragment:
		var v SendFragment
		v, _, err = ParseSendFragment(c.Raw)
		out = v.Append(nil)
	case CommandSendUnsequenced:
		var v SendUnsequenced
		v, _, err = ParseSendUnsequenced(c.Raw)
		out = v.Append(nil)
	case CommandBandwidthLimit:
		var v BandwidthLimit
		v, _, err = ParseBandwidthLimit(c.Raw)
		out = v.Append(nil)
	case CommandThrottleConfigure:
		var v ThrottleConfigure
		v, _, err = ParseThrottleConfigure(c.Raw)
		out = v.Append(nil)
	case CommandSendUnreliableFragment:
		var v SendUnreliableFragment
		v, _, err = ParseSendUnreliableFragment(c.Raw)
		out = v.Append(nil)
	default:
		t.Fatalf("reader returned %v", c.Type())
	}
	if err != nil {
		t.Fatalf("reader accepted what %v's Parse rejects: %v", c.Type(), err)
	}
	return out
}

// TestWriteSeedCorpus regenerates testdata/fuzz/FuzzDatagram when
// PACKETPEER_WRITE_CORPUS=1; the files are committed.
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("PACKETPEER_WRITE_CORPUS") != "1" {
		t.Skip("set PACKETPEER_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDatagram")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := ConnectID{9, 8, 7, 6}
	busy := busyDatagram()
	sum := Checksum(busy[:4], seed, busy[4:])
	withSum := append(append(append([]byte(nil), busy[:4]...), sum[:]...), busy[4:]...)
	seeds := map[string]struct {
		b  []byte
		cs bool
	}{
		"connect":           {connectDatagram(t), false},
		"busy":              {busy, false},
		"busy-checksum":     {withSum, true},
		"ack-only":          {append(Header{PeerID: 2}.Append(nil), (&Acknowledge{CommandHeader{1, 0, 5}, 5, 9}).Append(nil)...), false},
		"fragment-overflow": {append(Header{PeerID: 2, HasSentTime: true}.Append(nil), unhex(t, "88000001 0001 0004 00100000 00000000 FFFFFFFF FFFFFFFE 01020304")...), false},
		"truncated-payload": {append(Header{PeerID: 2, HasSentTime: true}.Append(nil), unhex(t, "86000001 FFFF 00")...), false},
	}
	for name, s := range seeds {
		content := "go test fuzz v1\n[]byte(" + quote(s.b) + ")\nbool(" + map[bool]string{true: "true", false: "false"}[s.cs] + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func quote(b []byte) string {
	var s bytes.Buffer
	s.WriteByte('"')
	for _, c := range b {
		s.WriteString(`\x`)
		s.WriteByte("0123456789abcdef"[c>>4])
		s.WriteByte("0123456789abcdef"[c&15])
	}
	s.WriteByte('"')
	return s.String()
}
