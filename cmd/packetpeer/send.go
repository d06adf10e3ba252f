package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/stream"
	"github.com/packetpeer/packetpeer/udp"
	"github.com/packetpeer/packetpeer/variant"
)

func init() { rootCmd.AddCommand(newSendCmd()) }

// packetArg is one --var or --hex flag, in command-line order.
type packetArg struct{ kind, value string }

// packetFlag is a pflag.Value (and pflag.SliceValue, so resetFlags can clear
// it) appending to a list shared by --var and --hex, keeping their order.
type packetFlag struct {
	kind string
	list *[]packetArg
}

func (f packetFlag) String() string { return "" }
func (f packetFlag) Type() string {
	if f.kind == "var" {
		return "JSON"
	}
	return "HEX"
}
func (f packetFlag) Set(s string) error          { *f.list = append(*f.list, packetArg{f.kind, s}); return nil }
func (f packetFlag) Append(s string) error       { return f.Set(s) }
func (f packetFlag) Replace(vals []string) error { *f.list = nil; return nil }
func (f packetFlag) GetSlice() []string          { return nil }

func newSendCmd() *cobra.Command {
	var (
		proto, godot, caFile, serverName string
		insecure                         bool
		timeout                          time.Duration
		packets                          []packetArg
	)
	cmd := &cobra.Command{
		Use:   "send --proto udp|tcp|tls [--godot 3|4] ADDR (--var JSON | --hex HEX)...",
		Short: "Send packets to a Godot peer over UDP, TCP or TLS",
		Long: `send sends each --var (a Variant as typed JSON, encoded for --godot) and
each --hex (raw bytes) as one packet, in command-line order, to ADDR
(IP:PORT or [IPv6]:PORT). UDP: one datagram per packet. TCP and TLS: Godot's
PacketPeerStream framing. TLS checks the server certificate against the
system roots, or against --ca; --insecure turns the checks off.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseProto(proto); err != nil {
				return err
			}
			format, err := variant.ParseFormat(godot)
			if err != nil {
				return usageError{err}
			}
			addr, err := netip.ParseAddrPort(args[0])
			if err != nil || addr.Port() == 0 {
				return usageError{fmt.Errorf("bad address %q: want IP:PORT or [IPv6]:PORT", args[0])}
			}
			if len(packets) == 0 {
				return usageError{errors.New("nothing to send: give --var JSON or --hex HEX")}
			}
			payloads := make([][]byte, len(packets))
			for i, p := range packets {
				if p.kind == "hex" {
					b, err := hex.DecodeString(strings.Join(strings.Fields(p.value), ""))
					if err != nil {
						return usageError{fmt.Errorf("--hex %q: %v", p.value, err)}
					}
					payloads[i] = b
					continue
				}
				v, err := variant.UnmarshalJSON([]byte(p.value))
				if err != nil {
					return usageError{fmt.Errorf("--var %q: %v", p.value, err)}
				}
				if payloads[i], err = (&variant.Encoder{Format: format}).Append(nil, v); err != nil {
					return fmt.Errorf("--var %q: %w", p.value, err)
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if proto == "udp" {
				return sendUDP(addr, payloads)
			}
			var c *stream.Conn
			if proto == "tls" {
				cfg, err := stream.ClientTLS(serverName, caFile, insecure)
				if err != nil {
					return err
				}
				c, err = stream.DialTLS(ctx, addr, cfg)
				if err != nil {
					return err
				}
			} else if c, err = stream.DialTCP(ctx, addr); err != nil {
				return err
			}
			s, err := stream.NewPacketStream(c, stream.PacketStreamConfig{WriteTimeout: timeout})
			if err != nil {
				c.Close()
				return err
			}
			defer s.Close()
			for _, p := range payloads {
				if err := s.PutPacket(p); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&proto, "proto", "udp", "transport: udp, tcp or tls")
	f.StringVar(&godot, "godot", "4", "Godot version to encode --var for: 3 or 4")
	f.Var(packetFlag{"var", &packets}, "var", "a packet holding this Variant (typed JSON); repeatable")
	f.Var(packetFlag{"hex", &packets}, "hex", "a packet of these bytes (hex); repeatable")
	f.StringVar(&caFile, "ca", "", "TLS: trust the certificates in this PEM file instead of the system roots")
	f.StringVar(&serverName, "server-name", "", "TLS: name the server certificate must carry (default: the IP of ADDR)")
	f.BoolVar(&insecure, "insecure", false, "TLS: do not check the server certificate")
	f.DurationVar(&timeout, "timeout", 10*time.Second, "give up connecting or writing after this long")
	return cmd
}

func sendUDP(addr netip.AddrPort, payloads [][]byte) error {
	p, err := udp.New(udp.Config{BatchSize: 1})
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.SetDestAddress(addr); err != nil {
		return err
	}
	for _, b := range payloads {
		if err := p.PutPacket(b); err != nil {
			return err
		}
	}
	return nil
}
