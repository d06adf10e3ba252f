#!/usr/bin/env bash
# Compares enet/rangecoder with libenet 1.3.17's range coder on the same
# input, in one run: the corpus of enet/rangecoder's BenchmarkDatagrams*
# (2000 datagram bodies of a simulated game session, 8..1396 bytes, as
# libenet passes them to its compressor), compressed as a host does and
# decompressed as a receiver does.
#
# Rounds alternate the C program (scripts/rangecoder_bench.c, libenet's
# enet_range_coder_compress/decompress) and the Go benchmarks; each side's
# best round counts, so that a burst of load from another process does not
# decide the ratio. Throughput is given over wall-clock time (MBps) and
# over the process's CPU time (cpuMBps; the same on a quiet machine, less
# disturbed by other processes on a busy one). The script checks that both produced the same total
# compressed size (the coders are bit-exact, so they do the same work).
#
# usage: scripts/bench-rangecoder.sh
#   ROUNDS=5      rounds
#   SECS=1        seconds per measurement (C: best of 3 such runs per round;
#                 Go: -benchtime)
# Needs gcc, libenet-dev (apt-get install -y libenet-dev) and Go.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-5}
secs=${SECS:-1}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/rangecoder_bench" "$root/scripts/rangecoder_bench.c" -lenet
(cd "$root" && go test -c -o "$tmp/rangecoder.test" ./enet/rangecoder)
"$tmp/rangecoder.test" -test.run '^TestDatagramCorpus$' -corpus-out="$tmp/corpus.bin" >/dev/null

field() { # field NAME LINE -> value of NAME=value in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}
# cfield OP NAME LINE -> NAME of the "OP ..." part of the C line
cfield() {
	printf '%s\n' "$3" | sed -n "s/.* $1 \(MBps=[0-9.]* cpuMBps=[0-9.]*\).*/\1/p" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# gofield NAME UNIT OUTPUT -> the value before UNIT on benchmark NAME's line
gofield() {
	printf '%s\n' "$3" | awk -v n="$1" -v u="$2" '$1 ~ "^"n"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($(i+1) == u) print $i }'
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }

declare -A best=()
keep() { best[$1]=$(max "${best[$1]:-0}" "$2"); }
c_cbytes= go_cbytes= go_allocs=- line=
for round in $(seq 1 "$rounds"); do
	line=$("$tmp/rangecoder_bench" "$tmp/corpus.bin" "$secs")
	echo "round $round C:  $line" >&2
	for op in compress decompress; do
		keep "C $op wall" "$(cfield $op MBps "$line")"
		keep "C $op cpu" "$(cfield $op cpuMBps "$line")"
	done
	c_cbytes=$(field cbytes "$line")

	out=$("$tmp/rangecoder.test" -test.run '^$' -test.bench '^BenchmarkDatagrams' -test.benchtime "${secs}s" -test.benchmem)
	for op in compress decompress; do
		name=BenchmarkDatagrams${op^}
		keep "Go $op wall" "$(gofield "$name" MB/s "$out")"
		keep "Go $op cpu" "$(gofield "$name" cpuMB/s "$out")"
	done
	echo "round $round Go: $(printf '%s\n' "$out" | grep '^BenchmarkDatagrams' | tr -s ' \t' ' ' | tr '\n' ';')" >&2
	go_cbytes=$(gofield BenchmarkDatagramsCompress cbytes/op "$out")
	go_allocs=$(gofield BenchmarkDatagramsCompress allocs/op "$out")/$(gofield BenchmarkDatagramsDecompress allocs/op "$out")
done

if [ "$c_cbytes" != "$go_cbytes" ]; then
	echo "compressed sizes differ: libenet $c_cbytes, Go $go_cbytes bytes" >&2
	exit 1
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '%-12s %12s %12s %8s   %12s %12s %8s\n' op C_MBps Go_MBps Go/C C_cpuMBps Go_cpuMBps Go/C
for op in compress decompress; do
	printf '%-12s %12s %12s %8s   %12s %12s %8s\n' "$op" \
		"${best[C $op wall]}" "${best[Go $op wall]}" "$(ratio "${best[Go $op wall]}" "${best[C $op wall]}")" \
		"${best[C $op cpu]}" "${best[Go $op cpu]}" "$(ratio "${best[Go $op cpu]}" "${best[C $op cpu]}")"
done
echo "corpus $(field bytes "$line") bytes in $(field datagrams "$line") datagrams, compressed to $c_cbytes bytes by both;" \
	"Go allocs/op (compress/decompress) $go_allocs; rounds=$rounds, best per side;" \
	"MB = 10^6 bytes uncompressed, MBps over wall time, cpuMBps over process CPU time"
