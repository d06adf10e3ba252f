extends SceneTree

# A Godot 3.2 NetworkedMultiplayerENet client for refuse_interop_test.go:
# connects to 127.0.0.1:PP_PORT and prints each status signal with the
# milliseconds since create_client returned ("EV connection_failed 3"),
# then exits; "DEADLINE" if nothing happened within 10 s.

var peer = NetworkedMultiplayerENet.new()
var done = false
var start = 0

func _init():
	var port = int(OS.get_environment("PP_PORT"))
	for s in ["connection_succeeded", "connection_failed", "server_disconnected"]:
		peer.connect(s, self, "_on_status", [s])
	peer.connect("peer_connected", self, "_on_peer", ["peer_connected"])
	var err = peer.create_client("127.0.0.1", port)
	start = OS.get_ticks_msec()
	print("CREATE ", err)
	var deadline = start + 10000
	while not done and OS.get_ticks_msec() < deadline:
		peer.poll()
		OS.delay_msec(1)
	if not done:
		print("DEADLINE")
	if peer.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		peer.close_connection()
	quit()

func _on_peer(id, name):
	print("EV %s(%d)" % [name, id])

func _on_status(name):
	print("EV %s %d" % [name, OS.get_ticks_msec() - start])
	if name != "connection_succeeded":
		done = true
