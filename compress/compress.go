package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"compress/gzip"
	"compress/zlib"

	"github.com/klauspost/compress/zstd"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Mode is a Godot compression mode: the values of Godot 3.2's
// File.COMPRESSION_* constants (Compression::Mode in core/io/compression.h),
// which PoolByteArray.compress and decompress take. Godot 4's
// FileAccess.COMPRESSION_* use the same numbers for these four.
type Mode int

// The modes Godot 3.2 supports.
const (
	// FastLZ is COMPRESSION_FASTLZ (0): a raw FastLZ block, level 1 for
	// inputs under 64 KiB and level 2 from 64 KiB. Inputs shorter than 16
	// bytes are zero-padded to 16 bytes before compressing, as Godot does.
	FastLZ Mode = 0
	// Deflate is COMPRESSION_DEFLATE (1): a zlib stream (RFC 1950, header
	// 78 9c) at zlib's default level 6, as Godot's default
	// compression/formats/zlib/compression_level of -1 gives.
	Deflate Mode = 1
	// Zstd is COMPRESSION_ZSTD (2): one Zstandard frame (RFC 8878) without a
	// checksum, at a level close to Godot's default zstd level 3
	// (klauspost/compress's SpeedDefault), recording the content size.
	Zstd Mode = 2
	// GZIP is COMPRESSION_GZIP (3): a gzip stream (RFC 1952) at level 6.
	GZIP Mode = 3
)

// String returns Godot's constant name, such as "COMPRESSION_FASTLZ".
func (m Mode) String() string {
	switch m {
	case FastLZ:
		return "COMPRESSION_FASTLZ"
	case Deflate:
		return "COMPRESSION_DEFLATE"
	case Zstd:
		return "COMPRESSION_ZSTD"
	case GZIP:
		return "COMPRESSION_GZIP"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Errors. Every error this package returns wraps one of these Godot codes.
var (
	// ErrInvalidParameter: an unknown Mode, a negative size, or a mode
	// DecompressDynamic does not support (Godot's ERR_INVALID_PARAMETER).
	ErrInvalidParameter = godoterr.ErrInvalidParameter
	// ErrInvalidData: the compressed bytes are malformed (bad header,
	// checksum, truncated stream, a match reaching before the start).
	ErrInvalidData = godoterr.ErrInvalidData
	// ErrOutOfMemory: decompressing would produce more than the size or
	// maxSize the caller allowed (a decompression bomb, or a wrong size).
	ErrOutOfMemory = godoterr.ErrOutOfMemory
)

var (
	errCorrupt = errors.New("corrupt input")
	errTooBig  = errors.New("output exceeds the limit")
)

// fastLZMinInput is the length Godot pads short FastLZ inputs to
// (Compression::compress and decompress in core/io/compression.cpp).
const fastLZMinInput = 16

// MaxCompressedLen returns an upper bound of the compressed length of n input
// bytes in mode, like Godot's Compression::get_max_compressed_buffer_size,
// or -1 for an unknown mode.
func MaxCompressedLen(n int, mode Mode) int {
	switch mode {
	case FastLZ:
		if n < fastLZMinInput {
			n = fastLZMinInput
		}
		// Worst case: a literal-run header every 32 bytes.
		return n + n/32 + 2
	case Deflate, GZIP:
		// Stored blocks: 5 bytes per 16 KiB, plus zlib/gzip framing.
		return n + 5*(n/16384+1) + 32
	case Zstd:
		return n + n>>8 + 64
	}
	return -1
}

// Compress appends the compression of src in mode to dst and returns the
// extended slice, like Godot's PoolByteArray.compress(mode). The output
// records neither the mode nor the length of src; an empty src gives no
// bytes at all, as in Godot. The only error is an unknown mode (wrapping
// ErrInvalidParameter).
//
// FastLZ output is byte-identical to Godot 3.2.3's. Deflate, Zstd and GZIP
// output is a valid stream of the same format that Godot decompresses, but
// not necessarily the same bytes as Godot's zlib and libzstd produce.
func Compress(dst, src []byte, mode Mode) ([]byte, error) {
	if mode < FastLZ || mode > GZIP {
		return dst, fmt.Errorf("compress: unknown mode %d: %w", int(mode), ErrInvalidParameter)
	}
	if len(src) == 0 {
		return dst, nil
	}
	switch mode {
	case FastLZ:
		if len(src) < fastLZMinInput {
			var pad [fastLZMinInput]byte
			copy(pad[:], src)
			return fastLZAppend(dst, pad[:]), nil
		}
		return fastLZAppend(dst, src), nil
	case Zstd:
		return zstdEncoder().EncodeAll(src, dst), nil
	default:
		w := &appendWriter{b: dst}
		if mode == Deflate {
			zw := zlibWriters.Get().(*zlib.Writer)
			zw.Reset(w)
			_, _ = zw.Write(src) // appendWriter never fails
			_ = zw.Close()
			zlibWriters.Put(zw)
		} else {
			gw := gzipWriters.Get().(*gzip.Writer)
			gw.Reset(w)
			_, _ = gw.Write(src)
			_ = gw.Close()
			gzipWriters.Put(gw)
		}
		b := w.b
		w.b = nil
		return b, nil
	}
}

// Decompress appends to dst the decompression of src, which must decompress
// to at most size bytes, like Godot's PoolByteArray.decompress(size, mode):
// the caller supplies the size, since compressed data does not record it.
//
// Output shorter than size is returned as it is (Godot also returns the
// actual length). Output that would exceed size is an error wrapping
// ErrOutOfMemory, and at most size bytes (plus a small constant) are
// allocated however much src claims, so a decompression bomb cannot
// exhaust memory. Malformed input is an error wrapping ErrInvalidData; an
// unknown mode or a negative size wraps ErrInvalidParameter. On error dst
// is returned unextended. An empty src decompresses to nothing.
//
// FastLZ: Godot decompresses sizes under 16 into a 16-byte scratch buffer
// (short inputs were padded to 16 when compressed); so does this function,
// returning the first size bytes, where Godot would return 16 bytes of
// which the last 16-size are uninitialised memory. With a size of 16 or
// more, such a padded input comes back as its 16 padded bytes, as in Godot. A trailing single byte
// after a level-1 instruction is ignored, as the reference decoder does.
// Zstd: every frame in src is decoded (as ZSTD_decompressDCtx does);
// Deflate/GZIP: bytes after the end of the (first) stream are ignored, as
// zlib's inflate does.
func Decompress(dst, src []byte, size int, mode Mode) ([]byte, error) {
	if mode < FastLZ || mode > GZIP {
		return dst, fmt.Errorf("compress: unknown mode %d: %w", int(mode), ErrInvalidParameter)
	}
	if size < 0 {
		return dst, fmt.Errorf("compress: negative size %d: %w", size, ErrInvalidParameter)
	}
	if len(src) == 0 {
		return dst, nil
	}
	base := len(dst)
	switch mode {
	case FastLZ:
		limit := max(size, fastLZMinInput)
		dst = grow(dst, min(limit, 32*len(src)+fastLZMinInput))
		out, err := fastLZDecode(dst, src, limit)
		if err != nil {
			return dst[:base], wrapErr(mode, size, err)
		}
		if len(out)-base > size {
			out = out[:base+size]
		}
		return out, nil
	case Zstd:
		return zstdDecode(dst, src, size)
	default:
		r, err := newFlateReader(src, mode)
		if err != nil {
			return dst, err
		}
		out, err := readLimited(dst, r, size, len(src))
		if err != nil {
			return dst[:base], wrapErr(mode, size, err)
		}
		return out, nil
	}
}

// DecompressDynamic appends to dst the decompression of src when its size
// is not known, up to maxSize bytes, like Godot's
// PoolByteArray.decompress_dynamic(max_output_size, mode) (Godot 3.4+ and
// 4.x). As in Godot, only Deflate and GZIP are supported; FastLZ and Zstd
// give an error wrapping ErrInvalidParameter. Godot's max_output_size of -1
// (no limit) is deliberately not offered: a negative maxSize is an error
// wrapping ErrInvalidParameter. Output beyond maxSize is an error wrapping
// ErrOutOfMemory (Godot's Z_BUF_ERROR), malformed input wraps
// ErrInvalidData. Memory grows with the actual output, never past maxSize.
func DecompressDynamic(dst, src []byte, maxSize int, mode Mode) ([]byte, error) {
	if mode != Deflate && mode != GZIP {
		return dst, fmt.Errorf("compress: decompress_dynamic supports only COMPRESSION_DEFLATE and COMPRESSION_GZIP, not %v: %w", mode, ErrInvalidParameter)
	}
	if maxSize < 0 {
		return dst, fmt.Errorf("compress: negative maxSize %d: %w", maxSize, ErrInvalidParameter)
	}
	if len(src) == 0 {
		return dst, fmt.Errorf("compress: empty input: %w", ErrInvalidData)
	}
	r, err := newFlateReader(src, mode)
	if err != nil {
		return dst, err
	}
	base := len(dst)
	out, err := readLimited(dst, r, maxSize, 0)
	if err != nil {
		return dst[:base], wrapErr(mode, maxSize, err)
	}
	return out, nil
}

func wrapErr(mode Mode, size int, err error) error {
	switch {
	case errors.Is(err, errTooBig):
		return fmt.Errorf("compress: %v output exceeds %d bytes: %w", mode, size, ErrOutOfMemory)
	case errors.Is(err, errCorrupt):
		return fmt.Errorf("compress: malformed %v data: %w", mode, ErrInvalidData)
	}
	return fmt.Errorf("compress: malformed %v data: %v: %w", mode, err, ErrInvalidData)
}

// grow makes room for n more bytes in b's capacity.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

// readLimited appends r's bytes to dst, failing with errTooBig past limit.
// hint sizes the first allocation (0: grow as needed).
func readLimited(dst []byte, r io.Reader, limit int, hint int) ([]byte, error) {
	base := len(dst)
	first := min(limit+1, max(hint*4, 512))
	dst = grow(dst, first)
	for {
		if len(dst)-base > limit {
			return dst, errTooBig
		}
		if len(dst) == cap(dst) {
			// Grow geometrically, but never more than one byte past limit.
			room := min(max(cap(dst)-base, 512), limit+1-(len(dst)-base))
			dst = grow(dst, room)
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			if len(dst)-base > limit {
				return dst, errTooBig
			}
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var (
	zlibWriters = sync.Pool{New: func() any {
		w, _ := zlib.NewWriterLevel(io.Discard, zlib.DefaultCompression)
		return w
	}}
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
		return w
	}}
)

// flateReader is a pooled zlib or gzip reader over a bytes.Reader.
type flateReader struct {
	src  bytes.Reader
	mode Mode
	zr   io.ReadCloser
	gr   *gzip.Reader
}

var flateReaders sync.Pool

func newFlateReader(src []byte, mode Mode) (*flateReaderHandle, error) {
	fr, _ := flateReaders.Get().(*flateReader)
	if fr == nil {
		fr = new(flateReader)
	}
	fr.src.Reset(src)
	fr.mode = mode
	var err error
	if mode == Deflate {
		if fr.zr == nil {
			fr.zr, err = zlib.NewReader(&fr.src)
		} else {
			err = fr.zr.(zlib.Resetter).Reset(&fr.src, nil)
		}
	} else {
		if fr.gr == nil {
			fr.gr, err = gzip.NewReader(&fr.src)
		} else {
			err = fr.gr.Reset(&fr.src)
		}
		if err == nil {
			fr.gr.Multistream(false) // stop after the first member, as inflate does
		}
	}
	if err != nil {
		fr.src.Reset(nil)
		flateReaders.Put(fr)
		return nil, fmt.Errorf("compress: malformed %v header: %v: %w", mode, err, ErrInvalidData)
	}
	return &flateReaderHandle{fr}, nil
}

// flateReaderHandle returns its reader to the pool at EOF or error.
type flateReaderHandle struct{ fr *flateReader }

func (h *flateReaderHandle) Read(p []byte) (int, error) {
	if h.fr == nil {
		return 0, io.ErrClosedPipe
	}
	var n int
	var err error
	if h.fr.mode == Deflate {
		n, err = h.fr.zr.Read(p)
	} else {
		n, err = h.fr.gr.Read(p)
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errCorrupt
		}
		h.fr.src.Reset(nil)
		flateReaders.Put(h.fr)
		h.fr = nil
	}
	return n, err
}

var (
	zstdEncOnce sync.Once
	zstdEnc     *zstd.Encoder
	zstdDecOnce sync.Once
	zstdDec     *zstd.Decoder
)

// zstdMaxWindow bounds the window a Zstd frame may ask for: 128 MiB, Godot's
// largest (compression/formats/zstd/window_log_size 27).
const zstdMaxWindow = 1 << 27

func zstdEncoder() *zstd.Encoder {
	zstdEncOnce.Do(func() {
		zstdEnc, _ = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderCRC(false),
			zstd.WithEncoderConcurrency(1),
			zstd.WithSingleSegment(true),
			zstd.WithLowerEncoderMem(true))
	})
	return zstdEnc
}

func zstdDecoder() *zstd.Decoder {
	zstdDecOnce.Do(func() {
		zstdDec, _ = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecodeAllCapLimit(true))
	})
	return zstdDec
}

// zstdDecode decodes every frame of src into dst's spare capacity, which is
// made exactly size bytes (less when the first frame declares a smaller
// content size), so the output can never pass size.
func zstdDecode(dst, src []byte, size int) ([]byte, error) {
	base := len(dst)
	var h zstd.Header
	if err := h.Decode(src); err != nil {
		return dst, fmt.Errorf("compress: malformed %v header: %v: %w", Zstd, err, ErrInvalidData)
	}
	room := size
	if h.HasFCS {
		if h.FrameContentSize > uint64(size) {
			return dst, fmt.Errorf("compress: %v frame declares %d bytes, more than %d: %w", Zstd, h.FrameContentSize, size, ErrOutOfMemory)
		}
		if h.SingleSegment || len(src) <= h.HeaderSize+int(h.FrameContentSize)+16 {
			// Likely a single frame: its declared size suffices; grow later if not.
			room = int(h.FrameContentSize)
		}
	}
	dst = grow(dst, room)
	for {
		out, err := zstdDecoder().DecodeAll(src, dst[:base:base+room])
		if err == nil {
			if len(out)-base > size {
				return dst[:base], wrapErr(Zstd, size, errTooBig)
			}
			if base > 0 && &out[0] != &dst[0] {
				// DecodeAll reallocated; keep dst's prefix.
				dst = append(dst[:base], out[base:]...)
				return dst, nil
			}
			return out, nil
		}
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			if room < size {
				room = size
				dst = grow(dst[:base], room)
				continue
			}
			return dst[:base], wrapErr(Zstd, size, errTooBig)
		}
		return dst[:base], wrapErr(Zstd, size, err)
	}
}
