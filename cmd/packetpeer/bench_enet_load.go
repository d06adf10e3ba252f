package main

// bench enet-load: many ENet clients, each sending a steady stream of
// timestamped packets to one echo server, measuring round-trip latency and
// loss. scripts/bench-enet-load.sh runs it against libenet 1.3.17's echo
// server (scripts/enetecho.c) and against this command's own (--role
// server), and measures each server's CPU time.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/enet"
)

func init() { benchCmd.AddCommand(newBenchENetLoadCmd()) }

// Limits of bench enet-load.
const (
	// eloadHeaderSize is the payload header: "PPEL", the client's index
	// (u32 LE), its packet sequence number (u32 LE) and the send time
	// (i64 LE, nanoseconds since the run's start on the generator's
	// monotonic clock). --size must be at least this.
	eloadHeaderSize = 20
	// eloadMaxPeers is ENet's peer limit (12-bit peer IDs).
	eloadMaxPeers = 4095
	// eloadMaxSize keeps a packet in one unfragmented datagram at the
	// default MTU of 1400 (1400 - 28 bytes of ENet headers).
	eloadMaxSize = 1372
	eloadMaxRate = 1000
	// eloadClockTick is the unit of utime and stime in /proc/PID/stat
	// (USER_HZ, 100 on every Linux architecture Go supports).
	eloadClockTick = 10 * time.Millisecond
)

var eloadMagic = [4]byte{'P', 'P', 'E', 'L'}

// eloadOptions is the generator's workload.
type eloadOptions struct {
	Connect   string
	Clients   int
	Rate      int // packets per second per client
	Size      int // bytes per packet
	Reliable  bool
	Warmup    time.Duration
	Duration  time.Duration
	Drain     time.Duration
	Batch     int // handshakes in progress at once
	ServerPID int // 0: do not measure the server's CPU
}

func (o eloadOptions) check() error {
	switch {
	case o.Connect == "":
		return errors.New("--role client needs --connect ADDR")
	case o.Clients < 1 || o.Clients > eloadMaxPeers:
		return fmt.Errorf("--clients %d: want 1..%d (ENet's peer limit)", o.Clients, eloadMaxPeers)
	case o.Rate < 1 || o.Rate > eloadMaxRate:
		return fmt.Errorf("--rate %d: want 1..%d", o.Rate, eloadMaxRate)
	case o.Size < eloadHeaderSize || o.Size > eloadMaxSize:
		return fmt.Errorf("--size %d: want %d..%d", o.Size, eloadHeaderSize, eloadMaxSize)
	case o.Duration <= 0 || o.Warmup < 0 || o.Drain < 0:
		return fmt.Errorf("--duration %v, --warmup %v, --drain %v: the duration must be positive, the others not negative", o.Duration, o.Warmup, o.Drain)
	case o.Batch < 1:
		return fmt.Errorf("--batch %d: want at least 1", o.Batch)
	case o.ServerPID < 0:
		return fmt.Errorf("--server-pid %d: want a process ID", o.ServerPID)
	}
	return nil
}

func newBenchENetLoadCmd() *cobra.Command {
	var (
		role, listen, mode string
		peers              int
		o                  eloadOptions
	)
	cmd := &cobra.Command{
		Use:   "enet-load --role server|client [flags]",
		Short: "Load one ENet echo server with many clients; measure latency, loss and server CPU",
		Long: `Bench enet-load measures an ENet server under many clients, each sending a
steady stream of small packets, as in a game.

The server (--role server --listen ADDR) is an echo server: every packet it
receives goes back to its sender on the same channel with the same flags.
It has --peers slots and 2 channels, and accepts any number of handshakes
at once from one address (MaxPendingPerAddress = --peers), since all the
generator's clients share 127.0.0.1. scripts/enetecho.c is the same server
written with libenet 1.3.17. It runs until interrupted.

The client (--role client --connect ADDR) is the load generator: --clients
ENet hosts in one process, each with its own UDP socket and goroutine, like
that many games. They connect --batch at a time. Then each sends --rate
packets per second of --size bytes on channel 0 (--mode reliable or
unreliable), evenly spaced, starting at a random phase (a client that falls
a whole interval behind skips the sends it missed, counted as skipped,
rather than bursting); each payload starts
with "PPEL", the client's index and sequence number (u32 LE) and the send
time (i64 LE, ns), the rest zero. A client takes the round-trip time of
each echo it gets back. Packets sent during --warmup are not counted; those
sent during the next --duration are, and the clients wait --drain after it
for echoes in flight. Lost = sent - echoed (with --mode reliable: echoes
still in flight, or clients that timed out).

With --server-pid, the server's CPU time (utime + stime from
/proc/PID/stat, in 10 ms ticks) over the measured window is reported, as is
the generator's own (getrusage), also per packet sent in the window
(µs/packet), which stays comparable when a busy machine made the
generator skip sends.

Output: a summary, then one last line of key=value fields:

  packetpeer enet-load clients=1000 connected=1000 rate=30 size=32 mode=reliable secs=10.000 sent=300000 skipped=0 echoed=300000 lost=0 loss_pct=0.000 gone=0 p50_ms=0.310 p99_ms=1.900 max_ms=12.500 server_cpu_s=2.310 server_cpu_pct=23.1 server_us_per_pkt=7.7 gen_cpu_pct=61.0 gen_us_per_pkt=20.3

Latencies come from a histogram with 1.6% resolution above 128 µs (the
middle of the bucket); cpu_pct is CPU time over wall time, 100 = one core.
It exits non-zero if no client connected.`,
		Example: `  packetpeer bench enet-load --role server --listen 127.0.0.1:7000 --peers 1024 &
  packetpeer bench enet-load --role client --connect 127.0.0.1:7000 --clients 1000 --rate 30 --size 32 --duration 10s --server-pid $!`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch role {
			case "server":
				if listen == "" {
					return usageError{errors.New("--role server needs --listen ADDR")}
				}
				if peers < 1 || peers > eloadMaxPeers {
					return usageError{fmt.Errorf("--peers %d: want 1..%d", peers, eloadMaxPeers)}
				}
				return eloadServer(cmd.Context(), listen, peers, cmd.ErrOrStderr())
			case "client":
				if mode != "reliable" && mode != "unreliable" {
					return usageError{fmt.Errorf("--mode %q: want reliable or unreliable", mode)}
				}
				o.Reliable = mode == "reliable"
				if err := o.check(); err != nil {
					return usageError{err}
				}
				res, err := runENetLoad(cmd.Context(), o, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				return res.print(cmd.OutOrStdout(), o)
			}
			return usageError{fmt.Errorf("--role %q: want server or client", role)}
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "server or client")
	f.StringVar(&listen, "listen", "", "server: UDP address to listen on (e.g. 127.0.0.1:7000)")
	f.IntVar(&peers, "peers", 1024, fmt.Sprintf("server: peer slots, 1..%d", eloadMaxPeers))
	f.StringVar(&o.Connect, "connect", "", "client: server address")
	f.IntVar(&o.Clients, "clients", 100, fmt.Sprintf("client: clients (ENet hosts), 1..%d", eloadMaxPeers))
	f.IntVar(&o.Rate, "rate", 30, fmt.Sprintf("client: packets per second per client, 1..%d", eloadMaxRate))
	f.IntVar(&o.Size, "size", 32, fmt.Sprintf("client: bytes per packet, %d..%d", eloadHeaderSize, eloadMaxSize))
	f.StringVar(&mode, "mode", "reliable", "client: reliable or unreliable")
	f.DurationVar(&o.Warmup, "warmup", 2*time.Second, "client: sending before the measured window")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "client: the measured window")
	f.DurationVar(&o.Drain, "drain", time.Second, "client: waiting for echoes in flight after the window")
	f.IntVar(&o.Batch, "batch", 200, "client: handshakes in progress at once while connecting")
	f.IntVar(&o.ServerPID, "server-pid", 0, "client: measure this process's CPU time over the window (Linux /proc)")
	return cmd
}

// eloadServer echoes every packet until ctx is done.
func eloadServer(ctx context.Context, listen string, peers int, log io.Writer) error {
	h, err := enet.NewHost(listen, &enet.HostConfig{
		PeerLimit: peers, ChannelLimit: 2, MaxPendingConnections: peers, MaxPendingPerAddress: peers,
	})
	if err != nil {
		return err
	}
	defer h.Close()
	fmt.Fprintf(log, "echo server on %s, %d peers\n", h.LocalAddr(), peers)
	var echoed, failed uint64
	for ctx.Err() == nil {
		ev, err := h.Service(100 * time.Millisecond)
		if err != nil {
			return err
		}
		if ev.Type == enet.EventReceive {
			if ev.Peer.Send(ev.ChannelID, ev.Packet, ev.Flags) == nil {
				echoed++
			} else {
				failed++
			}
			ev.Release()
		}
	}
	fmt.Fprintf(log, "echo server: %d packets echoed, %d sends failed\n", echoed, failed)
	return nil
}

// eloadResult is what one run measured.
type eloadResult struct {
	Clients, Connected, Gone int
	Secs                     float64 // the measured window
	Sent, Echoed             uint64  // packets sent in the window, echoes of them received
	Skipped                  uint64  // sends due in the window that the generator skipped
	P50, P99, Max            time.Duration
	ServerCPU                time.Duration // -1 when not measured
	GenCPU                   time.Duration
	Ramp                     time.Duration // connecting every client
}

func (r eloadResult) lost() uint64 {
	if r.Echoed > r.Sent {
		return 0
	}
	return r.Sent - r.Echoed
}

func (r eloadResult) print(w io.Writer, o eloadOptions) error {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	pct := func(d time.Duration) float64 { return 100 * d.Seconds() / r.Secs }
	// CPU per packet sent in the window: comparable between runs whose
	// offered load differed (sends skipped on a busy machine).
	perPkt := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) / float64(max(r.Sent, 1)) }
	loss := 0.0
	if r.Sent > 0 {
		loss = 100 * float64(r.lost()) / float64(r.Sent)
	}
	mode := "unreliable"
	if o.Reliable {
		mode = "reliable"
	}
	srv := "not measured"
	srvFields := ""
	if r.ServerCPU >= 0 {
		srv = fmt.Sprintf("%.3f s (%.1f%% of a core, %.1f µs per packet)", r.ServerCPU.Seconds(), pct(r.ServerCPU), perPkt(r.ServerCPU))
		srvFields = fmt.Sprintf(" server_cpu_s=%.3f server_cpu_pct=%.1f server_us_per_pkt=%.1f", r.ServerCPU.Seconds(), pct(r.ServerCPU), perPkt(r.ServerCPU))
	}
	_, err := fmt.Fprintf(w, `clients:  %d of %d connected in %.1f s, %d lost their connection
load:     %d pkt/s x %d B each, %s, %.3f s measured after %.1f s warmup
packets:  %d sent, %d echoed, %d lost (%.3f%%); %d sends skipped (the generator fell behind)
rtt:      p50 %.3f ms  p99 %.3f ms  max %.3f ms
cpu:      server %s, generator %.1f%% of a core (%.1f µs per packet)
packetpeer enet-load clients=%d connected=%d rate=%d size=%d mode=%s secs=%.3f sent=%d skipped=%d echoed=%d lost=%d loss_pct=%.3f gone=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f%s gen_cpu_pct=%.1f gen_us_per_pkt=%.1f
`,
		r.Connected, r.Clients, r.Ramp.Seconds(), r.Gone,
		o.Rate, o.Size, mode, r.Secs, o.Warmup.Seconds(),
		r.Sent, r.Echoed, r.lost(), loss, r.Skipped,
		ms(r.P50), ms(r.P99), ms(r.Max),
		srv, pct(r.GenCPU), perPkt(r.GenCPU),
		r.Clients, r.Connected, o.Rate, o.Size, mode, r.Secs, r.Sent, r.Skipped, r.Echoed, r.lost(), loss, r.Gone,
		ms(r.P50), ms(r.P99), ms(r.Max), srvFields, pct(r.GenCPU), perPkt(r.GenCPU))
	return err
}

// eloadBench is the state the clients' goroutines share.
type eloadBench struct {
	o    eloadOptions
	base time.Time // the payload clock's zero
	// start is when sending starts, from..to the measured window, end
	// when the clients stop (to + drain); ns since base. start is
	// MaxInt64 until every client has connected.
	start, from, to, end atomic.Int64
	stop                 chan struct{} // closed to end every client at once
	hist                 latencyHist   // bench_relay.go
	gone                 atomic.Int64
}

// eloadClient is one simulated game; its counters belong to its goroutine
// until done is closed.
type eloadClient struct {
	idx       int
	phase     time.Duration
	connected bool
	sent      uint64 // in the window
	skipped   uint64 // sends due in the window but skipped: the client fell behind
	echoed    uint64 // echoes of packets sent in the window
	foreign   uint64 // echoes that were not this client's packets
	done      chan struct{}
}

// runENetLoad runs one measurement; progress lines go to log.
func runENetLoad(ctx context.Context, o eloadOptions, log io.Writer) (eloadResult, error) {
	if err := o.check(); err != nil {
		return eloadResult{}, err
	}
	if _, err := eloadProcCPU(o.ServerPID); err != nil {
		return eloadResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := &eloadBench{o: o, base: time.Now(), stop: make(chan struct{})}
	for _, v := range []*atomic.Int64{&b.start, &b.from, &b.to, &b.end} {
		v.Store(math.MaxInt64)
	}
	interval := time.Second / time.Duration(o.Rate)
	rng := rand.New(rand.NewPCG(uint64(b.base.UnixNano()), 1))
	clients := make([]*eloadClient, o.Clients)
	connected := make(chan *eloadClient, o.Clients)
	var wg sync.WaitGroup
	defer func() {
		close(b.stop)
		wg.Wait()
	}()

	// Ramp-up: --batch handshakes at a time.
	res := eloadResult{Clients: o.Clients, ServerCPU: -1}
	started, finished := 0, 0
	for finished < o.Clients {
		for started < o.Clients && started-finished < o.Batch {
			c := &eloadClient{idx: started, phase: time.Duration(rng.Int64N(int64(interval))), done: make(chan struct{})}
			clients[started] = c
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.runClient(ctx, c, connected)
			}()
			started++
		}
		select {
		case c := <-connected:
			finished++
			if c.connected {
				res.Connected++
			}
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	res.Ramp = time.Since(b.base)
	fmt.Fprintf(log, "%d of %d clients connected in %.1f s\n", res.Connected, o.Clients, res.Ramp.Seconds())
	if res.Connected == 0 {
		return res, errors.New("no client connected")
	}

	// The schedule, in ns since base.
	start := time.Since(b.base) + 50*time.Millisecond
	from := start + o.Warmup
	to := from + o.Duration
	end := to + o.Drain
	b.from.Store(int64(from))
	b.to.Store(int64(to))
	b.end.Store(int64(end))
	b.start.Store(int64(start))

	sleepUntil := func(t time.Duration) error {
		select {
		case <-time.After(time.Until(b.base.Add(t))):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := sleepUntil(from); err != nil {
		return res, err
	}
	srv0, err := eloadProcCPU(o.ServerPID)
	if err != nil {
		return res, err
	}
	gen0, t0 := eloadSelfCPU(), time.Now()
	if err := sleepUntil(to); err != nil {
		return res, err
	}
	srv1, err := eloadProcCPU(o.ServerPID)
	if err != nil {
		return res, err
	}
	gen1, t1 := eloadSelfCPU(), time.Now()
	res.Secs = t1.Sub(t0).Seconds()
	res.GenCPU = gen1 - gen0
	if o.ServerPID != 0 {
		res.ServerCPU = srv1 - srv0
	}

	for _, c := range clients {
		<-c.done
		res.Sent += c.sent
		res.Skipped += c.skipped
		res.Echoed += c.echoed
		if c.foreign > 0 {
			return res, fmt.Errorf("client %d received %d packets that were not its own", c.idx, c.foreign)
		}
	}
	res.Gone = int(b.gone.Load())
	res.P50, res.P99, res.Max = b.hist.quantile(0.50), b.hist.quantile(0.99), b.hist.maximum()
	return res, nil
}

// runClient connects one client, reports on connected, then sends on its
// schedule and measures echoes until the end of the drain period.
func (b *eloadBench) runClient(ctx context.Context, c *eloadClient, connected chan<- *eloadClient) {
	defer close(c.done)
	h, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 1, ChannelLimit: 1})
	if err != nil {
		connected <- c
		return
	}
	defer h.Close()
	p, err := h.Connect(b.o.Connect, 1, uint32(c.idx))
	if err != nil {
		connected <- c
		return
	}
	// Connecting: EventConnect, or EventDisconnect when the handshake
	// times out (about 30 s with libenet's schedule).
	for !c.connected {
		ev, err := h.Service(100 * time.Millisecond)
		if err != nil || ev.Type == enet.EventDisconnect || ctx.Err() != nil || b.stopped() {
			connected <- c
			return
		}
		c.connected = ev.Type == enet.EventConnect
	}
	connected <- c

	flags := enet.PacketFlag(0)
	if b.o.Reliable {
		flags = enet.PacketFlagReliable
	}
	buf := make([]byte, b.o.Size)
	copy(buf, eloadMagic[:])
	binary.LittleEndian.PutUint32(buf[4:], uint32(c.idx))
	interval := time.Second / time.Duration(b.o.Rate)
	var seq uint32
	next := time.Duration(-1) // the next send, ns since base
	for !b.stopped() {
		now := time.Since(b.base)
		if now >= time.Duration(b.end.Load()) {
			p.DisconnectNow(0)
			return
		}
		wait := 10 * time.Millisecond // until the schedule is known
		if start := time.Duration(b.start.Load()); start != math.MaxInt64 {
			if next < 0 {
				next = start + c.phase
			}
			to := time.Duration(b.to.Load())
			if next < to && now >= next {
				seq++
				binary.LittleEndian.PutUint32(buf[8:], seq)
				binary.LittleEndian.PutUint64(buf[12:], uint64(now))
				if p.Send(0, buf, flags) == nil && now >= time.Duration(b.from.Load()) && now < to {
					c.sent++
				}
				next += interval
				if next <= now { // fell behind by a whole interval: skip, do not burst
					missed := (now-next)/interval + 1
					if now >= time.Duration(b.from.Load()) && now < to {
						c.skipped += uint64(missed)
					}
					next += missed * interval
				}
			}
			wait = time.Duration(b.end.Load()) - now
			if next < to {
				wait = min(wait, next-now)
			}
			wait = max(wait, 0)
		}
		ev, err := h.Service(wait)
		if err != nil {
			return
		}
		switch ev.Type {
		case enet.EventReceive:
			b.record(c, ev.Packet)
			ev.Release()
		case enet.EventDisconnect:
			b.gone.Add(1)
			return
		}
	}
}

func (b *eloadBench) stopped() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// record measures one echo.
func (b *eloadBench) record(c *eloadClient, data []byte) {
	now := time.Since(b.base)
	if len(data) < eloadHeaderSize || [4]byte(data[:4]) != eloadMagic || binary.LittleEndian.Uint32(data[4:]) != uint32(c.idx) {
		c.foreign++
		return
	}
	sentAt := time.Duration(binary.LittleEndian.Uint64(data[12:]))
	if sentAt < time.Duration(b.from.Load()) || sentAt >= time.Duration(b.to.Load()) {
		return
	}
	c.echoed++
	b.hist.add(now - sentAt)
}

// eloadProcCPU returns the CPU time (user + system) of process pid from
// /proc/pid/stat; 0 for pid 0.
func eloadProcCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("server CPU: %w", err)
	}
	// Fields after the command name, which is in parentheses and may
	// contain spaces: state is field 3, utime 14, stime 15.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("server CPU: cannot parse /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("server CPU: cannot parse /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * eloadClockTick, nil
}

// eloadSelfCPU returns this process's CPU time (user + system).
func eloadSelfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
