package stream

import (
	"fmt"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Buffer is Godot's StreamPeerBuffer: a growable byte slice with a cursor.
// Put* methods write at the cursor (overwriting, then growing the slice) and
// Get* methods read from it; both advance it. The zero value is an empty
// little-endian Godot 4 buffer; set the embedded Codec to change that.
// Put* methods on a Buffer only fail in PutVar (a value that cannot be
// encoded). A Buffer is not safe for concurrent use.
type Buffer struct {
	base
}

// NewBuffer returns a Buffer holding data (not copied; Godot's data_array
// setter) with the cursor at 0.
func NewBuffer(data []byte, c Codec) *Buffer {
	return &Buffer{base{Codec: c, data: data}}
}

// Bytes returns the whole buffer (Godot's data_array), not a copy.
func (b *Buffer) Bytes() []byte { return b.data }

// SetBytes replaces the contents (data_array setter) and moves the cursor
// to 0.
func (b *Buffer) SetBytes(p []byte) { b.data, b.pos = p, 0 }

// Size returns the buffer length in bytes (get_size).
func (b *Buffer) Size() int { return len(b.data) }

// Position returns the cursor (get_position).
func (b *Buffer) Position() int { return b.pos }

// AvailableBytes returns the bytes left after the cursor
// (get_available_bytes).
func (b *Buffer) AvailableBytes() int { return len(b.data) - b.pos }

// Seek moves the cursor (seek). Outside 0..Size it fails with an error
// wrapping godoterr.ErrInvalidParameter and the cursor stays, as in Godot.
func (b *Buffer) Seek(pos int) error {
	if pos < 0 || pos > len(b.data) {
		return fmt.Errorf("stream: seek to %d outside 0..%d: %w", pos, len(b.data), godoterr.ErrInvalidParameter)
	}
	b.pos = pos
	return nil
}

// Resize sets the length (resize), zero-filling growth; the cursor is
// clamped to the new size.
func (b *Buffer) Resize(n int) error {
	if n < 0 {
		return fmt.Errorf("stream: resize to %d: %w", n, godoterr.ErrInvalidParameter)
	}
	if n <= cap(b.data) {
		old := len(b.data)
		b.data = b.data[:n]
		if n > old {
			clear(b.data[old:])
		}
	} else {
		b.data = append(b.data, make([]byte, n-len(b.data))...)
	}
	b.pos = min(b.pos, n)
	return nil
}

// Clear empties the buffer and moves the cursor to 0 (clear). The storage
// is kept for reuse.
func (b *Buffer) Clear() { b.data, b.pos = b.data[:0], 0 }

// Duplicate returns a copy with the same bytes, cursor and Codec (duplicate).
func (b *Buffer) Duplicate() *Buffer {
	d := *b
	d.data = append([]byte(nil), b.data...)
	return &d
}

// Read implements io.Reader over the bytes after the cursor, so a Buffer
// can feed a PacketStream (Godot test D11).
func (b *Buffer) Read(p []byte) (int, error) {
	if b.pos >= len(b.data) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, errEOF
	}
	n := copy(p, b.data[b.pos:])
	b.pos += n
	return n, nil
}

// Write implements io.Writer: it is PutData.
func (b *Buffer) Write(p []byte) (int, error) {
	_ = b.put(p)
	return len(p), nil
}

// GetPartialData reads up to n bytes (get_partial_data), returning a new
// slice that may be shorter; it never fails for n >= 0.
func (b *Buffer) GetPartialData(n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("stream: GetPartialData(%d): %w", n, godoterr.ErrInvalidParameter)
	}
	n = min(n, len(b.data)-b.pos)
	p := append([]byte(nil), b.data[b.pos:b.pos+n]...)
	b.pos += n
	return p, nil
}

// PutPartialData writes p (put_partial_data); a Buffer always takes it all.
func (b *Buffer) PutPartialData(p []byte) (int, error) {
	_ = b.put(p)
	return len(p), nil
}
