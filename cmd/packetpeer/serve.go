package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/server"
)

func init() { rootCmd.AddCommand(newServeCmd()) }

func newServeCmd() *cobra.Command {
	var printConfig bool
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run a Godot 3.2 and 4.x multiplayer server with a chat room",
		Long: `Run a dedicated multiplayer server for Godot games: the Godot 3.2 dialect
(NetworkedMultiplayerENet clients) on one UDP address and the Godot 4.x dialect
(ENetMultiplayerPeer) on another. Clients are relayed to each other by Godot's
rules; what they send to the server (peer 1) goes to the built-in chat room:
{"type": "chat", "text": ...} sent with put_var is broadcast to every client of
both dialects as {"type": "chat", "from": id, "text": ...}.

An HTTP address serves /healthz and Prometheus /metrics. Joins and leaves are
logged on stderr. SIGINT or SIGTERM disconnects every client cleanly and exits 0.

Every setting comes from, in order of precedence: its flag, its environment
variable (used when set, even to ""), its key in the config file (TOML, named
by --config or PACKETPEER_CONFIG; none by default), its built-in default. An
empty address disables that listener. --print-config prints the effective
settings as a config file and exits; examples/serve.toml is that output with
the defaults.

` + serveSettingsHelp() + `

With --compression, clients must set the same mode (Godot 3.2:
NetworkedMultiplayerENet.compression_mode; 4.x: ENetConnection.compress): the
mode is not negotiated, and a client without it cannot connect.

A bad flag or environment variable exits 2; a missing or invalid config file
exits 1, naming the file, line, column and key.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, file, err := resolveServe(cmd.Flags(), os.LookupEnv)
			if err != nil {
				return err
			}
			if printConfig {
				return writeServeConfig(cmd.OutOrStdout(), &s)
			}
			log := s.logger(cmd.ErrOrStderr())
			if file != "" {
				log.Info("config", "file", file)
			}
			return serve(cmd.Context(), log, &s)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.String(configFlag, "", "config `FILE` (TOML) with any of the settings below")
	addServeFlags(f)
	f.BoolVar(&printConfig, "print-config", false, "print the effective settings as a config file and exit")
	return cmd
}

// serve runs the server (and the HTTP listener) until ctx is cancelled,
// then shuts both down gracefully, giving clients s.ShutdownTimeout.
func serve(ctx context.Context, log *slog.Logger, s *serveSettings) error {
	srv, err := server.New(s.serverConfig(log))
	if err != nil {
		return err
	}
	var hs *http.Server
	httpDone := make(chan error, 1)
	if s.HTTP != "" {
		ln, err := net.Listen("tcp", s.HTTP)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("http: %w", err)
		}
		log.Info("http", "addr", ln.Addr().String())
		hs = &http.Server{Handler: srv.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { httpDone <- hs.Serve(ln) }()
	}
	var failed error
	select {
	case <-ctx.Done():
	case err := <-httpDone:
		failed = fmt.Errorf("http: %w", err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	shut := srv.Shutdown
	if s.ShutdownTimeout == 0 {
		shut = func(context.Context) error { return srv.Close() } // at once, as configured
	}
	if err := shut(sctx); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	if hs != nil && failed == nil {
		_ = hs.Shutdown(sctx)
		if err := <-httpDone; !errors.Is(err, http.ErrServerClosed) {
			failed = fmt.Errorf("http: %w", err)
		}
	}
	return failed
}

// labelOf formats a chat sender: its id, or "name (id)".
func labelOf(c server.Chat) string {
	if c.Name == "" {
		return fmt.Sprint(c.From)
	}
	return fmt.Sprintf("%s (%d)", strings.TrimSpace(c.Name), c.From)
}
