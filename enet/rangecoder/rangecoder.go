// Package rangecoder is a bit-exact Go port of ENet's packet compressor: the
// adaptive order-2 PPM range coder of libenet 1.3.17 (compress.c,
// enet_range_coder_compress and enet_range_coder_decompress).
//
// ENet applies it per datagram to the bytes after the protocol header and the
// optional checksum (all command headers and payloads as one stream). The
// model is reset at the start of every call, so every datagram decodes on its
// own. Output produced by [Coder.Compress] is byte-for-byte what libenet
// produces for the same input, and [Coder.Decompress] accepts exactly what
// libenet's decoder accepts and produces the same bytes; both properties are
// checked against the real libenet in this package's tests.
//
// A Coder holds the 4096-node model (about 72 KiB) and performs no allocation;
// it is not safe for concurrent use. Reuse one Coder per goroutine.
//
// The model, as in compress.c: a pool of 4096 nodes; each node is both a
// symbol in the binary tree of its context (value, count, under, left, right)
// and the context for the following byte (symbols, escapes, total, parent).
// The order-0 root context gives every byte an implicit count of 1; order-1
// and order-2 contexts start empty and escape to the next lower order. The
// range coder is the 32-bit carry-less coder with an underflow clamp (top
// 2^24, bottom 2^16). libenet builds without context exclusion
// (ENET_CONTEXT_EXCLUSION is undefined), so the bytes it produces never use
// it, and this package, matching those bytes, has none either.
package rangecoder

import "errors"

// ErrShortBuffer is returned when the output does not fit in dst. libenet's
// functions return 0 in the same situation.
var ErrShortBuffer = errors.New("rangecoder: output does not fit in the destination buffer")

// ErrCorrupt is returned by Decompress when the input selects a symbol the
// model cannot produce. libenet's decoder returns 0 in the same situation.
var ErrCorrupt = errors.New("rangecoder: corrupt input")

const (
	rangeTop    = 1 << 24 // ENET_RANGE_CODER_TOP
	rangeBottom = 1 << 16 // ENET_RANGE_CODER_BOTTOM

	contextSymbolDelta   = 3 // ENET_CONTEXT_SYMBOL_DELTA
	contextSymbolMinimum = 1 // ENET_CONTEXT_SYMBOL_MINIMUM
	contextEscapeMinimum = 1 // ENET_CONTEXT_ESCAPE_MINIMUM

	subcontextOrder       = 2 // ENET_SUBCONTEXT_ORDER
	subcontextSymbolDelta = 2 // ENET_SUBCONTEXT_SYMBOL_DELTA
	subcontextEscapeDelta = 5 // ENET_SUBCONTEXT_ESCAPE_DELTA

	// Rescale thresholds, as written in compress.c.
	subcontextCountLimit = 0xFF - 2*subcontextSymbolDelta                     // 251
	rootCountLimit       = 0xFF - 2*contextSymbolDelta + contextSymbolMinimum // 250
	totalLimit           = rangeBottom - 0x100                                // 65280

	numSymbols = 4096 // ENetRangeCoder.symbols
	symbolMask = numSymbols - 1
	// The model is reset once this many nodes are in use (4096 - ENET_SUBCONTEXT_ORDER).
	freeSymbolsLimit = numSymbols - subcontextOrder
	// At most subcontextOrder contexts above the root are ever walked; the
	// guard below is only a defence against a broken invariant.
	maxWalk = subcontextOrder + 2
)

// symbol mirrors ENetSymbol field for field, including the integer widths,
// because all of the model's arithmetic wraps exactly as in C.
type symbol struct {
	value uint8
	count uint8
	under uint16
	left  uint16 // offset from this node, 0 = none
	right uint16 // offset from this node, 0 = none

	symbols uint16 // offset from this node to the root of its symbol tree
	escapes uint16
	total   uint16
	parent  uint16 // absolute index of the same symbol one order lower
}

// Coder compresses and decompresses with ENet's range coder. The zero value is
// ready to use. A Coder must not be used by several goroutines at once.
type Coder struct {
	symbols [numSymbols]symbol
	next    int // nextSymbol in compress.c
}

// New returns a Coder. It is equivalent to new(Coder) and exists to mirror
// enet_range_coder_create.
func New() *Coder { return new(Coder) }

func (c *Coder) create(value, count uint8) int {
	i := c.next & symbolMask
	c.next++
	c.symbols[i] = symbol{value: value, count: count, under: uint16(count)}
	return i
}

// reset discards the model and creates the root context at index 0.
func (c *Coder) reset() {
	c.next = 0
	root := c.create(0, 0)
	c.symbols[root].escapes = contextEscapeMinimum
	c.symbols[root].total = contextEscapeMinimum + 256*contextSymbolMinimum
}

func (c *Coder) rescaleTree(i int) uint16 {
	var total uint16
	for {
		s := &c.symbols[i&symbolMask]
		s.count -= s.count >> 1
		s.under = uint16(s.count)
		if s.left != 0 {
			s.under += c.rescaleTree(i + int(s.left))
		}
		total += s.under
		if s.right == 0 {
			return total
		}
		i += int(s.right)
	}
}

func (c *Coder) rescale(ctx int, minimum uint16) {
	s := &c.symbols[ctx&symbolMask]
	if s.symbols != 0 {
		s.total = c.rescaleTree(ctx + int(s.symbols))
	} else {
		s.total = 0
	}
	s.escapes -= s.escapes >> 1
	s.total += s.escapes + 256*minimum
}

// encodeIn finds value in the context's tree, inserting it when absent, and
// updates the counts on the path (ENET_CONTEXT_ENCODE). It returns the node,
// the cumulative count below the value and the value's count, both including
// minimum (the root's implicit count per byte value).
func (c *Coder) encodeIn(ctx int, value uint8, update uint8, minimum uint16) (sym int, under, count uint16) {
	under = uint16(value) * minimum
	count = minimum
	cs := &c.symbols[ctx&symbolMask]
	if cs.symbols == 0 {
		sym = c.create(value, update)
		cs.symbols = uint16(sym - ctx)
		return sym, under, count
	}
	node := ctx + int(cs.symbols)
	for {
		n := &c.symbols[node&symbolMask]
		switch {
		case value < n.value:
			n.under += uint16(update)
			if n.left != 0 {
				node += int(n.left)
				continue
			}
			sym = c.create(value, update)
			n.left = uint16(sym - node)
		case value > n.value:
			under += n.under
			if n.right != 0 {
				node += int(n.right)
				continue
			}
			sym = c.create(value, update)
			n.right = uint16(sym - node)
		default:
			count += uint16(n.count)
			under += n.under - uint16(n.count)
			n.under += uint16(update)
			n.count += update
			sym = node & symbolMask
		}
		return sym, under, count
	}
}

type encoder struct {
	low, rng uint32
	dst      []byte
	n        int
}

func (e *encoder) encode(under, count, total uint16) bool {
	e.rng /= uint32(total)
	e.low += uint32(under) * e.rng
	e.rng *= uint32(count)
	for {
		if e.low^(e.low+e.rng) >= rangeTop {
			if e.rng >= rangeBottom {
				return true
			}
			e.rng = -e.low & (rangeBottom - 1)
		}
		if e.n >= len(e.dst) {
			return false
		}
		e.dst[e.n] = byte(e.low >> 24)
		e.n++
		e.rng <<= 8
		e.low <<= 8
	}
}

// Compress range-codes the concatenation of the src buffers into dst and
// returns the number of bytes written. It mirrors enet_range_coder_compress
// with outLimit = len(dst): when the output would exceed len(dst) it returns
// ErrShortBuffer (libenet returns 0). An empty input gives (0, nil), as
// libenet returns 0 for it. ENet sends the compressed form only when it is
// strictly shorter than the input, so callers typically pass a dst of the
// input's length.
//
// Empty buffers are skipped. (libenet 1.3.17 reads one byte past an empty
// buffer that is followed by another buffer; libenet itself never passes one
// unless a zero-length packet is sent on a compressing host.)
func (c *Coder) Compress(dst []byte, src [][]byte) (int, error) {
	total := 0
	for _, b := range src {
		total += len(b)
	}
	if total == 0 {
		return 0, nil
	}
	e := encoder{rng: ^uint32(0), dst: dst}
	c.reset()
	var predicted uint16
	order := 0
	for _, buf := range src {
		for _, value := range buf {
			parent := &predicted
			sub := int(predicted)
			coded := false
			for walk := 0; sub != 0; walk++ {
				if walk >= maxWalk {
					return 0, ErrCorrupt // unreachable: broken parent chain
				}
				sym, under, count := c.encodeIn(sub, value, subcontextSymbolDelta, 0)
				*parent = uint16(sym)
				parent = &c.symbols[sym].parent
				s := &c.symbols[sub&symbolMask]
				total := s.total
				if count > 0 {
					if !e.encode(s.escapes+under, count, total) {
						return 0, ErrShortBuffer
					}
				} else {
					if s.escapes > 0 && s.escapes < total {
						if !e.encode(0, s.escapes, total) {
							return 0, ErrShortBuffer
						}
					}
					s.escapes += subcontextEscapeDelta
					s.total += subcontextEscapeDelta
				}
				s.total += subcontextSymbolDelta
				if count > subcontextCountLimit || s.total > totalLimit {
					c.rescale(sub, 0)
				}
				if count > 0 {
					coded = true
					break
				}
				sub = int(s.parent)
			}
			if !coded {
				sym, under, count := c.encodeIn(0, value, contextSymbolDelta, contextSymbolMinimum)
				*parent = uint16(sym)
				root := &c.symbols[0]
				if !e.encode(root.escapes+under, count, root.total) {
					return 0, ErrShortBuffer
				}
				root.total += contextSymbolDelta
				if count > rootCountLimit || root.total > totalLimit {
					c.rescale(0, contextSymbolMinimum)
				}
			}
			if order >= subcontextOrder {
				predicted = c.symbols[predicted&symbolMask].parent
			} else {
				order++
			}
			if c.next >= freeSymbolsLimit {
				c.reset()
				predicted = 0
				order = 0
			}
		}
	}
	for e.low != 0 {
		if e.n >= len(dst) {
			return 0, ErrShortBuffer
		}
		dst[e.n] = byte(e.low >> 24)
		e.n++
		e.low <<= 8
	}
	return e.n, nil
}

type decoder struct {
	low, code, rng uint32
	src            []byte
	in             int
}

// read is ENET_RANGE_CODER_READ; the result is truncated to 16 bits as in C.
func (d *decoder) read(total uint16) (uint16, bool) {
	d.rng /= uint32(total)
	if d.rng == 0 {
		return 0, false // unreachable: the range is at least 2^16 here
	}
	return uint16((d.code - d.low) / d.rng), true
}

func (d *decoder) decode(under, count uint16) bool {
	d.low += uint32(under) * d.rng
	d.rng *= uint32(count)
	if d.rng == 0 {
		return false // libenet would loop forever; no valid model state gets here
	}
	for {
		if d.low^(d.low+d.rng) >= rangeTop {
			if d.rng >= rangeBottom {
				return true
			}
			d.rng = -d.low & (rangeBottom - 1)
		}
		d.code <<= 8
		if d.in < len(d.src) {
			d.code |= uint32(d.src[d.in])
			d.in++
		}
		d.rng <<= 8
		d.low <<= 8
	}
}

// decodeIn is ENET_CONTEXT_DECODE. With root set (minimum 1) it inserts the
// decoded value when absent; otherwise (minimum 0) an absent symbol is a
// decoding failure, reported as ok == false.
func (c *Coder) decodeIn(ctx int, code uint16, update uint8, root bool) (sym int, value uint8, under, count uint16, ok bool) {
	var minimum uint16
	if root {
		minimum = contextSymbolMinimum
	}
	count = minimum
	cs := &c.symbols[ctx&symbolMask]
	if cs.symbols == 0 {
		if !root {
			return 0, 0, 0, 0, false
		}
		value = uint8(code) // code / minimum with minimum == 1
		under = code        // code - code % minimum
		sym = c.create(value, update)
		cs.symbols = uint16(sym - ctx)
		return sym, value, under, count, true
	}
	node := ctx + int(cs.symbols)
	for {
		n := &c.symbols[node&symbolMask]
		after := under + n.under + (uint16(n.value)+1)*minimum
		before := uint16(n.count) + minimum
		switch {
		case code >= after:
			under += n.under
			if n.right != 0 {
				node += int(n.right)
				continue
			}
			if !root {
				return 0, 0, 0, 0, false
			}
			value = n.value + 1 + uint8(code-after)
			under = code
			sym = c.create(value, update)
			n.right = uint16(sym - node)
		case int(code) < int(after)-int(before): // C compares in int
			n.under += uint16(update)
			if n.left != 0 {
				node += int(n.left)
				continue
			}
			if !root {
				return 0, 0, 0, 0, false
			}
			value = n.value - 1 - uint8(int(after)-int(before)-int(code)-1)
			under = code
			sym = c.create(value, update)
			n.left = uint16(sym - node)
		default:
			value = n.value
			count += uint16(n.count)
			under = after - before
			n.under += uint16(update)
			n.count += update
			sym = node & symbolMask
		}
		return sym, value, under, count, true
	}
}

// Decompress decodes src into dst and returns the number of bytes written.
// It mirrors enet_range_coder_decompress with outLimit = len(dst): output
// that would exceed len(dst) gives ErrShortBuffer, and input that selects a
// symbol the model lacks gives ErrCorrupt (libenet returns 0 for both). It
// never writes past len(dst). An empty src gives (0, nil). ENet decompresses
// into a buffer of 4096 minus the header size.
func (c *Coder) Decompress(dst, src []byte) (int, error) {
	if len(src) == 0 {
		return 0, nil
	}
	d := decoder{rng: ^uint32(0), src: src}
	for shift := 24; shift >= 0 && d.in < len(src); shift -= 8 {
		d.code |= uint32(src[d.in]) << shift
		d.in++
	}
	c.reset()
	var predicted uint16
	order := 0
	n := 0
	for {
		var (
			value  uint8
			bottom int
			parent = &predicted
			sub    = int(predicted)
			walk   int
		)
		found := false
		for ; sub != 0; sub = int(c.symbols[sub&symbolMask].parent) {
			if walk++; walk > maxWalk {
				return 0, ErrCorrupt // unreachable: broken parent chain
			}
			s := &c.symbols[sub&symbolMask]
			if s.escapes == 0 {
				continue
			}
			total := s.total
			if s.escapes >= total {
				continue
			}
			code, ok := d.read(total)
			if !ok {
				return 0, ErrCorrupt
			}
			if code < s.escapes {
				if !d.decode(0, s.escapes) {
					return 0, ErrCorrupt
				}
				continue
			}
			code -= s.escapes
			sym, v, under, count, ok := c.decodeIn(sub, code, subcontextSymbolDelta, false)
			if !ok {
				return 0, ErrCorrupt
			}
			value, bottom = v, sym
			if !d.decode(s.escapes+under, count) {
				return 0, ErrCorrupt
			}
			s.total += subcontextSymbolDelta
			if count > subcontextCountLimit || s.total > totalLimit {
				c.rescale(sub, 0)
			}
			found = true
			break
		}
		if !found {
			sub = 0
			root := &c.symbols[0]
			total := root.total
			code, ok := d.read(total)
			if !ok {
				return 0, ErrCorrupt
			}
			if code < root.escapes {
				// An escape at the root ends the stream.
				if !d.decode(0, root.escapes) {
					return 0, ErrCorrupt
				}
				return n, nil
			}
			code -= root.escapes
			sym, v, under, count, _ := c.decodeIn(0, code, contextSymbolDelta, true)
			value, bottom = v, sym
			if !d.decode(root.escapes+under, count) {
				return 0, ErrCorrupt
			}
			root.total += contextSymbolDelta
			if count > rootCountLimit || root.total > totalLimit {
				c.rescale(0, contextSymbolMinimum)
			}
		}
		// Add the value to the higher-order contexts that escaped.
		walk = 0
		for patch := int(predicted); patch != sub; patch = int(c.symbols[patch&symbolMask].parent) {
			if walk++; walk > maxWalk {
				return 0, ErrCorrupt // unreachable: broken parent chain
			}
			sym, _, count := c.encodeIn(patch, value, subcontextSymbolDelta, 0)
			*parent = uint16(sym)
			parent = &c.symbols[sym].parent
			p := &c.symbols[patch&symbolMask]
			if count == 0 {
				p.escapes += subcontextEscapeDelta
				p.total += subcontextEscapeDelta
			}
			p.total += subcontextSymbolDelta
			if count > subcontextCountLimit || p.total > totalLimit {
				c.rescale(patch, 0)
			}
		}
		*parent = uint16(bottom)

		if n >= len(dst) {
			return 0, ErrShortBuffer
		}
		dst[n] = value
		n++

		if order >= subcontextOrder {
			predicted = c.symbols[predicted&symbolMask].parent
		} else {
			order++
		}
		if c.next >= freeSymbolsLimit {
			c.reset()
			predicted = 0
			order = 0
		}
	}
}
