package protocol

import "fmt"

// Header is ENetProtocolHeader, the start of every datagram: 2 bytes, or 4
// when the sent time is present.
//
//	offset 0  u16 BE  peerID field:
//	                    bits  0-11  peer ID: the receiver's index for the sender's peer
//	                                (0xFFF = none yet; only CONNECT datagrams)
//	                    bits 12-13  session ID (0 when the peer ID is 0xFFF)
//	                    bit  14     COMPRESSED: the body is range-coded
//	                    bit  15     SENT_TIME: the sentTime field follows
//	offset 2  u16 BE  sentTime: low 16 bits of the sender's millisecond clock
//	                  (only with SENT_TIME; libenet sets it whenever the datagram
//	                  carries an acknowledge-flagged command)
//
// When the hosts use checksums, a 4-byte CRC-32 follows the header (see
// [Checksum]); it is not announced by any flag.
type Header struct {
	PeerID      uint16 // 0..0xFFF
	SessionID   uint8  // 0..3
	Compressed  bool
	HasSentTime bool
	SentTime    uint16
}

// Len returns 4 with the sent time and 2 without.
func (h Header) Len() int {
	if h.HasSentTime {
		return HeaderMaxSize
	}
	return HeaderMinSize
}

// PeerIDField returns the 16-bit first field with flags and session bits.
func (h Header) PeerIDField() uint16 {
	v := h.PeerID&MaximumPeerID | uint16(h.SessionID&3)<<HeaderSessionShift
	if h.Compressed {
		v |= HeaderFlagCompressed
	}
	if h.HasSentTime {
		v |= HeaderFlagSentTime
	}
	return v
}

// Append appends the 2- or 4-byte encoding of h. PeerID and SessionID are
// masked to 12 and 2 bits.
func (h Header) Append(dst []byte) []byte {
	dst = appendU16(dst, h.PeerIDField())
	if h.HasSentTime {
		dst = appendU16(dst, h.SentTime)
	}
	return dst
}

// ParseHeader decodes a datagram header. It rejects session bits on a
// header addressed to peer ID 0xFFF, which libenet never sends.
func ParseHeader(b []byte) (Header, int, error) {
	if len(b) < HeaderMinSize {
		return Header{}, 0, fmt.Errorf("header: %d bytes: %w", len(b), ErrTruncated)
	}
	v := be.Uint16(b)
	h := Header{
		PeerID:      v & MaximumPeerID,
		SessionID:   uint8(v & HeaderSessionMask >> HeaderSessionShift),
		Compressed:  v&HeaderFlagCompressed != 0,
		HasSentTime: v&HeaderFlagSentTime != 0,
	}
	if h.PeerID == MaximumPeerID && h.SessionID != 0 {
		return Header{}, 0, fmt.Errorf("header: session %d with peer ID 0xFFF: %w", h.SessionID, ErrSessionID)
	}
	if !h.HasSentTime {
		return h, HeaderMinSize, nil
	}
	if len(b) < HeaderMaxSize {
		return Header{}, 0, fmt.Errorf("header: sent time flag with %d bytes: %w", len(b), ErrTruncated)
	}
	h.SentTime = be.Uint16(b[2:])
	return h, HeaderMaxSize, nil
}
