package main

// bench enet: the ENet throughput workload of scripts/enetbench.c (the
// libenet 1.3.17 anchor), so that either side can run against the C one.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/enet"
)

func init() { benchCmd.AddCommand(newBenchENetCmd()) }

// Defaults of the client, the workload scripts/bench-enet.sh runs.
const (
	defaultENetBenchCount  = 100000
	defaultENetBenchSize   = 64
	defaultENetBenchWindow = 1000
)

func newBenchENetCmd() *cobra.Command {
	var (
		role, listen, connect, mode string
		count, size, window         int
	)
	cmd := &cobra.Command{
		Use:   "enet --role server|client [flags]",
		Short: "Measure ENet throughput on loopback, as libenet's anchor does",
		Long: `Bench enet runs the workload of scripts/enetbench.c, the libenet 1.3.17
anchor, so that each side can be paired with the C program.

The server (--role server --listen ADDR; 64 peers, 2 channels) counts the
packets it receives and, every 1000th, sends the count back as a 4-byte
little-endian value, reliable, on channel 1. It prints "server got N" on
stderr and exits when its first peer disconnects.

The client (--role client --connect ADDR; 1 peer, 2 channels) sends --count
packets of --size zero bytes on channel 0, reliable or unreliable, keeping
at most --window packets beyond the last count received in flight and
queueing at most 64 between services. Reliable: it runs until the count
reaches the largest multiple of 1000 not above --count. Unreliable: it stops
once every packet is sent and no count has arrived for one second, and
reports what was counted by then. Its last line is

  packetpeer reliable size=64 count=100000 acked=100000 secs=0.412 pps=242718 MBps=15.53

with pps = acked/secs and MBps = acked*size/secs/10^6, the fields the
anchor prints.`,
		Example: `  packetpeer bench enet --role server --listen 127.0.0.1:7000 &
  packetpeer bench enet --role client --connect 127.0.0.1:7000 --count 100000 --size 64 --mode reliable --window 1000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch role {
			case "server":
				if listen == "" {
					return usageError{errors.New("--role server needs --listen ADDR")}
				}
				return benchENetServer(cmd, listen)
			case "client":
				if connect == "" {
					return usageError{errors.New("--role client needs --connect ADDR")}
				}
				if count < 1 || size < 1 || window < 1 {
					return usageError{fmt.Errorf("--count %d, --size %d, --window %d: each must be at least 1", count, size, window)}
				}
				var reliable bool
				switch mode {
				case "reliable":
					reliable = true
				case "unreliable":
				default:
					return usageError{fmt.Errorf("--mode %q: want reliable or unreliable", mode)}
				}
				return benchENetClient(cmd, connect, count, size, reliable, window)
			}
			return usageError{fmt.Errorf("--role %q: want server or client", role)}
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "server or client")
	f.StringVar(&listen, "listen", "", "server: UDP address to listen on (e.g. 127.0.0.1:7000)")
	f.StringVar(&connect, "connect", "", "client: server address")
	f.IntVar(&count, "count", defaultENetBenchCount, "client: packets to send")
	f.IntVar(&size, "size", defaultENetBenchSize, "client: packet size in bytes")
	f.StringVar(&mode, "mode", "reliable", "client: reliable or unreliable")
	f.IntVar(&window, "window", defaultENetBenchWindow, "client: packets in flight beyond the last count received")
	return cmd
}

func benchENetServer(cmd *cobra.Command, listen string) error {
	h, err := enet.NewHost(listen, &enet.HostConfig{PeerLimit: 64, ChannelLimit: 2})
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := cmd.Context()
	var got uint32
	var ack [4]byte
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil { // not per packet: the anchor checks nothing
			return nil
		}
		ev, err := h.Service(100 * time.Millisecond)
		if err != nil {
			return err
		}
		switch ev.Type {
		case enet.EventReceive:
			got++
			ev.Release()
			if got%1000 == 0 {
				binary.LittleEndian.PutUint32(ack[:], got)
				_ = ev.Peer.Send(1, ack[:], enet.PacketFlagReliable)
			}
		case enet.EventDisconnect:
			fmt.Fprintf(cmd.ErrOrStderr(), "server got %d\n", got)
			return nil
		case enet.EventNone:
			if ctx.Err() != nil {
				return nil
			}
		}
	}
}

func benchENetClient(cmd *cobra.Command, addr string, count, size int, reliable bool, window int) error {
	h, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 1, ChannelLimit: 2})
	if err != nil {
		return err
	}
	defer h.Close()
	peer, err := h.Connect(addr, 2, 0)
	if err != nil {
		return err
	}
	if ev, err := h.Service(2 * time.Second); err != nil || ev.Type != enet.EventConnect {
		return errors.New("connect failed")
	}
	ctx := cmd.Context()
	flags := enet.PacketFlag(0)
	if reliable {
		flags = enet.PacketFlagReliable
	}
	buf := make([]byte, size)
	var sent, acked int
	t0 := time.Now()
	lastProgress := t0
	for acked < count/1000*1000 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for sent < count && sent-acked < window {
			if err := peer.Send(0, buf, flags); err != nil {
				return err
			}
			sent++
			if sent%64 == 0 {
				break
			}
		}
		timeout := time.Duration(0)
		if sent >= count {
			timeout = time.Millisecond
		}
		for {
			ev, err := h.Service(timeout)
			if err != nil {
				return err
			}
			if ev.Type == enet.EventNone {
				break
			}
			switch ev.Type {
			case enet.EventReceive:
				if len(ev.Packet) >= 4 {
					acked = int(binary.LittleEndian.Uint32(ev.Packet))
				}
				ev.Release()
				lastProgress = time.Now()
			case enet.EventDisconnect:
				return errors.New("disconnected by the server")
			}
		}
		if !reliable && sent >= count && time.Since(lastProgress) > time.Second {
			break
		}
		if !reliable && sent < count && sent-acked >= window && time.Since(lastProgress) > time.Second {
			acked = sent // lost counts: move on
		}
	}
	end := time.Now()
	if !reliable {
		end = lastProgress
	}
	dt := end.Sub(t0).Seconds()
	m := "unreliable"
	if reliable {
		m = "reliable"
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "packetpeer %s size=%d count=%d acked=%d secs=%.3f pps=%.0f MBps=%.2f\n",
		m, size, count, acked, dt, float64(acked)/dt, float64(acked)*float64(size)/dt/1e6)
	peer.Disconnect(0)
	dctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for {
		ev, err := h.NextEvent(dctx)
		if err != nil || ev.Type == enet.EventDisconnect || ev.Type == enet.EventNone {
			break
		}
		ev.Release()
	}
	_ = h.Flush()
	return err
}
