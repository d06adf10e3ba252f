//go:build linux

package sockaddr

import (
	"net/netip"
	"testing"
	"testing/quick"
	"unsafe"
)

func TestRoundTrip(t *testing.T) {
	var z Zones
	for _, c := range []struct {
		in   string
		v4   bool
		want string // "" : Encode refuses
	}{
		{"127.0.0.1:7777", true, "127.0.0.1:7777"},
		{"[::ffff:10.0.0.1]:1", true, "10.0.0.1:1"},
		{"[::1]:65535", true, ""},
		{"127.0.0.1:7777", false, "[::ffff:127.0.0.1]:7777"},
		{"[2001:db8::1]:443", false, "[2001:db8::1]:443"},
		{"[fe80::1%1]:9", false, "[fe80::1%lo]:9"},
		{"[fe80::1%999]:9", false, "[fe80::1%999]:9"},
	} {
		var sa Raw
		n, ok := Encode(&sa, c.v4, netip.MustParseAddrPort(c.in), &z)
		if ok != (c.want != "") {
			t.Errorf("%s v4=%v: ok %v", c.in, c.v4, ok)
			continue
		}
		if !ok {
			continue
		}
		if (c.v4 && n != 16) || (!c.v4 && n != 28) {
			t.Errorf("%s: length %d", c.in, n)
		}
		got, ok := Decode(&sa, &z)
		want := c.want
		if got.Addr().Zone() == "1" && want == "[fe80::1%lo]:9" {
			want = "[fe80::1%1]:9" // no interface 1 here
		}
		if !ok || got.String() != want {
			t.Errorf("%s v4=%v: decoded %v %v, want %s", c.in, c.v4, got, ok, want)
		}
	}
	var sa Raw
	sa.Family = 1 // AF_UNIX
	if _, ok := Decode(&sa, &z); ok {
		t.Error("AF_UNIX decoded")
	}
}

func TestPortByteOrder(t *testing.T) {
	f := func(p uint16) bool {
		return ntohs(htons(p)) == p && (*[2]byte)(unsafe.Pointer(unsafePointer(htons(p))))[0] == byte(p>>8)
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}

func unsafePointer(v uint16) *uint16 { return &v }
