package packetpeer

import (
	"context"
	"fmt"
	"math/bits"
	"sync"

	"github.com/packetpeer/packetpeer/variant"
)

// encode_buffer_max_size limits (core/io/packet_peer.cpp, Godot 3.2 and
// 4.x).
const (
	// DefaultEncodeBufferMaxSize is Godot's default encode_buffer_max_size:
	// 8 MiB.
	DefaultEncodeBufferMaxSize = 8 << 20
	// MinEncodeBufferMaxSize and MaxEncodeBufferMaxSize are the bounds
	// SetEncodeBufferMaxSize accepts: 1 KiB and 256 MiB.
	MinEncodeBufferMaxSize = 1024
	MaxEncodeBufferMaxSize = 256 << 20
)

// VarPeer adds Godot's put_var and get_var to any PacketPeer: one Variant
// per packet, in Godot's binary encoding (package variant), with no further
// framing, exactly as PacketPeer::put_var/get_var. It is itself a
// PacketPeer (the embedded peer's methods pass through).
//
// The zero value with PacketPeer set is ready: Godot 4 format (the zero
// variant.Format), objects refused, encode_buffer_max_size 8 MiB. Set
// Format and AllowObjects before use; the methods are safe for concurrent
// use.
//
// Godot's full_objects argument of put_var is expressed by the value: a
// *variant.Object is sent as a full object, a variant.ObjectID as an id.
// Godot 3.2's deprecated allow_object_decoding property (which also
// switched encoding to full objects) has no equivalent.
type VarPeer struct {
	PacketPeer
	// Format is the Godot version whose layout PutVar writes and GetVar
	// reads (variant.Godot3 or variant.Godot4, ...).
	Format variant.Format
	// AllowObjects is get_var's allow_objects: when false, a packet holding
	// a full Object fails with an error wrapping ErrUnauthorized.
	AllowObjects bool

	mu      sync.Mutex
	maxSize int // 0 means DefaultEncodeBufferMaxSize
	buf     []byte
}

// NewVarPeer returns a VarPeer over p that writes and reads format f.
func NewVarPeer(p PacketPeer, f variant.Format) *VarPeer {
	return &VarPeer{PacketPeer: p, Format: f}
}

// EncodeBufferMaxSize returns Godot's encode_buffer_max_size: the largest
// encoding PutVar sends, in bytes.
func (vp *VarPeer) EncodeBufferMaxSize() int {
	vp.mu.Lock()
	defer vp.mu.Unlock()
	return vp.limit()
}

func (vp *VarPeer) limit() int {
	if vp.maxSize == 0 {
		return DefaultEncodeBufferMaxSize
	}
	return vp.maxSize
}

// SetEncodeBufferMaxSize sets encode_buffer_max_size as Godot's setter does:
// n below MinEncodeBufferMaxSize or above MaxEncodeBufferMaxSize is refused
// with an error wrapping ErrInvalidParameter and the old value kept;
// otherwise n is rounded up to a power of two (2000 becomes 2048).
func (vp *VarPeer) SetEncodeBufferMaxSize(n int) error {
	if n < MinEncodeBufferMaxSize || n > MaxEncodeBufferMaxSize {
		return fmt.Errorf("packetpeer: encode_buffer_max_size %d outside [%d, %d]: %w", n, MinEncodeBufferMaxSize, MaxEncodeBufferMaxSize, ErrInvalidParameter)
	}
	n = nextPowerOfTwo(n)
	vp.mu.Lock()
	defer vp.mu.Unlock()
	vp.maxSize = n
	if cap(vp.buf) > n {
		vp.buf = nil // give memory back; PutVar regrows within the new limit
	}
	return nil
}

func nextPowerOfTwo(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// PutVar encodes v (see variant.Encoder for the Go types accepted) and
// sends it as one packet, like Godot's put_var. The encoded length is
// computed first: over EncodeBufferMaxSize it is an error wrapping
// ErrOutOfMemory and nothing is sent or allocated. A value the Format
// cannot express is an error from package variant (wrapping
// ErrUnavailable or ErrInvalidParameter). Otherwise the result is the
// inner PutPacket's.
//
// The encoding is built in one buffer owned by the VarPeer, grown to the
// next power of two of the largest encoding so far (as Godot does), so a
// steady stream of PutVar calls allocates nothing here.
func (vp *VarPeer) PutVar(v any) error {
	enc := variant.Encoder{Format: vp.Format}
	n, err := enc.Len(v)
	if err != nil {
		return err
	}
	vp.mu.Lock()
	defer vp.mu.Unlock()
	if limit := vp.limit(); n > limit {
		return fmt.Errorf("packetpeer: put_var: encoded length %d exceeds encode_buffer_max_size %d: %w", n, limit, ErrOutOfMemory)
	}
	if cap(vp.buf) < n {
		vp.buf = make([]byte, 0, nextPowerOfTwo(n))
	}
	b, err := enc.Append(vp.buf[:0], v)
	if err != nil {
		return err
	}
	return vp.PacketPeer.PutPacket(b)
}

// GetVar takes the next packet and decodes one Variant from it, like
// Godot's get_var: bytes after the Variant are ignored. With no packet
// queued the error wraps ErrUnavailable. Decoding errors come from package
// variant and wrap ErrInvalidData, ErrFileEOF, ErrUnauthorized (a full
// object while AllowObjects is false) or ErrOutOfMemory (nesting deeper
// than variant.DefaultMaxDepth); the bad packet is consumed. The packet's
// size is bounded by the inner peer; GetVar adds no size limit of its own
// (Godot has none either).
func (vp *VarPeer) GetVar() (any, error) {
	pkt, err := vp.PacketPeer.GetPacket()
	if err != nil {
		return nil, err
	}
	return vp.decode(pkt)
}

// ReadVar is GetVar that waits for a packet like ReadPacket: it blocks until
// one arrives or ctx is done.
func (vp *VarPeer) ReadVar(ctx context.Context) (any, error) {
	pkt, err := ReadPacket(ctx, vp.PacketPeer)
	if err != nil {
		return nil, err
	}
	return vp.decode(pkt)
}

func (vp *VarPeer) decode(pkt []byte) (any, error) {
	d := variant.Decoder{Format: vp.Format, AllowObjects: vp.AllowObjects, MaxSize: -1}
	v, _, err := d.Decode(pkt)
	if err != nil {
		return nil, fmt.Errorf("packetpeer: get_var: %w", err)
	}
	return v, nil
}

// Wait waits for a packet on the inner peer (see the package function Wait).
func (vp *VarPeer) Wait(ctx context.Context) error { return Wait(ctx, vp.PacketPeer) }
