package stream

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/variant"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "", "\n", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Observed on Godot 3.2.3 (spec 08).
func TestBufferObserved323(t *testing.T) {
	b := NewBuffer(nil, Codec{Format: variant.Godot3})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.PutU8(1))
	must(b.Put16(-2))
	must(b.PutU32(3))
	must(b.Put64(-4))
	must(b.PutFloat(0.5))
	must(b.PutDouble(0.1))
	must(b.PutString("hé"))
	must(b.PutUTF8String("hé"))
	want := unhex(t, "01 feff 03000000 fcffffffffffffff 0000003f 9a9999999999b93f 02000000 68e9 03000000 68c3a9")
	if got := b.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
	dict := variant.NewDictionary(1)
	dict.Set("a", int64(1))
	must(b.PutVar(dict))
	if l := b.Bytes()[len(want):]; len(l) != 4+28 || !bytes.Equal(l[:4], []byte{0x1c, 0, 0, 0}) {
		t.Fatalf("put_var bytes %x", l)
	}

	be := NewBuffer(nil, Codec{Format: variant.Godot3, BigEndian: true})
	must(be.PutU32(3))
	must(be.PutString("ab"))
	must(be.PutVar(int64(7)))
	if got, want := be.Bytes(), unhex(t, "00000003 00000002 6162 00000008 0200000007000000"); !bytes.Equal(got, want) {
		t.Fatalf("big endian: got %x want %x", got, want)
	}

	// Read everything back.
	if err := b.Seek(0); err != nil {
		t.Fatal(err)
	}
	u8, _ := b.GetU8()
	i16, _ := b.Get16()
	u32, _ := b.GetU32()
	i64, _ := b.Get64()
	f, _ := b.GetFloat()
	d, _ := b.GetDouble()
	s1, _ := b.GetString(-1)
	s2, err := b.GetUTF8String(-1)
	if err != nil || u8 != 1 || i16 != -2 || u32 != 3 || i64 != -4 || f != 0.5 || d != 0.1 || s1 != "hé" || s2 != "hé" {
		t.Fatalf("read back %v %v %v %v %v %v %q %q %v", u8, i16, u32, i64, f, d, s1, s2, err)
	}
	v, err := b.GetVar()
	if err != nil {
		t.Fatal(err)
	}
	if dict, ok := v.(*variant.Dictionary); !ok || dict.Len() != 1 {
		t.Fatalf("GetVar = %#v", v)
	}
	be.Seek(0)
	be.GetU32()
	if s, _ := be.GetString(-1); s != "ab" {
		t.Fatal(s)
	}
	if v, err := be.GetVar(); err != nil || v != int64(7) {
		t.Fatalf("GetVar BE = %v %v", v, err)
	}
}

// Observed on 3.2.3: put_string keeps the low byte of each code point; 4.x
// writes a space for non-ASCII.
func TestPutStringFormats(t *testing.T) {
	b3 := NewBuffer(nil, Codec{Format: variant.Godot3})
	b3.PutString("aĀ😀")
	if got := hex.EncodeToString(b3.Bytes()); got != "03000000610000" {
		t.Fatalf("3.x: %s", got)
	}
	b4 := NewBuffer(nil, Codec{Format: variant.Godot4})
	b4.PutString("aĀ😀é")
	if got := hex.EncodeToString(b4.Bytes()); got != "0400000061202020" {
		t.Fatalf("4.x: %s", got)
	}
	// get_string stops at the first NUL (Godot builds a C string).
	b3.Seek(0)
	if s, err := b3.GetString(-1); err != nil || s != "a" {
		t.Fatalf("%q %v", s, err)
	}
}

func TestBufferReadPastEnd(t *testing.T) {
	b := NewBuffer([]byte{5}, Codec{})
	if v, err := b.GetU8(); v != 5 || err != nil {
		t.Fatal(v, err)
	}
	checks := []func() error{
		func() error { _, err := b.GetU32(); return err },
		func() error { _, err := b.GetData(3); return err },
		func() error { _, err := b.GetString(-1); return err },
		func() error { _, err := b.GetVar(); return err },
		func() error { _, err := b.GetDouble(); return err },
	}
	for i, f := range checks {
		err := f()
		var se *ShortReadError
		if !errors.As(err, &se) || !errors.Is(err, godoterr.ErrInvalidParameter) {
			t.Errorf("check %d: %v", i, err)
		}
	}
	// A length claiming 1 GiB in a 4-byte buffer: no allocation, an error.
	b = NewBuffer([]byte{0, 0, 0, 0x40}, Codec{})
	if _, err := b.GetString(-1); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
	// Like Godot, a short read consumes what was left.
	b = NewBuffer([]byte{1, 2, 3}, Codec{})
	b.Seek(1)
	if _, err := b.GetData(3); err == nil || b.Position() != 3 {
		t.Fatal(err, b.Position())
	}
	if p, _ := b.GetPartialData(3); len(p) != 0 {
		t.Fatal(p)
	}
	if err := b.Seek(100); !errors.Is(err, godoterr.ErrInvalidParameter) || b.Position() != 3 {
		t.Fatal(err)
	}
	b = NewBuffer([]byte{3, 0, 0, 0, 0xff, 0xfe, 0x41}, Codec{})
	if _, err := b.GetUTF8String(-1); !errors.Is(err, godoterr.ErrInvalidData) {
		t.Fatal(err)
	}
}

func TestBufferOverwriteResize(t *testing.T) {
	var b Buffer
	b.PutU32(0xffffffff)
	b.Seek(1)
	b.PutU8(0)
	if !bytes.Equal(b.Bytes(), []byte{0xff, 0, 0xff, 0xff}) {
		t.Fatalf("%x", b.Bytes())
	}
	b.PutU32(0)
	if b.Size() != 6 || b.Position() != 6 {
		t.Fatal(b.Size(), b.Position())
	}
	b.Resize(2)
	if b.Size() != 2 || b.Position() != 2 {
		t.Fatal(b.Size())
	}
	b.Resize(4)
	if !bytes.Equal(b.Bytes(), []byte{0xff, 0, 0, 0}) {
		t.Fatalf("%x", b.Bytes())
	}
	d := b.Duplicate()
	d.Seek(d.Size())
	d.PutU8(9)
	if b.Size() != 4 || d.Size() != 5 {
		t.Fatal("duplicate shares storage")
	}
	b.Clear()
	if b.Size() != 0 || b.AvailableBytes() != 0 {
		t.Fatal("clear")
	}
}

func TestPeerOverStream(t *testing.T) {
	var w bytes.Buffer
	p := NewPeer(&w, Codec{BigEndian: true, Format: variant.Godot3})
	p.PutU16(0x1234)
	p.PutUTF8String("hé")
	p.PutVar("x")
	r := NewPeer(bytes.NewBuffer(w.Bytes()), Codec{BigEndian: true, Format: variant.Godot3})
	u, _ := r.GetU16()
	s, _ := r.GetUTF8String(-1)
	v, err := r.GetVar()
	if u != 0x1234 || s != "hé" || v != "x" || err != nil {
		t.Fatal(u, s, v, err)
	}
	if _, err := r.GetU8(); err == nil {
		t.Fatal("read past end of stream")
	}
	// A huge length on a stream is refused before allocating.
	r = NewPeer(bytes.NewBuffer([]byte{0xff, 0xff, 0xff, 0xff}), Codec{})
	if _, err := r.GetVar(); !errors.Is(err, godoterr.ErrInvalidParameter) {
		t.Fatal(err)
	}
}

func FuzzBufferReads(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 'a', 'b', 'c'}, uint8(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint8(7))
	f.Add([]byte{8, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0}, uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, ops uint8) {
		for _, be := range []bool{false, true} {
			b := NewBuffer(data, Codec{BigEndian: be, Format: variant.Godot3})
			for i := 0; i < 32 && b.AvailableBytes() > 0; i++ {
				var err error
				switch (int(ops) + i) % 10 {
				case 0:
					_, err = b.GetU8()
				case 1:
					_, err = b.Get16()
				case 2:
					_, err = b.GetU32()
				case 3:
					_, err = b.Get64()
				case 4:
					_, err = b.GetFloat()
				case 5:
					_, err = b.GetDouble()
				case 6:
					_, err = b.GetString(-1)
				case 7:
					_, err = b.GetUTF8String(-1)
				case 8:
					_, err = b.GetVar()
				case 9:
					_, err = b.GetData(int(ops))
				}
				if err != nil && godoterr.Code(err) == godoterr.Failed {
					t.Fatalf("error without a Godot code: %v", err)
				}
			}
		}
	})
}
