package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/stream"
	"github.com/packetpeer/packetpeer/udp"
	"github.com/packetpeer/packetpeer/variant"
)

func init() { rootCmd.AddCommand(newListenCmd()) }

// parseListenAddr accepts "host:port", "[v6]:port" or ":port" (every
// address: Godot's "*", a zero netip.Addr).
func parseListenAddr(s string) (netip.AddrPort, error) {
	if p, ok := strings.CutPrefix(s, ":"); ok {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return netip.AddrPort{}, usageError{fmt.Errorf("bad port in %q", s)}
		}
		return netip.AddrPortFrom(netip.Addr{}, uint16(n)), nil
	}
	a, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, usageError{fmt.Errorf("bad address %q: want IP:PORT, [IPv6]:PORT or :PORT", s)}
	}
	return a, nil
}

func parseProto(s string) error {
	switch s {
	case "udp", "tcp", "tls":
		return nil
	}
	return usageError{fmt.Errorf("--proto must be udp, tcp or tls, not %q", s)}
}

func newListenCmd() *cobra.Command {
	var (
		proto, godot, certFile, keyFile string
		asVar                           bool
		count                           int
	)
	cmd := &cobra.Command{
		Use:   "listen --proto udp|tcp|tls [--var] [--godot 3|4] ADDR",
		Short: "Print the packets that arrive on a UDP, TCP or TLS address",
		Long: `listen receives Godot packets on ADDR and prints one line per packet on
stdout: the payload in hex, or with --var the Variant it holds as a typed JSON
line. UDP: one packet per datagram (PacketPeerUDP). TCP and TLS: Godot's
PacketPeerStream framing (u32 little-endian length + payload), from any number
of clients. TLS needs --cert and --key (PEM files).

ADDR is IP:PORT, [IPv6]:PORT or :PORT (all addresses). The bound address is
reported on stderr. listen runs until interrupted or, with --count, until N
packets were printed.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseProto(proto); err != nil {
				return err
			}
			format, err := variant.ParseFormat(godot)
			if err != nil {
				return usageError{err}
			}
			addr, err := parseListenAddr(args[0])
			if err != nil {
				return err
			}
			if proto == "tls" && (certFile == "" || keyFile == "") {
				return usageError{errors.New("--proto tls needs --cert and --key")}
			}
			if count < 0 {
				return usageError{errors.New("--count must be >= 0")}
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			pr := &printer{out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(), asVar: asVar,
				dec: variant.Decoder{Format: format}, left: count, done: cancel}
			if proto == "udp" {
				return listenUDP(ctx, addr, pr)
			}
			return listenStream(ctx, proto, addr, certFile, keyFile, pr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&proto, "proto", "udp", "transport: udp, tcp or tls")
	f.BoolVar(&asVar, "var", false, "decode each packet as a Variant and print it as typed JSON")
	f.StringVar(&godot, "godot", "4", "Godot version of the Variant bytes: 3 or 4")
	f.StringVar(&certFile, "cert", "", "TLS certificate chain (PEM)")
	f.StringVar(&keyFile, "key", "", "TLS private key (PEM)")
	f.IntVar(&count, "count", 0, "exit after this many packets (0: run until interrupted)")
	return cmd
}

// printer writes packets as lines; safe for concurrent use.
type printer struct {
	mu          sync.Mutex
	out, errOut io.Writer
	asVar       bool
	dec         variant.Decoder
	left        int // packets to go with --count; 0 means unlimited
	done        context.CancelFunc
	finished    bool
}

func (p *printer) packet(from string, b []byte) {
	var line []byte
	var err error
	if p.asVar {
		var v any
		if v, _, err = p.dec.Decode(b); err == nil {
			line, err = variant.MarshalJSON(v)
		}
	} else {
		line = []byte(hex.EncodeToString(b))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	if err != nil {
		fmt.Fprintf(p.errOut, "packetpeer listen: packet of %d bytes from %s: %v\n", len(b), from, err)
		return
	}
	fmt.Fprintf(p.out, "%s\n", line)
	if p.left > 0 {
		p.left--
		if p.left == 0 {
			p.finished = true
			p.done()
		}
	}
}

func (p *printer) isFinished() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.finished
}

func listenUDP(ctx context.Context, addr netip.AddrPort, pr *printer) error {
	peer, err := udp.Listen(addr, udp.Config{})
	if err != nil {
		return err
	}
	defer peer.Close()
	fmt.Fprintf(pr.errOut, "listening on udp %v\n", peer.LocalAddr())
	buf := make([]byte, 1<<16)
	for {
		if err := peer.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for {
			n, from, err := peer.GetPacketFrom(buf)
			if err != nil {
				break
			}
			pr.packet(from.String(), buf[:n])
		}
		if pr.isFinished() {
			return nil
		}
	}
}

func listenStream(ctx context.Context, proto string, addr netip.AddrPort, certFile, keyFile string, pr *printer) error {
	if !addr.Addr().IsValid() {
		addr = netip.AddrPortFrom(netip.IPv6Unspecified(), addr.Port())
	}
	var ln *stream.Listener
	var err error
	if proto == "tls" {
		cfg, cerr := stream.LoadServerTLS(certFile, keyFile)
		if cerr != nil {
			return cerr
		}
		ln, err = stream.ListenTLS(addr, cfg)
	} else {
		ln, err = stream.Listen(addr)
	}
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintf(pr.errOut, "listening on %s %v\n", proto, ln.Addr())
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			fmt.Fprintf(pr.errOut, "packetpeer listen: %v\n", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveStream(ctx, c, pr)
		}()
	}
}

func serveStream(ctx context.Context, c *stream.Conn, pr *printer) {
	from := c.RemoteAddr().String()
	s, err := stream.NewPacketStream(c, stream.PacketStreamConfig{})
	if err != nil {
		c.Close()
		return
	}
	defer s.Close()
	for {
		if err := s.Wait(ctx); err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				fmt.Fprintf(pr.errOut, "packetpeer listen: %s: %v\n", from, err)
			}
			return
		}
		for {
			p, err := s.GetPacket()
			if err != nil {
				break
			}
			pr.packet(from, p)
		}
	}
}
