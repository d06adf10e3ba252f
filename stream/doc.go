// Package stream is Godot's stream side of networking: StreamPeer's typed
// put_*/get_* (Buffer is StreamPeerBuffer, Peer is the same API over any
// io.ReadWriter), PacketPeerStream (PacketStream: whole packets over a byte
// stream, framed exactly as Godot frames them), and the streams Godot offers
// underneath: StreamPeerTCP and StreamPeerSSL/StreamPeerTLS (Conn, DialTCP,
// DialTLS, Listen, ListenTLS).
//
// # Wire format
//
// Numbers are little-endian unless BigEndian is set (Godot's big_endian).
// Strings and Variants are a u32 length followed by the bytes; under
// BigEndian the length turns big-endian but the Variant bytes of PutVar stay
// little-endian, as observed on Godot 3.2.3. PutString writes one byte per
// character: Godot 3.x keeps the low 8 bits of each code point, Godot 4.x
// writes ASCII and turns anything else into a space (0x20); choose with
// Codec.Format. A PacketStream frame is a u32 little-endian payload length
// followed by the payload, with no padding.
//
// # Limits
//
// PacketStream enforces Godot's input_buffer_max_size and
// output_buffer_max_size (65532 bytes each by default). An outgoing packet
// above the output limit is refused with an error wrapping
// godoterr.ErrInvalidParameter, as Godot refuses it. An incoming frame whose
// header claims more than the input limit is an error wrapping
// godoterr.ErrOutOfMemory (a *FrameSizeError) and the stream is closed, where
// Godot would stall silently. Reads past the end of a Buffer fail with a
// *ShortReadError wrapping godoterr.ErrInvalidParameter, the code Godot's
// get_data returns.
package stream
