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

// serveEnv maps each serve flag to its environment variable.
var serveEnv = [][2]string{
	{"godot3", "PACKETPEER_GODOT3"},
	{"godot4", "PACKETPEER_GODOT4"},
	{"http", "PACKETPEER_HTTP"},
	{"max-peers", "PACKETPEER_MAX_PEERS"},
	{"refuse", "PACKETPEER_REFUSE"},
	{"log-format", "PACKETPEER_LOG_FORMAT"},
}

// shutdownTimeout bounds the graceful part of a shutdown.
const shutdownTimeout = 10 * time.Second

func newServeCmd() *cobra.Command {
	var (
		godot3, godot4, httpAddr, logFormat string
		maxPeers                            int
		refuse                              bool
	)
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

An empty address disables that listener. Each flag can also be set from the
environment (a flag on the command line wins):

  PACKETPEER_GODOT3      --godot3      (default :7777)
  PACKETPEER_GODOT4      --godot4      (default :7778)
  PACKETPEER_HTTP        --http        (default 127.0.0.1:7780)
  PACKETPEER_MAX_PEERS   --max-peers
  PACKETPEER_REFUSE      --refuse      (true/false)
  PACKETPEER_LOG_FORMAT  --log-format  (text or json)`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, fe := range serveEnv {
				v, ok := os.LookupEnv(fe[1])
				if !ok || cmd.Flags().Changed(fe[0]) {
					continue
				}
				if err := cmd.Flags().Set(fe[0], v); err != nil {
					return usageError{fmt.Errorf("%s=%q: %w", fe[1], v, err)}
				}
			}
			var h slog.Handler
			switch logFormat {
			case "text":
				h = slog.NewTextHandler(cmd.ErrOrStderr(), nil)
			case "json":
				h = slog.NewJSONHandler(cmd.ErrOrStderr(), nil)
			default:
				return usageError{fmt.Errorf("--log-format %q: want text or json", logFormat)}
			}
			if maxPeers < 0 {
				return usageError{fmt.Errorf("--max-peers %d is negative", maxPeers)}
			}
			if godot3 == "" && godot4 == "" {
				return usageError{errors.New("--godot3 and --godot4 are both empty: nothing to serve")}
			}
			log := slog.New(h)
			return serve(cmd.Context(), log, server.Config{
				Godot3Addr: godot3, Godot4Addr: godot4, MaxPeers: maxPeers, Refuse: refuse, Logger: log,
			}, httpAddr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&godot3, "godot3", server.DefaultGodot3Addr, "UDP address of the Godot 3.2 dialect (empty disables)")
	f.StringVar(&godot4, "godot4", server.DefaultGodot4Addr, "UDP address of the Godot 4.x dialect (empty disables)")
	f.StringVar(&httpAddr, "http", "127.0.0.1:7780", "HTTP address for /healthz and /metrics (empty disables)")
	f.IntVar(&maxPeers, "max-peers", 0, fmt.Sprintf("most clients per dialect (0: %d)", server.DefaultMaxPeers))
	f.BoolVar(&refuse, "refuse", false, "refuse new connections (refuse_new_connections)")
	f.StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	return cmd
}

// serve runs the server (and the HTTP listener) until ctx is cancelled,
// then shuts both down gracefully.
func serve(ctx context.Context, log *slog.Logger, cfg server.Config, httpAddr string) error {
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	var hs *http.Server
	httpDone := make(chan error, 1)
	if httpAddr != "" {
		ln, err := net.Listen("tcp", httpAddr)
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
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
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
