extends SceneTree

# A Godot 3.2 NetworkedMultiplayerENet peer with datagram compression,
# driven by compression_interop_test.go. PP_ROLE is "server" or "client",
# PP_PORT the port, PP_MODE the compression_mode (0 none, 1 range coder,
# 2 FastLZ, 3 zlib, 4 zstd), set before create_server/create_client as
# Godot requires. It polls the peer by hand and prints each signal
# ("EV name(id)"). Every data packet is printed ("GOT from= ch= len=
# sha256=") and echoed to its sender with put_packet, reliable if it came
# on channel 1, unreliable otherwise. Commands arrive as packets:
#   CMD:send:<target>:<mode>:<tag>  put_packet(tag) with that transfer mode
#   CMD:big:<target>                put_packet(1 MiB pattern), reliable
#   CMD:var:<target>                put_var(the value in _value()), reliable
#   CMD:nextvar                     decode the sender's next packet with
#                                   bytes2var, print "VAR", put_var it back
#   CMD:quit                        exit (closing the peer)

var peer = NetworkedMultiplayerENet.new()
var done = false
var big = PoolByteArray()
var want_var = {}

func _init():
	var role = OS.get_environment("PP_ROLE")
	var port = int(OS.get_environment("PP_PORT"))
	peer.compression_mode = int(OS.get_environment("PP_MODE"))
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
	print("MODE ", peer.compression_mode)
	var deadline = OS.get_ticks_msec() + 140000
	while not done and OS.get_ticks_msec() < deadline:
		peer.poll()
		while not done and peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var ch = peer.get_packet_channel()
			var pkt = peer.get_packet()
			_packet(from, ch, pkt)
		OS.delay_msec(1)
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

func _value():
	var pool = PoolByteArray()
	for i in range(4096):
		pool.append((i * 7) % 256)
	return ["godot 3.2.3 ü", 42, 1.5, Vector2(1, 2), pool, PoolIntArray([1, -2, 300000])]

func _sha(pkt):
	var ctx = HashingContext.new()
	ctx.start(HashingContext.HASH_SHA256)
	ctx.update(pkt)
	return ctx.finish().hex_encode()

func _is_cmd(pkt):
	return pkt.size() >= 4 and pkt[0] == 67 and pkt[1] == 77 and pkt[2] == 68 and pkt[3] == 58

func _packet(from, ch, pkt):
	if not _is_cmd(pkt):
		if want_var.get(from, false):
			want_var[from] = false
			var v = bytes2var(pkt)
			print("VAR type=%d size=%d" % [typeof(v), v.size()])
			peer.set_target_peer(from)
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
			print("SENT VAR %d" % peer.put_var(v))
			return
		print("GOT from=%d ch=%d len=%d sha256=%s" % [from, ch, pkt.size(), _sha(pkt)])
		peer.set_target_peer(from)
		if ch == 1:
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
		else:
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE)
		print("ECHO %d" % peer.put_packet(pkt))
		return
	var a = pkt.get_string_from_utf8().split(":")
	match a[1]:
		"send":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(int(a[3]))
			print("SENT %s %d" % [a[4], peer.put_packet(a[4].to_utf8())])
		"big":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
			print("SENT BIG %d" % peer.put_packet(big))
		"var":
			peer.set_target_peer(int(a[2]))
			peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
			print("SENT VAR %d" % peer.put_var(_value()))
		"nextvar":
			want_var[from] = true
		"quit":
			print("QUIT")
			done = true
		_:
			print("BAD ", a[1])
