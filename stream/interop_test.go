package stream

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/variant"
)

// The values every StreamPeerBuffer interop test writes, in order.
const gdPutAll = `
	b.put_u8(200)
	b.put_8(-100)
	b.put_u16(60000)
	b.put_16(-30000)
	b.put_u32(4000000000)
	b.put_32(-2000000000)
	b.put_u64(1234567890123)
	b.put_64(-1234567890123)
	b.put_float(1.5)
	b.put_double(-2.25)
	b.put_string("hé")
	b.put_utf8_string("hé€")
	b.put_var({"k": [1, "two", 3.5]})
	b.put_data(PoolByteArray([1, 2, 3]))
`

func goPutAll(t *testing.T, b *Buffer) {
	t.Helper()
	d := variant.NewDictionary(1)
	d.Set("k", []any{int64(1), "two", 3.5})
	for _, err := range []error{
		b.PutU8(200), b.Put8(-100), b.PutU16(60000), b.Put16(-30000),
		b.PutU32(4000000000), b.Put32(-2000000000), b.PutU64(1234567890123), b.Put64(-1234567890123),
		b.PutFloat(1.5), b.PutDouble(-2.25), b.PutString("hé"), b.PutUTF8String("hé€"),
		b.PutVar(d), b.PutData([]byte{1, 2, 3}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func goGetAll(b *Buffer) (string, error) {
	var out []string
	add := func(v any, err error) error {
		out = append(out, fmt.Sprint(v))
		return err
	}
	steps := []func() error{
		func() error { return add(b.GetU8()) },
		func() error { return add(b.Get8()) },
		func() error { return add(b.GetU16()) },
		func() error { return add(b.Get16()) },
		func() error { return add(b.GetU32()) },
		func() error { return add(b.Get32()) },
		func() error { return add(b.GetU64()) },
		func() error { return add(b.Get64()) },
		func() error { return add(b.GetFloat()) },
		func() error { return add(b.GetDouble()) },
		func() error { return add(b.GetString(-1)) },
		func() error { return add(b.GetUTF8String(-1)) },
		func() error {
			v, err := b.GetVar()
			if err != nil {
				return err
			}
			j, err := variant.MarshalJSON(v)
			out = append(out, string(j))
			return err
		},
		func() error { return add(b.GetData(3)) },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return "", err
		}
	}
	return strings.Join(out, ";"), nil
}

// Bytes written by Godot's StreamPeerBuffer (every put_*, both byte orders)
// equal the bytes Go writes, and Go reads them back; bytes written by Go are
// read by Godot's get_* to the same values.
func TestInteropStreamPeerBuffer(t *testing.T) {
	godottest.RequireGodot3(t)
	var files []godottest.Option
	for _, be := range []bool{false, true} {
		b := NewBuffer(nil, Codec{Format: variant.Godot3, BigEndian: be})
		goPutAll(t, b)
		files = append(files, godottest.File(fmt.Sprintf("go_%v.bin", be), b.Bytes()))
	}
	script := `extends SceneTree
func _init():
	for be in [false, true]:
		var b = StreamPeerBuffer.new()
		b.big_endian = be
` + strings.ReplaceAll(gdPutAll, "\n\t", "\n\t\t") + `
		print("GD_", be, " ", b.data_array.hex_encode())
		var f = File.new()
		f.open("res://go_" + str(be).to_lower() + ".bin", File.READ)
		var r = StreamPeerBuffer.new()
		r.big_endian = be
		r.data_array = f.get_buffer(f.get_len())
		f.close()
		var vals = [r.get_u8(), r.get_8(), r.get_u16(), r.get_16(), r.get_u32(), r.get_32(), r.get_u64(), r.get_64(), r.get_float(), r.get_double(), r.get_string(), r.get_utf8_string(), to_json(r.get_var()), r.get_data(3)[1][1]]
		print("READ_", be, " ", PoolStringArray(vals).join(";"), " left=", r.get_available_bytes())
	print("PROBE_DONE")
	quit()
`
	res := godottest.RunGodot3(t, script, files...)
	for _, be := range []bool{false, true} {
		name := map[bool]string{false: "False", true: "True"}[be]
		gdHex := res.Prefixed("GD_" + name + " ")
		if len(gdHex) != 1 {
			t.Fatalf("no GD_%s line:\n%s", name, res.Output())
		}
		gd, _ := hex.DecodeString(gdHex[0])
		b := NewBuffer(nil, Codec{Format: variant.Godot3, BigEndian: be})
		goPutAll(t, b)
		if !bytes.Equal(gd, b.Bytes()) {
			t.Errorf("big_endian=%v: Godot wrote\n%x\nGo wrote\n%x", be, gd, b.Bytes())
		}
		got, err := goGetAll(NewBuffer(gd, Codec{Format: variant.Godot3, BigEndian: be}))
		if err != nil {
			t.Fatalf("big_endian=%v: Go reading Godot's bytes: %v", be, err)
		}
		want := `200;-100;60000;-30000;4000000000;-2000000000;1234567890123;-1234567890123;1.5;-2.25;hé;hé€;` +
			`{"type":"Dictionary","value":[["k",[{"type":"int","value":1},"two",{"type":"float","value":3.5}]]]};[1 2 3]`
		if got != want {
			t.Errorf("big_endian=%v: Go read %s", be, got)
		}
		t.Logf("big_endian=%v: Go read Godot's bytes: %s", be, got)
		read := res.Prefixed("READ_" + name + " ")
		// Godot 3.2.3's get_string sign-extends bytes >= 0x80 (the "é" becomes
		// code point -23, which prints as nothing); Go decodes Latin-1.
		wantGD := `200;-100;60000;-30000;4000000000;-2000000000;1234567890123;-1234567890123;1.5;-2.25;h;hé€;{"k":[1,"two",3.5]};2 left=0`
		if len(read) != 1 || read[0] != wantGD {
			t.Errorf("big_endian=%v: Godot read Go's bytes as\n%q\nwant\n%q", be, read, wantGD)
		}
	}
}

const gdTCPClient = `extends SceneTree
func wait_for(cond_obj, method, deadline_ms):
	var end = OS.get_ticks_msec() + deadline_ms
	while OS.get_ticks_msec() < end:
		if cond_obj.call(method):
			return true
		OS.delay_msec(5)
	return false

func pattern(n):
	var p = PoolByteArray()
	p.resize(n)
	for i in range(n):
		p[i] = i % 251
	return p

func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var tcp = StreamPeerTCP.new()
	var err = tcp.connect_to_host("127.0.0.1", port)
	var end = OS.get_ticks_msec() + 10000
	while tcp.get_status() == StreamPeerTCP.STATUS_CONNECTING and OS.get_ticks_msec() < end:
		OS.delay_msec(5)
	print("STATUS ", tcp.get_status())
	var pps = PacketPeerStream.new()
	pps.stream_peer = tcp
	print("PUT_VAR ", pps.put_var({"hello": "world", "n": 42, "arr": [1, 2.5, "x"], "v": Vector2(1, 2)}))
	print("PUT_BIG ", pps.put_packet(pattern(65532)))
	print("PUT_TOO_BIG ", pps.put_packet(pattern(65533)))
	print("PUT_SMALL ", pps.put_packet(PoolByteArray([9, 8, 7])))
	var got = 0
	end = OS.get_ticks_msec() + 20000
	while got < 2 and OS.get_ticks_msec() < end:
		if pps.get_available_packet_count() > 0:
			if got == 0:
				var v = pps.get_var()
				print("GOT_VAR ", to_json(v), " ", typeof(v["vec"]), " ", v["vec"])
			else:
				var p = pps.get_packet()
				print("GOT_PKT ", p.size(), " ", p == pattern(p.size()))
			got += 1
		else:
			OS.delay_msec(2)
	tcp.disconnect_from_host()
	print("PROBE_DONE")
	quit()
`

// PacketPeerStream over StreamPeerTCP both ways with the real Godot 3.2.3:
// dictionaries via put_var, raw packets of the largest sizes Godot's
// defaults allow (65532 from Godot, 65531 to Godot), 65533 refused by Godot.
func TestInteropPacketStreamTCP(t *testing.T) {
	godottest.RequireGodot3(t)
	ln, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	g := godottest.StartGodot3(t, gdTCPClient, godottest.Env(fmt.Sprintf("PP_PORT=%d", ln.Addr().Port())))
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	c, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewPacketStream(c, PacketStreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func() []byte {
		t.Helper()
		if err := s.Wait(ctx); err != nil {
			t.Fatalf("Wait: %v\n%s", err, g.Output())
		}
		p, err := s.GetPacket()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	v, _, err := (&variant.Decoder{Format: variant.Godot3}).Decode(get())
	if err != nil {
		t.Fatal(err)
	}
	j, _ := variant.MarshalJSON(v)
	t.Logf("Go got Godot's put_var: %s", j)
	d, ok := v.(*variant.Dictionary)
	if hv, _ := d.Get("hello"); !ok || hv != "world" {
		t.Fatalf("dictionary %s", j)
	}
	if nv, _ := d.Get("n"); nv != int64(42) {
		t.Fatalf("n = %#v", nv)
	}
	big := get()
	if len(big) != 65532 {
		t.Fatalf("big packet %d bytes", len(big))
	}
	for i, x := range big {
		if x != byte(i%251) {
			t.Fatalf("big packet byte %d = %d", i, x)
		}
	}
	if small := get(); !bytes.Equal(small, []byte{9, 8, 7}) {
		t.Fatalf("small %v", small)
	}

	out := variant.NewDictionary(2)
	out.Set("from", "go")
	out.Set("vec", variant.Vector2{X: 3, Y: -4})
	enc, err := (&variant.Encoder{Format: variant.Godot3}).Append(nil, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutPacket(enc); err != nil {
		t.Fatal(err)
	}
	pat := make([]byte, GodotMaxReceivable)
	for i := range pat {
		pat[i] = byte(i % 251)
	}
	if err := s.PutPacket(pat); err != nil {
		t.Fatal(err)
	}
	res := g.Wait()
	for _, want := range []string{"STATUS 2", "PUT_VAR 0", "PUT_BIG 0", "PUT_TOO_BIG 31", "PUT_SMALL 0",
		`GOT_VAR {"from":"go","vec":"(3, -4)"} 5 (3, -4)`, "GOT_PKT 65531 True"} {
		if !containsLine(res.Lines, want) {
			t.Errorf("Godot did not print %q:\n%s", want, res.Output())
		}
	}
	// Godot disconnected: the stream ends cleanly.
	if err := s.Wait(ctx); err == nil {
		t.Fatal("Wait after Godot left: nil")
	}
	if c.Status() != StatusNone {
		t.Errorf("status after peer closed: %v", c.Status())
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}
