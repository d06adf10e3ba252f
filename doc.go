// Package packetpeer is Godot's packet networking in Go, byte-compatible with
// Godot 3.2 and 4.x: the PacketPeer contract every transport implements, and
// what every PacketPeer gets for free.
//
//   - PacketPeer: Godot's five operations (put_packet, get_packet,
//     get_available_packet_count, max packet size, close), non-blocking as in
//     Godot's polled game loop.
//   - ReadPacket and Waiter: the same peer used the Go way, blocking with a
//     context.Context (deadlines, cancellation).
//   - VarPeer: put_var/get_var with Godot's Variant encoding (package
//     variant), encode_buffer_max_size and allow_objects.
//   - Wrappers that are PacketPeers themselves: StatsPeer (packets and bytes
//     in and out, drops by reason), RateLimitedPeer (packets/s and bytes/s),
//     and, in package compress, compression with Godot's compress modes.
//   - Pipe: an in-memory connected pair, for tests and for joining two parts
//     of one program.
//
// A type of your own that implements PacketPeer (Godot's
// PacketPeerExtension) gets all of this; see the example of PacketPeer.
//
// # Contract for implementations
//
// PutPacket must not keep p after it returns (callers reuse their buffers,
// as Godot's put_packet copies); GetPacket returns a slice the caller owns.
// No method blocks. Errors wrap the Godot codes re-exported below
// (ErrUnavailable, ErrBusy, ...) so that errors.Is works, and
// godoterr.Code(err) gives the number a GDScript would see.
//
// # Goroutines and allocation
//
// Nothing here starts a goroutine. VarPeer.PutVar reuses one encode buffer
// (no allocation per call once it has grown); Pipe copies each packet into
// a fixed ring buffer on PutPacket and allocates only the slice GetPacket
// returns.
package packetpeer
