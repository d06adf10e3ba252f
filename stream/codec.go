package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/variant"
)

// Codec holds the two settings that change StreamPeer bytes: the byte order
// of numbers and lengths (Godot's big_endian property) and the Godot version
// whose put_string and Variant layout are used. The zero Codec is
// little-endian Godot 4 (the Variant package's default Format).
type Codec struct {
	// BigEndian makes numbers and the u32 length prefixes big-endian
	// (Godot's big_endian, default false). Variant bytes stay little-endian.
	BigEndian bool
	// Format is the Godot version: it selects put_string's character
	// mapping and the Variant layout of PutVar/GetVar. Zero means Godot 4.
	Format variant.Format
	// AllowObjects lets GetVar decode full Objects (Godot's allow_objects
	// argument, default false: an error wrapping godoterr.ErrUnauthorized).
	AllowObjects bool
}

func (c Codec) order() binary.AppendByteOrder {
	if c.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (c Codec) is3() bool { return c.Format.Major == 3 }

// ShortReadError reports a read past the end of the data: Godot's get_data
// fails with ERR_INVALID_PARAMETER there (and its typed getters return
// garbage); here every getter returns this error, which wraps
// godoterr.ErrInvalidParameter.
type ShortReadError struct {
	Op   string // the getter, e.g. "GetU32"
	Need int    // bytes the getter needed
	Have int    // bytes that were left
}

// Error describes the short read.
func (e *ShortReadError) Error() string {
	return fmt.Sprintf("stream: %s needs %d bytes, %d left (%v)", e.Op, e.Need, e.Have, godoterr.ErrInvalidParameter)
}

// Unwrap returns godoterr.ErrInvalidParameter.
func (e *ShortReadError) Unwrap() error { return godoterr.ErrInvalidParameter }

// ErrInvalidUTF8 is returned by GetUTF8String for bytes that are not UTF-8
// (Godot prints "Unicode error" and returns an empty string). It wraps
// godoterr.ErrInvalidData.
var ErrInvalidUTF8 = fmt.Errorf("stream: invalid UTF-8 in utf8_string: %w", godoterr.ErrInvalidData)

// AppendString appends Godot's put_string: a u32 character count, then one
// byte per character (3.x: the low 8 bits of the code point; 4.x: the ASCII
// character, or a space for anything above U+007F, as String.ascii() does:
// observed with the real Godot 4.2-dev engine, which also logs a Unicode
// error for each such character).
func (c Codec) AppendString(dst []byte, s string) []byte {
	n := utf8.RuneCountInString(s)
	dst = c.order().AppendUint32(dst, uint32(n))
	for _, r := range s {
		switch {
		case c.is3():
			dst = append(dst, byte(r))
		case r <= 0x7f:
			dst = append(dst, byte(r))
		default:
			dst = append(dst, ' ')
		}
	}
	return dst
}

// AppendUTF8String appends Godot's put_utf8_string: a u32 byte length, then
// the UTF-8 bytes. Invalid UTF-8 in s is written as U+FFFD.
func (c Codec) AppendUTF8String(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	dst = c.order().AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// AppendVar appends Godot's put_var(v, full_objects): a u32 length, then v
// encoded with Format (always little-endian inside). Errors come from the
// variant Encoder.
func (c Codec) AppendVar(dst []byte, v any) ([]byte, error) {
	enc := variant.Encoder{Format: c.Format}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	out, err := enc.Append(dst, v)
	if err != nil {
		return dst[:start], err
	}
	n := uint32(len(out) - start - 4)
	if c.BigEndian {
		binary.BigEndian.PutUint32(out[start:], n)
	} else {
		binary.LittleEndian.PutUint32(out[start:], n)
	}
	return out, nil
}

// decodeLatin1 is Godot's String(const char *): bytes up to the first NUL,
// each a code point U+0000-U+00FF.
func decodeLatin1(b []byte) string {
	ascii := true
	for i, x := range b {
		if x == 0 {
			b = b[:i]
			break
		}
		if x >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, x := range b {
		r[i] = rune(x)
	}
	return string(r)
}

// decodeUTF8 is Godot's parse_utf8 with a length: up to the first NUL.
func decodeUTF8(b []byte) (string, error) {
	for i, x := range b {
		if x == 0 {
			b = b[:i]
			break
		}
	}
	if !utf8.Valid(b) {
		return "", ErrInvalidUTF8
	}
	return string(b), nil
}

func f32bits(f float32) uint32 { return math.Float32bits(f) }

var errNegativeLength = errors.New("negative length")
