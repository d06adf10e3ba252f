package udp

import (
	"net"

	"golang.org/x/net/ipv4"
)

func ipv4PacketConn(c *net.UDPConn) *ipv4.PacketConn { return ipv4.NewPacketConn(c) }
