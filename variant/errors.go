package variant

import (
	"fmt"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Errors, as the Godot Error codes that Godot's own decoder
// (core/io/marshalls.cpp decode_variant) returns for the same input. Every
// error from this package wraps one of them; test with errors.Is.
var (
	// ErrInvalidData: malformed bytes (short buffer, unknown type id,
	// truncated payload, invalid UTF-8, a count larger than the input).
	ErrInvalidData = godoterr.ErrInvalidData
	// ErrFileEOF: a string's length runs past the end of the input (Godot
	// returns ERR_FILE_EOF here, not ERR_INVALID_DATA).
	ErrFileEOF = godoterr.ErrFileEOF
	// ErrUnauthorized: a full Object while Decoder.AllowObjects (or the AllowObjects option) is false.
	ErrUnauthorized = godoterr.ErrUnauthorized
	// ErrOutOfMemory: MaxDepth or MaxSize exceeded (Godot 4 uses it for its
	// depth limit of 1024).
	ErrOutOfMemory = godoterr.ErrOutOfMemory
	// ErrUnavailable: a value the chosen Format cannot express.
	ErrUnavailable = godoterr.ErrUnavailable
	// ErrInvalidParameter: a Go value with no Variant equivalent.
	ErrInvalidParameter = godoterr.ErrInvalidParameter
)

// DecodeError reports where and why decoding stopped. It unwraps to one of
// the sentinel errors above.
type DecodeError struct {
	Offset int    // byte offset into the input where the bad field starts
	Reason string // what was wrong, e.g. "string length 70000 exceeds the 12 bytes left"
	Err    error  // ErrInvalidData, ErrFileEOF, ErrUnauthorized, ErrOutOfMemory
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("variant: offset %d: %s (%v)", e.Offset, e.Reason, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a value that cannot be encoded. It unwraps to
// ErrUnavailable, ErrInvalidParameter or ErrOutOfMemory (errors returned by a
// Marshaler keep their own Godot code when they wrap one).
type EncodeError struct {
	Path   string // where in the value, e.g. "[3].position"; empty for the top level
	Reason string
	Err    error
}

func (e *EncodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("variant: %s (%v)", e.Reason, e.Err)
	}
	return fmt.Sprintf("variant: at %s: %s (%v)", e.Path, e.Reason, e.Err)
}

func (e *EncodeError) Unwrap() error { return e.Err }
