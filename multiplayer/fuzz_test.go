package multiplayer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Each parser: never panics, every error wraps ErrInvalidData, and what
// parses re-encodes to the same bytes (minus what Godot ignores).

func FuzzGodot3Header(f *testing.F) {
	f.Add(unhex(f, "78563412 fbffffff aabb")) // G1
	f.Add(unhex(f, "4758a027 01000000 010203"))
	f.Add(unhex(f, "00000080 00000080"))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, payload, err := ParseGodot3Header(b)
		if err != nil {
			if !errors.Is(err, godoterr.ErrInvalidData) {
				t.Fatalf("error %v does not wrap ErrInvalidData", err)
			}
			return
		}
		if h.Source < 1 || h.Target == -1<<31 {
			t.Fatalf("accepted %+v", h)
		}
		if got := append(AppendGodot3Header(nil, h), payload...); !bytes.Equal(got, b) {
			t.Fatalf("round trip %x → %x", b, got)
		}
	})
}

func FuzzGodot3SysMessage(f *testing.F) {
	f.Add(unhex(f, "00000000 2a000000")) // G2
	f.Add(unhex(f, "01000000 2a000000")) // G3
	f.Add(unhex(f, "02000000 2a000000 ff"))
	f.Add(unhex(f, "00000000 01000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseGodot3SysMessage(b)
		if err != nil {
			if !errors.Is(err, godoterr.ErrInvalidData) {
				t.Fatalf("error %v does not wrap ErrInvalidData", err)
			}
			return
		}
		if m.Peer < MinClientID {
			t.Fatalf("accepted %+v", m)
		}
		if got := AppendGodot3SysMessage(nil, m); !bytes.Equal(got, b[:Godot3SysMessageSize]) {
			t.Fatalf("round trip %x → %x", b, got)
		}
	})
}

func FuzzSceneMultiplayer(f *testing.F) {
	for _, s := range []string{
		"07 01 2a000000",       // G8
		"07 02 2a000000",       // G9
		"07 03 07000000 03 aa", // G10
		"07 00",                // G11
		"03 01 02",             // G12
		"07 00 7077",
		"07 03 fbffffff 03 01",
		"07 04 00000000",
		"f7 03 00000080 00",
		"00 01 02",
		"",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := PacketCommand(b)
		if err != nil {
			if len(b) != 0 || !errors.Is(err, ErrShortPacket) {
				t.Fatalf("PacketCommand(%x): %v", b, err)
			}
			return
		}
		m, serr := ParseSys(b)
		d, rerr := ParseRaw(b)
		for _, err := range []error{serr, rerr} {
			if err != nil && !errors.Is(err, godoterr.ErrInvalidData) {
				t.Fatalf("error %v does not wrap ErrInvalidData", err)
			}
		}
		if serr == nil {
			if c != CommandSys {
				t.Fatalf("ParseSys accepted command %v", c)
			}
			got := AppendSys(nil, m)
			if !bytes.Equal(got[1:], b[1:]) || got[0]&CommandMask != b[0]&CommandMask {
				t.Fatalf("sys round trip %x → %x", b, got)
			}
			if m.Command == SysRelay && len(m.Payload) == 0 {
				t.Fatal("empty relay accepted")
			}
		}
		if rerr == nil {
			if c != CommandRaw || len(d) == 0 {
				t.Fatalf("ParseRaw accepted %x", b)
			}
			if got := AppendRaw(nil, d); !bytes.Equal(got[1:], b[1:]) {
				t.Fatalf("raw round trip %x → %x", b, got)
			}
		}
	})
}

// FuzzServerReceive feeds arbitrary packets from a connected client on
// arbitrary channels into a server of each dialect with another client
// attached: no panic, and whatever the server relays carries the real
// sender.
func FuzzServerReceive(f *testing.F) {
	f.Add(uint8(3), uint8(1), unhex(f, "2c000000 0b000000 aa"))
	f.Add(uint8(3), uint8(0), unhex(f, "00000000 0b000000"))
	f.Add(uint8(4), uint8(0), unhex(f, "07 03 0b000000 03 aa"))
	f.Add(uint8(4), uint8(1), unhex(f, "07 03 00000000 07 03 0b000000 03"))
	f.Add(uint8(4), uint8(0), unhex(f, "07 00"))
	f.Fuzz(func(t *testing.T, dialect, ch uint8, pkt []byte) {
		d := Godot3
		if dialect%2 == 0 {
			d = Godot4
		}
		n := NewMemNetwork()
		lt, _ := n.Listen("s", 0)
		srv, err := NewServer(lt, &Config{Dialect: d})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		other := n.Dial("s", 0, 11)
		defer other.Close()
		raw := n.Dial("s", 0, 44)
		defer raw.Close()
		_ = srv.Poll()
		rawEvents(other)
		var link Link
		for l := range raw.links {
			link = l
		}
		_ = link.Send(ch, pkt, PacketFlags(ch&3))
		_ = srv.Poll()
		for _, ev := range rawEvents(other) {
			if ev.Type != TransportReceive {
				continue
			}
			if d == Godot3 && ev.Channel != 0 {
				h, _, err := ParseGodot3Header(ev.Packet)
				if err != nil || h.Source != 44 {
					t.Fatalf("relayed %x from %d: %v", ev.Packet, h.Source, err)
				}
			}
			if d == Godot4 {
				m, err := ParseSys(ev.Packet)
				if err != nil || m.Command != SysRelay || m.Peer != 44 {
					t.Fatalf("relayed %x: %+v %v", ev.Packet, m, err)
				}
			}
		}
		for {
			pk, err := srv.Receive()
			if err != nil {
				break
			}
			if pk.From != 44 {
				t.Fatalf("delivered from %d", pk.From)
			}
		}
	})
}
