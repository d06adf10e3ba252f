// Package udp is Godot's PacketPeerUDP (Peer) and UDPServer (Server): one
// packet per datagram, nothing added on the wire, so a Peer talks to a
// Godot 3.2 or 4.x PacketPeerUDP directly (use the variant package, or the
// packetpeer PutVar/GetVar helpers, for put_var/get_var payloads).
//
// Addresses are netip.AddrPort; IPv4 senders are reported as plain IPv4.
// Receiving goes through one goroutine per socket that reads several
// datagrams per system call (recvmmsg on Linux, through syscall.RawConn so
// the netpoller still parks it) into a bounded queue; what does not fit is
// dropped and counted in Stats, as Godot drops it. PutBatch sends many
// datagrams per system call (sendmmsg). In steady state neither path
// allocates per packet (GetPacketFrom on the reading side); other systems
// fall back to one datagram per call, still without allocating.
//
// Limits: MaxPacketSize (65507 bytes) per packet, Config.QueueBytes
// (default 131072, Godot's ring size) of queued packets plus 24 bytes each,
// Server.MaxPendingConnections (default 16) untaken peers.
package udp
