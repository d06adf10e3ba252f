#!/usr/bin/env bash
# Compares packetpeer's Variant codec with Godot 3.2.3's own var2bytes /
# bytes2var on the same payload, measured in the same run, and prints the
# ratios (packetpeer MB/s divided by Godot's; the goal is >= 3).
#
# usage: scripts/bench-codec.sh [payload.bin]
#   default payload: variant/testdata/bench/game_state_v3.bin (38 KB written by Godot 3.2.3)
#   REPS=300      repetitions for Godot (var2bytes and bytes2var each)
#   GO_REPS=REPS  repetitions for packetpeer
#   ROUNDS=5      alternating rounds (Godot, packetpeer, Godot, ...); each
#                 side's best round counts, so a burst of load from another
#                 process on the machine does not decide the ratio
# Needs godot3-server (apt-get install -y godot3-server) and Go.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
in=${1:-$root/variant/testdata/bench/game_state_v3.bin}
in=$(cd "$(dirname "$in")" && pwd)/$(basename "$in")
reps=${REPS:-300}
go_reps=${GO_REPS:-$reps}

if ! command -v godot3-server >/dev/null; then
	echo "godot3-server not installed: apt-get install -y godot3-server" >&2
	exit 2
fi
[ -r "$in" ] || { echo "cannot read $in" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[application]\n' >"$tmp/project.godot"
cp "$root/scripts/godot3_codec.gd" "$tmp/"

rounds=${ROUNDS:-5}
go build -o "$tmp/packetpeer" "$root/cmd/packetpeer"

field() { # field NAME LINE -> value of NAME=value in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }
num() {
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "could not parse a result: '$2'" >&2; exit 1; }
}

g_enc=0 g_dec=0 p_enc=0 p_dec=0
for round in $(seq 1 "$rounds"); do
	# Godot 3.2.3: its own codec.
	godot_out=$(cd "$tmp" && IN="$in" REPS="$reps" LANG=C.UTF-8 HOME="$tmp" \
		timeout 600 godot3-server --no-window -s godot3_codec.gd 2>"$tmp/godot.err") || true
	godot_line=$(printf '%s\n' "$godot_out" | grep '^godot3 codec' | tail -n 1 || true)
	if [ -z "$godot_line" ]; then
		echo "godot3_codec.gd printed no result:" >&2
		printf '%s\n' "$godot_out" >&2
		cat "$tmp/godot.err" >&2
		exit 1
	fi
	if grep -q 're-encoded bytes differ' "$tmp/godot.err"; then
		echo "warning: Godot's re-encoding of the payload differs from the file" >&2
	fi
	# packetpeer: the CLI's last line is "encode_MBps=X decode_MBps=Y".
	go_line=$("$tmp/packetpeer" bench codec --godot 3 --reps "$go_reps" "$in" | tail -n 1)
	ge=$(field encode_MBps "$godot_line"); gd=$(field decode_MBps "$godot_line")
	pe=$(field encode_MBps "$go_line"); pd=$(field decode_MBps "$go_line")
	num "$ge" "$godot_line"; num "$gd" "$godot_line"; num "$pe" "$go_line"; num "$pd" "$go_line"
	echo "round $round: godot3 encode_MBps=$ge decode_MBps=$gd | packetpeer encode_MBps=$pe decode_MBps=$pd"
	g_enc=$(best "$g_enc" "$ge"); g_dec=$(best "$g_dec" "$gd")
	p_enc=$(best "$p_enc" "$pe"); p_dec=$(best "$p_dec" "$pd")
done

echo "payload: $in ($(wc -c <"$in") bytes)"
echo "best of $rounds rounds:"
echo "godot3 codec reps=$reps encode_MBps=$g_enc decode_MBps=$g_dec"
echo "packetpeer codec reps=$go_reps encode_MBps=$p_enc decode_MBps=$p_dec"
awk -v pe="$p_enc" -v pd="$p_dec" -v ge="$g_enc" -v gd="$g_dec" \
	'BEGIN { printf "encode_ratio=%.2f decode_ratio=%.2f\n", pe / ge, pd / gd }'
