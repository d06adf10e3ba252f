package stream

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

// DefaultBufferMaxSize is Godot's default input_buffer_max_size and
// output_buffer_max_size, in bytes: 2^16 − 4 = 65532 (observed on 3.2.3).
// A Godot sender with defaults can send a payload of 65532 bytes; a Godot
// receiver with defaults can only complete frames of up to
// GodotMaxReceivable bytes, because its ring buffer keeps one byte free.
const DefaultBufferMaxSize = 65532

// GodotMaxReceivable is the largest payload a Godot PacketPeerStream with
// default settings can receive (65531 bytes): send at most this much to a
// default Godot peer, or Godot stalls on the frame.
const GodotMaxReceivable = 65531

// MaxBufferMaxSize is the largest buffer limit a PacketStream accepts: 2^30
// bytes (Godot's max_buffer_po2 tops out at 2^30 too).
const MaxBufferMaxSize = 1 << 30

// PacketStreamConfig configures a PacketStream. The zero value is Godot's
// defaults.
type PacketStreamConfig struct {
	// InputBufferMaxSize is the largest payload accepted from the stream, in
	// bytes (Godot's input_buffer_max_size); 0 means DefaultBufferMaxSize.
	// The receive buffer holds InputBufferMaxSize+4 bytes.
	InputBufferMaxSize int
	// OutputBufferMaxSize is the largest payload PutPacket sends, in bytes
	// (Godot's output_buffer_max_size); 0 means DefaultBufferMaxSize.
	OutputBufferMaxSize int
	// WriteTimeout bounds each PutPacket when the stream has
	// SetWriteDeadline (net.Conn); 0 means no limit (Godot blocks too). A
	// timed-out write may have sent part of a frame, so it breaks the stream.
	WriteTimeout time.Duration
}

// FrameSizeError reports a frame over a size limit: an incoming header
// claiming more than InputBufferMaxSize (wraps godoterr.ErrOutOfMemory; the
// stream is closed, since nothing after it can be trusted) or an outgoing
// packet over OutputBufferMaxSize (wraps godoterr.ErrInvalidParameter, as
// Godot's put_packet).
type FrameSizeError struct {
	Incoming bool // true for a received header, false for PutPacket
	Size     int64
	Limit    int
}

// Error describes the frame, its size and the limit.
func (e *FrameSizeError) Error() string {
	if e.Incoming {
		return fmt.Sprintf("stream: incoming frame of %d bytes exceeds input_buffer_max_size %d (%v)", e.Size, e.Limit, e.Unwrap())
	}
	return fmt.Sprintf("stream: packet of %d bytes exceeds output_buffer_max_size %d (%v)", e.Size, e.Limit, e.Unwrap())
}

// Unwrap returns godoterr.ErrOutOfMemory (incoming) or
// godoterr.ErrInvalidParameter (outgoing).
func (e *FrameSizeError) Unwrap() error {
	if e.Incoming {
		return godoterr.ErrOutOfMemory
	}
	return godoterr.ErrInvalidParameter
}

// ErrStreamEnded is returned (wrapped in a *StreamError) once the peer
// closed the stream and every complete packet has been read. A stream that
// ends inside a frame is reported with io.ErrUnexpectedEOF instead.
var ErrStreamEnded = io.EOF

// StreamError is a receive-side failure of the underlying stream (end of
// stream, truncated frame, read error). It wraps the cause and
// godoterr.ErrConnectionError.
type StreamError struct {
	Err error
}

// Error describes the cause.
func (e *StreamError) Error() string { return "stream: receive: " + e.Err.Error() }

// Unwrap returns the cause and godoterr.ErrConnectionError.
func (e *StreamError) Unwrap() []error { return []error{e.Err, godoterr.ErrConnectionError} }

// PacketStreamStats are a PacketStream's counters.
type PacketStreamStats struct {
	PacketsIn, BytesIn   uint64 // packets returned and stream bytes read
	PacketsOut, BytesOut uint64 // packets sent and stream bytes written (with headers)
}

// PacketStream is Godot's PacketPeerStream: whole packets over a byte
// stream, each framed as a u32 little-endian length and the payload. It
// implements packetpeer.PacketPeer and Wait.
//
// One goroutine per PacketStream (started by the first receive-side call)
// reads the stream into a fixed buffer of InputBufferMaxSize+4 bytes, as
// many bytes per Read as are available; when the buffer is full it stops
// reading (TCP flow control slows the sender) until packets are taken, so
// memory is bounded and nothing is dropped. GetPacket and
// AvailablePacketCount never block. PutPacket writes one frame with one
// Write and blocks until the stream took it, like Godot's blocking put_data.
//
// Safe for concurrent use; Close stops the goroutine by closing the stream
// (when it is an io.Closer).
type PacketStream struct {
	rw           io.ReadWriter
	inMax        int
	outMax       int
	writeTimeout time.Duration

	wmu sync.Mutex
	out []byte

	mu      sync.Mutex
	cond    *sync.Cond // producer waits for space
	buf     []byte
	r, w    int
	rerr    error // sticky receive error
	started bool
	closed  bool
	notify  chan struct{} // cap 1: something arrived or failed
	done    chan struct{} // closed by Close

	packetsIn, bytesIn, packetsOut, bytesOut atomic.Uint64
}

// NewPacketStream returns a PacketStream over rw. Limits below 0 or above
// MaxBufferMaxSize are an error wrapping godoterr.ErrInvalidParameter.
func NewPacketStream(rw io.ReadWriter, cfg PacketStreamConfig) (*PacketStream, error) {
	if rw == nil {
		return nil, fmt.Errorf("stream: nil stream: %w", godoterr.ErrUnconfigured)
	}
	in, out := cfg.InputBufferMaxSize, cfg.OutputBufferMaxSize
	if in == 0 {
		in = DefaultBufferMaxSize
	}
	if out == 0 {
		out = DefaultBufferMaxSize
	}
	if in < 0 || in > MaxBufferMaxSize || out < 0 || out > MaxBufferMaxSize {
		return nil, fmt.Errorf("stream: buffer sizes %d/%d outside 0..%d: %w", in, out, MaxBufferMaxSize, godoterr.ErrInvalidParameter)
	}
	s := &PacketStream{rw: rw, inMax: in, outMax: out, writeTimeout: cfg.WriteTimeout,
		notify: make(chan struct{}, 1), done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// Stream returns the underlying stream (Godot's stream_peer). Reading or
// writing it directly corrupts the framing.
func (s *PacketStream) Stream() io.ReadWriter { return s.rw }

// InputBufferMaxSize returns the largest payload accepted, in bytes.
func (s *PacketStream) InputBufferMaxSize() int { return s.inMax }

// OutputBufferMaxSize returns the largest payload PutPacket sends, in bytes.
func (s *PacketStream) OutputBufferMaxSize() int { return s.outMax }

// MaxPacketSize returns OutputBufferMaxSize. (Godot returns the output
// buffer size, 4 more than what put_packet really accepts.)
func (s *PacketStream) MaxPacketSize() int { return s.outMax }

// Stats returns the counters.
func (s *PacketStream) Stats() PacketStreamStats {
	return PacketStreamStats{PacketsIn: s.packetsIn.Load(), BytesIn: s.bytesIn.Load(),
		PacketsOut: s.packetsOut.Load(), BytesOut: s.bytesOut.Load()}
}

type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// PutPacket sends p as one frame. An empty p writes nothing and returns nil
// (Godot test D8). Above OutputBufferMaxSize: a *FrameSizeError wrapping
// godoterr.ErrInvalidParameter. After Close: an error wrapping net.ErrClosed.
// Write errors are returned as they are.
func (s *PacketStream) PutPacket(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > s.outMax {
		return &FrameSizeError{Size: int64(len(p)), Limit: s.outMax}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	select {
	case <-s.done:
		return fmt.Errorf("stream: PutPacket: %w", net.ErrClosed)
	default:
	}
	n := 4 + len(p)
	if cap(s.out) < n {
		s.out = make([]byte, min(s.outMax+4, max(n, 4096)))
	}
	out := s.out[:n]
	binary.LittleEndian.PutUint32(out, uint32(len(p)))
	copy(out[4:], p)
	if s.writeTimeout > 0 {
		if d, ok := s.rw.(writeDeadliner); ok {
			_ = d.SetWriteDeadline(time.Now().Add(s.writeTimeout))
		}
	}
	w, err := s.rw.Write(out)
	s.bytesOut.Add(uint64(w))
	if err != nil {
		return fmt.Errorf("stream: PutPacket: %w", err)
	}
	s.packetsOut.Add(1)
	return nil
}

// PutPackets sends every packet of pkts, framed, with as few Writes as
// possible (frames are gathered into one buffer of up to
// OutputBufferMaxSize+4 bytes per Write): the bytes on the wire are those
// of PutPacket called for each. Empty packets are skipped. On an error,
// earlier packets may have been sent; an oversized packet is refused
// before anything is written.
func (s *PacketStream) PutPackets(pkts [][]byte) error {
	for _, p := range pkts {
		if len(p) > s.outMax {
			return &FrameSizeError{Size: int64(len(p)), Limit: s.outMax}
		}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	select {
	case <-s.done:
		return fmt.Errorf("stream: PutPackets: %w", net.ErrClosed)
	default:
	}
	if cap(s.out) < s.outMax+4 {
		s.out = make([]byte, s.outMax+4)
	}
	out := s.out[:0]
	flush := func() error {
		if len(out) == 0 {
			return nil
		}
		if s.writeTimeout > 0 {
			if d, ok := s.rw.(writeDeadliner); ok {
				_ = d.SetWriteDeadline(time.Now().Add(s.writeTimeout))
			}
		}
		w, err := s.rw.Write(out)
		s.bytesOut.Add(uint64(w))
		out = out[:0]
		if err != nil {
			return fmt.Errorf("stream: PutPackets: %w", err)
		}
		return nil
	}
	for _, p := range pkts {
		if len(p) == 0 {
			continue
		}
		if len(out)+4+len(p) > cap(out) {
			if err := flush(); err != nil {
				return err
			}
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
		s.packetsOut.Add(1)
	}
	return flush()
}

// startLocked starts the reader goroutine; s.mu held.
func (s *PacketStream) startLocked() {
	if s.started || s.closed {
		return
	}
	s.started = true
	s.buf = make([]byte, s.inMax+4)
	go s.readLoop()
}

func (s *PacketStream) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// headLocked inspects the frame at r: its payload length and whether it is
// complete. ok is false when fewer than 4 bytes are buffered.
func (s *PacketStream) headLocked() (l int64, complete, ok bool) {
	if s.w-s.r < 4 {
		return 0, false, false
	}
	l = int64(binary.LittleEndian.Uint32(s.buf[s.r:]))
	return l, int64(s.w-s.r-4) >= l, true
}

func (s *PacketStream) readLoop() {
	s.mu.Lock()
	for {
		// Make room: compact when the head frame could not fit otherwise.
		for !s.closed {
			if s.r == s.w {
				s.r, s.w = 0, 0
			}
			l, _, ok := s.headLocked()
			if s.r > 0 && (s.w == len(s.buf) || (ok && int64(s.r)+4+l > int64(len(s.buf)))) {
				s.w = copy(s.buf, s.buf[s.r:s.w])
				s.r = 0
			}
			if s.w < len(s.buf) {
				break
			}
			s.cond.Wait() // full of complete packets: wait for a reader
		}
		if s.closed || s.rerr != nil {
			s.mu.Unlock()
			return
		}
		dst := s.buf[s.w:]
		s.mu.Unlock()

		n, err := s.rw.Read(dst)

		s.mu.Lock()
		s.w += n
		s.bytesIn.Add(uint64(n))
		if l, _, ok := s.headLocked(); ok && l > int64(s.inMax) {
			err = &FrameSizeError{Incoming: true, Size: l, Limit: s.inMax}
		}
		if err != nil {
			var fe *FrameSizeError
			switch {
			case errors.As(err, &fe):
				s.rerr = err
			case errors.Is(err, io.EOF) && s.onlyCompleteLocked():
				s.rerr = &StreamError{Err: ErrStreamEnded}
			case errors.Is(err, io.EOF):
				s.rerr = &StreamError{Err: io.ErrUnexpectedEOF}
			case s.closed:
				s.rerr = fmt.Errorf("stream: %w", net.ErrClosed)
			default:
				s.rerr = &StreamError{Err: err}
			}
			s.mu.Unlock()
			s.signal()
			if fe != nil {
				s.closeStream()
			}
			return
		}
		if n > 0 {
			s.signal()
		}
	}
}

// onlyCompleteLocked reports whether the buffered bytes are whole frames.
func (s *PacketStream) onlyCompleteLocked() bool {
	r := s.r
	for s.w-r >= 4 {
		l := int64(binary.LittleEndian.Uint32(s.buf[r:]))
		if int64(s.w-r-4) < l {
			return false
		}
		r += 4 + int(l)
	}
	return r == s.w
}

func (s *PacketStream) closeStream() {
	if c, ok := s.rw.(io.Closer); ok {
		_ = c.Close()
	}
}

// takeLocked removes the head packet if complete, returning its bytes in
// the buffer (valid while s.mu is held). err is the sticky receive error
// (with no complete packet) or ErrUnavailable.
func (s *PacketStream) takeLocked() ([]byte, error) {
	if s.closed {
		return nil, fmt.Errorf("stream: %w", net.ErrClosed)
	}
	s.startLocked()
	if l, complete, ok := s.headLocked(); ok {
		if l > int64(s.inMax) {
			return nil, &FrameSizeError{Incoming: true, Size: l, Limit: s.inMax}
		}
		if complete {
			p := s.buf[s.r+4 : s.r+4+int(l)]
			s.r += 4 + int(l)
			s.packetsIn.Add(1)
			s.cond.Signal()
			return p, nil
		}
	}
	if s.rerr != nil {
		return nil, s.rerr
	}
	return nil, fmt.Errorf("stream: no complete packet: %w", godoterr.ErrUnavailable)
}

// GetPacket returns the next complete packet without blocking. With none:
// an error wrapping godoterr.ErrUnavailable; once the stream ended or
// failed and no complete packet is left: that *StreamError (or a
// *FrameSizeError for an oversized header). A zero-length frame gives an
// empty, non-nil packet.
func (s *PacketStream) GetPacket() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.takeLocked()
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(p)), p...), nil
}

// GetPacketInto is GetPacket without allocating: it copies the next packet
// into dst and returns its length. If dst is too short, it returns an error
// wrapping io.ErrShortBuffer and godoterr.ErrInvalidParameter and the
// packet stays queued.
func (s *PacketStream) GetPacketInto(dst []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, complete, ok := s.headLocked(); ok && complete && l <= int64(s.inMax) && int64(len(dst)) < l {
		return 0, fmt.Errorf("stream: packet of %d bytes, buffer of %d: %w (%w)", l, len(dst), io.ErrShortBuffer, godoterr.ErrInvalidParameter)
	}
	p, err := s.takeLocked()
	if err != nil {
		return 0, err
	}
	return copy(dst, p), nil
}

// AvailablePacketCount returns the number of complete packets buffered.
func (s *PacketStream) AvailablePacketCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLocked()
	n := 0
	for r := s.r; s.w-r >= 4; n++ {
		l := int64(binary.LittleEndian.Uint32(s.buf[r:]))
		if l > int64(s.inMax) || int64(s.w-r-4) < l {
			break
		}
		r += 4 + int(l)
	}
	return n
}

// Wait blocks until a packet can be read, the stream failed (its error is
// returned), the PacketStream is closed (net.ErrClosed) or ctx is done
// (ctx.Err()).
func (s *PacketStream) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return fmt.Errorf("stream: %w", net.ErrClosed)
		}
		s.startLocked()
		l, complete, ok := s.headLocked()
		err := s.rerr
		s.mu.Unlock()
		if ok && l > int64(s.inMax) {
			return &FrameSizeError{Incoming: true, Size: l, Limit: s.inMax}
		}
		if complete {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-s.notify:
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close closes the underlying stream if it is an io.Closer and stops the
// reader goroutine. Later calls return an error wrapping net.ErrClosed.
func (s *PacketStream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("stream: %w", net.ErrClosed)
	}
	s.closed = true
	close(s.done)
	s.cond.Broadcast()
	s.mu.Unlock()
	if c, ok := s.rw.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
