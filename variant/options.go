package variant

// Default limits.
const (
	// DefaultMaxDepth is the deepest nesting of containers and object
	// properties that decoding and encoding accept: Godot 4's
	// Variant::MAX_RECURSION_DEPTH. The top-level value is depth 0.
	DefaultMaxDepth = 1024
	// DefaultMaxSize is the largest encoded Variant, in bytes, that decoding
	// accepts: 8 MiB, Godot's default PacketPeer encode_buffer_max_size.
	DefaultMaxSize = 8 << 20
)

// Decoder decodes Variants with fixed options. The zero value decodes the
// Godot 4 layout (Format zero means Godot4), refuses full objects, and uses
// DefaultMaxDepth and DefaultMaxSize. A Decoder is safe for concurrent use.
type Decoder struct {
	// Format is the wire layout; the zero Format means Godot4.
	Format Format
	// AllowObjects accepts full Objects (Godot's allow_objects), returned as
	// *Object data and never instantiated. When false, a full object is an
	// error wrapping ErrUnauthorized. Objects sent as ids are always accepted.
	AllowObjects bool
	// MaxDepth limits nesting (ErrOutOfMemory past it); zero means
	// DefaultMaxDepth, negative means no limit other than the input size.
	MaxDepth int
	// MaxSize limits the input, in bytes (ErrOutOfMemory past it); zero means
	// DefaultMaxSize, negative means no limit.
	MaxSize int
}

// Encoder encodes Variants with fixed options. The zero value encodes the
// Godot 4 layout with DefaultMaxDepth. An Encoder is safe for concurrent use.
type Encoder struct {
	// Format is the wire layout; the zero Format means Godot4.
	Format Format
	// MaxDepth limits nesting (ErrOutOfMemory past it, as Godot 4's encoder
	// does for cycles); zero means DefaultMaxDepth.
	MaxDepth int
}

// Option configures Marshal, Unmarshal, Append and Decode. A Format is an
// Option: variant.Marshal(v, variant.Godot3).
type Option interface{ apply(*options) }

type options struct {
	dec Decoder
}

func (f Format) apply(o *options) { o.dec.Format = f }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// AllowObjects returns an Option that sets Decoder.AllowObjects.
func AllowObjects(allow bool) Option {
	return optionFunc(func(o *options) { o.dec.AllowObjects = allow })
}

// MaxDepth returns an Option that sets the nesting limit (see Decoder.MaxDepth).
func MaxDepth(n int) Option { return optionFunc(func(o *options) { o.dec.MaxDepth = n }) }

// MaxSize returns an Option that sets the input size limit in bytes (see
// Decoder.MaxSize).
func MaxSize(n int) Option { return optionFunc(func(o *options) { o.dec.MaxSize = n }) }

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

func (f Format) orDefault() Format {
	if f.Major == 0 {
		return Godot4
	}
	return f
}
