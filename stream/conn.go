package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
)

// Status is Godot's StreamPeerTCP.Status (StreamPeerSSL/TLS use the same
// first four values).
type Status int32

// Status values, numbered as in Godot.
const (
	StatusNone       Status = 0 // not connected, or the peer closed the stream
	StatusConnecting Status = 1 // ConnectTCP/ConnectTLS still dialing
	StatusConnected  Status = 2
	StatusError      Status = 3 // the connection attempt or the stream failed
)

// String returns Godot's constant name, e.g. "STATUS_CONNECTED".
func (s Status) String() string {
	switch s {
	case StatusNone:
		return "STATUS_NONE"
	case StatusConnecting:
		return "STATUS_CONNECTING"
	case StatusConnected:
		return "STATUS_CONNECTED"
	case StatusError:
		return "STATUS_ERROR"
	}
	return fmt.Sprintf("Status(%d)", int32(s))
}

// Conn is Godot's StreamPeerTCP, and StreamPeerSSL (3.x) / StreamPeerTLS
// (4.x) when made by DialTLS, ConnectTLS or a TLS Listener: a byte stream
// with a Status. It is an io.ReadWriteCloser for Peer and PacketStream.
// Reads and writes block (use Peer or PacketStream for Godot's API).
type Conn struct {
	status atomic.Int32
	ready  chan struct{} // closed once dialing finished (ConnectTCP)
	mu     sync.Mutex
	conn   net.Conn
	cancel context.CancelFunc
	err    error
}

// NewConn wraps an established connection (a *net.TCPConn or *tls.Conn);
// its Status is StatusConnected.
func NewConn(c net.Conn) *Conn {
	t := &Conn{conn: c, ready: make(chan struct{})}
	close(t.ready)
	t.status.Store(int32(StatusConnected))
	return t
}

func checkAddr(addr netip.AddrPort) error {
	if !addr.IsValid() || addr.Port() == 0 {
		return fmt.Errorf("stream: invalid address %v: %w", addr, godoterr.ErrInvalidParameter)
	}
	return nil
}

// DialTCP connects to addr (Godot's connect_to_host, waited for). Errors:
// an invalid address or port 0 wraps godoterr.ErrInvalidParameter; a failed
// connection wraps godoterr.ErrCantConnect and the net error.
func DialTCP(ctx context.Context, addr netip.AddrPort) (*Conn, error) {
	if err := checkAddr(addr); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("stream: connect %v: %w (%w)", addr, err, godoterr.ErrCantConnect)
	}
	return NewConn(c), nil
}

// DialTLS connects to addr and completes a TLS handshake with cfg (nil
// means a default config: certificates are checked against the system
// roots, ServerName from addr's IP). Certificate checks are only skipped if
// cfg says so (InsecureSkipVerify). A failed handshake wraps
// godoterr.ErrCantConnect.
func DialTLS(ctx context.Context, addr netip.AddrPort, cfg *tls.Config) (*Conn, error) {
	if err := checkAddr(addr); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		cfg = cfg.Clone()
		cfg.ServerName = addr.Addr().Unmap().String()
	}
	d := tls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("stream: TLS connect %v: %w (%w)", addr, err, godoterr.ErrCantConnect)
	}
	return NewConn(c), nil
}

// ConnectTCP starts connecting to addr in the background and returns at
// once, as Godot's connect_to_host: Status is StatusConnecting until it
// turns StatusConnected or StatusError (then Err says why). Read and Write
// wait for the connection.
func ConnectTCP(addr netip.AddrPort) *Conn {
	return connectAsync(func(ctx context.Context) (*Conn, error) { return DialTCP(ctx, addr) })
}

// ConnectTLS is ConnectTCP with a TLS handshake (see DialTLS).
func ConnectTLS(addr netip.AddrPort, cfg *tls.Config) *Conn {
	return connectAsync(func(ctx context.Context) (*Conn, error) { return DialTLS(ctx, addr, cfg) })
}

func connectAsync(dial func(context.Context) (*Conn, error)) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	t := &Conn{ready: make(chan struct{}), cancel: cancel}
	t.status.Store(int32(StatusConnecting))
	go func() {
		c, err := dial(ctx)
		t.mu.Lock()
		if err != nil {
			t.err = err
			t.status.Store(int32(StatusError))
		} else if t.Status() == StatusConnecting {
			t.conn = c.conn
			t.status.Store(int32(StatusConnected))
		} else {
			_ = c.conn.Close() // disconnected while dialing
		}
		t.mu.Unlock()
		close(t.ready)
	}()
	return t
}

// Status returns the connection status (get_status).
func (t *Conn) Status() Status { return Status(t.status.Load()) }

// Err returns why Status is StatusError, or nil.
func (t *Conn) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

func (t *Conn) get() (net.Conn, error) {
	<-t.ready
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn == nil {
		if t.err != nil {
			return nil, t.err
		}
		return nil, fmt.Errorf("stream: not connected: %w", net.ErrClosed)
	}
	return t.conn, nil
}

func (t *Conn) fail(err error) {
	if errors.Is(err, io.EOF) {
		t.status.CompareAndSwap(int32(StatusConnected), int32(StatusNone))
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	if t.status.CompareAndSwap(int32(StatusConnected), int32(StatusError)) {
		t.mu.Lock()
		t.err = err
		t.mu.Unlock()
	}
}

// Read implements io.Reader. io.EOF (the peer closed) turns Status to
// StatusNone, other errors to StatusError.
func (t *Conn) Read(p []byte) (int, error) {
	c, err := t.get()
	if err != nil {
		return 0, err
	}
	n, err := c.Read(p)
	if err != nil {
		t.fail(err)
	}
	return n, err
}

// Write implements io.Writer; it blocks until all of p was written or an
// error occurred (Godot's put_data).
func (t *Conn) Write(p []byte) (int, error) {
	c, err := t.get()
	if err != nil {
		return 0, err
	}
	n, err := c.Write(p)
	if err != nil {
		t.fail(err)
	}
	return n, err
}

// SetWriteDeadline sets the write deadline of the connection.
func (t *Conn) SetWriteDeadline(d time.Time) error {
	c, err := t.get()
	if err != nil {
		return err
	}
	return c.SetWriteDeadline(d)
}

// SetNoDelay turns Nagle's algorithm off (true, Go's default) or on
// (set_no_delay). It is a no-op for a connection that is not TCP.
func (t *Conn) SetNoDelay(on bool) error {
	c, err := t.get()
	if err != nil {
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		return tc.SetNoDelay(on)
	}
	if tc, ok := c.(*tls.Conn); ok {
		if n, ok := tc.NetConn().(*net.TCPConn); ok {
			return n.SetNoDelay(on)
		}
	}
	return nil
}

// RemoteAddr returns the peer's address (get_connected_host and
// get_connected_port), or the zero AddrPort when not connected.
func (t *Conn) RemoteAddr() netip.AddrPort {
	return t.addr(func(c net.Conn) net.Addr { return c.RemoteAddr() })
}

// LocalAddr returns the local address (4.x get_local_port is its port).
func (t *Conn) LocalAddr() netip.AddrPort {
	return t.addr(func(c net.Conn) net.Addr { return c.LocalAddr() })
}

func (t *Conn) addr(f func(net.Conn) net.Addr) netip.AddrPort {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return netip.AddrPort{}
	}
	if a, ok := f(c).(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(f(c).String())
	return ap
}

// NetConn returns the underlying connection (nil while connecting).
func (t *Conn) NetConn() net.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conn
}

// Close disconnects (disconnect_from_host): Status becomes StatusNone.
// Closing twice returns an error wrapping net.ErrClosed.
func (t *Conn) Close() error {
	t.mu.Lock()
	c, cancel := t.conn, t.cancel
	t.conn = nil
	t.status.Store(int32(StatusNone))
	if c == nil && t.err == nil {
		t.err = fmt.Errorf("stream: %w", net.ErrClosed)
	}
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if c == nil {
		return fmt.Errorf("stream: %w", net.ErrClosed)
	}
	return c.Close()
}

// Listener accepts Conns (Godot's TCP_Server / TCPServer; with a TLS config,
// every accepted connection is a completed TLS server handshake).
type Listener struct {
	l   net.Listener
	tls *tls.Config
}

// Listen listens for TCP connections on addr (port 0 picks one).
func Listen(addr netip.AddrPort) (*Listener, error) {
	l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("stream: listen %v: %w (%w)", addr, err, godoterr.ErrCantCreate)
	}
	return &Listener{l: l}, nil
}

// ListenTLS is Listen for TLS: cfg must hold the server certificate (see
// LoadServerTLS).
func ListenTLS(addr netip.AddrPort, cfg *tls.Config) (*Listener, error) {
	if cfg == nil || (len(cfg.Certificates) == 0 && cfg.GetCertificate == nil) {
		return nil, fmt.Errorf("stream: TLS listener needs a certificate: %w", godoterr.ErrUnconfigured)
	}
	l, err := Listen(addr)
	if err != nil {
		return nil, err
	}
	l.tls = cfg
	return l, nil
}

// Addr returns the listening address.
func (l *Listener) Addr() netip.AddrPort { return l.l.Addr().(*net.TCPAddr).AddrPort() }

// Accept waits for a connection (and its TLS handshake) until ctx is done.
// A failed handshake is returned as an error wrapping
// godoterr.ErrConnectionError; the listener keeps working.
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	tl := l.l.(*net.TCPListener)
	stop := context.AfterFunc(ctx, func() { _ = tl.SetDeadline(time.Unix(1, 0)) })
	c, err := tl.Accept()
	if !stop() {
		_ = tl.SetDeadline(time.Time{})
		if c != nil {
			_ = c.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	if l.tls == nil {
		return NewConn(c), nil
	}
	tc := tls.Server(c, l.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("stream: TLS handshake with %v: %w (%w)", c.RemoteAddr(), err, godoterr.ErrConnectionError)
	}
	return NewConn(tc), nil
}

// Close stops listening.
func (l *Listener) Close() error { return l.l.Close() }

// LoadServerTLS returns a server TLS config from PEM files (certificate
// chain and private key).
func LoadServerTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("stream: load certificate: %w (%w)", err, godoterr.ErrInvalidData)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ClientTLS returns a client TLS config. caFile, if not empty, is a PEM file
// of certificates to trust instead of the system roots; serverName is the
// name the certificate must carry (empty: the dialed IP). insecure skips
// every certificate check and must be asked for explicitly.
func ClientTLS(serverName, caFile string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: serverName, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("stream: %w (%w)", err, godoterr.ErrCantOpen)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("stream: no PEM certificate in %s: %w", caFile, godoterr.ErrInvalidData)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
