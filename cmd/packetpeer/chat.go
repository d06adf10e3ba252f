package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/server"
)

func init() { rootCmd.AddCommand(newChatCmd()) }

// chatConnectTimeout bounds the connection attempt.
const chatConnectTimeout = 30 * time.Second

func newChatCmd() *cobra.Command {
	var (
		addr, name string
		godot      int
	)
	cmd := &cobra.Command{
		Use:   "chat --connect ADDR [--godot 3|4] [--name NAME]",
		Short: "Join the chat room of packetpeer serve from the terminal",
		Long: `Join the chat room of a packetpeer serve (or any server speaking its chat
protocol) as a Godot 3.2 or 4.x client. Each line read from stdin is sent as a
chat message; each chat received is printed as "<from>: text", where <from> is
the sender's peer id, or "name (id)" when it gave a name. Peers joining and
leaving are reported on stderr. End of input or Ctrl-C leaves the room.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if addr == "" {
				return usageError{errors.New("--connect ADDR is required")}
			}
			var d multiplayer.Dialect
			switch godot {
			case 3:
				d = multiplayer.Godot3
			case 4:
				d = multiplayer.Godot4
			default:
				return usageError{fmt.Errorf("--godot %d: want 3 or 4", godot)}
			}
			if len(name) > server.MaxChatName {
				return usageError{fmt.Errorf("--name is longer than %d bytes", server.MaxChatName)}
			}
			return chat(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), addr, d, name)
		},
	}
	cmd.Flags().StringVar(&addr, "connect", "", "server address, e.g. 127.0.0.1:7777")
	cmd.Flags().IntVar(&godot, "godot", 3, "Godot dialect: 3 (3.2) or 4 (4.x)")
	cmd.Flags().StringVar(&name, "name", "", "name sent with each message")
	return cmd
}

func chat(ctx context.Context, in io.Reader, out, errw io.Writer, addr string, d multiplayer.Dialect, name string) error {
	dctx, cancel := context.WithTimeout(ctx, chatConnectTimeout)
	c, err := server.DialChat(dctx, addr, d, name)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer c.Close()
	fmt.Fprintf(errw, "* connected as %d\n", c.ID())

	lines := make(chan string)
	inDone := make(chan struct{})
	go func() {
		defer close(inDone)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	events := make(chan server.ChatEvent)
	evErr := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			ev, err := c.Next(rctx)
			if err != nil {
				evErr <- err
				return
			}
			select {
			case events <- ev:
			case <-rctx.Done():
				evErr <- rctx.Err()
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-inDone:
			return nil // end of input: leave
		case l := <-lines:
			if l = strings.TrimRight(l, "\r"); l == "" {
				continue
			}
			if err := c.Say(l); err != nil {
				return err
			}
		case ev := <-events:
			switch {
			case ev.Chat != nil:
				fmt.Fprintf(out, "%s: %s\n", labelOf(*ev.Chat), ev.Chat.Text)
			case ev.Event.Type == multiplayer.PeerConnected:
				fmt.Fprintf(errw, "* peer %d joined\n", ev.Event.Peer)
			case ev.Event.Type == multiplayer.PeerDisconnected:
				fmt.Fprintf(errw, "* peer %d left\n", ev.Event.Peer)
			case ev.Event.Type == multiplayer.ServerDisconnected, ev.Event.Type == multiplayer.ConnectionFailed:
				fmt.Fprintf(errw, "* server disconnected (%s)\n", ev.Event.Reason)
				return nil
			}
		case err := <-evErr:
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
