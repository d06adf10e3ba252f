package stream

import (
	"encoding/binary"
	"io"
	"math"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/variant"
)

// base is the StreamPeer API shared by Buffer (rw == nil: data and pos) and
// Peer (rw != nil: reads and writes go to the stream).
type base struct {
	Codec
	data    []byte // Buffer: the bytes; Peer: scratch
	pos     int    // Buffer only
	rw      io.ReadWriter
	scratch [8]byte
}

func (b *base) put(p []byte) error {
	if b.rw != nil {
		_, err := b.rw.Write(p)
		return err
	}
	if end := b.pos + len(p); end > len(b.data) {
		b.data = append(b.data[:b.pos], p...)
	} else {
		copy(b.data[b.pos:], p)
	}
	b.pos += len(p)
	return nil
}

// get returns the next n bytes, valid until the next call. Like Godot, a
// short read consumes what was there.
func (b *base) get(n int, op string) ([]byte, error) {
	if n < 0 {
		return nil, &ShortReadError{Op: op, Need: n, Have: 0}
	}
	if b.rw != nil {
		var buf []byte
		if n <= len(b.scratch) {
			buf = b.scratch[:n]
		} else {
			buf = make([]byte, n)
		}
		got, err := io.ReadFull(b.rw, buf)
		if err == io.ErrUnexpectedEOF || (err == io.EOF && n > 0) {
			return nil, &ShortReadError{Op: op, Need: n, Have: got}
		}
		return buf, err
	}
	left := len(b.data) - b.pos
	if left < n {
		b.pos = len(b.data)
		return nil, &ShortReadError{Op: op, Need: n, Have: max(left, 0)}
	}
	p := b.data[b.pos : b.pos+n : b.pos+n]
	b.pos += n
	return p, nil
}

func (b *base) putN(v uint64, size int) error {
	o := b.order()
	s := b.scratch[:0]
	switch size {
	case 1:
		s = append(s, byte(v))
	case 2:
		s = o.AppendUint16(s, uint16(v))
	case 4:
		s = o.AppendUint32(s, uint32(v))
	default:
		s = o.AppendUint64(s, v)
	}
	return b.put(s)
}

func (b *base) getN(size int, op string) (uint64, error) {
	p, err := b.get(size, op)
	if err != nil {
		return 0, err
	}
	var o binary.ByteOrder = binary.LittleEndian
	if b.BigEndian {
		o = binary.BigEndian
	}
	switch size {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(o.Uint16(p)), nil
	case 4:
		return uint64(o.Uint32(p)), nil
	}
	return o.Uint64(p), nil
}

// PutU8 writes an unsigned 8-bit integer (put_u8).
func (b *base) PutU8(v uint8) error { return b.putN(uint64(v), 1) }

// Put8 writes a signed 8-bit integer (put_8).
func (b *base) Put8(v int8) error { return b.putN(uint64(v), 1) }

// PutU16 writes an unsigned 16-bit integer (put_u16).
func (b *base) PutU16(v uint16) error { return b.putN(uint64(v), 2) }

// Put16 writes a signed 16-bit integer (put_16).
func (b *base) Put16(v int16) error { return b.putN(uint64(v), 2) }

// PutU32 writes an unsigned 32-bit integer (put_u32).
func (b *base) PutU32(v uint32) error { return b.putN(uint64(v), 4) }

// Put32 writes a signed 32-bit integer (put_32).
func (b *base) Put32(v int32) error { return b.putN(uint64(v), 4) }

// PutU64 writes an unsigned 64-bit integer (put_u64).
func (b *base) PutU64(v uint64) error { return b.putN(v, 8) }

// Put64 writes a signed 64-bit integer (put_64).
func (b *base) Put64(v int64) error { return b.putN(uint64(v), 8) }

// PutFloat writes an IEEE 754 single (put_float: 4 bytes).
func (b *base) PutFloat(v float32) error { return b.putN(uint64(f32bits(v)), 4) }

// PutDouble writes an IEEE 754 double (put_double: 8 bytes).
func (b *base) PutDouble(v float64) error { return b.putN(math.Float64bits(v), 8) }

// PutData writes p as is (put_data).
func (b *base) PutData(p []byte) error { return b.put(p) }

// PutString writes Godot's put_string: a u32 character count and one byte
// per character (see Codec.AppendString for the 3.x/4.x mapping).
func (b *base) PutString(s string) error {
	return b.put(b.AppendString(nil, s))
}

// PutUTF8String writes Godot's put_utf8_string: a u32 byte count and the
// UTF-8 bytes.
func (b *base) PutUTF8String(s string) error {
	return b.put(b.AppendUTF8String(nil, s))
}

// PutVar writes Godot's put_var: a u32 length (in the stream's byte order)
// and v encoded as a Variant in Format (little-endian). Encoding errors wrap
// the variant package's Godot codes; nothing is written then.
func (b *base) PutVar(v any) error {
	p, err := b.AppendVar(nil, v)
	if err != nil {
		return err
	}
	return b.put(p)
}

// GetU8 reads an unsigned 8-bit integer (get_u8).
func (b *base) GetU8() (uint8, error) { v, err := b.getN(1, "GetU8"); return uint8(v), err }

// Get8 reads a signed 8-bit integer (get_8).
func (b *base) Get8() (int8, error) { v, err := b.getN(1, "Get8"); return int8(v), err }

// GetU16 reads an unsigned 16-bit integer (get_u16).
func (b *base) GetU16() (uint16, error) { v, err := b.getN(2, "GetU16"); return uint16(v), err }

// Get16 reads a signed 16-bit integer (get_16).
func (b *base) Get16() (int16, error) { v, err := b.getN(2, "Get16"); return int16(v), err }

// GetU32 reads an unsigned 32-bit integer (get_u32).
func (b *base) GetU32() (uint32, error) { v, err := b.getN(4, "GetU32"); return uint32(v), err }

// Get32 reads a signed 32-bit integer (get_32).
func (b *base) Get32() (int32, error) { v, err := b.getN(4, "Get32"); return int32(v), err }

// GetU64 reads an unsigned 64-bit integer (get_u64).
func (b *base) GetU64() (uint64, error) { return b.getN(8, "GetU64") }

// Get64 reads a signed 64-bit integer (get_64).
func (b *base) Get64() (int64, error) { v, err := b.getN(8, "Get64"); return int64(v), err }

// GetFloat reads an IEEE 754 single (get_float).
func (b *base) GetFloat() (float32, error) {
	v, err := b.getN(4, "GetFloat")
	return math.Float32frombits(uint32(v)), err
}

// GetDouble reads an IEEE 754 double (get_double).
func (b *base) GetDouble() (float64, error) {
	v, err := b.getN(8, "GetDouble")
	return math.Float64frombits(v), err
}

// GetData reads exactly n bytes (get_data) into a new slice.
func (b *base) GetData(n int) ([]byte, error) {
	p, err := b.get(n, "GetData")
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

func (b *base) strBytes(n int, op string) ([]byte, error) {
	if n < 0 {
		l, err := b.getN(4, op)
		if err != nil {
			return nil, err
		}
		if b.rw != nil && l > maxStreamString {
			return nil, &ShortReadError{Op: op, Need: int(l), Have: maxStreamString}
		}
		n = int(l)
	}
	return b.get(n, op)
}

// maxStreamString bounds a length-prefixed string or Variant read from a
// Peer (a stream, where the length cannot be checked against what is left):
// 8 MiB, Godot's default encode_buffer_max_size. Longer claims fail with a
// *ShortReadError before anything is allocated.
const maxStreamString = variant.DefaultMaxSize

// GetString reads Godot's get_string(n): n bytes, or with n < 0 a u32 length
// and that many bytes, decoded as Latin-1 up to the first NUL (Godot builds
// the String from a C string). Godot 4 decodes Latin-1 too; Godot 3.2.3
// sign-extends bytes >= 0x80 into negative code points (observed: "\xe9"
// gives code point -23), which Go strings cannot hold, so they are read as
// Latin-1 here as well.
func (b *base) GetString(n int) (string, error) {
	p, err := b.strBytes(n, "GetString")
	if err != nil {
		return "", err
	}
	return decodeLatin1(p), nil
}

// GetUTF8String reads Godot's get_utf8_string(n): like GetString but the
// bytes are UTF-8 (ErrInvalidUTF8 otherwise).
func (b *base) GetUTF8String(n int) (string, error) {
	p, err := b.strBytes(n, "GetUTF8String")
	if err != nil {
		return "", err
	}
	return decodeUTF8(p)
}

// GetVar reads Godot's get_var: a u32 length in the stream's byte order and
// a Variant of that many bytes in Format. Decoding errors wrap the variant
// package's Godot codes (godoterr.ErrInvalidData, ErrUnauthorized, ...).
func (b *base) GetVar() (any, error) {
	p, err := b.strBytes(-1, "GetVar")
	if err != nil {
		return nil, err
	}
	d := variant.Decoder{Format: b.Format, AllowObjects: b.AllowObjects}
	v, _, err := d.Decode(p)
	if err != nil {
		return nil, err
	}
	return v, nil
}

var _ = godoterr.OK
