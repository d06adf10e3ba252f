package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/packetpeer/packetpeer/internal/netsim"
)

func init() { rootCmd.AddCommand(newNetsimCmd()) }

// impairFlags are the impairment flags of one direction (or of both: the
// flags without a suffix).
type impairFlags struct {
	loss, dup, reorder float64
	latency, jitter    time.Duration
	rate               string
	queue              int
}

func (f *impairFlags) register(fs *pflag.FlagSet, suffix, what string) {
	help := func(name, usage string) string {
		if suffix == "" {
			return usage
		}
		return "--" + name + ", " + what + " only"
	}
	fs.Float64Var(&f.loss, "loss"+suffix, 0, help("loss", "probability (0..1) that a packet is dropped"))
	fs.DurationVar(&f.latency, "latency"+suffix, 0, help("latency", "one-way delay added to each packet"))
	fs.DurationVar(&f.jitter, "jitter"+suffix, 0, help("jitter", "delay variation: latency±jitter, uniform, clamped at 0; keeps packet order"))
	fs.Float64Var(&f.dup, "dup"+suffix, 0, help("dup", "probability (0..1) that a packet is delivered twice"))
	fs.Float64Var(&f.reorder, "reorder"+suffix, 0, help("reorder", "probability (0..1) that a packet is held back until a later one is delivered"))
	fs.StringVar(&f.rate, "rate"+suffix, "0", help("rate", "rate limit in tc units: bit kbit mbit gbit (x1000), kibit mibit gibit (x1024);\nbps kbps mbps gbps are BYTES per second, as in tc; 0: unlimited"))
	fs.IntVar(&f.queue, "queue"+suffix, 0, help("queue", fmt.Sprintf("rate limiter queue in packets (0: %d); packets that find it full are dropped", netsim.DefaultQueueLimit)))
}

// impairment builds one direction's Impairment: each value from the
// direction's flag if given, else from the flag for both directions.
func (f *impairFlags) impairment(fs *pflag.FlagSet, both *impairFlags, suffix string, seed int64) (netsim.Impairment, error) {
	pick := func(name string) *impairFlags {
		if fs.Changed(name + suffix) {
			return f
		}
		return both
	}
	rateStr := pick("rate").rate
	rate, err := netsim.ParseRate(rateStr)
	if err != nil {
		return netsim.Impairment{}, usageError{fmt.Errorf("--rate%s: %v", suffix, err)}
	}
	imp := netsim.Impairment{
		Loss:       pick("loss").loss,
		Latency:    pick("latency").latency,
		Jitter:     pick("jitter").jitter,
		Duplicate:  pick("dup").dup,
		Reorder:    pick("reorder").reorder,
		Rate:       rate,
		QueueLimit: pick("queue").queue,
		Seed:       seed,
	}
	if err := imp.Validate(); err != nil {
		return netsim.Impairment{}, usageError{fmt.Errorf("%s: %v", map[string]string{"-up": "up", "-down": "down"}[suffix], err)}
	}
	return imp, nil
}

func newNetsimCmd() *cobra.Command {
	var (
		listen, target     string
		both, up, down     impairFlags
		seed               int64
		statsInterval, dur time.Duration
		maxMappings        int
		idleTimeout        time.Duration
	)
	cmd := &cobra.Command{
		Use:   "netsim --listen ADDR --target ADDR [impairment flags]",
		Short: "Run a UDP proxy that impairs traffic: loss, latency, jitter, duplication, reordering, rate",
		Long: `netsim forwards UDP datagrams from clients that send to --listen on to
--target, and the target's replies back, impairing each direction: for testing
any UDP program (Godot games included) on a bad network when the kernel has no
netem. Each client address gets its own upstream socket, so the target sees
distinct peers, as behind a NAT; a mapping closes after --idle-timeout without
traffic.

The impairment flags apply to both directions; their -up (client to target)
and -down (target to client) forms override one direction, e.g.
--loss 0.1 --loss-down 0 loses 10% of the client's packets only.

Effects, in order: loss, duplication, the rate limiter's queue, latency ±
jitter (order kept), reordering (a packet held back until a later one has
been delivered). Every random decision comes from --seed (random if not
given; printed on stderr), so a run's losses can be replayed exactly.

The bound address and settings are printed on stderr. netsim runs until
interrupted (or for --duration) and then prints the counters of each direction
on stdout, also every --stats-interval.`,
		Example: `  packetpeer netsim --listen 127.0.0.1:7000 --target 127.0.0.1:7777 --loss 0.1 --latency 50ms --jitter 20ms --dup 0.02 --reorder 0.05 --rate 1mbit`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if listen == "" || target == "" {
				return usageError{errors.New("--listen and --target are required")}
			}
			if statsInterval < 0 || dur < 0 || idleTimeout < 0 || maxMappings < 0 {
				return usageError{errors.New("--stats-interval, --duration, --idle-timeout and --max-mappings must be >= 0")}
			}
			if !fs.Changed("seed") {
				seed = rand.Int64()
			}
			upImp, err := up.impairment(fs, &both, "-up", seed)
			if err != nil {
				return err
			}
			downImp, err := down.impairment(fs, &both, "-down", seed)
			if err != nil {
				return err
			}
			p, err := netsim.NewProxy(netsim.Config{
				Listen: listen, Target: target, Up: upImp, Down: downImp,
				MaxMappings: maxMappings, IdleTimeout: idleTimeout,
			})
			if err != nil {
				if errors.Is(err, netsim.ErrConfig) {
					return usageError{err}
				}
				return err
			}
			defer p.Close()
			errOut, out := cmd.ErrOrStderr(), cmd.OutOrStdout()
			fmt.Fprintf(errOut, "listening on udp %v, forwarding to %s\n", p.Addr(), target)
			fmt.Fprintf(errOut, "up: %v\ndown: %v\nseed: %d\n", upImp, downImp, seed)

			start := time.Now()
			var tick <-chan time.Time
			if statsInterval > 0 {
				t := time.NewTicker(statsInterval)
				defer t.Stop()
				tick = t.C
			}
			var stop <-chan time.Time
			if dur > 0 {
				t := time.NewTimer(dur)
				defer t.Stop()
				stop = t.C
			}
			ctx := cmd.Context()
		serve:
			for {
				select {
				case <-tick:
					printNetsimStats(out, "stats", time.Since(start), p.Stats())
				case <-stop:
					break serve
				case <-ctx.Done():
					break serve
				}
			}
			p.Close()
			printNetsimStats(out, "final", time.Since(start), p.Stats())
			return nil
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&listen, "listen", "", "UDP address clients send to, e.g. 127.0.0.1:7000 (port 0: any)")
	fs.StringVar(&target, "target", "", "UDP address to forward to, e.g. 127.0.0.1:7777")
	both.register(fs, "", "")
	fs.Int64Var(&seed, "seed", 0, "seed of the random decisions (default: random, printed on stderr)")
	fs.DurationVar(&statsInterval, "stats-interval", 0, "also print the counters this often (0: only at exit)")
	fs.DurationVar(&dur, "duration", 0, "exit after this long (0: run until interrupted)")
	fs.IntVar(&maxMappings, "max-mappings", netsim.DefaultMaxMappings, "most clients served at once; packets from more are dropped")
	fs.DurationVar(&idleTimeout, "idle-timeout", netsim.DefaultIdleTimeout, "close a client's mapping after this long without traffic")
	up.register(fs, "-up", "client to target")
	down.register(fs, "-down", "target to client")
	return cmd
}

// printNetsimStats prints one block of counters: a header line, then one
// line per direction.
func printNetsimStats(w io.Writer, label string, elapsed time.Duration, s netsim.ProxyStats) {
	fmt.Fprintf(w, "%s elapsed=%v mappings=%d opened=%d expired=%d rejected=%d\n",
		label, elapsed.Round(time.Millisecond), s.Mappings, s.Opened, s.Expired, s.Rejected)
	fmt.Fprintf(w, "  up   %v\n", s.Up)
	fmt.Fprintf(w, "  down %v\n", s.Down)
}
