extends SceneTree

# A Godot 3.2 NetworkedMultiplayerENet peer with custom channels, driven by
# the Go test (channels_interop_test.go). PP_ROLE is "server" or "client",
# PP_PORT the port, PP_CHANNELS the channel_count set before create_*.
# It polls the peer by hand (no MultiplayerAPI, so get_packet sees every
# packet) and prints:
#   EV name(id)                               each signal
#   GOT <tag> from=<id> ch=<c> last=<l> len=<n>
#       each packet: ch is get_packet_channel() read before get_packet(),
#       last is get_last_packet_channel() read after it
#   SENT <tag> <error> tc=<transfer_channel>  after each put_packet
#   TC <asked> -> <transfer_channel>          after each setch command
# and executes commands that arrive as packets from any peer:
#   CMD:send:<target>:<mode>:<channel>:<tag>  set_target_peer, transfer_mode,
#                                             transfer_channel (unless <channel>
#                                             is "k": keep it), put_packet(tag)
#   CMD:setch:<n>                             transfer_channel = n
#   CMD:leave                                 close_connection, exit
#   CMD:quit                                  exit (closing the peer)

var peer = NetworkedMultiplayerENet.new()
var done = false

func _init():
	var role = OS.get_environment("PP_ROLE")
	var port = int(OS.get_environment("PP_PORT"))
	peer.channel_count = int(OS.get_environment("PP_CHANNELS"))
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
	print("CHANNELS ", peer.channel_count, " tc=", peer.transfer_channel)
	var deadline = OS.get_ticks_msec() + 100000
	while not done and OS.get_ticks_msec() < deadline:
		peer.poll()
		while not done and peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var ch = peer.get_packet_channel()
			var pkt = peer.get_packet()
			_packet(from, ch, peer.get_last_packet_channel(), pkt)
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

func _packet(from, ch, last, pkt):
	var s = pkt.get_string_from_utf8()
	if not s.begins_with("CMD:"):
		print("GOT %s from=%d ch=%d last=%d len=%d" % [s, from, ch, last, pkt.size()])
		return
	var a = s.split(":")
	match a[1]:
		"send":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(int(a[3]))
			if a[4] != "k":
				peer.transfer_channel = int(a[4])
			var e = peer.put_packet(a[5].to_utf8())
			print("SENT %s %d tc=%d" % [a[5], e, peer.transfer_channel])
		"setch":
			peer.transfer_channel = int(a[2])
			print("TC %s -> %d" % [a[2], peer.transfer_channel])
		"leave":
			peer.close_connection()
			print("LEFT")
			done = true
		"quit":
			print("QUIT")
			done = true
		_:
			print("BAD ", s)
