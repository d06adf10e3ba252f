// Package variant reads and writes Godot's binary Variant serialization, the
// format of Godot 3.2's var2bytes/bytes2var and Godot 4.x's
// var_to_bytes/bytes_to_var (core/io/marshalls.cpp), which PacketPeer's
// put_var/get_var and the high-level multiplayer APIs send, for Godot 3.2
// and every 4.x layout. Output is byte-for-byte what Godot writes; input is
// read as Godot reads it, quirks included, and rejected where Godot rejects
// it with the same error code, within configurable limits.
//
// # Entry points
//
//   - Marshal and Unmarshal convert ordinary Go values, like encoding/json:
//     integers, floats, strings, []byte (PackedByteArray), typed slices
//     (packed arrays), slices, maps and structs with `godot:"name,omitempty"`
//     tags. MarshalAppend appends to a caller's buffer; UnmarshalValue fills
//     a Go value from an already decoded Variant.
//   - Append and Decode (or an Encoder and a Decoder with fixed options)
//     work on the Go representation of Variants listed at Type: int64,
//     float64, string, Vector2, *Dictionary, []any, []int32, ... They are
//     the fast paths: appending to a buffer with room allocates nothing.
//   - MarshalJSON and UnmarshalJSON convert that representation to and
//     from a typed, lossless JSON document; FormatText prints it as Godot's
//     var2str / var_to_str would.
//
// Options select the Godot version (a Format, Godot4 by default) and limits:
//
//	b, err := variant.Marshal(state, variant.Godot3)
//	err = variant.Unmarshal(packet, &state, variant.Godot3, variant.MaxSize(1<<16))
//
// The functions, Encoder and Decoder are safe for concurrent use; a
// *Dictionary is not safe to modify while it is read elsewhere.
//
// # Wire format
//
// Every Variant starts with a little-endian u32 header: bits 0-7 hold the
// type id, bits 16-19 type-specific flags. Bit 16 marks a 64-bit int or
// float payload (Godot writes an int as 4 bytes when it fits in int32 and a
// float as 4 bytes when it survives a float32 round trip), 4.x real-valued
// math types with float64 components (builds with precision=double, see
// Format.Double), and an Object sent as its u64 instance id rather than as
// a full object (class name, then property name/value pairs). In 4.2+
// Arrays and 4.4+ Dictionaries, bits 16-17 (and 18-19 for a Dictionary's
// values) give the container's element type kind, described after the
// header.
//
// All numbers are little-endian. A string is a u32 byte length, the UTF-8
// bytes and zero padding to a multiple of 4; PackedStringArray elements
// also count and write a NUL. An Array is a u32 count and its elements, a
// Dictionary a u32 count and key, value pairs, each element with its own
// header. For example var2bytes({"a": 1}) in Godot 3.2 is
//
//	12000000 01000000 04000000 01000000 61000000 02000000 01000000
//
// (Dictionary, count 1, String "a", int 1). Godot 3.2 and 4.x share type
// ids 0-5 only (Nil, bool, int, float, String, Vector2): 3.2 numbers its 27
// types differently (Dictionary is 18 there, 27 in 4.x), so bytes are only
// readable with the Format they were written in.
//
// # Limits
//
// Decoding is safe on untrusted input: it never panics, and every count is
// checked against the bytes left before anything is allocated for it, so
// memory use is proportional to the input. By default containers may nest
// DefaultMaxDepth (1024, Godot 4's limit) levels and the input may be
// DefaultMaxSize (8 MiB, Godot's default encode_buffer_max_size) bytes;
// beyond either, decoding fails with ErrOutOfMemory (MaxDepth and MaxSize
// change them). Encoding has the same depth limit, which also stops cyclic
// values. Full Objects are refused with ErrUnauthorized unless AllowObjects
// is set, and are then returned as *Object data, never instantiated;
// objects sent as instance ids (ObjectID) are always accepted.
//
// # Errors
//
// Every error wraps one of Godot's error codes (package godoterr), the one
// Godot's own decoder reports for the same input; test with errors.Is:
//
//	ErrInvalidData       malformed input: too short, unknown type id,
//	                     truncated payload, invalid UTF-8, old NodePath
//	                     format, a count larger than the input; and, for
//	                     Unmarshal, a Variant that does not fit the Go value
//	ErrFileEOF           a string length that is negative or runs past the end
//	ErrUnauthorized      a full Object without AllowObjects
//	ErrOutOfMemory       nesting beyond MaxDepth, input beyond MaxSize
//	ErrUnavailable       encoding a type the Format lacks (Vector2i for Godot 3.2,
//	                     PackedVector4Array before 4.3)
//	ErrInvalidParameter  a Go value with no Variant equivalent, a string that is
//	                     not UTF-8, an unsigned integer above math.MaxInt64, an
//	                     Unmarshal target that is not a non-nil pointer
//
// Decoding errors are *DecodeError values (with the byte offset), encoding
// errors *EncodeError and Unmarshal's type errors *UnmarshalError values
// (with the path into the value, such as "players[2].name").
//
// # Versions
//
// A Format names the Godot version at the other end:
//
//	Godot3                      Godot 3.2.x (used for every 3.x)
//	Format{Major: 4, Minor: 0}  Godot 4.0 and 4.1: no typed containers on the wire
//	Format{Major: 4, Minor: 2}  Godot 4.2: typed Arrays
//	Format{Major: 4, Minor: 3}  Godot 4.3: PackedVector4Array
//	Godot4                      Godot 4.4 and later: typed Dictionaries (the default)
//
// Set Double for a 4.x engine built with precision=double. Untyped values
// are identical across all 4.x Formats; typed containers are sent untyped
// to versions without typed headers, as those versions of Godot do.
package variant
