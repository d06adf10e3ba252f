package multiplayer

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/internal/godottest"
)

// quietFor fails if the node reports any event within d.
func (n *node) quietFor(d time.Duration) {
	n.t.Helper()
	select {
	case e := <-n.events:
		n.t.Fatalf("%s: unexpected event %v", n.name, e)
	case <-time.After(d):
	}
}

// refusedGodot runs testdata/godot3_refused.gd, a Godot 3.2.3 client of
// port, and checks that its connect fails (connection_failed, never
// connection_succeeded, server_disconnected or peer_connected) well within
// ENet's timeout (at least 5 s when a server drops the CONNECT): within
// 2 s of create_client, measured by Godot's own clock.
func refusedGodot(t *testing.T, port int, what string) {
	t.Helper()
	script, err := os.ReadFile("testdata/godot3_refused.gd")
	if err != nil {
		t.Fatal(err)
	}
	res := godottest.RunGodot3(t, string(script), godottest.Timeout(60*time.Second),
		godottest.Env(fmt.Sprintf("PP_PORT=%d", port)))
	var evs []string
	for _, l := range res.Lines {
		if strings.HasPrefix(l, "EV ") || l == "DEADLINE" {
			evs = append(evs, l)
		}
	}
	var ms int
	if len(evs) != 1 || !strings.HasPrefix(evs[0], "EV connection_failed ") {
		t.Fatalf("%s: Godot printed %q:\n%s", what, evs, res.Output())
	}
	ms, _ = strconv.Atoi(strings.TrimPrefix(evs[0], "EV connection_failed "))
	if ms > 2000 {
		t.Errorf("%s: connection_failed %d ms after create_client", what, ms)
	}
	t.Logf("%s: Godot 3.2.3 emitted connection_failed %d ms after create_client", what, ms)
}

// TestInteropGodot3Refused: a Godot 3.2.3 client turned away by a Go
// server gets connection_failed within milliseconds of its CONNECT (not
// connection_succeeded then server_disconnected, and not ENet's timeout),
// and the server reports no event: refuse_new_connections, every ENet
// peer slot in use, and Config.MaxPeers.
func TestInteropGodot3Refused(t *testing.T) {
	godottest.RequireGodot3(t)
	cfg := &Config{Dialect: Godot3}
	sp, err := NewENetServer("127.0.0.1:0", cfg, &enet.HostConfig{PeerLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv := runNode(t, "server", sp)
	port := sp.ENetHost().LocalAddr().(*net.UDPAddr).Port
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	sp.SetRefuseNewConnections(true)
	refusedGodot(t, port, "refuse_new_connections")
	srv.quietFor(200 * time.Millisecond)
	sp.SetRefuseNewConnections(false)
	if st := sp.Stats(); st.PeersRefused != 1 {
		t.Errorf("server refused %d, want 1", st.PeersRefused)
	}

	// Both ENet slots (create_server's max_clients) taken by Go clients.
	for _, id := range []int{5, 6} {
		cp, err := NewENetClientID(addr, id, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := runNode(t, fmt.Sprint("client ", id), cp)
		c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
		srv.expect(ev(PeerConnected, id))
	}
	refusedGodot(t, port, "max_clients")
	srv.quietFor(200 * time.Millisecond)
	if st := sp.ENetHost().RefusalStats(); st.Full != 1 || st.Sent != 2 {
		t.Errorf("host refusals %+v", st)
	}

	// Config.MaxPeers 1, taken by a Go client, on a server with free slots.
	cfg1 := &Config{Dialect: Godot3, MaxPeers: 1}
	sp1, err := NewENetServer("127.0.0.1:0", cfg1, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv1 := runNode(t, "server MaxPeers", sp1)
	port1 := sp1.ENetHost().LocalAddr().(*net.UDPAddr).Port
	cp, err := NewENetClientID(fmt.Sprintf("127.0.0.1:%d", port1), 7, cfg1, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := runNode(t, "client 7", cp)
	c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
	srv1.expect(ev(PeerConnected, 7))
	refusedGodot(t, port1, "MaxPeers")
	srv1.quietFor(200 * time.Millisecond)
	if st := sp1.Stats(); st.PeersRefused != 1 {
		t.Errorf("MaxPeers server refused %d, want 1", st.PeersRefused)
	}
}

// TestENetRefusedAtConnect: Go clients refused by a Go server fail during
// the handshake with the reason, for every reason decided on the CONNECT
// (an invalid id needs a raw ENet client: NewENetClientID will not send
// one), in both dialects; the server sees no event, and the refused ids
// can connect once the reason is gone.
func TestENetRefusedAtConnect(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			cfg := &Config{Dialect: d, MaxPeers: 2}
			sp, err := NewENetServer("127.0.0.1:0", cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			srv := runNode(t, "server", sp)
			addr := udpAddr(t, sp)
			join := func(id int) *node {
				t.Helper()
				p, err := NewENetClientID(addr, id, cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				return runNode(t, fmt.Sprint("client ", id), p)
			}
			a := join(10)
			a.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0))
			srv.expect(ev(PeerConnected, 10))

			join(10).expect(Event{Type: ConnectionFailed, Reason: ReasonDuplicateID})
			sp.SetRefuseNewConnections(true)
			join(11).expect(Event{Type: ConnectionFailed, Reason: ReasonRefused})
			sp.SetRefuseNewConnections(false)

			// Invalid id (1, the server's) from a bare ENet host.
			h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			hp, err := h.Connect(addr, ConnectChannelCount(d, 0), 1)
			if err != nil {
				t.Fatal(err)
			}
			ev1, err := h.Service(netWait)
			if err != nil || ev1.Type != enet.EventDisconnect || ev1.Peer != hp || DisconnectReason(ev1.Data) != ReasonInvalidID {
				t.Fatalf("invalid id: %v %v data %d", err, ev1.Type, ev1.Data)
			}

			b := join(12)
			b.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 10))
			srv.expect(ev(PeerConnected, 12))
			a.expect(ev(PeerConnected, 12))
			join(13).expect(Event{Type: ConnectionFailed, Reason: ReasonServerFull})
			srv.quietFor(100 * time.Millisecond)
			if st := sp.Stats(); st.PeersRefused != 4 || st.PeersJoined != 2 {
				t.Errorf("server stats: refused %d joined %d, want 4 and 2", st.PeersRefused, st.PeersJoined)
			}
			// A slot frees: the id that was refused as a duplicate, and
			// then refused for the server being full, gets in.
			a.close()
			srv.expect(Event{Type: PeerDisconnected, Peer: 10, Reason: map[Dialect]DisconnectReason{Godot3: 10, Godot4: 0}[d]})
			c := join(10)
			c.expect(ev(PeerConnected, 1), ev(ConnectionSucceeded, 0), ev(PeerConnected, 12))
		})
	}
}
