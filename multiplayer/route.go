package multiplayer

import "slices"

// Relay and announcement rules as pure functions: no transport, no time,
// no state beyond the arguments. The Peer engine uses them, and so can a
// server that routes by itself. peers is always the server's table of
// admitted client ids (never the server's own id 1), in ascending order;
// results are appended to dst (pass nil or a reused slice).

// Route is the routing decision for one packet a server received from a
// client.
type Route struct {
	// Deliver: the server itself receives the packet (it is queued for
	// GetPacket as coming from the sender).
	Deliver bool
	// Forward lists the peers the server sends the packet on to, in
	// ascending order: Godot 3.2 forwards it unchanged (original header,
	// channel and flags); Godot 4 re-wraps a RELAY as 07 03 <sender>
	// <inner> with the same transfer mode and channel.
	Forward []int32
	// Drop, when not DropNone, says why nothing was delivered or
	// forwarded; the server counts it.
	Drop DropReason
}

// RouteGodot3 applies Godot 3.2's server receive rules to a data packet
// from sender (whose header source was already checked against the id
// registered for its connection) with header target target:
//
//	target   server_relay on                                 off
//	1        deliver                                         deliver
//	0        deliver, forward to all but sender              drop
//	-N       forward to all but sender and N;                drop
//	         deliver unless N == 1
//	N > 1    forward to N (unknown N: drop); no delivery     drop
//
// A target of N == sender is forwarded back to the sender, as Godot does.
func RouteGodot3(peers []int32, sender, target int32, serverRelay bool, dst []int32) Route {
	if target == TargetPeerServer {
		return Route{Deliver: true, Forward: dst}
	}
	if !serverRelay {
		return Route{Forward: dst, Drop: DropRelayDisabled}
	}
	return routeRelay(peers, sender, target, dst, false)
}

// RouteGodot4Relay applies SceneMultiplayer's server rules (4.x) to a
// RELAY packet 07 03 <target> <inner> from sender:
//
//	target   server_relay on                                  off
//	N > 0    forward to N (not an admitted peer, which        drop
//	         includes N == 1: drop); no delivery
//	0        forward to all but sender; deliver               drop
//	-1       forward to all but sender; no delivery           drop
//	-N       forward to all but sender and N; deliver         drop
//
// Delivery means the server processes the inner packet as sent by sender.
func RouteGodot4Relay(peers []int32, sender, target int32, serverRelay bool, dst []int32) Route {
	if !serverRelay {
		return Route{Forward: dst, Drop: DropRelayDisabled}
	}
	return routeRelay(peers, sender, target, dst, true)
}

func routeRelay(peers []int32, sender, target int32, dst []int32, godot4 bool) Route {
	switch {
	case target > 0:
		if target == TargetPeerServer || !hasPeer(peers, target) {
			return Route{Forward: dst, Drop: DropUnknownTarget}
		}
		if godot4 && target == sender {
			// Godot 4 would send the sender its own packet back; nothing
			// useful can come of it, so it counts as an unknown target.
			return Route{Forward: dst, Drop: DropUnknownTarget}
		}
		return Route{Forward: append(dst, target)}
	case target == 0:
		return Route{Deliver: true, Forward: appendAllBut(dst, peers, sender, 0)}
	default:
		n := -target
		return Route{Deliver: n != TargetPeerServer, Forward: appendAllBut(dst, peers, sender, n)}
	}
}

// Targets returns the peers a server's own packet goes to for target:
// 0 every peer, -N every peer except N, N that peer. A target that is not
// an admitted peer (including 1, the server itself) and a −N whose N is
// unknown follow Godot: N unknown is ErrUnknownPeer; −N with N unknown
// still sends to everyone (4.x) — Godot 3.2 refuses it, which the engine
// checks separately.
func Targets(peers []int32, target int32, dst []int32) ([]int32, error) {
	switch {
	case target > 0:
		if !hasPeer(peers, target) {
			return dst, ErrUnknownPeer
		}
		return append(dst, target), nil
	case target == 0:
		return append(dst, peers...), nil
	default:
		return appendAllBut(dst, peers, -target, -target), nil
	}
}

func appendAllBut(dst, peers []int32, a, b int32) []int32 {
	for _, id := range peers {
		if id != a && id != b {
			dst = append(dst, id)
		}
	}
	return dst
}

func hasPeer(peers []int32, id int32) bool {
	_, ok := slices.BinarySearch(peers, id)
	return ok
}

// Announcement is one peer announcement a server sends: To learns that
// Peer joined (Join) or left. In Godot 3.2 it is a system message on
// channel 0 (ADD_PEER / REMOVE_PEER), in Godot 4 a SYS ADD_PEER /
// DEL_PEER on channel 0; both reliable, and only with server_relay on.
type Announcement struct {
	To   int32
	Peer int32
	Join bool
}

// JoinAnnouncements lists the announcements when joined is admitted and
// existing (ascending, without joined) are already there, in the order
// Godot sends them:
//
//   - Godot3 (NetworkedMultiplayerENet, pairs in map order): for each E,
//     ADD_PEER(E) → joined, then ADD_PEER(joined) → E.
//   - Godot4 (SceneMultiplayer): for each E, ADD_PEER(joined) → E, then
//     ADD_PEER(E) → joined.
//
// The server (1) is never announced: clients add it themselves when they
// connect.
func JoinAnnouncements(d Dialect, existing []int32, joined int32, dst []Announcement) []Announcement {
	for _, e := range existing {
		if e == joined {
			continue
		}
		if d == Godot3 {
			dst = append(dst, Announcement{To: joined, Peer: e, Join: true}, Announcement{To: e, Peer: joined, Join: true})
		} else {
			dst = append(dst, Announcement{To: e, Peer: joined, Join: true}, Announcement{To: joined, Peer: e, Join: true})
		}
	}
	return dst
}

// LeaveAnnouncements lists the announcements when left leaves: REMOVE_PEER
// (3.2) or DEL_PEER (4.x) of left to every remaining peer, ascending.
func LeaveAnnouncements(remaining []int32, left int32, dst []Announcement) []Announcement {
	for _, e := range remaining {
		if e != left {
			dst = append(dst, Announcement{To: e, Peer: left})
		}
	}
	return dst
}

// AppendAnnouncement encodes a for dialect d: Godot3 → the 8-byte system
// message (G2/G3), Godot4 → the 6-byte SYS ADD_PEER/DEL_PEER (G8/G9). It
// goes reliable on ENet channel 0 in both.
func AppendAnnouncement(dst []byte, d Dialect, a Announcement) []byte {
	if d == Godot3 {
		t := Godot3RemovePeer
		if a.Join {
			t = Godot3AddPeer
		}
		return AppendGodot3SysMessage(dst, Godot3SysMessage{Type: t, Peer: a.Peer})
	}
	if a.Join {
		return AppendAddPeer(dst, a.Peer)
	}
	return AppendDelPeer(dst, a.Peer)
}

// CheckJoin decides whether a server admits a client that connected with
// id (the ENet connect data). It returns ReasonNone to admit, or the
// reason to disconnect it with, checked in Godot's order and then
// packetpeer's additions: refusing new connections (Godot: silent reset),
// an id outside 2 … 2³¹−1 (Godot: silent reset for < 2), an id already in
// peers or pending (Godot: silent reset), then maxPeers (0: no limit)
// against count, the number of peers admitted or pending.
func CheckJoin(peers []int32, pending func(int32) bool, id uint32, refusing bool, maxPeers, count int) DisconnectReason {
	switch {
	case refusing:
		return ReasonRefused
	case !validClientID(int64(id)):
		return ReasonInvalidID
	case hasPeer(peers, int32(id)) || (pending != nil && pending(int32(id))):
		return ReasonDuplicateID
	case maxPeers > 0 && count >= maxPeers:
		return ReasonServerFull
	}
	return ReasonNone
}

// insertPeer adds id to the ascending table.
func insertPeer(peers []int32, id int32) []int32 {
	i, ok := slices.BinarySearch(peers, id)
	if ok {
		return peers
	}
	return slices.Insert(peers, i, id)
}

// removePeer deletes id from the ascending table.
func removePeer(peers []int32, id int32) []int32 {
	i, ok := slices.BinarySearch(peers, id)
	if !ok {
		return peers
	}
	return slices.Delete(peers, i, i+1)
}
