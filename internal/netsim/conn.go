package netsim

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// recvQueueLimit bounds the packets a PacketConn holds for ReadFrom (its
// "socket receive buffer"); a packet that finds it full is dropped and
// counted in the read direction's Stats.Failed.
const recvQueueLimit = 4096

var errRecvQueueFull = errors.New("netsim: receive queue full")

// PacketConn wraps a net.PacketConn and impairs what is written to it (out)
// and what is read from it (in), for tests that run a protocol over an
// impaired network without a proxy process.
//
// A direction with a zero Impairment is the inner connection itself. When
// "in" is not zero, a goroutine reads the inner connection and ReadFrom
// reads a bounded queue behind the impairment; read deadlines then apply to
// that queue. When "out" delays packets, WriteTo queues a copy and returns at
// once (len(b), nil), and a write deadline only makes WriteTo fail once
// passed. A lost packet is not an error, as with UDP.
//
// Close closes the inner connection too, and discards queued packets.
type PacketConn struct {
	inner   net.PacketConn
	out, in *link

	rmu     sync.Mutex
	recv    ring[*packet]
	readErr error
	ready   chan struct{} // signalled when recv gains a packet or readErr is set
	rdl     deadline
	wdl     deadline

	closeOnce sync.Once
	closed    chan struct{}
	readerWG  sync.WaitGroup
}

var _ net.PacketConn = (*PacketConn)(nil)

// NewPacketConn wraps inner, impairing writes with out and reads with in.
// It returns an error if either impairment is invalid.
func NewPacketConn(inner net.PacketConn, out, in Impairment) (*PacketConn, error) {
	if err := out.Validate(); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c := &PacketConn{inner: inner, ready: make(chan struct{}, 1), closed: make(chan struct{})}
	c.rdl.init()
	c.wdl.init()
	c.out, _ = newLink(out, streamUp, func(b []byte, _ netip.AddrPort, ref any) error {
		_, err := inner.WriteTo(b, ref.(net.Addr))
		return err
	})
	c.in, _ = newLink(in, streamDown, c.enqueueRead)
	if in != (Impairment{Seed: in.Seed}) {
		c.readerWG.Add(1)
		go c.readLoop()
	} else {
		c.in.close() // unused: reads go straight to inner
		c.in = nil
	}
	return c, nil
}

// readLoop feeds the inner connection's packets to the read direction.
func (c *PacketConn) readLoop() {
	defer c.readerWG.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, addr, err := c.inner.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // someone set a deadline on inner; ours are separate
			}
			c.rmu.Lock()
			c.readErr = err
			c.rmu.Unlock()
			c.signal()
			return
		}
		if c.in.send(buf[:n], netip.AddrPort{}, addr) == net.ErrClosed {
			return
		}
	}
}

// enqueueRead is the read direction's delivery: into the receive queue.
func (c *PacketConn) enqueueRead(b []byte, _ netip.AddrPort, ref any) error {
	c.rmu.Lock()
	if c.recv.len() >= recvQueueLimit {
		c.rmu.Unlock()
		return errRecvQueueFull
	}
	p := getPacket(b)
	p.ref = ref
	c.recv.push(p)
	c.rmu.Unlock()
	c.signal()
	return nil
}

func (c *PacketConn) signal() {
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// ReadFrom reads the next packet that came through the read impairment.
func (c *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	if c.in == nil {
		return c.inner.ReadFrom(b)
	}
	for {
		c.rmu.Lock()
		if c.recv.len() > 0 {
			p := c.recv.pop()
			more := c.recv.len() > 0
			c.rmu.Unlock()
			if more {
				c.signal() // for a concurrent reader
			}
			n := copy(b, p.b)
			addr := p.ref.(net.Addr)
			putPacket(p)
			return n, addr, nil
		}
		readErr := c.readErr
		c.rmu.Unlock()
		select {
		case <-c.closed:
			return 0, nil, c.opError("read", net.ErrClosed)
		default:
		}
		if readErr != nil {
			return 0, nil, readErr
		}
		select {
		case <-c.ready:
		case <-c.rdl.wait():
			return 0, nil, c.opError("read", os.ErrDeadlineExceeded)
		case <-c.closed:
			return 0, nil, c.opError("read", net.ErrClosed)
		}
	}
}

// WriteTo sends b to addr through the write impairment.
func (c *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.out.sched {
		select {
		case <-c.wdl.wait():
			return 0, c.opError("write", os.ErrDeadlineExceeded)
		default:
		}
	}
	if err := c.out.send(b, netip.AddrPort{}, addr); err != nil {
		if err == net.ErrClosed {
			return 0, c.opError("write", err)
		}
		return 0, err
	}
	return len(b), nil
}

func (c *PacketConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.inner.LocalAddr().Network(), Source: c.inner.LocalAddr(), Err: err}
}

// Close closes the inner connection and stops the impairment goroutines.
func (c *PacketConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closed)
		c.out.close()
		if c.in != nil {
			c.in.close()
		}
		err = c.inner.Close()
		c.readerWG.Wait()
		c.rmu.Lock()
		for c.recv.len() > 0 {
			putPacket(c.recv.pop())
		}
		c.rmu.Unlock()
		c.rdl.set(time.Time{})
		c.wdl.set(time.Time{})
	})
	return err
}

// LocalAddr returns the inner connection's address.
func (c *PacketConn) LocalAddr() net.Addr { return c.inner.LocalAddr() }

// SetDeadline sets the read and write deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for ReadFrom.
func (c *PacketConn) SetReadDeadline(t time.Time) error {
	if c.in == nil {
		return c.inner.SetReadDeadline(t)
	}
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline for WriteTo.
func (c *PacketConn) SetWriteDeadline(t time.Time) error {
	if !c.out.sched {
		return c.inner.SetWriteDeadline(t)
	}
	c.wdl.set(t)
	return nil
}

// Stats returns the counters of the write (out) and read (in) directions.
// With a zero read impairment, in counts nothing.
func (c *PacketConn) Stats() (out, in Stats) {
	out = c.out.stats()
	if c.in != nil {
		in = c.in.stats()
	}
	return out, in
}

// deadline is a settable deadline whose wait channel is closed once it has
// passed.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{} // closed when the deadline passes
}

func (d *deadline) init() { d.ch = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired: wait for its close (it holds no lock)
	}
	d.timer = nil
	select {
	case <-d.ch:
		d.ch = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.ch)
		return
	}
	ch := d.ch
	d.timer = time.AfterFunc(dur, func() { close(ch) })
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}
