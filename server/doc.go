// Package server is the engine of `packetpeer serve`: a Godot game server
// in Go that runs the Godot 3.2 dialect (NetworkedMultiplayerENet clients)
// on one UDP address and the Godot 4.x dialect (ENetMultiplayerPeer with
// SceneMultiplayer) on another, each a multiplayer ENet server.
//
// Between clients of one dialect, packets are relayed by Godot's rules
// (package multiplayer: targeted, broadcast and exclude, with the real
// sender). What clients address to the server (peer 1) goes to a Handler,
// a Go application that sees who joins and leaves and can send to any
// client of either dialect (Send, SendVar, BroadcastVar). The built-in
// Handler is ChatRoom, the chat room of Godot's tutorials:
//
//	client → server  {"type": "chat", "text": "hi"}             (put_var to peer 1)
//	server → all     {"type": "chat", "from": 1234, "text": "hi"}
//
// Malformed messages are dropped and counted (CountDropped, and /metrics
// through HTTPHandler). Joins and leaves are logged with log/slog (peer
// id, address, dialect). Shutdown disconnects every client cleanly with
// multiplayer.ReasonShutdown after the data queued for it.
//
// ChatClient is a Go client of the chat room, in either dialect.
package server
