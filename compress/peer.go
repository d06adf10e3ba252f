package compress

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/packetpeer/packetpeer"
)

// PeerHeaderSize is the length of the size prefix Peer puts before each
// compressed packet.
const PeerHeaderSize = 4

// PeerConfig configures NewPeer.
type PeerConfig struct {
	// Mode is the compression of every packet.
	Mode Mode
	// MaxPacketSize is the largest uncompressed packet, in bytes, in both
	// directions: PutPacket refuses larger ones (ErrInvalidParameter), and
	// an incoming packet declaring a larger size is dropped before anything
	// is decompressed (ErrOutOfMemory, counted as DropOversize). This is the
	// decompression-bomb limit. Zero: the inner peer's MaxPacketSize minus
	// PeerHeaderSize.
	MaxPacketSize int
	// Stats, when set, counts incoming packets dropped by the peer, by
	// reason: DropInvalidData (shorter than the header), DropOversize,
	// DropDecompressError.
	Stats *packetpeer.Stats
}

// Peer is a PacketPeer that compresses every packet individually with a
// Godot compression mode before handing it to the inner peer, and
// decompresses what it receives.
//
// # Framing
//
// Godot's compress() does not record the uncompressed size, so each packet
// on the inner peer is
//
//	[u32 little-endian uncompressed size][Compress(payload, mode)]
//
// which a GDScript peer produces and reads with compress and
// decompress(size):
//
//	func put_compressed(peer, data: PoolByteArray, mode: int) -> int:
//		var b = StreamPeerBuffer.new()
//		b.put_u32(data.size())
//		b.put_data(data.compress(mode))
//		return peer.put_packet(b.data_array)
//
//	func get_compressed(peer, mode: int) -> PoolByteArray:
//		var p = peer.get_packet()
//		var size = p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24
//		var d = p.subarray(4, p.size() - 1).decompress(size, mode)
//		return d.subarray(0, size - 1) if d.size() > size else d
//
// (the last line because Godot's FastLZ decompress returns 16 bytes for
// sizes under 16). Empty packets are not sent, as in Godot.
//
// # Errors and drops
//
// GetPacket consumes the inner packet in every case. A packet shorter than
// the header, declaring more than MaxPacketSize, or whose payload does not
// decompress to exactly the declared size is dropped: GetPacket returns an
// error wrapping ErrInvalidData (or ErrOutOfMemory for the size) and counts
// the drop in PeerConfig.Stats. ReadPacket returns that error; the next
// call reads on.
//
// Peer is safe for concurrent use. Sending reuses one buffer (FastLZ and
// Zstd allocate nothing per packet once it has grown); receiving allocates
// the returned packet.
type Peer struct {
	inner packetpeer.PacketPeer
	mode  Mode
	max   int
	stats *packetpeer.Stats

	mu  sync.Mutex
	buf []byte
}

// NewPeer wraps inner. An unknown mode or a negative MaxPacketSize is an
// error wrapping ErrInvalidParameter.
func NewPeer(inner packetpeer.PacketPeer, cfg PeerConfig) (*Peer, error) {
	if cfg.Mode < FastLZ || cfg.Mode > GZIP {
		return nil, fmt.Errorf("compress: unknown mode %d: %w", int(cfg.Mode), ErrInvalidParameter)
	}
	if cfg.MaxPacketSize < 0 {
		return nil, fmt.Errorf("compress: negative MaxPacketSize %d: %w", cfg.MaxPacketSize, ErrInvalidParameter)
	}
	m := cfg.MaxPacketSize
	if m == 0 {
		m = max(inner.MaxPacketSize()-PeerHeaderSize, 0)
	}
	return &Peer{inner: inner, mode: cfg.Mode, max: m, stats: cfg.Stats}, nil
}

// Mode returns the compression mode.
func (p *Peer) Mode() Mode { return p.mode }

// PutPacket compresses b and sends it with its size prefix. b longer than
// MaxPacketSize is an error wrapping ErrInvalidParameter; if the compressed
// packet is too large for the inner peer, the inner peer's error is
// returned.
func (p *Peer) PutPacket(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if len(b) > p.max {
		return fmt.Errorf("compress: packet of %d bytes exceeds MaxPacketSize %d: %w", len(b), p.max, ErrInvalidParameter)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if need := PeerHeaderSize + MaxCompressedLen(len(b), p.mode); cap(p.buf) < need {
		p.buf = make([]byte, 0, need)
	}
	out := binary.LittleEndian.AppendUint32(p.buf[:0], uint32(len(b)))
	out, err := Compress(out, b, p.mode)
	if err != nil {
		return err
	}
	if cap(out) > cap(p.buf) {
		p.buf = out[:0]
	}
	return p.inner.PutPacket(out)
}

// GetPacket returns the next packet, decompressed (see Peer for errors).
func (p *Peer) GetPacket() ([]byte, error) {
	pkt, err := p.inner.GetPacket()
	if err != nil {
		return nil, err
	}
	out, reason, err := p.unpack(pkt)
	if err != nil {
		if p.stats != nil {
			p.stats.Drop(reason, len(pkt))
		}
		return nil, err
	}
	return out, nil
}

// unpack decodes one framed packet.
func (p *Peer) unpack(pkt []byte) ([]byte, packetpeer.DropReason, error) {
	if len(pkt) < PeerHeaderSize {
		return nil, packetpeer.DropInvalidData, fmt.Errorf("compress: packet of %d bytes is shorter than the %d-byte size header: %w", len(pkt), PeerHeaderSize, ErrInvalidData)
	}
	size := binary.LittleEndian.Uint32(pkt)
	if uint64(size) > uint64(p.max) {
		return nil, packetpeer.DropOversize, fmt.Errorf("compress: packet declares %d bytes, more than MaxPacketSize %d: %w", size, p.max, ErrOutOfMemory)
	}
	body := pkt[PeerHeaderSize:]
	if size == 0 || len(body) == 0 {
		return nil, packetpeer.DropInvalidData, fmt.Errorf("compress: packet declares %d bytes with %d compressed bytes: %w", size, len(body), ErrInvalidData)
	}
	out, err := Decompress(nil, body, int(size), p.mode)
	if err != nil {
		return nil, packetpeer.DropDecompressError, err
	}
	if len(out) != int(size) {
		return nil, packetpeer.DropDecompressError, fmt.Errorf("compress: packet decompressed to %d bytes, declared %d: %w", len(out), size, ErrInvalidData)
	}
	return out, 0, nil
}

// AvailablePacketCount returns the inner peer's count (a packet that then
// fails to decompress is included).
func (p *Peer) AvailablePacketCount() int { return p.inner.AvailablePacketCount() }

// MaxPacketSize returns PeerConfig.MaxPacketSize (uncompressed bytes).
func (p *Peer) MaxPacketSize() int { return p.max }

// Close closes the inner peer.
func (p *Peer) Close() error { return p.inner.Close() }

// Wait waits for a packet on the inner peer (see packetpeer.Wait).
func (p *Peer) Wait(ctx context.Context) error { return packetpeer.Wait(ctx, p.inner) }
