//go:build linux

// Package sockaddr converts between netip.AddrPort and the raw socket
// addresses that Linux's recvmmsg and sendmmsg read and write
// (struct sockaddr_in and sockaddr_in6), without allocating. The udp and
// enet packages share it for their batched socket I/O.
package sockaddr

import (
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw holds a sockaddr_in6, which is large enough for a sockaddr_in too.
type Raw = unix.RawSockaddrInet6

// Decode returns the address in sa (an AF_INET or AF_INET6 sockaddr; an
// IPv6 scope id becomes the zone, named through z) and false for any
// other family. IPv4-mapped IPv6 addresses are returned as they are.
func Decode(sa *Raw, z *Zones) (netip.AddrPort, bool) {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), ntohs(sa4.Port)), true
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(z.Name(sa.Scope_id))
		}
		return netip.AddrPortFrom(a, ntohs(sa.Port)), true
	}
	return netip.AddrPort{}, false
}

// Encode writes to into sa for a socket of the given family (v4: an
// AF_INET socket, else AF_INET6, where IPv4 addresses become IPv4-mapped
// and a zone becomes the scope id through z) and returns the sockaddr's
// length. It returns false when an AF_INET socket cannot reach to (an
// IPv6 address).
func Encode(sa *Raw, v4 bool, to netip.AddrPort, z *Zones) (uint32, bool) {
	*sa = Raw{}
	a := to.Addr()
	if v4 {
		if !a.Unmap().Is4() {
			return 0, false
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Port = htons(to.Port())
		sa4.Addr = a.Unmap().As4()
		return unix.SizeofSockaddrInet4, true
	}
	sa.Family = unix.AF_INET6
	sa.Port = htons(to.Port())
	sa.Addr = a.As16()
	if zone := a.Zone(); zone != "" {
		sa.Scope_id = z.Index(zone)
	}
	return unix.SizeofSockaddrInet6, true
}

// ntohs reads a sockaddr port field, stored in network byte order.
func ntohs(port uint16) uint16 {
	p := (*[2]byte)(unsafe.Pointer(&port))
	return uint16(p[0])<<8 | uint16(p[1])
}

// htons makes a sockaddr port field (network byte order).
func htons(port uint16) uint16 {
	var v uint16
	p := (*[2]byte)(unsafe.Pointer(&v))
	p[0], p[1] = byte(port>>8), byte(port)
	return v
}

// Zones remembers the last interface index ↔ name lookup, so that
// link-local traffic allocates only when the zone changes. The zero value
// is ready; a Zones is not safe for concurrent use.
type Zones struct {
	idx uint32
	nm  string
}

// Name returns the interface name of index idx, or its decimal form when
// no interface has it.
func (z *Zones) Name(idx uint32) string {
	if z.idx == idx && z.nm != "" {
		return z.nm
	}
	z.idx, z.nm = idx, ""
	if ifi, err := net.InterfaceByIndex(int(idx)); err == nil {
		z.nm = ifi.Name
	}
	if z.nm == "" {
		z.nm = uitoa(idx)
	}
	return z.nm
}

// Index returns the interface index of name (an interface name or a
// decimal index), 0 when it is neither.
func (z *Zones) Index(name string) uint32 {
	if z.nm == name && z.idx != 0 {
		return z.idx
	}
	var idx uint32
	if ifi, err := net.InterfaceByName(name); err == nil {
		idx = uint32(ifi.Index)
	} else {
		for _, c := range name {
			if c < '0' || c > '9' {
				return 0
			}
			idx = idx*10 + uint32(c-'0')
		}
	}
	z.idx, z.nm = idx, name
	return idx
}

func uitoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
