package stream

import (
	"errors"
	"io"
)

var errEOF = io.EOF

// Peer is Godot's StreamPeer API over any io.ReadWriter, such as a Conn
// (StreamPeerTCP, StreamPeerSSL/TLS): Put* write at once, Get* block until
// their bytes arrived (Godot's blocking get_data). A stream that ends inside
// a value gives a *ShortReadError; other stream errors are returned as they
// are. A length-prefixed string or Variant longer than 8 MiB is refused
// before allocating. Not safe for concurrent use.
type Peer struct {
	base
}

// NewPeer returns a Peer reading and writing rw with the settings of c.
func NewPeer(rw io.ReadWriter, c Codec) *Peer {
	return &Peer{base{Codec: c, rw: rw}}
}

// GetPartialData reads what is available, up to n bytes, with one Read of
// the stream (get_partial_data).
func (p *Peer) GetPartialData(n int) ([]byte, error) {
	if n < 0 {
		return nil, &ShortReadError{Op: "GetPartialData", Need: n}
	}
	buf := make([]byte, n)
	got, err := p.rw.Read(buf)
	if errors.Is(err, io.EOF) && got > 0 {
		err = nil
	}
	return buf[:got], err
}

// PutPartialData writes p with one Write of the stream (put_partial_data)
// and returns how much was written.
func (p *Peer) PutPartialData(b []byte) (int, error) { return p.rw.Write(b) }
