extends SceneTree

# A Godot 3.2 chat client for `packetpeer serve` (the Godot 3.2 dialect,
# UDP 7777 by default). Run it headless:
#
#   godot3 --no-window -s chat.gd
#
# Settings come from the environment (all optional):
#   PP_HOST   server address (default 127.0.0.1)
#   PP_PORT   server port (default 7777)
#   PP_NAME   name sent with each message
#   PP_SAY    message to send once connected (default "hello from Godot")
#   PP_UNTIL  quit after receiving a chat with this text (default: run 60 s)
#
# It uses NetworkedMultiplayerENet directly: every message is a Dictionary
# sent with put_var to the server (set_target_peer(1)):
#   {"type": "chat", "text": "...", "name": "..."}
# and the server broadcasts {"type": "chat", "from": id, "text": "..."},
# printed as "CHAT <from>: <text>". Peer signals are printed as "EV ...".

var peer = NetworkedMultiplayerENet.new()
var done = false
var until = ""
var say = ""
var player_name = ""

func _init():
	var host = OS.get_environment("PP_HOST")
	if host == "":
		host = "127.0.0.1"
	var port = 7777
	if OS.get_environment("PP_PORT") != "":
		port = int(OS.get_environment("PP_PORT"))
	player_name = OS.get_environment("PP_NAME")
	say = OS.get_environment("PP_SAY")
	if say == "":
		say = "hello from Godot"
	until = OS.get_environment("PP_UNTIL")
	peer.connect("connection_succeeded", self, "_on_connected")
	peer.connect("connection_failed", self, "_on_gone", ["connection_failed"])
	peer.connect("server_disconnected", self, "_on_gone", ["server_disconnected"])
	peer.connect("peer_connected", self, "_on_peer", ["peer_connected"])
	peer.connect("peer_disconnected", self, "_on_peer", ["peer_disconnected"])
	var err = peer.create_client(host, port)
	print("CREATE ", err)
	if err != OK:
		quit()
		return
	var deadline = OS.get_ticks_msec() + 60000
	while not done and OS.get_ticks_msec() < deadline:
		peer.poll()
		while not done and peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var msg = peer.get_var()
			_message(from, msg)
		OS.delay_msec(5)
	if peer.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		peer.close_connection()
	print("BYE")
	quit()

func send_chat(text):
	var msg = {"type": "chat", "text": text}
	if player_name != "":
		msg["name"] = player_name
	peer.set_target_peer(NetworkedMultiplayerPeer.TARGET_PEER_SERVER)
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	return peer.put_var(msg)

func _on_connected():
	print("CONNECTED ", peer.get_unique_id())
	print("SENT ", send_chat(say))

func _on_gone(what):
	print("EV " + what)
	done = true

func _on_peer(id, what):
	print("EV %s(%d)" % [what, id])

func _message(from, msg):
	# Only the server's chat broadcasts are expected; anything else is shown
	# but ignored. A chat relayed from another client (from != 1) could
	# claim any "from", so it is not trusted.
	if from != 1 or typeof(msg) != TYPE_DICTIONARY or msg.get("type") != "chat":
		print("OTHER from=%d %s" % [from, str(msg)])
		return
	var text = str(msg.get("text", ""))
	print("CHAT %d: %s" % [int(msg.get("from", 0)), text])
	if until != "" and text == until:
		done = true
