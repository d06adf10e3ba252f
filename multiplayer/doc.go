// Package multiplayer is Godot's MultiplayerPeer in Go, byte-compatible
// with Godot 3.2's NetworkedMultiplayerENet and Godot 4.x's
// ENetMultiplayerPeer together with SceneMultiplayer's packet layer, in
// the server and the client role.
//
// Peer is the engine: unique id, target peer, transfer mode and channel,
// connection status, refuse new connections, sender/channel/mode of the
// next packet, disconnect peer, close, and Godot's signals as Events,
// either polled (Poll, PollEvent, GetPacket) or awaited (NextEvent, Wait).
// It is a packetpeer.PacketPeer, so packetpeer.NewVarPeer adds
// put_var/get_var. It runs over a Transport: an ENet host in production
// (NewENetServer and NewENetClient are Godot's create_server and
// create_client; NewENetTransport wraps a host you built), or MemNetwork,
// an in-process test double.
//
// The wire codecs (Parse*/Append*), the routing rules (RouteGodot3,
// RouteGodot4Relay, Targets, JoinAnnouncements, CheckJoin) and the channel
// mappings (Godot3SendChannel, Godot4SendChannel) are exported as pure
// functions, tested against the spec's vectors.
//
// # Godot 3.2 (Dialect Godot3)
//
// The client picks its id (GenerateUniqueID: 2 … 2³¹−1) and sends it as
// the ENet CONNECT data. ENet channel 0 carries system messages from the
// server only: 8 bytes, u32 LE message (0 ADD_PEER, 1 REMOVE_PEER) and u32
// LE peer id. Every data packet, on channel 1 (reliable), 2 (unreliable)
// or the transfer channel, starts with u32 LE source and i32 LE target;
// the server checks the source against the connection's id, and relays
// client packets by the target with the header unchanged (server_relay).
//
// # Godot 4.x (Dialect Godot4)
//
// Same id exchange; no header. Channels: 0 reliable, 1 unreliable,
// transfer channel n on n+1. Packets are SceneMultiplayer commands: RAW
// (03 + bytes, what send_bytes sends and what PutPacket carries) and SYS
// (07, then 0 AUTH, 1 ADD_PEER, 2 DEL_PEER or 3 RELAY and an i32 LE peer).
// Clients reach other clients through RELAY wrappers the server re-wraps
// with the real sender. Other commands (RPC, spawn, sync) are counted and
// dropped: Godot 4's RPC, spawn and sync encodings are outside this package.
//
// # Better than Godot
//
// Where Godot silently resets a connection it will not accept, a Peer
// refuses it with a DisconnectReason (refused, duplicate or invalid id,
// server full, rejected by Config.Admit, authentication failed), which a
// Go client reports as ConnectionFailed with that Reason. Over ENet the
// first four are decided when the CONNECT arrives and refused inside the
// handshake, so a Godot client gets connection_failed within milliseconds
// rather than connected followed by server_disconnected. Config.MaxPeers
// limits peers. Spoofed sources, system messages from clients, unknown
// targets and malformed packets are dropped and counted by DropReason
// (Stats), never delivered and never a panic. Queues are bounded
// (Config.MaxQueuedPackets, MaxQueuedEvents).
//
// # Compression
//
// Godot's ENet compression modes (CompressionMode: none, range_coder,
// fastlz, zlib, zstd; 3.2's compression_mode set before create_server or
// create_client, 4.x's host.compress(mode)) compress each UDP datagram's
// commands inside ENet, with no framing of Godot's own; see
// CompressionMode for the byte layout. Put CompressionMode.Compressor()
// in the enet.HostConfig given to NewENetServer or NewENetClient, one per
// host. The mode is not negotiated: both ends must agree, or the
// datagrams one side compressed are dropped by the other and the
// connection stalls. All four compressing modes are tested both ways
// against Godot 3.2.3, as server and as client.
//
// # Concurrency
//
// A Peer is safe for concurrent use and starts no goroutine; a goroutine
// blocked in NextEvent or Wait reads the transport for everyone.
package multiplayer
