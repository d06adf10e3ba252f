// Package compress implements Godot's compression modes byte-compatibly
// with Godot 3.2 and 4.x (core/io/compression.cpp): FastLZ, Deflate (zlib
// stream), Zstd and GZIP, as PoolByteArray.compress, decompress and
// decompress_dynamic use them, and a PacketPeer wrapper (Peer) that
// compresses each packet.
//
// Compress, Decompress and DecompressDynamic are the functions; they append
// to a caller's buffer. FastLZ is implemented here (no Go library exists)
// and its output is byte-identical to Godot 3.2.3's, which the interop test
// checks against the real engine; Deflate and GZIP use the standard
// library, Zstd github.com/klauspost/compress/zstd.
//
// Codec is the fixed-buffer form Godot's ENet compressors use per datagram
// (Compression::compress/decompress into a caller's buffer) for FastLZ,
// Deflate and Zstd: it reuses its state, allocates nothing per call in
// steady state, and is an enet.Compressor (package multiplayer's
// CompressionMode.Compressor returns one).
//
// # Limits
//
// Decompression never allocates more than the size the caller allows:
// Decompress's size (Godot's buffer_size) and DecompressDynamic's maxSize
// are hard limits, and output that would pass them is an error wrapping
// godoterr.ErrOutOfMemory, so a decompression bomb is an error, not an
// out-of-memory crash. Malformed input wraps godoterr.ErrInvalidData.
// Zstd frames asking for a window over 128 MiB are refused.
package compress
