package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// Generous: the tests must pass on a loaded 2-core machine.
const netWait = 60 * time.Second

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logRecord waits for a JSON log record with msg and peer id.
func logRecord(t *testing.T, logs *syncBuffer, msg string, peer int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(netWait)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			if rec["msg"] == msg && rec["peer"] == float64(peer) {
				return rec
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q log for peer %d:\n%s", msg, peer, logs.String())
	return nil
}

func dial(t *testing.T, s *Server, d Dialect, name string) *ChatClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	c, err := DialChat(ctx, s.Addr(d).String(), d, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// expect reads c's events until one matches (skipping others).
func expect(t *testing.T, c *ChatClient, what string, match func(ChatEvent) bool) ChatEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("client %d waiting for %s: %v", c.ID(), what, err)
		}
		if match(ev) {
			return ev
		}
	}
}

func expectChat(t *testing.T, c *ChatClient, from int, name, text string) {
	t.Helper()
	expect(t, c, "chat "+text, func(ev ChatEvent) bool {
		if ev.Chat == nil || ev.Chat.Text != text {
			return false
		}
		if ev.Chat.From != from || ev.Chat.Name != name {
			t.Fatalf("client %d: chat %+v, want from %d name %q", c.ID(), *ev.Chat, from, name)
		}
		return true
	})
}

func expectEvent(t *testing.T, c *ChatClient, typ multiplayer.EventType, peer int) multiplayer.Event {
	t.Helper()
	return expect(t, c, typ.String(), func(ev ChatEvent) bool {
		return ev.Chat == nil && ev.Event.Type == typ && ev.Event.Peer == peer
	}).Event
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestChatRoomBothDialects(t *testing.T) {
	baseline := runtime.NumGoroutine()
	logs := &syncBuffer{}
	srv, err := New(Config{
		Godot3Addr: "127.0.0.1:0",
		Godot4Addr: "127.0.0.1:0",
		Logger:     slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(srv.HTTPHandler())
	hc := ts.Client()

	a := dial(t, srv, multiplayer.Godot3, "ada")
	b := dial(t, srv, multiplayer.Godot3, "")
	c := dial(t, srv, multiplayer.Godot4, "cy")
	for _, cl := range []*ChatClient{a, b, c} {
		rec := logRecord(t, logs, "join", cl.ID())
		want := multiplayer.Godot3.String()
		if cl == c {
			want = multiplayer.Godot4.String()
		}
		if rec["dialect"] != want || !strings.HasPrefix(rec["addr"].(string), "127.0.0.1:") {
			t.Fatalf("join log %v", rec)
		}
	}
	// The 3.2 room announces its peers to each other.
	expectEvent(t, a, multiplayer.PeerConnected, b.ID())

	// Chat across both dialects.
	if err := a.Say("hello from ada"); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*ChatClient{a, b, c} {
		expectChat(t, cl, a.ID(), "ada", "hello from ada")
	}
	if err := c.Say("héllo from cy"); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*ChatClient{a, b, c} {
		expectChat(t, cl, c.ID(), "cy", "héllo from cy")
	}

	// Wrong shapes are dropped and counted; the room goes on.
	bad := variant.NewDictionary(2)
	bad.Set("type", "chat")
	bad.Set("text", int64(5))
	for _, v := range []any{int64(5), "chat", bad} {
		if err := b.SendVar(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SendVar(variant.NewDictionary(0)); err != nil { // not_chat too
		t.Fatal(err)
	}
	if err := b.Say("after bad"); err != nil {
		t.Fatal(err)
	}
	expectChat(t, a, b.ID(), "", "after bad")
	expectChat(t, c, b.ID(), "", "after bad")
	if n := srv.Dropped(multiplayer.Godot3, DropNotChat); n != 3 {
		t.Fatalf("not_chat drops %d, want 3", n)
	}
	if n := srv.Dropped(multiplayer.Godot3, DropBadText); n != 1 {
		t.Fatalf("bad_text drops %d, want 1", n)
	}

	// HTTP.
	if code, body := get(t, hc, ts.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	_, metrics := get(t, hc, ts.URL+"/metrics")
	for _, want := range []string{
		`packetpeer_peers_connected{dialect="godot3"} 2`,
		`packetpeer_peers_connected{dialect="godot4"} 1`,
		`packetpeer_handler_dropped_total{dialect="godot3",reason="not_chat"} 3`,
		`packetpeer_handler_dropped_total{dialect="godot3",reason="bad_text"} 1`,
		`packetpeer_packets_relayed_total{dialect="godot3"} 0`,
		`packetpeer_packets_dropped_total{dialect="godot4",reason="spoofed_source"} 0`,
		`packetpeer_packets_received_total{dialect="godot3"} 6`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}

	// Leave: b goes; a is told, the server logs it.
	bid := b.ID()
	b.Close()
	expectEvent(t, a, multiplayer.PeerDisconnected, bid)
	if rec := logRecord(t, logs, "leave", bid); rec["dialect"] != "godot3" {
		t.Fatalf("leave log %v", rec)
	}

	// Graceful shutdown: every client is told.
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*ChatClient{a, c} {
		ev := expectEvent(t, cl, multiplayer.ServerDisconnected, 0)
		if ev.Reason != multiplayer.ReasonShutdown {
			t.Fatalf("client %d: %v, want reason shutdown", cl.ID(), ev)
		}
		if _, err := cl.Next(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("client %d after server_disconnected: %v, want EOF", cl.ID(), err)
		}
		logRecord(t, logs, "leave", cl.ID())
	}
	if code, _ := get(t, hc, ts.URL+"/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/healthz after shutdown: %d", code)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close after Shutdown: %v", err)
	}
	a.Close()
	c.Close()
	hc.CloseIdleConnections()
	ts.Close()

	// No goroutine left behind.
	deadline := time.Now().Add(netWait)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("no address: no error")
	}
	if _, err := New(Config{Godot3Addr: "127.0.0.1:0", MaxPeers: -1}); err == nil {
		t.Fatal("negative MaxPeers: no error")
	}
	if _, err := New(Config{Godot3Addr: "256.0.0.1:1"}); err == nil {
		t.Fatal("bad address: no error")
	}
}

func TestRefuse(t *testing.T) {
	srv, err := New(Config{Godot4Addr: "127.0.0.1:0", Refuse: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), netWait)
	defer cancel()
	// The 4.x dialect completes the transport connection before the
	// server refuses the id, so the client may see connected, then
	// connection_failed or server_disconnected with the reason.
	c, err := DialChat(ctx, srv.Addr(multiplayer.Godot4).String(), multiplayer.Godot4, "")
	if err == nil {
		defer c.Close()
		ev := expect(t, c, "refusal", func(ev ChatEvent) bool {
			return ev.Event.Type == multiplayer.ServerDisconnected || ev.Event.Type == multiplayer.ConnectionFailed
		})
		if ev.Event.Reason != multiplayer.ReasonRefused {
			t.Fatalf("refused client: %v", ev.Event)
		}
	} else if !strings.Contains(err.Error(), "refused") {
		t.Fatalf("DialChat to a refusing server: %v", err)
	}
	if srv.Addr(multiplayer.Godot3) != nil {
		t.Fatal("disabled dialect has an address")
	}
	if err := srv.Send(multiplayer.Godot3, 0, []byte("x")); err == nil {
		t.Fatal("Send to a disabled dialect: no error")
	}
}

func TestParseChatRequest(t *testing.T) {
	mk := func(kv ...any) *variant.Dictionary {
		d := variant.NewDictionary(len(kv) / 2)
		for i := 0; i+1 < len(kv); i += 2 {
			d.Set(kv[i], kv[i+1])
		}
		return d
	}
	for _, tc := range []struct {
		v      any
		reason string
	}{
		{mk("type", "chat", "text", "hi"), ""},
		{mk("type", "chat", "text", "hi", "name", "n"), ""},
		{mk("type", "chat", "text", strings.Repeat("x", MaxChatText+1)), DropBadText},
		{mk("type", "chat"), DropBadText},
		{mk("type", "chat", "text", "hi", "name", int64(1)), DropBadName},
		{mk("type", "chat", "text", "hi", "name", strings.Repeat("n", MaxChatName+1)), DropBadName},
		{mk("type", "other", "text", "hi"), DropNotChat},
		{mk(int64(1), "chat"), DropNotChat},
		{nil, DropNotChat},
		{[]any{"chat"}, DropNotChat},
		{(*variant.Dictionary)(nil), DropNotChat},
	} {
		if _, r := ParseChatRequest(tc.v); r != tc.reason {
			t.Errorf("ParseChatRequest(%v) = %q, want %q", tc.v, r, tc.reason)
		}
	}
	if _, ok := ParseChat(mk("type", "chat", "from", int64(-1), "text", "x")); ok {
		t.Error("ParseChat accepted a negative from")
	}
	if c, ok := ParseChat(chatDict(Chat{From: 7, Text: "x", Name: "n"}, true)); !ok || c != (Chat{From: 7, Text: "x", Name: "n"}) {
		t.Errorf("ParseChat round trip: %+v %v", c, ok)
	}
}
