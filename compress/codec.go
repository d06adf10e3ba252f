package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	kzlib "github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Codec compresses and decompresses whole buffers into fixed-size buffers
// the caller owns, as Godot's Compression::compress and
// Compression::decompress do with raw pointers (core/io/compression.cpp,
// Godot 3.2 and 4.x). It is what Godot's ENet compressors call for every
// datagram (NetworkedMultiplayerENet::enet_compress/enet_decompress in
// 3.2, ENetConnection::Compressor in 4.x), and its method set is
// enet.Compressor's, so a *Codec can be a HostConfig.Compressor directly.
//
// A Codec keeps its scratch buffers, zlib streams and zstd encoder and
// decoder between calls: after the first few calls, compressing and
// decompressing buffers of up to a few KiB allocates nothing, errors
// included. Its memory is measured at about 1.3 MiB in Zstd mode (mostly
// the encoder's match tables), 1.1 MiB in Deflate mode and a few KiB in
// FastLZ mode, plus scratch buffers the size of the largest input. A
// Codec is not safe for concurrent use; give each goroutine (each ENet
// host) its own.
//
// The output is a bare stream of the mode's format, with nothing added:
//
//	FastLZ   a raw FastLZ block (level 1 below 64 KiB of input, level 2
//	         from 64 KiB), no header; inputs under 16 bytes are zero-padded
//	         to 16 before compressing, as Godot does, so they decompress
//	         to 16 bytes.
//	Deflate  a zlib stream (RFC 1950): 78 9c, raw DEFLATE (level 6, as
//	         Godot's default compression/formats/zlib/compression_level
//	         of -1), Adler-32 big-endian.
//	Zstd     one Zstandard frame (RFC 8878): single segment, content size
//	         recorded, no checksum, at about zstd level 3 (Godot's default
//	         compression/formats/zstd/compression_level); long-distance
//	         matching off, as Godot's default.
//
// None records the mode, and only Zstd the uncompressed length. The
// bytes differ from the ones Godot's zlib and libzstd write (FastLZ's are
// identical), but they are the same formats and Godot decodes them.
type Codec struct {
	mode Mode

	in    []byte // the concatenation of a multi-part input
	out   []byte // compressed output before it is copied to dst
	small [fastLZMinInput]byte
	one   [1]byte

	src  bytes.Reader
	aw   appendWriter // the zlib writer's output
	zw   *kzlib.Writer
	zr   io.ReadCloser // a klauspost zlib reader (also a zlib.Resetter)
	zenc *zstd.Encoder
	zdec *zstd.Decoder

	// Errors built once, so that failures allocate nothing either.
	errNoFit, errTooBig, errCorrupt error
}

// The limits of a Codec.
const (
	// CodecMaxInput is the longest input Codec.Compress accepts: 64 MiB.
	// Godot's ENet datagrams are at most 4 KiB; the limit only keeps a
	// Codec's scratch buffers bounded.
	CodecMaxInput = 64 << 20
	// zstdCodecMaxWindow is the largest window a Zstd frame may declare
	// for Codec.Decompress: libzstd's default limit (ZSTD_WINDOWLOG_LIMIT_
	// DEFAULT, 2^27), which Godot's decoder keeps unless long-distance
	// matching is enabled. Decoding writes into dst only, whatever the
	// window.
	zstdCodecMaxWindow = 1 << 27
)

// emptyZlib is the zlib stream of no bytes, used to create the reader.
var emptyZlib = []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}

// NewCodec returns a Codec for mode: FastLZ, Deflate or Zstd, the modes
// Godot's ENet compressors use. GZIP (which Godot never uses for ENet) and
// unknown modes are errors wrapping ErrInvalidParameter.
func NewCodec(mode Mode) (*Codec, error) {
	c := &Codec{mode: mode}
	switch mode {
	case FastLZ:
	case Deflate:
		w, err := kzlib.NewWriterLevel(&c.aw, 6)
		if err != nil {
			return nil, fmt.Errorf("compress: %v codec: %v: %w", mode, err, ErrInvalidParameter)
		}
		c.zw = w
		c.src.Reset(emptyZlib)
		r, err := kzlib.NewReader(&c.src)
		if err != nil {
			return nil, fmt.Errorf("compress: %v codec: %v: %w", mode, err, ErrInvalidParameter)
		}
		c.zr = r
	case Zstd:
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderCRC(false),
			zstd.WithEncoderConcurrency(1),
			zstd.WithSingleSegment(true),
			zstd.WithLowerEncoderMem(true))
		if err != nil {
			return nil, fmt.Errorf("compress: %v codec: %v: %w", mode, err, ErrInvalidParameter)
		}
		dec, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdCodecMaxWindow),
			zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			return nil, fmt.Errorf("compress: %v codec: %v: %w", mode, err, ErrInvalidParameter)
		}
		c.zenc, c.zdec = enc, dec
	default:
		return nil, fmt.Errorf("compress: no buffer codec for %v (want FastLZ, Deflate or Zstd): %w", mode, ErrInvalidParameter)
	}
	c.errNoFit = fmt.Errorf("compress: %v output does not fit the buffer: %w", mode, ErrOutOfMemory)
	c.errTooBig = fmt.Errorf("compress: %v output exceeds the buffer: %w", mode, ErrOutOfMemory)
	c.errCorrupt = fmt.Errorf("compress: malformed %v data: %w", mode, ErrInvalidData)
	return c, nil
}

// Mode returns the Codec's mode.
func (c *Codec) Mode() Mode { return c.mode }

// Compress writes the compression of the concatenation of src to dst and
// returns its length, like Godot's Compression::compress into a buffer of
// len(dst) bytes. Output longer than len(dst) is an error wrapping
// ErrOutOfMemory (an ENet host then sends the datagram uncompressed, as
// Godot's enet_compress returns 0 for it); nothing past len(dst) is ever
// written. An input longer than CodecMaxInput wraps ErrInvalidParameter.
// An empty input compresses to nothing (0, nil).
func (c *Codec) Compress(dst []byte, src [][]byte) (int, error) {
	in := src
	var one []byte
	switch len(in) {
	case 0:
		return 0, nil
	case 1:
		one = in[0]
	default:
		n := 0
		for _, b := range in {
			n += len(b)
			if n > CodecMaxInput {
				break
			}
		}
		if n > CodecMaxInput {
			return 0, fmt.Errorf("compress: %d bytes to compress, more than %d: %w", n, CodecMaxInput, ErrInvalidParameter)
		}
		c.in = c.in[:0]
		for _, b := range in {
			c.in = append(c.in, b...)
		}
		one = c.in
	}
	if len(one) == 0 {
		return 0, nil
	}
	if len(one) > CodecMaxInput {
		return 0, fmt.Errorf("compress: %d bytes to compress, more than %d: %w", len(one), CodecMaxInput, ErrInvalidParameter)
	}
	out := c.out[:0]
	switch c.mode {
	case FastLZ:
		if cap(out) < MaxCompressedLen(len(one), FastLZ) {
			out = make([]byte, 0, MaxCompressedLen(len(one), FastLZ))
		}
		if len(one) < fastLZMinInput {
			c.small = [fastLZMinInput]byte{}
			copy(c.small[:], one)
			out = fastLZAppend(out, c.small[:])
		} else {
			out = fastLZAppend(out, one)
		}
	case Deflate:
		c.aw.b = out
		c.zw.Reset(&c.aw)
		_, _ = c.zw.Write(one) // appendWriter never fails
		_ = c.zw.Close()
		out = c.aw.b
		c.aw.b = nil
	case Zstd:
		out = c.zenc.EncodeAll(one, out)
	}
	c.out = out[:0]
	if len(out) > len(dst) {
		return 0, c.errNoFit
	}
	return copy(dst, out), nil
}

// Decompress writes the decompression of src to dst and returns its
// length, like Godot's Compression::decompress into a buffer of len(dst)
// bytes, except that it never returns garbage:
//
//   - Output that would pass len(dst) is an error wrapping
//     ErrOutOfMemory (Godot: fastlz_decompress's 0, inflate's
//     Z_BUF_ERROR, ZSTD_error_dstSize_tooSmall). Memory use does not
//     depend on what src claims: output goes to dst only.
//   - Malformed input, an empty src, a zlib stream without its Adler-32
//     trailer or with a preset dictionary, and a Zstd frame with a window
//     over 128 MiB are errors wrapping ErrInvalidData.
//   - Bytes after the end of a zlib stream are ignored, as inflate does;
//     every Zstd frame in src is decoded, as ZSTD_decompressDCtx does.
//   - FastLZ with len(dst) under 16 decodes into a 16-byte scratch buffer
//     and returns at most len(dst) bytes; Godot 3.2 and 4.x use the same
//     scratch buffer but return len(dst) bytes even on a failure.
//
// An ENet host drops the datagram on any error or an empty result.
func (c *Codec) Decompress(dst, src []byte) (int, error) {
	if len(src) == 0 {
		return 0, c.errCorrupt
	}
	switch c.mode {
	case FastLZ:
		if len(dst) < fastLZMinInput {
			out, err := fastLZDecode(c.small[:0], src, fastLZMinInput)
			if err != nil {
				return 0, c.classify(err)
			}
			return copy(dst, out), nil
		}
		out, err := fastLZDecode(dst[:0:len(dst)], src, len(dst))
		if err != nil {
			return 0, c.classify(err)
		}
		return len(out), nil
	case Deflate:
		return c.inflate(dst, src)
	case Zstd:
		out, err := c.zdec.DecodeAll(src, dst[:0:len(dst)])
		if err != nil {
			if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
				return 0, c.errTooBig
			}
			return 0, c.errCorrupt
		}
		if len(out) > 0 && (len(dst) == 0 || &out[0] != &dst[0]) {
			// The decoder never reallocates with the cap limit; be safe.
			if len(out) > len(dst) {
				return 0, c.errTooBig
			}
			return copy(dst, out), nil
		}
		return len(out), nil
	}
	return 0, c.errCorrupt
}

func (c *Codec) classify(err error) error {
	if errors.Is(err, errTooBig) {
		return c.errTooBig
	}
	return c.errCorrupt
}

// inflate reads the zlib stream src into dst, then checks that the stream
// ends there (one more byte of output is errTooBig).
func (c *Codec) inflate(dst, src []byte) (int, error) {
	c.src.Reset(src)
	defer c.src.Reset(nil)
	if err := c.zr.(kzlib.Resetter).Reset(&c.src, nil); err != nil {
		return 0, c.errCorrupt
	}
	n := 0
	for n < len(dst) {
		m, err := c.zr.Read(dst[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, c.errCorrupt
		}
	}
	for {
		m, err := c.zr.Read(c.one[:])
		if m > 0 {
			return 0, c.errTooBig
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, c.errCorrupt
		}
	}
}
