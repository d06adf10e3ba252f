extends SceneTree

# A Godot 3.2 NetworkedMultiplayerENet peer driven by the Go test
# (interop_test.go). PP_ROLE is "server" or "client", PP_PORT the port.
# It polls the peer by hand (no MultiplayerAPI, so get_packet sees every
# packet), prints each signal ("EV name(id)") and packet ("GOT tag from=
# ch= len="), and executes commands that arrive as packets from any peer:
#   CMD:send:<target>:<mode>:<channel>:<tag>  put_packet(tag)
#   CMD:big:<target>                          put_packet(1 MiB), reliable
#   CMD:leave                                 close_connection, exit
#   CMD:quit                                  exit (closing the peer)

var peer = NetworkedMultiplayerENet.new()
var done = false
var big = PoolByteArray()

func _init():
	var role = OS.get_environment("PP_ROLE")
	var port = int(OS.get_environment("PP_PORT"))
	for i in range(256):
		big.append(i)
	while big.size() < 1048576:
		big.append_array(big)
	for s in ["peer_connected", "peer_disconnected"]:
		peer.connect(s, self, "_on_peer", [s])
	for s in ["connection_succeeded", "connection_failed", "server_disconnected"]:
		peer.connect(s, self, "_on_status", [s])
	var err
	if role == "server":
		peer.set_bind_ip("127.0.0.1")
		err = peer.create_server(port, 8)
	else:
		err = peer.create_client("127.0.0.1", port)
	print("CREATE ", err)
	print("ID ", peer.get_unique_id())
	var deadline = OS.get_ticks_msec() + 100000
	while not done and OS.get_ticks_msec() < deadline:
		peer.poll()
		while not done and peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var ch = peer.get_packet_channel()
			var pkt = peer.get_packet()
			_packet(from, ch, pkt)
		OS.delay_msec(2)
	if not done:
		print("DEADLINE")
	if peer.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		peer.close_connection()
	print("PROBE_DONE")
	quit()

func _on_peer(id, name):
	print("EV %s(%d)" % [name, id])

func _on_status(name):
	print("EV " + name)
	if name != "connection_succeeded":
		done = true

func _packet(from, ch, pkt):
	if pkt.size() >= 65536:
		print("GOT BIG from=%d ch=%d len=%d same=%s" % [from, ch, pkt.size(), pkt == big])
		return
	var s = pkt.get_string_from_utf8()
	if not s.begins_with("CMD:"):
		print("GOT %s from=%d ch=%d len=%d" % [s, from, ch, pkt.size()])
		return
	var a = s.split(":")
	match a[1]:
		"send":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(int(a[3]))
			peer.transfer_channel = int(a[4])
			print("SENT %s %d" % [a[5], peer.put_packet(a[5].to_utf8())])
		"big":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
			peer.transfer_channel = -1
			print("SENT BIG %d" % peer.put_packet(big))
		"leave":
			peer.close_connection()
			print("LEFT")
			done = true
		"quit":
			print("QUIT")
			done = true
		_:
			print("BAD ", s)
