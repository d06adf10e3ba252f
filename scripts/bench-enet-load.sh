#!/usr/bin/env bash
# Many clients against one ENet echo server, libenet 1.3.17 (scripts/enetecho.c)
# and packetpeer (packetpeer bench enet-load --role server), one after the
# other in one run, with the same load generator (packetpeer bench enet-load
# --role client): CLIENTS ENet hosts in one process, each sending RATE
# packets/s of SIZE bytes. For each server it prints the round-trip latency
# (p50/p99/max), the loss, and the server's CPU time over the measured
# window (utime + stime from /proc/PID/stat, read by the generator), then
# Go's CPU time and p99 over C's. "skipped" counts the sends the generator
# missed because it fell behind its schedule (a loaded machine): the load
# offered was then lower than asked, by that much; us_per_pkt (server CPU
# per packet sent in the window) stays comparable then.
#
# usage: scripts/bench-enet-load.sh
#   CLIENTS=1000   clients (ENet peers on the server)
#   RATE=30        packets per second per client
#   SIZE=32        bytes per packet (at least 20)
#   MODE=reliable  reliable or unreliable
#   DURATION=10s   measured window (after WARMUP=2s of load)
#   PEERS          server peer slots (default CLIENTS + 16, at most 4095)
#   ROUNDS=1       rounds of C then Go; each server's round with the most
#                  packets sent (the fewest skipped: closest to the load
#                  asked) counts
# Quick look while developing: CLIENTS=100 DURATION=3s scripts/bench-enet-load.sh
# Needs gcc, libenet-dev (apt-get install -y libenet-dev), Go and Linux /proc.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
clients=${CLIENTS:-1000}
rate=${RATE:-30}
size=${SIZE:-32}
mode=${MODE:-reliable}
duration=${DURATION:-10s}
warmup=${WARMUP:-2s}
rounds=${ROUNDS:-1}
peers=${PEERS:-$((clients + 16))}
[ "$peers" -gt 4095 ] && peers=4095

tmp=$(mktemp -d)
srv=
cleanup() {
	if [ -n "$srv" ]; then kill "$srv" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
gcc -O2 -o "$tmp/enetecho" "$root/scripts/enetecho.c" -lenet
(cd "$root" && go build -o "$tmp/packetpeer" ./cmd/packetpeer)

field() { # field NAME LINE -> value of NAME=value in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}

port=$((20000 + RANDOM % 20000))
# measure SERVER -> the generator's last line
measure() {
	local s=$1 line
	port=$((port + 1))
	if [ "$s" = C ]; then
		"$tmp/enetecho" "$port" "$peers" >/dev/null 2>"$tmp/server.err" &
	else
		"$tmp/packetpeer" bench enet-load --role server --listen "127.0.0.1:$port" --peers "$peers" 2>"$tmp/server.err" &
	fi
	srv=$!
	sleep 0.3
	line=$(timeout 600 "$tmp/packetpeer" bench enet-load --role client --connect "127.0.0.1:$port" \
		--clients "$clients" --rate "$rate" --size "$size" --mode "$mode" \
		--warmup "$warmup" --duration "$duration" --server-pid "$srv" 2>"$tmp/gen.err" | tail -n 1) || true
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	srv=
	printf '%s\n' "$line"
}

declare -A best=()
for round in $(seq 1 "$rounds"); do
	for s in C Go; do
		line=$(measure "$s")
		cpu=$(field server_cpu_s "$line")
		if ! [[ $cpu =~ ^[0-9.]+$ ]]; then
			echo "round $round $s: no result ('$line'); generator: $(tail -n 3 "$tmp/gen.err" | tr '\n' ' ')" >&2
			continue
		fi
		echo "round $round $s: $line" >&2
		if [ -z "${best[$s]:-}" ] || [ "$(field sent "$line")" -gt "$(field sent "${best[$s]}")" ]; then
			best[$s]=$line
		fi
	done
done

printf '%-7s %9s %9s %9s %8s %9s %8s %8s %12s %8s %10s %8s\n' server p50_ms p99_ms max_ms loss_pct connected sent skipped server_cpu_s cpu_pct us_per_pkt gen_pct
for s in C Go; do
	l=${best[$s]:-}
	printf '%-7s %9s %9s %9s %8s %9s %8s %8s %12s %8s %10s %8s\n' "$s" \
		"$(field p50_ms "$l")" "$(field p99_ms "$l")" "$(field max_ms "$l")" "$(field loss_pct "$l")" \
		"$(field connected "$l")" "$(field sent "$l")" "$(field skipped "$l")" \
		"$(field server_cpu_s "$l")" "$(field server_cpu_pct "$l")" "$(field server_us_per_pkt "$l")" "$(field gen_cpu_pct "$l")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "Go/C: server CPU $(ratio "$(field server_cpu_s "${best[Go]:-}")" "$(field server_cpu_s "${best[C]:-}")")," \
	"per packet $(ratio "$(field server_us_per_pkt "${best[Go]:-}")" "$(field server_us_per_pkt "${best[C]:-}")")," \
	"p99 $(ratio "$(field p99_ms "${best[Go]:-}")" "$(field p99_ms "${best[C]:-}")")"
echo "clients=$clients rate=$rate size=$size mode=$mode duration=$duration warmup=$warmup peers=$peers rounds=$rounds (per side the round closest to the load asked); CPU = utime+stime over the window, pct of one core"
