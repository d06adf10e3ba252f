package main

// bench relay: a load generator for a Godot 3.2 relay server. N clients in
// one process, each with its own ENet host and UDP socket as N Godot games
// would have, send timestamped packets to each other through the server;
// the receivers measure the relay latency. scripts/bench-relay.sh runs it
// against packetpeer serve and against Godot 3.2.3's own server.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
)

func init() { benchCmd.AddCommand(newBenchRelayCmd()) }

// Limits and defaults of bench relay.
const (
	// relayHeaderSize is the generator's payload header: "PPRB", the
	// sender's index (u32 LE) and the send time (i64 LE, nanoseconds
	// since the run's start on the process's monotonic clock). --size
	// must be at least this.
	relayHeaderSize = 16
	// relayMaxClients is ENet's peer limit (12-bit peer ids, 4095 slots):
	// no single ENet server can hold more.
	relayMaxClients = 4095
	// relayMaxSize keeps a packet in one unfragmented ENet datagram
	// (MTU 1400 minus ENet's and Godot's headers).
	relayMaxSize = 1024
	// relayMaxRate bounds --rate (packets per second per client).
	relayMaxRate = 1000
)

var relayMagic = [4]byte{'P', 'P', 'R', 'B'}

// relayOptions is the workload of one run.
type relayOptions struct {
	Connect        string
	Clients        int
	Rate           int // packets per second per client
	Size           int // payload bytes (what put_packet is given)
	Mode           multiplayer.TransferMode
	Warmup         time.Duration
	Duration       time.Duration
	Drain          time.Duration // after the window, for packets in flight
	Batch          int           // connections in progress at once
	ConnectTimeout time.Duration // for the whole ramp-up
	Tick           time.Duration // the sender's schedule granularity
	Seed           uint64
	profile        io.Writer // if set, the CPU profile of the sending period
}

// relayResult is what one run measured. Counts cover packets whose send
// time fell in the measured window.
type relayResult struct {
	Clients   int           // asked for
	Connected int           // connected and announced to each other
	Ramp      time.Duration // connecting and settling
	Secs      float64       // measured window
	Sent      uint64        // put_packet calls that succeeded
	Received  uint64        // of those, received by their target
	Unsent    uint64        // sends that failed (unknown target, disconnected)
	Gone      uint64        // clients that lost their connection during the run
	Foreign   uint64        // received packets without the generator's header
	SendLag   time.Duration // most a send was behind its schedule
	// ClientSendFrac is the mean, over the clients and the window (sampled
	// every 500 ms), of the fraction of unreliable packets the clients'
	// ENet packet throttle lets through ((throttle+1)/32, at most 1);
	// 1 - ClientSendFrac estimates the loss at the senders. ClientRTT is
	// the mean of their ENet round-trip time to the server.
	ClientSendFrac float64
	ClientRTT      time.Duration
	P50, P99       time.Duration
	Max            time.Duration
}

// Lost is Sent - Received.
func (r relayResult) Lost() uint64 {
	if r.Received > r.Sent {
		return 0
	}
	return r.Sent - r.Received
}

func newBenchRelayCmd() *cobra.Command {
	o := relayOptions{}
	var mode, cpuProfile string
	cmd := &cobra.Command{
		Use:   "relay --connect ADDR [flags]",
		Short: "Load a Godot 3.2 relay server with many clients and measure the relay latency",
		Long: `Bench relay connects --clients Godot 3.2 clients (NetworkedMultiplayerENet's
protocol; each its own ENet host and UDP socket, like that many games) to the
server at --connect, then has each send --rate packets per second of --size
bytes to another client picked at random for every packet, through the
server (set_target_peer + put_packet: the server relays by the target).

Connecting: --batch clients connect at a time (1 by default). A batch waits
for its connections, then until its clients have been announced every
client before them (Godot's ADD_PEER), before the next starts, up to
--connect-timeout for the whole ramp-up; clients not connected by then are
left out. Pacing matters: every join makes the server send an ADD_PEER to
each connected client, and their acknowledgements come back at once; past
about 500 clients one join's burst exceeds a server socket's receive buffer
(256 KiB requested, as libenet), and larger batches overlap the bursts
until retransmissions pile up and connections time out. (ENet servers also
cap handshakes in progress per address: packetpeer's
enet.HostConfig.MaxPendingPerAddress is 256 by default.)

Sending: one goroutine sends on a fixed schedule, client after client,
evenly spaced (the k-th packet of the run is due k/(clients*rate) seconds
after the start), checking the schedule every --tick. Each payload starts
with "PPRB", the sender's index (u32 LE) and the send time (i64 LE, ns);
the rest is zero. The receiving client computes the latency on the same
clock. Packets sent during --warmup are not counted; those sent during the
next --duration are, and the generator waits --drain after the window for
the ones in flight. Lost = sent - received. Unreliable packets are lost
when a socket buffer overflows or when ENet's packet throttle (libenet's,
in the clients and in the server) drops them: the ramp-up's bursts inflate
the round-trip times, and the throttles take 5 to 10 s to recover, so use
a --warmup of 10 s for unreliable loss figures. With --mode reliable, lost
packets are those still in flight after --drain.

Output: per second of sending, the packets sent and received (on stderr);
then the clients, the counts, p50/p99/max latency (from a histogram with
1.6% resolution above 128 µs), the clients' ENet packet throttle and RTT,
and one last line of key=value fields:

  packetpeer relay clients=100 connected=100 rate=30 size=64 mode=unreliable secs=10.000 sent=30000 received=29995 lost=5 loss_pct=0.017 unsent=0 gone=0 p50_ms=0.210 p99_ms=0.870 max_ms=3.100 send_lag_ms=0.4 ramp_s=0.8 client_throttle_pct=100.0 client_rtt_ms=1.0

unsent counts sends that failed (a target or sender gone), gone the clients
that lost their connection, send_lag_ms how far the sender fell behind its
schedule (a loaded machine), client_throttle_pct the share of unreliable
packets the clients' ENet throttle let through.

It exits non-zero if no client connected.`,
		Example: `  packetpeer serve --godot3 127.0.0.1:7777 --godot4 "" --http "" &
  packetpeer bench relay --connect 127.0.0.1:7777 --clients 100 --rate 30 --size 64 --duration 10s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch mode {
			case "unreliable":
				o.Mode = multiplayer.TransferModeUnreliable
			case "unreliable_ordered":
				o.Mode = multiplayer.TransferModeUnreliableOrdered
			case "reliable":
				o.Mode = multiplayer.TransferModeReliable
			default:
				return usageError{fmt.Errorf("--mode %q: want unreliable, unreliable_ordered or reliable", mode)}
			}
			if err := o.check(); err != nil {
				return usageError{err}
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				o.profile = f
			}
			res, err := runRelayBench(cmd.Context(), o, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return printRelayResult(cmd.OutOrStdout(), o, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Connect, "connect", "", "server address (host:port), required")
	f.IntVar(&o.Clients, "clients", 100, fmt.Sprintf("clients, 2..%d", relayMaxClients))
	f.IntVar(&o.Rate, "rate", 30, fmt.Sprintf("packets per second each client sends, 1..%d", relayMaxRate))
	f.IntVar(&o.Size, "size", 64, fmt.Sprintf("payload bytes per packet, %d..%d", relayHeaderSize, relayMaxSize))
	f.StringVar(&mode, "mode", "unreliable", "transfer mode: unreliable, unreliable_ordered or reliable")
	f.DurationVar(&o.Warmup, "warmup", 2*time.Second, "sending before the measured window")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "the measured window")
	f.DurationVar(&o.Drain, "drain", time.Second, "waiting for packets in flight after the window")
	f.IntVar(&o.Batch, "batch", 1, "connections in progress at once during the ramp-up")
	f.DurationVar(&o.ConnectTimeout, "connect-timeout", 60*time.Second, "limit for connecting every client")
	f.DurationVar(&o.Tick, "tick", time.Millisecond, "how often the sender checks its schedule")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the target choice")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write the generator's CPU profile (sending and draining) to `FILE`")
	return cmd
}

// check validates the options.
func (o relayOptions) check() error {
	switch {
	case o.Connect == "":
		return errors.New("--connect ADDR is required")
	case o.Clients < 2 || o.Clients > relayMaxClients:
		return fmt.Errorf("--clients %d: want 2..%d (ENet's peer limit)", o.Clients, relayMaxClients)
	case o.Rate < 1 || o.Rate > relayMaxRate:
		return fmt.Errorf("--rate %d: want 1..%d", o.Rate, relayMaxRate)
	case o.Size < relayHeaderSize || o.Size > relayMaxSize:
		return fmt.Errorf("--size %d: want %d..%d", o.Size, relayHeaderSize, relayMaxSize)
	case o.Duration <= 0 || o.Warmup < 0 || o.Drain < 0:
		return fmt.Errorf("--duration %v, --warmup %v, --drain %v: the duration must be positive, the others not negative", o.Duration, o.Warmup, o.Drain)
	case o.Batch < 1:
		return fmt.Errorf("--batch %d: want at least 1", o.Batch)
	case o.ConnectTimeout <= 0:
		return fmt.Errorf("--connect-timeout %v: want a positive duration", o.ConnectTimeout)
	case o.Tick <= 0 || o.Tick > time.Second:
		return fmt.Errorf("--tick %v: want 0 < tick <= 1s", o.Tick)
	}
	return nil
}

func printRelayResult(w io.Writer, o relayOptions, r relayResult) error {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	lossPct := 0.0
	if r.Sent > 0 {
		lossPct = 100 * float64(r.Lost()) / float64(r.Sent)
	}
	_, err := fmt.Fprintf(w, `clients:  %d of %d connected in %.1f s, %d lost their connection
load:     %d pkt/s x %d B each, %s, %.1f s measured after %.1f s warmup
packets:  %d sent, %d received, %d lost (%.3f%%), %d sends failed
latency:  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (sender lag up to %.1f ms)
enet:     clients' packet throttle let %.1f%% of unreliable sends through; their RTT to the server %.1f ms
packetpeer relay clients=%d connected=%d rate=%d size=%d mode=%s secs=%.3f sent=%d received=%d lost=%d loss_pct=%.3f unsent=%d gone=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f send_lag_ms=%.1f ramp_s=%.1f client_throttle_pct=%.1f client_rtt_ms=%.1f
`,
		r.Connected, r.Clients, r.Ramp.Seconds(), r.Gone,
		o.Rate, o.Size, o.Mode, r.Secs, o.Warmup.Seconds(),
		r.Sent, r.Received, r.Lost(), lossPct, r.Unsent,
		ms(r.P50), ms(r.P99), ms(r.Max), ms(r.SendLag),
		100*r.ClientSendFrac, ms(r.ClientRTT),
		r.Clients, r.Connected, o.Rate, o.Size, o.Mode, r.Secs, r.Sent, r.Received, r.Lost(), lossPct,
		r.Unsent, r.Gone, ms(r.P50), ms(r.P99), ms(r.Max), ms(r.SendLag), r.Ramp.Seconds(),
		100*r.ClientSendFrac, ms(r.ClientRTT))
	return err
}

// relayClient is one simulated game.
type relayClient struct {
	idx  int
	id   int
	p    *multiplayer.Peer
	ep   *enet.Peer  // its ENet connection to the server, for statistics
	up   atomic.Bool // connected and not gone
	live atomic.Bool // part of the run (connected during the ramp-up)
	done chan struct{}
}

// relayBench is the state shared by the clients' goroutines.
type relayBench struct {
	o    relayOptions
	base time.Time // the payload clock's zero
	// The sending period [start, to) and the measured window [from, to),
	// in ns since base. They start at MaxInt64: nothing counts before they
	// are known.
	start, from, to atomic.Int64

	received atomic.Uint64 // in the window
	// Per second of the sending period, by send time: packets sent (the
	// sender's) and received (atomic: every client's).
	secSent []uint64
	secRecv []atomic.Uint64
	foreign atomic.Uint64
	gone    atomic.Uint64
	mu      sync.Mutex
	goneWhy map[string]int // why clients lost their connection
	hist    latencyHist
}

// runRelayBench runs one measurement; progress lines go to log.
func runRelayBench(ctx context.Context, o relayOptions, log io.Writer) (relayResult, error) {
	if err := o.check(); err != nil {
		return relayResult{}, err
	}
	b := &relayBench{o: o, base: time.Now(), goneWhy: make(map[string]int)}
	b.start.Store(math.MaxInt64)
	b.from.Store(math.MaxInt64)
	b.to.Store(math.MaxInt64)
	secs := int((o.Warmup+o.Duration+time.Second-1)/time.Second) + 1
	b.secSent, b.secRecv = make([]uint64, secs), make([]atomic.Uint64, secs)
	res := relayResult{Clients: o.Clients}

	runCtx, cancel := context.WithCancel(ctx)
	var all []*relayClient
	defer func() {
		cancel()
		for _, c := range all {
			_ = c.p.Close()
		}
		for _, c := range all {
			<-c.done
		}
	}()

	// Ramp-up: batches of clients. A batch waits for its connections,
	// then until its clients know every client before them (the ADD_PEER
	// announcements of the batch are through), so that the ramp goes at
	// the pace the server and the generator keep up with.
	rampStart := time.Now()
	deadline := rampStart.Add(o.ConnectTimeout)
	ids := relayIDs(o.Clients, o.Seed)
	var live []*relayClient
	results := make(chan *relayClient, o.Clients)
	lastReport := rampStart
	for start := 0; start < o.Clients && time.Now().Before(deadline); start += o.Batch {
		n := min(o.Batch, o.Clients-start)
		for i := range n {
			c, err := newRelayClient(o.Connect, start+i, ids[start+i], o.Mode)
			if err != nil {
				return res, fmt.Errorf("client %d: %w", start+i, err)
			}
			all = append(all, c)
			go b.runClient(runCtx, c, results)
		}
		timer := time.NewTimer(time.Until(deadline))
		for got := 0; got < n; {
			select {
			case c := <-results:
				got++
				if c.up.Load() {
					c.live.Store(true)
					live = append(live, c)
				}
			case <-timer.C:
				got = n // the rest are closed below, uncounted
			case <-ctx.Done():
				timer.Stop()
				return res, ctx.Err()
			}
		}
		timer.Stop()
		if err := relayWait(ctx, deadline, func() bool { return relaySettled(live[max(len(live)-n, 0):], live) }); err != nil {
			return res, err
		}
		if time.Since(lastReport) >= 2*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(log, "bench relay: %d of %d clients connected (%.1f s)\n", len(live), o.Clients, time.Since(rampStart).Seconds())
		}
	}
	// Clients that connected late are not part of the run.
	for _, c := range all {
		if !c.live.Load() {
			_ = c.p.Close()
		}
	}
	res.Connected = len(live)
	if len(live) < 2 {
		return res, fmt.Errorf("%d of %d clients connected to %s within %v", len(live), o.Clients, o.Connect, o.ConnectTimeout)
	}
	// Settle: every client knows every other (Godot's ADD_PEER), so that
	// any target is valid.
	if err := relayWait(ctx, deadline, func() bool { return relaySettled(live, live) }); err != nil {
		return res, err
	}
	res.Ramp = time.Since(rampStart)
	fmt.Fprintf(log, "bench relay: %d of %d clients connected in %.1f s\n", len(live), o.Clients, res.Ramp.Seconds())

	// Sending: warmup, window, then drain.
	start := time.Since(b.base)
	from := start + o.Warmup
	to := from + o.Duration
	b.from.Store(int64(from))
	b.to.Store(int64(to))
	b.start.Store(int64(start))
	if o.profile != nil {
		if err := pprof.StartCPUProfile(o.profile); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	sampled := make(chan [2]float64, 1)
	go func() { sampled <- b.sampleThrottle(runCtx, live, from, to) }()
	sent, unsent, lag := b.send(runCtx, live, start, to)
	smp := <-sampled
	if err := ctx.Err(); err != nil {
		return res, err
	}
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(o.Drain):
	}
	res.Secs = o.Duration.Seconds()
	res.Sent, res.Unsent, res.SendLag = sent, unsent, lag
	res.ClientSendFrac, res.ClientRTT = smp[0], time.Duration(smp[1])
	b.mu.Lock()
	for why, n := range b.goneWhy {
		fmt.Fprintf(log, "bench relay: %d clients lost their connection: %s\n", n, why)
	}
	b.mu.Unlock()
	for i := range b.secSent {
		if b.secSent[i] == 0 {
			continue
		}
		phase := "window"
		if time.Duration(i+1)*time.Second <= o.Warmup {
			phase = "warmup"
		}
		got := b.secRecv[i].Load()
		fmt.Fprintf(log, "bench relay: second %d (%s): sent %d, received %d, lost %.2f%%\n",
			i+1, phase, b.secSent[i], got, 100*(1-float64(got)/float64(b.secSent[i])))
	}
	res.Received = b.received.Load()
	res.Foreign = b.foreign.Load()
	res.Gone = b.gone.Load()
	res.P50, res.P99, res.Max = b.hist.quantile(0.50), b.hist.quantile(0.99), b.hist.maximum()
	return res, nil
}

// newRelayClient builds client idx as Godot 3.2's create_client does (a
// one-peer ENet host with 3 channels, the id as CONNECT data), keeping the
// ENet peer for its statistics.
func newRelayClient(addr string, idx, id int, mode multiplayer.TransferMode) (*relayClient, error) {
	n := multiplayer.ConnectChannelCount(multiplayer.Godot3, 0)
	h, err := enet.NewHost("", &enet.HostConfig{PeerLimit: 1, ChannelLimit: n})
	if err != nil {
		return nil, err
	}
	ep, err := h.Connect(addr, n, uint32(id))
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	p, err := multiplayer.NewClient(multiplayer.NewENetTransport(h, multiplayer.Godot3), id, &multiplayer.Config{Dialect: multiplayer.Godot3})
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	if err := p.SetTransferMode(mode); err != nil {
		_ = p.Close()
		return nil, err
	}
	return &relayClient{idx: idx, id: id, p: p, ep: ep, done: make(chan struct{})}, nil
}

// sampleThrottle samples the live clients' ENet packet throttle and RTT
// every 500 ms from from to to (durations since b.base) and returns the
// mean send fraction and the mean RTT in ns.
func (b *relayBench) sampleThrottle(ctx context.Context, live []*relayClient, from, to time.Duration) [2]float64 {
	var frac, rtt float64
	var n int
	for at := from; at < to; at += 500 * time.Millisecond {
		select {
		case <-ctx.Done():
			return [2]float64{1, 0}
		case <-time.After(at - time.Since(b.base)):
		}
		for _, c := range live {
			if !c.up.Load() {
				continue
			}
			st := c.ep.Stats()
			frac += min(float64(st.Throttle+1)/32, 1)
			rtt += float64(st.RoundTripTime)
			n++
		}
	}
	if n == 0 {
		return [2]float64{1, 0}
	}
	return [2]float64{frac / float64(n), rtt / float64(n)}
}

// relayIDs returns n distinct Godot client ids (2 … 2³¹−1), random as
// Godot's own, reproducible from seed.
func relayIDs(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x7061636b))
	seen := make(map[int]bool, n)
	ids := make([]int, 0, n)
	for len(ids) < n {
		id := multiplayer.MinClientID + r.IntN(multiplayer.MaxPeerID-multiplayer.MinClientID+1)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// relaySettled reports whether each of clients that is still connected
// knows every other client of live that is, and the server.
func relaySettled(clients, live []*relayClient) bool {
	n := 0
	for _, c := range live {
		if c.up.Load() {
			n++
		}
	}
	for _, c := range clients {
		if c.up.Load() && len(c.p.Peers()) < n {
			return false
		}
	}
	return true
}

// relayWait polls done every 2 ms until it is true or deadline passes
// (both nil), or ctx ends.
func relayWait(ctx context.Context, deadline time.Time, done func() bool) error {
	for !done() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// runClient drives one client: it connects, reports to results, then
// receives until ctx ends or the connection does. It closes c.done.
func (b *relayBench) runClient(ctx context.Context, c *relayClient, results chan<- *relayClient) {
	defer close(c.done)
	for connecting := true; connecting; {
		ev, err := c.p.NextEvent(ctx)
		if err != nil {
			results <- c
			return
		}
		switch ev.Type {
		case multiplayer.ConnectionSucceeded:
			c.up.Store(true)
			connecting = false
		case multiplayer.ConnectionFailed, multiplayer.ServerDisconnected:
			results <- c
			return
		}
	}
	results <- c
	for {
		err := c.p.Wait(ctx)
		for {
			pk, rerr := c.p.Receive()
			if rerr != nil {
				break
			}
			b.record(pk.Data)
		}
		reason := "timeout" // the connection ended without a disconnect
		for {
			// Announcements; they only matter through Peers().
			ev, ok := c.p.PollEvent()
			if !ok {
				break
			}
			if ev.Type == multiplayer.ServerDisconnected && ev.Reason != multiplayer.ReasonNone {
				reason = ev.Reason.String()
			}
		}
		if err != nil {
			if c.up.Swap(false) && c.live.Load() && ctx.Err() == nil {
				b.gone.Add(1)
				b.mu.Lock()
				b.goneWhy[reason]++
				b.mu.Unlock()
			}
			return
		}
	}
}

// record measures one received packet.
func (b *relayBench) record(data []byte) {
	now := int64(time.Since(b.base))
	if len(data) < relayHeaderSize || [4]byte(data[:4]) != relayMagic {
		b.foreign.Add(1)
		return
	}
	sentAt := int64(binary.LittleEndian.Uint64(data[8:]))
	start, to := b.start.Load(), b.to.Load()
	if sentAt < start || sentAt >= to {
		return
	}
	if i := int((sentAt - start) / int64(time.Second)); i < len(b.secRecv) {
		b.secRecv[i].Add(1)
	}
	if sentAt < b.from.Load() {
		return
	}
	b.received.Add(1)
	b.hist.add(time.Duration(now - sentAt))
}

// send runs the schedule from start until to (durations since b.base) and
// returns the packets sent in the window, the failed sends, and the most
// a send lagged behind its schedule.
func (b *relayBench) send(ctx context.Context, live []*relayClient, start, to time.Duration) (sent, unsent uint64, lag time.Duration) {
	n := len(live)
	rng := rand.New(rand.NewPCG(b.o.Seed, 0x72656c6179))
	// Packet k of the run is due at start + k*step.
	step := float64(time.Second) / float64(b.o.Rate*n)
	buf := make([]byte, b.o.Size)
	copy(buf, relayMagic[:])
	from := time.Duration(b.from.Load())
	tick := time.NewTicker(b.o.Tick)
	defer tick.Stop()
	var k int64
	for {
		now := time.Since(b.base)
		for {
			due := start + time.Duration(float64(k)*step)
			if due > now || due >= to {
				break
			}
			pos := int(k % int64(n))
			c := live[pos]
			k++
			if !c.up.Load() {
				continue
			}
			j := rng.IntN(n - 1) // another client: skip the sender's position
			if j >= pos {
				j++
			}
			t := time.Since(b.base)
			binary.LittleEndian.PutUint32(buf[4:], uint32(c.idx))
			binary.LittleEndian.PutUint64(buf[8:], uint64(t))
			c.p.SetTargetPeer(live[j].id)
			if err := c.p.PutPacket(buf); err != nil {
				unsent++
				continue
			}
			if i := int((t - start) / time.Second); t < to && i < len(b.secSent) {
				b.secSent[i]++
			}
			if t >= from && t < to {
				sent++
				lag = max(lag, t-due)
			}
		}
		if now >= to {
			return sent, unsent, lag
		}
		select {
		case <-ctx.Done():
			return sent, unsent, lag
		case <-tick.C:
		}
	}
}

// latencyHist is a concurrent latency histogram in microseconds: exact
// below 128 µs, then 64 buckets per power of two (1.6% wide).
type latencyHist struct {
	b   [histBuckets]atomic.Uint64
	n   atomic.Uint64
	max atomic.Int64 // ns
}

const (
	histExact   = 128 // values below are their own bucket
	histSub     = 64  // buckets per power of two above
	histBuckets = histExact + 40*histSub
)

// histIndex returns the bucket of us microseconds.
func histIndex(us uint64) int {
	if us < histExact {
		return int(us)
	}
	s := bits.Len64(us) - 7 // us>>s is in [64, 128)
	return min(histExact+(s-1)*histSub+int(us>>s)-histSub, histBuckets-1)
}

// histLow returns the smallest value of bucket i, in microseconds.
func histLow(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	s := (i-histExact)/histSub + 1
	return uint64((i-histExact)%histSub+histSub) << s
}

func (h *latencyHist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.b[histIndex(uint64(d/time.Microsecond))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the q-quantile (0 < q <= 1), as the middle of its
// bucket; 0 when empty.
func (h *latencyHist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i := range h.b {
		seen += h.b[i].Load()
		if seen >= rank {
			lo := histLow(i)
			mid := float64(lo)
			if i >= histExact {
				mid += float64(histLow(i+1)-lo) / 2
			}
			return min(time.Duration(mid*float64(time.Microsecond)), h.maximum())
		}
	}
	return h.maximum()
}

func (h *latencyHist) maximum() time.Duration { return time.Duration(h.max.Load()) }
