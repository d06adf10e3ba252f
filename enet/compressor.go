package enet

import "github.com/packetpeer/packetpeer/enet/rangecoder"

// Compressor compresses the body of outgoing datagrams and decompresses
// incoming ones; it is the Go form of libenet's ENetCompressor (enet.h).
//
// The body is everything after the 2- or 4-byte header and the optional
// 4-byte checksum: the concatenated commands and payloads of one datagram.
// A host compresses with len(dst) equal to the body's length and sends the
// result, setting the header's COMPRESSED flag (0x4000), only when it is
// strictly shorter; it decompresses into a buffer of 4096 bytes minus the
// header size and drops the datagram on an error or an empty result. Both
// rules are libenet 1.3.17's (protocol.c).
//
// Implementations must not retain src or dst, must never write past
// len(dst), and must not panic on any input. A Compressor is used by one
// goroutine at a time.
type Compressor interface {
	// Compress writes the compressed concatenation of src to dst and returns
	// its length, or an error when it does not fit in len(dst).
	Compress(dst []byte, src [][]byte) (int, error)
	// Decompress writes the decompressed form of src to dst and returns its
	// length, or an error when src is invalid or the output exceeds len(dst).
	Decompress(dst, src []byte) (int, error)
}

// NewRangeCoder returns ENet's adaptive order-2 range coder, bit-exact with
// libenet 1.3.17's enet_range_coder_compress/decompress (compress.c). Godot's
// ENetConnection.COMPRESS_RANGE_CODER and NetworkedMultiplayerENet's
// COMPRESS_RANGE_CODER use it. Each call allocates one 72 KiB model; reuse
// the returned Compressor.
func NewRangeCoder() Compressor { return rangecoder.New() }

var _ Compressor = (*rangecoder.Coder)(nil)
