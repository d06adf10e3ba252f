#!/usr/bin/env bash
# Relay capacity: packetpeer serve against Godot 3.2.3's own server, in one
# run. For each client count N, the same load generator (packetpeer bench
# relay: N Godot 3.2 clients in one process, each its own ENet host and UDP
# socket, each sending RATE packets/s of SIZE bytes to another client
# picked at random for every packet, through the server) drives, one after
# the other:
#   godot  godot3-server running scripts/godot3_relay_server.gd:
#          NetworkedMultiplayerENet.create_server(port, 4095) with
#          server_relay on, set as the SceneTree's network peer, nothing
#          else. Godot's default main loop: the headless binary (OS "Server")
#          cannot draw, so every iteration ends by sleeping
#          low_processor_usage_mode_sleep_usec (6900 µs by default): about
#          145 polls per second, never a busy loop (target_fps 0, physics
#          60 Hz, unused). That default is what the ratio uses: it is what a
#          Godot 3.2.3 dedicated server does out of the box.
#   go     packetpeer serve with only the Godot 3.2 dialect (--godot4 ""
#          --http ""; packetpeer's defaults otherwise).
# Over the generator's measured window it samples the server's CPU
# (utime+stime of every thread, /proc/PID/stat, in % of one core), the
# datagrams the kernel dropped on the server's and on the generator's UDP
# sockets (full receive buffer, /proc/net/udp), the generator's CPU and the
# rest of the machine's ("other": a busy machine makes every figure noisy),
# and takes the generator's relay latency (p50/p99/max, send to receipt,
# one clock) and loss.
#
# The goal: the same load at no more than one fifth of Godot's CPU, or five
# times the clients at the same p99. For the second half it also runs
# packetpeer serve with 5N clients (when 5N fits ENet's 4095 peers per
# host) and compares that p99 with Godot's at N. A packetpeer row only
# counts with every client connected, none gone and no more loss than
# max(1%, Godot's).
#
# Unreliable loss: the connection ramp-up inflates ENet's RTT estimates,
# and ENet's packet throttle (libenet's, in Godot and in packetpeer alike)
# then drops unreliable packets until it recovers, 5 to 10 s later: hence
# WARMUP=10s. The generator connects one client at a time (BATCH=1) and
# waits for its announcements: past ~500 clients a join's acknowledgement
# burst alone fills a server's socket buffer.
#
# The generator shares the machine with the server: at 1000 clients it
# needs most of a core itself (see gen_cpu), so run on a quiet machine and
# read "other" before trusting a figure.
#
# usage: scripts/bench-relay.sh
#   CLIENTS="100 1000"  client counts
#   RATE=30 SIZE=64     packets per second per client, payload bytes
#   MODE=unreliable     transfer mode (unreliable, unreliable_ordered, reliable)
#   DURATION=10s        measured window (a Go duration: 10s, 1m)
#   WARMUP=10s          sending before the window (not measured)
#   ROUNDS=1            rounds; with more, the table shows each metric's median
#   FIVEX=1             also run packetpeer serve at 5N clients (0: skip)
#   GODOT_SLEEP=        low_processor_usage_mode_sleep_usec for Godot
#                       (empty: Godot's default, 6900; 0 spins)
#   BATCH=1             clients the generator connects at a time
#   KEEP=DIR            keep every log in DIR
# quick look: DURATION=3s WARMUP=2s CLIENTS=20 scripts/bench-relay.sh
# Needs Go and godot3-server (apt-get install -y godot3-server).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
clients=${CLIENTS:-"100 1000"}
rate=${RATE:-30}
size=${SIZE:-64}
mode=${MODE:-unreliable}
duration=${DURATION:-10s}
warmup=${WARMUP:-10s}
rounds=${ROUNDS:-1}
fivex=${FIVEX:-1}
godot_sleep=${GODOT_SLEEP:-}
batch=${BATCH:-1}
godot=${GODOT3:-godot3-server}

command -v "$godot" >/dev/null || { echo "bench-relay: $godot not found (apt-get install -y godot3-server)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
napid=
# nap SECONDS: sleep, interruptible by INT and TERM (a foreground sleep
# would hold off the trap until it ends).
nap() {
	sleep "$1" &
	napid=$!
	wait "$napid"
	napid=
}
cleanup() {
	[ -z "$napid" ] || kill "$napid" 2>/dev/null || true
	# Each pid is a timeout wrapper or the generator; servers are children.
	for p in "${pids[@]}"; do
		pkill -KILL -P "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$tmp"/. "$KEEP"/ && echo "logs kept in $KEEP" >&2; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
go build -o "$tmp/packetpeer" "$root/cmd/packetpeer"
mkdir -p "$tmp/godot/.home"
printf '[application]\n\nconfig/name="packetpeer-relay-bench"\n' >"$tmp/godot/project.godot"
cp "$root/scripts/godot3_relay_server.gd" "$tmp/godot/main.gd"

secs() { # Go duration (5s, 500ms, 1m, 1m30s) -> seconds
	awk -v d="$1" 'BEGIN {
		s = 0; n = ""
		for (i = 1; i <= length(d); i++) {
			c = substr(d, i, 1)
			if (c ~ /[0-9.]/) { n = n c; continue }
			if (c == "m" && substr(d, i + 1, 1) == "s") { s += n / 1000; i++ }
			else if (c == "h") s += n * 3600
			else if (c == "m") s += n * 60
			else if (c == "s") s += n
			n = ""
		}
		print s
	}'
}
field() { # field NAME LINE -> value of NAME=value in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}
ticks() { # ticks PID -> utime+stime of the process (all threads), clock ticks
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
sockdrops() { # sockdrops PID -> datagrams the kernel dropped on PID's UDP sockets
	local inodes
	inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	awk -v want=" $inodes" 'NR > 1 && index(want, " " $10 " ") { d += $NF } END { print d + 0 }' /proc/net/udp /proc/net/udp6
}
busy() { # busy ticks of the whole machine (every core)
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
now_ns() { date +%s%N; }
hz=$(getconf CLK_TCK)
warm_s=$(secs "$warmup")
dur_s=$(secs "$duration")

port=$((20000 + RANDOM % 20000))
# one SERVER N: one line of key=value results for SERVER (godot or go)
# with N clients on stdout. Run it in this shell (not in $(...)), so that
# pids keeps what it starts for cleanup.
one() {
	local server=$1 n=$2 spid tpid log gen genpid line i ctimeout limit
	port=$((port + 1))
	log="$tmp/$server-$n-$port.log"
	gen="$tmp/gen-$server-$n-$port"
	ctimeout=$((60 + n / 4))
	limit=$(awk -v c="$ctimeout" -v w="$warm_s" -v d="$dur_s" 'BEGIN { print int(c + w + d + 60) }')
	if [ "$server" = godot ]; then
		(cd "$tmp/godot" && LANG=C.UTF-8 HOME="$tmp/godot/.home" PP_PORT=$port PP_SECONDS=$limit \
			PP_SLEEP_USEC="$godot_sleep" exec timeout -k 5 $((limit + 30)) "$godot" --no-window -s main.gd) >"$log" 2>&1 &
		tpid=$!
		for i in $(seq 100); do grep -q '^READY' "$log" && break; sleep 0.1; done
	else
		timeout -k 5 $((limit + 30)) "$tmp/packetpeer" serve --godot3 "127.0.0.1:$port" --godot4 "" --http "" \
			--max-peers $((n < 1024 ? 1024 : n)) >"$log" 2>&1 &
		tpid=$!
		for i in $(seq 100); do grep -q 'msg=serving' "$log" && break; sleep 0.1; done
	fi
	pids+=("$tpid")
	spid=$(pgrep -P "$tpid" | head -n 1 || true)
	if [ -z "$spid" ] || ! [ -e "/proc/$spid/stat" ]; then
		echo "bench-relay: $server server did not start; its log:" >&2
		cat "$log" >&2
		kill -KILL "$tpid" 2>/dev/null || true
		return 0
	fi
	"$tmp/packetpeer" bench relay --connect "127.0.0.1:$port" --clients "$n" --rate "$rate" --size "$size" \
		--mode "$mode" --duration "$duration" --warmup "$warmup" --batch "$batch" \
		--connect-timeout "${ctimeout}s" >"$gen.out" 2>"$gen.err" &
	genpid=$!
	pids+=("$genpid")
	# The generator's window starts WARMUP after it reports the clients connected.
	for i in $(seq $((ctimeout * 10 + 100))); do
		grep -q 'clients connected in' "$gen.err" 2>/dev/null && break
		kill -0 "$genpid" 2>/dev/null || break
		sleep 0.1
	done
	local s0 g0 b0 t0 s1 g1 b1 t1 sd0 sd1 gd0 gd1 st0 st1
	nap "$warm_s"
	s0=$(ticks "$spid") g0=$(ticks "$genpid") b0=$(busy) t0=$(now_ns)
	sd0=$(sockdrops "$spid") gd0=$(sockdrops "$genpid") st0=$(grep -c '^STAT' "$log" || true)
	nap "$dur_s"
	s1=$(ticks "$spid") g1=$(ticks "$genpid") b1=$(busy) t1=$(now_ns)
	sd1=$(sockdrops "$spid") gd1=$(sockdrops "$genpid") st1=$(grep -c '^STAT' "$log" || true)
	local rss
	rss=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$spid/status" 2>/dev/null || true)
	wait "$genpid" || true
	line=$(tail -n 1 "$gen.out")
	local fps=-
	if [ "$server" = godot ]; then
		fps=$(grep '^STAT' "$log" | sed -n "$((st0 + 1)),${st1}p" | sed -n 's/.*fps=\([0-9]*\).*/\1/p' |
			awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print "-" }')
	fi
	kill -KILL "$spid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	if ! [[ $line == "packetpeer relay "* ]] || [ -z "$s0" ] || [ -z "$s1" ]; then
		echo "bench-relay: $server n=$n: no result; the generator said:" >&2
		cat "$gen.err" "$gen.out" >&2
		return 0
	fi
	awk -v s0="$s0" -v s1="$s1" -v g0="${g0:-0}" -v g1="${g1:-0}" -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" \
		-v hz="$hz" -v line="$line" -v server="$server" -v fps="$fps" -v sd=$((sd1 - sd0)) -v gd=$((gd1 - gd0)) \
		-v rss="${rss:--}" -v rate="$rate" 'BEGIN {
		dt = (t1 - t0) / 1e9
		srv = (s1 - s0) / hz / dt * 100; gen = (g1 - g0) / hz / dt * 100
		other = (b1 - b0) / hz / dt * 100 - srv - gen
		if (other < 0) other = 0
		# The generator line: sent, received, secs and clients give the
		# schedule kept and the server CPU per relayed packet.
		split(line, f, " ")
		for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
		sched = v["sent"] / (v["connected"] * rate * v["secs"]) * 100
		us = (v["received"] > 0) ? srv / 100 * 1e6 / (v["received"] / v["secs"]) : 0
		printf "server=%s %s cpu_pct=%.2f us_per_pkt=%.1f sched_pct=%.1f gen_cpu_pct=%.1f other_cpu_pct=%.1f fps=%s srv_sock_drops=%d gen_sock_drops=%d srv_rss_mb=%s\n",
			server, substr(line, 18), srv, us, sched, gen, other, fps, sd, gd, rss
	}'
}

median() { # values... -> median (or - when none)
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# runs N -> the SERVER:CLIENTS runs of client count N
runs() {
	local r="godot:$1 go:$1"
	if [ "$fivex" = 1 ] && [ $((5 * $1)) -le 4095 ]; then r="$r go:$((5 * $1))"; fi
	echo "$r"
}

results="$tmp/results"
: >"$results"
for round in $(seq 1 "$rounds"); do
	for n in $clients; do
		for r in $(runs "$n"); do
			one "${r%%:*}" "${r#*:}" >"$tmp/one"
			res=$(cat "$tmp/one")
			[ -n "$res" ] || continue
			echo "round $round base=$n $res" >&2
			echo "base=$n $res" >>"$results"
		done
	done
done

# stat BASE SERVER CLIENTS KEY -> median of KEY over the rounds
stat() {
	local vals=() l
	while read -r l; do
		[ "$(field base "$l")" = "$1" ] && [ "$(field server "$l")" = "$2" ] && [ "$(field clients "$l")" = "$3" ] || continue
		vals+=("$(field "$4" "$l")")
	done <"$results"
	median "${vals[@]}"
}

echo
echo "relay: $rate pkt/s x $size B per client to a random other client, $mode, window $duration after $warmup warmup, rounds=$rounds (medians)"
echo "godot: $("$godot" --version 2>/dev/null | head -n 1) headless, low_processor_usage_mode_sleep_usec=${godot_sleep:-6900 (default)}; go: packetpeer serve"
echo "cpu, gen_cpu, other: % of one core; us/pkt: server CPU per relayed packet; sched: % of the schedule the generator kept;"
echo "drops: datagrams the kernel dropped on the server's / generator's sockets; throttle: % of unreliable sends the clients'"
echo "ENet throttle let through; rss: server memory; fps: Godot main-loop iterations per second"
fmt='%-7s %-5s %6s %6s %7s %7s %8s %6s %7s %6s %6s %5s %7s %4s %6s %5s %6s %4s\n'
# shellcheck disable=SC2059
printf "$fmt" clients srv cpu us/pkt p50_ms p99_ms max_ms loss% drops gdrops thrott sched connect gone rss_mb gen other fps
for n in $clients; do
	for r in $(runs "$n"); do
		s=${r%%:*} c=${r#*:}
		# shellcheck disable=SC2059
		printf "$fmt" "$c" "$s" \
			"$(stat "$n" "$s" "$c" cpu_pct)" "$(stat "$n" "$s" "$c" us_per_pkt)" \
			"$(stat "$n" "$s" "$c" p50_ms)" "$(stat "$n" "$s" "$c" p99_ms)" \
			"$(stat "$n" "$s" "$c" max_ms)" "$(stat "$n" "$s" "$c" loss_pct)" \
			"$(stat "$n" "$s" "$c" srv_sock_drops)" "$(stat "$n" "$s" "$c" gen_sock_drops)" \
			"$(stat "$n" "$s" "$c" client_throttle_pct)" "$(stat "$n" "$s" "$c" sched_pct)" \
			"$(stat "$n" "$s" "$c" connected)" "$(stat "$n" "$s" "$c" gone)" "$(stat "$n" "$s" "$c" srv_rss_mb)" \
			"$(stat "$n" "$s" "$c" gen_cpu_pct)" "$(stat "$n" "$s" "$c" other_cpu_pct)" "$(stat "$n" "$s" "$c" fps)"
	done
done
echo
all_met=1
for n in $clients; do
	gl=$(stat "$n" godot "$n" loss_pct)
	# valid N SERVER CLIENTS -> "" if that run counts, else why not: every
	# client connected and stayed, the generator kept its schedule, and
	# (packetpeer) no more loss than max(1%, Godot's)
	valid() {
		awk -v c="$(stat "$1" "$2" "$3" connected)" -v g="$(stat "$1" "$2" "$3" gone)" -v l="$(stat "$1" "$2" "$3" loss_pct)" \
			-v sc="$(stat "$1" "$2" "$3" sched_pct)" -v gl="$gl" -v s="$2" -v n="$3" 'BEGIN {
			if (c == "-") { print s " at " n ": no result"; exit }
			if (c + 0 < n || g + 0 > 0) { printf "%s at %d: %d of %d connected, %d gone", s, n, c, n, g; exit }
			if (sc + 0 < 95) { printf "%s at %d: the generator kept %.0f%% of its schedule (busy machine)", s, n, sc; exit }
			lim = (gl == "-" || gl + 0 < 1) ? 1 : gl + 0
			if (s == "go" && l + 0 > lim) printf "%s at %d: loss %.2f%% > %.2f%%", s, n, l, lim
		}'
	}
	# Each verdict is "text|1" (met) or "text|0".
	why=$(valid "$n" godot "$n")
	[ -n "$why" ] || why=$(valid "$n" go "$n")
	if [ -n "$why" ]; then
		v1="cpu: does not count ($why)|0"
	else
		v1=$(awk -v g="$(stat "$n" godot "$n" cpu_pct)" -v p="$(stat "$n" go "$n" cpu_pct)" 'BEGIN {
			if (g == "-" || p == "-") { print "cpu: no result|0"; exit }
			if (p <= 0) { printf "cpu: packetpeer %.2f%% vs Godot %.2f%%: met|1\n", p, g; exit }
			printf "cpu: Godot %.2f%% / packetpeer %.2f%% = %.1f: %s\n", g, p, g / p, (g / p >= 5 ? "met|1" : "not met|0")
		}')
	fi
	n5=$((5 * n))
	if [ "$fivex" != 1 ]; then
		v2="5x clients: skipped (FIVEX=0)|0"
	elif [ "$n5" -gt 4095 ]; then
		v2="5x clients: $n5 is past ENet's 4095 peers per host, not measured|0"
	elif why=$(valid "$n" godot "$n") && [ -n "$why" ] || { why=$(valid "$n" go "$n5") && [ -n "$why" ]; }; then
		v2="5x clients: does not count ($why)|0"
	else
		v2=$(awk -v g="$(stat "$n" godot "$n" p99_ms)" -v p="$(stat "$n" go "$n5" p99_ms)" -v n="$n" 'BEGIN {
			if (g == "-" || p == "-") { print "5x clients: no result|0"; exit }
			printf "5x clients: p99 %.3f ms at %d vs Godot %.3f ms at %d: %s\n", p, 5 * n, g, n, (p <= g ? "met|1" : "not met|0")
		}')
	fi
	met=no
	if [ "${v1##*|}" = 1 ] || [ "${v2##*|}" = 1 ]; then met=yes; else all_met=0; fi
	echo "N=$n: ${v1%|*}; ${v2%|*} => goal met: $met"
done
if [ "$all_met" = 1 ]; then echo "goal met at every N"; else echo "goal not met at every N"; fi
