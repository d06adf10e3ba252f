# Godot 3.2.3's own var2bytes / bytes2var speed on one payload: the anchor
# that scripts/bench-codec.sh compares packetpeer's codec with.
# Run from a folder holding a project.godot ("[application]"):
#   IN=payload.bin REPS=300 LANG=C.UTF-8 godot3-server --no-window -s godot3_codec.gd
# Prints: godot3 codec payload_bytes=N reps=R encode_MBps=X decode_MBps=Y (MB = 10^6 bytes)
extends SceneTree

func _init():
	var f = File.new()
	if f.open(OS.get_environment("IN"), File.READ) != OK:
		printerr("godot3_codec: cannot open IN=", OS.get_environment("IN"))
		quit()
		return
	var payload = f.get_buffer(f.get_len())
	f.close()
	var reps = 300
	if OS.get_environment("REPS") != "":
		reps = int(OS.get_environment("REPS"))
	var state = bytes2var(payload)
	var encoded
	var t0 = OS.get_ticks_usec()
	for i in range(reps):
		encoded = var2bytes(state)
	var t1 = OS.get_ticks_usec()
	var decoded
	for i in range(reps):
		decoded = bytes2var(payload)
	var t2 = OS.get_ticks_usec()
	if encoded != payload:
		printerr("godot3_codec: re-encoded bytes differ from the input")
	# bytes per microsecond = MB/s
	print("godot3 codec payload_bytes=%d reps=%d encode_MBps=%.1f decode_MBps=%.1f" % [payload.size(), reps,
		reps * payload.size() / float(t1 - t0), reps * payload.size() / float(t2 - t1)])
	quit()
