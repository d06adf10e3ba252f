extends SceneTree

# A Godot 4 chat client for `packetpeer serve` (its Godot 4.x dialect, UDP
# 7778 by default). Run it headless from this folder:
#
#   godot4 --headless --path . -s chat.gd
#
# Settings come from the environment (all optional):
#   PP_HOST   server address (default 127.0.0.1)
#   PP_PORT   server port (default 7778)
#   PP_NAME   name sent with each message
#   PP_SAY    message to send once connected (default "hello from Godot 4")
#   PP_UNTIL  quit after receiving a chat with this text (default: run 60 s)
#
# An ENetMultiplayerPeer carries a SceneMultiplayer. Every message is a
# Dictionary encoded with var_to_bytes and sent with send_bytes to the
# server (peer 1), reliably:
#   {"type": "chat", "text": "...", "name": "..."}
# The server sends {"type": "chat", "from": id, "text": "..."} (and "name"
# when given) to everyone; it arrives through the peer_packet signal and is
# printed as "CHAT <from>: <text>". Peer signals are printed as "EV ...".
#
# The network code is this top part: create the ENet peer and poll it. The
# rest is the inner class Client, which works on any SceneMultiplayer, with
# static message functions that do no I/O, so that a test can run it all
# without a network (server/example4_test.go does, in the real Godot 4).

var peer := ENetMultiplayerPeer.new()
var api := SceneMultiplayer.new()
var client: Client
var deadline := 0
var finished := false

func _initialize() -> void:
	var host := OS.get_environment("PP_HOST")
	if host == "":
		host = "127.0.0.1"
	var port := 7778
	if OS.get_environment("PP_PORT") != "":
		port = OS.get_environment("PP_PORT").to_int()
	var say := OS.get_environment("PP_SAY")
	if say == "":
		say = "hello from Godot 4"
	client = Client.new(api, OS.get_environment("PP_NAME"), say, OS.get_environment("PP_UNTIL"))
	var err := peer.create_client(host, port)
	print("CREATE ", err)
	if err != OK:
		finished = true
		quit(1)
		return
	api.root_path = ^"/root" # SceneMultiplayer drops packets without one
	api.multiplayer_peer = peer
	deadline = Time.get_ticks_msec() + 60000

func _process(_delta: float) -> bool:
	if finished:
		return false
	api.poll()
	if client.done or Time.get_ticks_msec() > deadline:
		finished = true
		if peer.get_connection_status() != MultiplayerPeer.CONNECTION_DISCONNECTED:
			peer.close()
		print("BYE")
		quit()
	return false


# The chat client: SceneMultiplayer signals in, send_bytes out.
class Client extends RefCounted:
	const SERVER := 1 # the server's peer id
	const MAX_TEXT := 4096 # the server drops longer texts (UTF-8 bytes)

	var api: SceneMultiplayer
	var player_name: String
	var say: String
	var until: String
	var done := false # set on disconnect, or when the "until" text arrived

	func _init(p_api: SceneMultiplayer, p_name: String, p_say: String, p_until: String) -> void:
		api = p_api
		player_name = p_name
		say = p_say
		until = p_until
		api.connected_to_server.connect(_on_connected)
		api.connection_failed.connect(_on_gone.bind("connection_failed"))
		api.server_disconnected.connect(_on_gone.bind("server_disconnected"))
		api.peer_connected.connect(_on_peer.bind("peer_connected"))
		api.peer_disconnected.connect(_on_peer.bind("peer_disconnected"))
		api.peer_packet.connect(_on_packet)

	# send_chat sends text to the server (send_bytes adds the RAW command
	# byte 0x03 in front of the Variant); longer than MAX_TEXT is
	# ERR_INVALID_PARAMETER.
	func send_chat(text: String) -> Error:
		if text.to_utf8_buffer().size() > MAX_TEXT:
			return ERR_INVALID_PARAMETER
		return api.send_bytes(chat_request(text, player_name), SERVER, MultiplayerPeer.TRANSFER_MODE_RELIABLE)

	func _on_connected() -> void:
		print("CONNECTED ", api.get_unique_id())
		print("SENT ", send_chat(say))

	func _on_gone(what: String) -> void:
		print("EV " + what)
		done = true

	func _on_peer(id: int, what: String) -> void:
		print("EV %s(%d)" % [what, id])

	func _on_packet(from: int, packet: PackedByteArray) -> void:
		var chat := parse_chat(from, packet)
		if chat.is_empty():
			print("OTHER from=%d %d bytes" % [from, packet.size()])
			return
		print(chat_line(chat))
		if until != "" and chat["text"] == until:
			done = true

	# ---- messages: no I/O ----

	# chat_request returns the bytes of a chat request:
	# var_to_bytes({"type": "chat", "text": text[, "name": sender_name]}).
	static func chat_request(text: String, sender_name: String = "") -> PackedByteArray:
		var msg := {"type": "chat", "text": text}
		if sender_name != "":
			msg["name"] = sender_name
		return var_to_bytes(msg)

	# parse_chat reads what peer `from` sent (a peer_packet): a chat from
	# the server as {"from": int, "text": String, "name": String}, or {}
	# for anything else. Only the server speaks for the room: packets other
	# clients relay through it could claim any "from".
	static func parse_chat(from: int, packet: PackedByteArray) -> Dictionary:
		if from != SERVER or packet.is_empty():
			return {}
		var msg = bytes_to_var(packet) # never decodes objects
		if typeof(msg) != TYPE_DICTIONARY:
			return {}
		var kind = msg.get("type")
		var sender = msg.get("from")
		var text = msg.get("text")
		if typeof(kind) != TYPE_STRING or kind != "chat" or typeof(sender) != TYPE_INT or typeof(text) != TYPE_STRING:
			return {}
		var chat := {"from": sender, "text": text, "name": ""}
		var sender_name = msg.get("name")
		if typeof(sender_name) == TYPE_STRING:
			chat["name"] = sender_name
		return chat

	# chat_line formats a parsed chat for printing.
	static func chat_line(chat: Dictionary) -> String:
		return "CHAT %d: %s" % [chat["from"], chat["text"]]
