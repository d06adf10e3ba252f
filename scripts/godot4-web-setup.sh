#!/usr/bin/env bash
# Sets up the real Godot 4 engine that packetpeer's Godot 4 interop tests run
# (internal/godottest.RunGodot4Web): the Godot 4.2-dev web editor build from
# the npm package @gdquest/gd-exercise-react@0.1.4, and Debian's
# chromium-headless-shell with the libraries it needs, unpacked (not
# installed) into one folder, ~450 MB.
#
#   folder: $PACKETPEER_GODOT4_WEB, default $HOME/.cache/packetpeer/godot4-web
#   layout: npm/gdx/package/dist/godot.editor.{js,wasm,worker.js}
#           chroot/usr/lib/chromium/chromium-headless-shell (+ chroot/usr/lib/x86_64-linux-gnu)
#
# Idempotent: does nothing when the engine and Chromium are already there
# (pass --force to redo). Needs npm, apt-get (download only) and dpkg-deb.
set -euo pipefail

dir=${PACKETPEER_GODOT4_WEB:-$HOME/.cache/packetpeer/godot4-web}
engine=$dir/npm/gdx/package/dist
chromium=$dir/chroot/usr/lib/chromium/chromium-headless-shell

if [ "${1:-}" != "--force" ] && [ -s "$engine/godot.editor.wasm" ] && [ -s "$engine/godot.editor.js" ] &&
	[ -s "$engine/godot.editor.worker.js" ] && [ -x "$chromium" ]; then
	echo "Godot 4 web engine already set up in $dir"
	exit 0
fi

for tool in npm apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "godot4-web-setup: $tool is required" >&2; exit 2; }
done

mkdir -p "$dir/npm" "$dir/debs" "$dir/chroot"
cd "$dir"

# The engine: Godot 4.2-dev (15998189319905826af039f8759d2441593bbc46) web editor build.
(
	cd npm
	export npm_config_cache=$dir/npm-cache
	rm -f gdquest-gd-exercise-react-0.1.4.tgz
	npm pack @gdquest/gd-exercise-react@0.1.4 >/dev/null
	rm -rf gdx && mkdir gdx
	tar xzf gdquest-gd-exercise-react-0.1.4.tgz -C gdx
)

# Chromium's headless shell and the libraries it loads that a minimal system lacks.
(
	cd debs
	rm -f ./*.deb
	debs=(chromium-headless-shell chromium-common libdouble-conversion3 libflac12
		libharfbuzz-subset0 libminizip1 libopenh264-7 libopenjp2-7 libasyncns0 libmp3lame0
		libmpg123-0 libvorbisenc2 libsndfile1 libpulse0 libxnvctrl0)
	if ! apt-get download "${debs[@]}" >/dev/null; then
		# A fresh machine may have no package lists yet: refresh them once.
		echo "apt-get download failed; running apt-get update and retrying" >&2
		if [ "$(id -u)" -eq 0 ]; then apt-get update </dev/null; else sudo -n apt-get update </dev/null; fi
		apt-get download "${debs[@]}" >/dev/null
	fi
)
for deb in debs/*.deb; do
	dpkg-deb -x "$deb" chroot
done

[ -s "$engine/godot.editor.wasm" ] || { echo "godot4-web-setup: engine files missing in $engine" >&2; exit 1; }
[ -x "$chromium" ] || { echo "godot4-web-setup: $chromium missing" >&2; exit 1; }
echo "Godot 4 web engine set up in $dir"
