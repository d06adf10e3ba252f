// Package netsim impairs UDP traffic (loss, latency, jitter, duplication,
// reordering, rate limit) for tests and for the `packetpeer netsim` command,
// since the kernels packetpeer is tested on have no netem.
//
// Two forms share one engine:
//
//   - Proxy listens on a UDP address and forwards to a target, impairing the
//     client→target (Up) and target→client (Down) directions independently.
//     Each client address gets its own upstream socket, so the target sees
//     distinct peers, as behind a NAT. It works in front of any UDP program,
//     Godot included.
//   - PacketConn wraps a net.PacketConn in-process and impairs what is
//     written (out) and read (in), so a protocol's tests can run over a bad
//     network without a proxy.
//
// # Units
//
// Probabilities (Loss, Duplicate, Reorder) are in 0..1; Latency and Jitter
// are time.Durations, one way; Rate is in bits per second of UDP payload
// (ParseRate reads tc's notation: "1mbit", "500kbit"); queue sizes are in
// packets.
//
// # Determinism
//
// Each direction draws its decisions from a PCG generator seeded with
// Impairment.Seed, five numbers per packet whatever is decided, so the set of
// lost, duplicated and reordered packets depends only on the seed and the
// order in which packets arrive, not on timing; a test that sends packets
// 0..N-1 in order gets the same losses on every run. Only drops by a full
// queue depend on timing.
//
// # Costs and bounds
//
// Loss and duplication alone are applied in the sender's goroutine, with no
// copy. Delays go through one scheduler goroutine per direction (never one per
// packet) and a FIFO of pooled buffers: no allocation per packet in steady
// state. Everything a direction holds is bounded (the rate limiter's queue,
// 65 536 packets and 64 MiB in all); what does not fit is dropped and counted
// in Stats.DroppedQueue. No packet content is ever parsed.
package netsim
