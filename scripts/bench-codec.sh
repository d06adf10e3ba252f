#!/usr/bin/env bash
# Compares packetpeer's Variant codec with Godot 3.2.3's own var2bytes /
# bytes2var on the same payload, measured in the same run, and prints the
# ratios (packetpeer MB/s divided by Godot's; the goal is >= 3).
#
# usage: scripts/bench-codec.sh [payload.bin]
#   default payload: variant/testdata/bench/game_state_v3.bin (38 KB written by Godot 3.2.3)
#   REPS=300      repetitions for Godot (var2bytes and bytes2var each)
#   GO_REPS=REPS  repetitions for packetpeer
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
go_out=$(cd "$root" && go run ./cmd/packetpeer bench codec --godot 3 --reps "$go_reps" "$in")
go_line=$(printf '%s\n' "$go_out" | tail -n 1)

field() { # field NAME LINE -> value of NAME=value in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}
g_enc=$(field encode_MBps "$godot_line"); g_dec=$(field decode_MBps "$godot_line")
p_enc=$(field encode_MBps "$go_line"); p_dec=$(field decode_MBps "$go_line")
for v in "$g_enc" "$g_dec" "$p_enc" "$p_dec"; do
	if ! [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "could not parse the results:" >&2
		echo "  godot: $godot_line" >&2
		echo "  packetpeer: $go_line" >&2
		exit 1
	fi
done

echo "payload: $in ($(wc -c <"$in") bytes)"
echo "$godot_line"
echo "packetpeer codec reps=$go_reps encode_MBps=$p_enc decode_MBps=$p_dec"
awk -v pe="$p_enc" -v pd="$p_dec" -v ge="$g_enc" -v gd="$g_dec" \
	'BEGIN { printf "encode_ratio=%.2f decode_ratio=%.2f\n", pe / ge, pd / gd }'
