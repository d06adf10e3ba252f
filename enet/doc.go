// Package enet is a pure-Go implementation of ENet, wire-compatible with
// libenet 1.3.17 (the ENet spoken by Godot 3.2 and 4.x): a Go host talks to
// C hosts and to Godot, in both directions, with or without checksums and
// ENet's range coder. Compatibility is proven by tests against the real
// libenet (interop_test.go, testdata/enetpeer.c).
//
// # Use
//
// [NewHost] opens a UDP socket (or uses [HostConfig.PacketConn]);
// [Host.Connect] starts a connection and returns its [Peer]. Godot-style
// code calls [Host.Service] in its loop, as enet_host_service: each call
// sends what is queued, reads datagrams, handles retransmissions, pings
// and timeouts, and returns at most one [Event] (EventNone on timeout).
// Go-style code calls [Host.NextEvent] from one goroutine and
// [Peer.Send] from any; both doors use the same engine, guarded by one
// mutex. Packets queued with Send leave at the next Service, NextEvent
// or [Host.Flush].
//
//	host, _ := enet.NewHost("127.0.0.1:0", nil)
//	peer, _ := host.Connect("127.0.0.1:7777", 2, 0)
//	for {
//		ev, err := host.Service(10 * time.Millisecond)
//		...
//		if ev.Type == enet.EventConnect { peer.Send(0, []byte("hi"), enet.PacketFlagReliable) }
//	}
//
// # Delivery
//
// Each peer has 1..255 channels (the smaller of both hosts' limits). Per
// channel, [PacketFlagReliable] packets arrive exactly once and in order;
// unreliable packets (flags 0) arrive at most once, never older than the
// newest one delivered and never before the reliable packet sent ahead of
// them; [PacketFlagUnsequenced] packets arrive at most once in any order.
// Packets longer than one fragment (MTU − 28 bytes, − 32 with checksums)
// are fragmented; unreliable ones become reliable fragments unless sent
// with [PacketFlagUnreliableFragment], as in libenet. All of this is
// libenet 1.3.17's behaviour, including the reliable windows (16 windows
// of 4096 sequence numbers, at most 7 ahead at the receiver), the
// retransmission timeout (RTT + 4 × variance, doubled per retry), the
// packet throttle for unreliable data, and session-ID rotation on
// reconnect.
//
// # Wire format
//
// Datagrams are ENet's: a 2- or 4-byte header (peer ID, session, flags,
// sent time), an optional 4-byte CRC-32, then up to 32 commands, all
// big-endian; internal/protocol documents every byte layout and constant
// from libenet's protocol.h. Acknowledgements go first in a datagram, a
// datagram never exceeds the negotiated MTU, and with a [Compressor] the
// commands are compressed when that makes them shorter.
//
// # Limits and errors
//
// Limits are [HostConfig] fields with documented defaults: 4095 peers,
// 255 channels, MTU 576..4096, 32 MiB packets, 32 MiB of received data
// waiting per peer and 128 MiB per host (reassembly buffers included).
// Nothing a remote sends can make the host panic; invalid datagrams are
// dropped and counted in [HostStats.DroppedDatagrams]. Sentinel errors
// ([ErrNotConnected], [ErrChannel], [ErrPacketTooLarge], [ErrNoFreePeer],
// [ErrChannelCount], [ErrInvalidConfig], [ErrClosed]) work with
// errors.Is; each method names the ones it returns.
//
// # Differences from libenet 1.3.17
//
//   - Connect IDs come from crypto/rand (libenet 1.3.17 increments a
//     predictable seed).
//   - A server uses the smaller of its own and the client's MTU (libenet
//     1.3.18's rule; 1.3.17 adopts the client's). Both are compatible.
//   - Received data waiting for the application is bounded per host too,
//     and the accounting is exact (1.3.17 leaks it on discarded commands).
//   - Oversized datagrams are skipped instead of making Service fail.
//   - The host bandwidth throttle (enet_host_bandwidth_throttle) runs once
//     per second from Service/NextEvent with 64-bit arithmetic (libenet's
//     32-bit products wrap above about 4.2 MB/s). BANDWIDTH_LIMIT is sent
//     only when a peer's values change (libenet re-sends unchanged values
//     after every connect and disconnect). BANDWIDTH_LIMIT and
//     THROTTLE_CONFIGURE from the remote are applied.
//   - [Host.SetConnectFilter] and [Host.SetRefuseWhenFull] refuse a
//     CONNECT during the handshake with a 10-byte DISCONNECT (no peer slot,
//     rate-bounded per address), so the client's connect fails with the
//     reason as data; libenet can only accept and then disconnect.
//   - No background goroutine: like libenet, a host makes progress inside
//     Service/NextEvent. On Linux it sends runs of equal-sized datagrams to
//     one peer as one UDP_SEGMENT (GSO) message and receives with UDP_GRO
//     where the kernel has them; PACKETPEER_DISABLE_GSO=1 and
//     PACKETPEER_DISABLE_GRO=1 turn them off. The datagrams on the wire
//     are the same.
//
// Compression is pluggable through [Compressor]; [NewRangeCoder] returns
// ENet's own range coder, which is what enet_host_compress_with_range_coder
// installs in libenet. Compression is not negotiated: both hosts must use
// the same codec. Note that libenet 1.3.17 with the range coder crashes
// when it sends a zero-length packet (tested).
package enet
