extends SceneTree

# A Godot 3.2.3 dedicated relay server, the reference for
# scripts/bench-relay.sh: NetworkedMultiplayerENet.create_server with
# server_relay on, set as the SceneTree's network peer, nothing else. The
# SceneTree polls it once per main-loop iteration (SceneTree.idle calls
# MultiplayerAPI.poll, which services the ENet host until it has no more
# events; relayed packets go out on the next service call of that poll).
#
# Godot 3.2.3's headless binary (platform "Server") never busy-loops: its
# OS cannot draw, so every iteration ends by sleeping
# OS.low_processor_usage_mode_sleep_usec (6900 µs by default, the project
# setting application/run/low_processor_mode_sleep_usec), about 145
# iterations per second; Engine.target_fps is 0 (no cap) and physics runs at
# 60 Hz (Engine.iterations_per_second), which a relay does not use.
#
# Environment:
#   PP_PORT         UDP port (required)
#   PP_BIND         address to bind (default 127.0.0.1)
#   PP_MAX_CLIENTS  create_server's max_clients, 1..4095 (default 4095)
#   PP_SLEEP_USEC   if set, replaces low_processor_usage_mode_sleep_usec
#                   (Godot's default 6900; 0 makes the loop spin)
#   PP_SECONDS      quit after this many seconds (default 600)
# Prints "READY ..." once listening, then "STAT fps=N peers=N" every second.

var peer = NetworkedMultiplayerENet.new()
var frames = 0
var last_stat = 0
var deadline = 0

func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var bind = OS.get_environment("PP_BIND")
	if bind == "":
		bind = "127.0.0.1"
	var max_clients = 4095
	if OS.get_environment("PP_MAX_CLIENTS") != "":
		max_clients = int(OS.get_environment("PP_MAX_CLIENTS"))
	if OS.get_environment("PP_SLEEP_USEC") != "":
		OS.low_processor_usage_mode_sleep_usec = int(OS.get_environment("PP_SLEEP_USEC"))
	var seconds = 600
	if OS.get_environment("PP_SECONDS") != "":
		seconds = int(OS.get_environment("PP_SECONDS"))
	peer.server_relay = true
	peer.set_bind_ip(bind)
	var err = peer.create_server(port, max_clients)
	if err != OK:
		print("ERROR create_server %d" % err)
		quit()
		return
	set_network_peer(peer)
	last_stat = OS.get_ticks_msec()
	deadline = last_stat + seconds * 1000
	print("READY port=%d max_clients=%d sleep_usec=%d target_fps=%d physics_fps=%d version=%s" % [
		port, max_clients, OS.low_processor_usage_mode_sleep_usec, Engine.target_fps,
		Engine.iterations_per_second, Engine.get_version_info().string])

func _idle(_delta):
	frames += 1
	var now = OS.get_ticks_msec()
	if now - last_stat >= 1000:
		print("STAT fps=%d peers=%d" % [frames * 1000 / (now - last_stat), get_network_connected_peers().size()])
		frames = 0
		last_stat = now
	if now >= deadline:
		peer.close_connection()
		quit()
	return false
