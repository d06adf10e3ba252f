package server

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/multiplayer"
)

// TestInteropGodot3Chat: examples/godot3-chat/chat.gd on the real Godot
// 3.2.3 and a Go chat client in one room on the Go server; each sees the
// other's messages, and the Go client sees Godot join and leave.
func TestInteropGodot3Chat(t *testing.T) {
	godottest.RequireGodot3(t)
	script, err := os.ReadFile("../examples/godot3-chat/chat.gd")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Godot3Addr: "127.0.0.1:0", Godot4Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	port := srv.Addr(multiplayer.Godot3).(*net.UDPAddr).Port
	goc := dial(t, srv, multiplayer.Godot3, "gopher")
	four := dial(t, srv, multiplayer.Godot4, "")

	g := godottest.StartGodot3(t, string(script), godottest.Timeout(150*time.Second),
		godottest.Env(fmt.Sprintf("PP_PORT=%d", port), "PP_NAME=godot", "PP_SAY=hello from godot", "PP_UNTIL=bye godot"))
	if l := g.WaitForLine("CREATE ", netWait); l != "CREATE 0" {
		t.Fatalf("%s\n%s", l, g.Output())
	}
	gid, err := strconv.Atoi(strings.TrimPrefix(g.WaitForLine("CONNECTED ", netWait), "CONNECTED "))
	if err != nil {
		t.Fatal(err)
	}
	g.WaitForLine(fmt.Sprintf("EV peer_connected(%d)", goc.ID()), netWait)
	expectEvent(t, goc, multiplayer.PeerConnected, gid)

	// Godot → everyone (both dialects).
	expectChat(t, goc, gid, "godot", "hello from godot")
	expectChat(t, four, gid, "godot", "hello from godot")
	if l := g.WaitForLine("CHAT ", netWait); l != fmt.Sprintf("CHAT %d: hello from godot", gid) {
		t.Fatalf("Godot printed %q", l)
	}

	// Go (3.2 and 4.x) → Godot.
	if err := goc.Say("hello from go"); err != nil {
		t.Fatal(err)
	}
	g.WaitForLine(fmt.Sprintf("CHAT %d: hello from go", goc.ID()), netWait)
	if err := four.Say("hello from four"); err != nil {
		t.Fatal(err)
	}
	g.WaitForLine(fmt.Sprintf("CHAT %d: hello from four", four.ID()), netWait)

	// Godot leaves when told; the Go client sees it go.
	if err := goc.Say("bye godot"); err != nil {
		t.Fatal(err)
	}
	r := g.Wait()
	if !strings.Contains(r.Output(), "BYE") || strings.Contains(r.Output(), "OTHER") {
		t.Fatalf("Godot output:\n%s", r.Output())
	}
	expectEvent(t, goc, multiplayer.PeerDisconnected, gid)
}
