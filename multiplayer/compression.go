package multiplayer

import (
	"fmt"
	"strings"

	"github.com/packetpeer/packetpeer/compress"
	"github.com/packetpeer/packetpeer/enet"
)

// CompressionMode is the datagram compression of Godot's ENet peers:
// NetworkedMultiplayerENet.compression_mode (3.2) and
// ENetConnection.compress (4.x). The values are Godot's enum values. Both
// ends of a connection must use the same mode: it is not negotiated, and a
// host drops datagrams it cannot decompress.
//
// # Framing (Godot 3.2 and 4.x, libenet 1.3.17 protocol)
//
// Compression is per UDP datagram, inside ENet, and Godot adds no framing
// of its own (no mode byte, no length):
//
//	u16 BE  peer id | session << 12 | COMPRESSED 0x4000 | SENT_TIME 0x8000
//	[u16 BE sent time]            when SENT_TIME is set
//	body                          the commands, or their compression
//
// No checksum: Godot installs none. The sender hands the compressor the
// concatenated commands (the body) with an output limit equal to the
// body's length, and sets COMPRESSED and sends the result only when it is
// non-empty and strictly shorter; otherwise the datagram goes out
// uncompressed, so small ones (CONNECT, acknowledgements, pings) often do.
// Godot's compress callback returns 0 ("do not compress") when
// Compression::compress fails or its result passes the limit. The
// receiver decompresses into a buffer of 4096 bytes minus the header's
// length and drops the datagram when decompression fails (Godot maps every
// negative Compression::decompress result to 0) or yields nothing. This is
// NetworkedMultiplayerENet::enet_compress/enet_decompress in Godot 3.2
// (modules/enet/networked_multiplayer_enet.cpp) and the same code in Godot
// 4.x's ENetConnection::Compressor (modules/enet/enet_connection.cpp);
// the codecs are core/io/compression.cpp's:
//
//   - CompressRangeCoder: libenet's adaptive order-2 range coder
//     (enet_host_compress_with_range_coder), bit-exact.
//   - CompressFastLZ: Compression::MODE_FASTLZ, a bare FastLZ block
//     (level 1, as every ENet body is under 64 KiB; the level is the top 3
//     bits of the first byte). A body under 16 bytes is zero-padded to 16
//     before compressing, so its compression is never shorter than the
//     body and is never sent; a padded block decodes to 16 bytes, the
//     trailing zeros ending ENet's command parsing. Our blocks are
//     byte-identical to Godot 3.2.3's.
//   - CompressZlib: Compression::MODE_DEFLATE, a zlib stream (RFC 1950:
//     78 9c, raw DEFLATE, Adler-32) at compression/formats/zlib/
//     compression_level (default -1, i.e. 6), window 2^15. Godot inflates
//     with Z_FINISH into the buffer and accepts only Z_STREAM_END; bytes
//     after the stream are ignored.
//   - CompressZstd: Compression::MODE_ZSTD, one Zstandard frame (RFC
//     8878) from ZSTD_compressCCtx at compression/formats/zstd/
//     compression_level (default 3): single segment, content size
//     recorded, no checksum. Long-distance matching is off by default
//     (compression/formats/zstd/long_distance_matching; when on, window
//     log compression/formats/zstd/window_log_size, default 27, for both
//     compressor and decoder). Godot decodes with ZSTD_decompressDCtx
//     into the buffer (every frame in the body); any error drops.
//
// Our zlib and Zstd bytes are not Godot's (klauspost/compress, not zlib
// and libzstd, at comparable levels) but are the same formats, and Godot
// decodes them; both directions are tested against Godot 3.2.3.
//
// With mismatched modes, datagrams the sender left uncompressed still
// arrive and compressed ones are dropped by the receiver (counted in
// enet.HostStats.DroppedDatagrams). Whether the handshake survives depends
// on whether its datagrams happened to shrink: a Go zstd server with a
// Godot 3.2.3 client in mode none, and a Godot zlib server with a Go zstd
// client, never connect (connection_failed / ConnectionFailed after
// ENet's timeout, about 30 s by default); a server in mode none with a
// zstd client connects, but compressible packets never arrive and the
// connection times out. Nothing panics.
type CompressionMode int

const (
	CompressNone       CompressionMode = 0 // COMPRESS_NONE
	CompressRangeCoder CompressionMode = 1 // COMPRESS_RANGE_CODER: libenet's range coder
	CompressFastLZ     CompressionMode = 2 // COMPRESS_FASTLZ
	CompressZlib       CompressionMode = 3 // COMPRESS_ZLIB
	CompressZstd       CompressionMode = 4 // COMPRESS_ZSTD
)

var compressionNames = [...]string{"none", "range_coder", "fastlz", "zlib", "zstd"}

// String returns the mode's name as ParseCompressionMode accepts it:
// none, range_coder, fastlz, zlib or zstd.
func (m CompressionMode) String() string {
	if m >= 0 && int(m) < len(compressionNames) {
		return compressionNames[m]
	}
	return fmt.Sprintf("CompressionMode(%d)", int(m))
}

// ParseCompressionMode parses a mode name (none, range_coder, fastlz,
// zlib, zstd; case-insensitive; "rangecoder" and "range-coder" too).
// Unknown names are ErrBadConfig.
func ParseCompressionMode(s string) (CompressionMode, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "_").Replace(n)
	if n == "rangecoder" {
		n = "range_coder"
	}
	for i, name := range compressionNames {
		if n == name {
			return CompressionMode(i), nil
		}
	}
	return 0, fmt.Errorf("compression mode %q, want none, range_coder, fastlz, zlib or zstd: %w", s, ErrBadConfig)
}

// Compressor returns the enet.Compressor that frames datagrams as Godot
// does in this mode, for enet.HostConfig.Compressor; nil for CompressNone.
// Each call returns a new Compressor: give each host its own (a
// Compressor is used by one goroutine at a time). Decompression writes
// only into the host's 4 KiB buffer whatever a datagram claims, and in
// steady state neither direction allocates. Memory per Compressor: the
// range coder 72 KiB, FastLZ a few KiB, zlib about 1.1 MiB, Zstd about
// 1.3 MiB. Unknown modes are ErrBadConfig.
func (m CompressionMode) Compressor() (enet.Compressor, error) {
	switch m {
	case CompressNone:
		return nil, nil
	case CompressRangeCoder:
		return enet.NewRangeCoder(), nil
	case CompressFastLZ, CompressZlib, CompressZstd:
		c, err := compress.NewCodec(m.codecMode())
		if err != nil {
			return nil, fmt.Errorf("compression mode %v: %w: %w", m, ErrBadConfig, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("compression mode %v, want 0…4: %w", m, ErrBadConfig)
}

// codecMode maps an ENet compression mode to Godot's Compression::Mode,
// as enet_compress does.
func (m CompressionMode) codecMode() compress.Mode {
	switch m {
	case CompressFastLZ:
		return compress.FastLZ
	case CompressZlib:
		return compress.Deflate
	}
	return compress.Zstd
}

var _ enet.Compressor = (*compress.Codec)(nil)
