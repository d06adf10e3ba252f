package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/multiplayer"
)

const serveWait = 60 * time.Second

// waitFor polls cond until it holds or serveWait passes.
func waitFor(t *testing.T, what string, cond func() bool, dump func() string) {
	t.Helper()
	deadline := time.Now().Add(serveWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logAddrs returns the addresses the JSON log reports: "godot3",
// "godot4" (msg serving) and "http".
func logAddrs(logs string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		addr, _ := rec["addr"].(string)
		switch rec["msg"] {
		case "serving":
			out[rec["dialect"].(string)] = addr
		case "http":
			out["http"] = addr
		}
	}
	return out
}

type chatRun struct {
	in   *io.PipeWriter
	out  *syncBuffer
	errw *syncBuffer
	done chan error
}

func startChat(ctx context.Context, addr string, d multiplayer.Dialect, name string) *chatRun {
	r, w := io.Pipe()
	c := &chatRun{in: w, out: &syncBuffer{}, errw: &syncBuffer{}, done: make(chan error, 1)}
	go func() {
		c.done <- chat(ctx, r, c.out, c.errw, addr, d, name)
		r.Close()
	}()
	return c
}

func TestServeAndChat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, stdout := &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--godot3", "127.0.0.1:0", "--godot4", "127.0.0.1:0",
			"--http", "127.0.0.1:0", "--log-format", "json", "--max-peers", "8"}, strings.NewReader(""), stdout, stderr)
	}()
	var addrs map[string]string
	waitFor(t, "serve to listen", func() bool { addrs = logAddrs(stderr.String()); return len(addrs) == 3 }, stderr.String)

	cctx, ccancel := context.WithCancel(context.Background())
	defer ccancel()
	ada := startChat(cctx, addrs["godot3"], multiplayer.Godot3, "ada")
	bob := startChat(cctx, addrs["godot4"], multiplayer.Godot4, "")
	waitFor(t, "ada to connect", func() bool { return strings.Contains(ada.errw.String(), "* connected as ") }, ada.errw.String)
	waitFor(t, "bob to connect", func() bool { return strings.Contains(bob.errw.String(), "* connected as ") }, bob.errw.String)
	bobID := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(bob.errw.String(), "\n", 2)[0], "* connected as "))

	if _, err := io.WriteString(ada.in, "hello from ada\n"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*chatRun{ada, bob} {
		waitFor(t, "ada's message", func() bool {
			return strings.Contains(c.out.String(), "ada (") && strings.Contains(c.out.String(), "): hello from ada\n")
		}, c.out.String)
	}
	if _, err := io.WriteString(bob.in, "hi ada\n"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*chatRun{ada, bob} {
		waitFor(t, "bob's message", func() bool { return strings.Contains(c.out.String(), bobID+": hi ada\n") }, c.out.String)
	}

	resp, err := http.Get("http://" + addrs["http"] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + addrs["http"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`packetpeer_peers_connected{dialect="godot3"} 1`, `packetpeer_peers_connected{dialect="godot4"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// SIGINT/SIGTERM cancel main's context: clean shutdown, exit 0, and the
	// clients are told.
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("serve exited %d:\n%s", c, stderr.String())
		}
	case <-time.After(serveWait):
		t.Fatal("serve did not stop")
	}
	for _, c := range []*chatRun{ada, bob} {
		select {
		case err := <-c.done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(serveWait):
			t.Fatal("chat did not end")
		}
		if !strings.Contains(c.errw.String(), "* server disconnected (shutdown)") {
			t.Fatalf("chat stderr: %q", c.errw.String())
		}
		c.in.Close()
	}
	for _, want := range []string{`"msg":"join"`, `"msg":"leave"`, `"reason":"shutdown"`, `"msg":"stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve log lacks %s:\n%s", want, stderr.String())
		}
	}
}

func TestServeUsage(t *testing.T) {
	r := packetpeer(t, "", "serve", "--log-format", "xml")
	if r.code != exitUsage {
		t.Fatalf("%v", r)
	}
	r = packetpeer(t, "", "serve", "--godot3", "", "--godot4", "")
	if r.code != exitUsage {
		t.Fatalf("%v", r)
	}
	t.Setenv("PACKETPEER_LOG_FORMAT", "yaml")
	r = packetpeer(t, "", "serve")
	if r.code != exitUsage || !strings.Contains(r.stderr, "yaml") {
		t.Fatalf("env: %v", r)
	}
	t.Setenv("PACKETPEER_MAX_PEERS", "many")
	r = packetpeer(t, "", "serve", "--log-format", "text")
	if r.code != exitUsage || !strings.Contains(r.stderr, "PACKETPEER_MAX_PEERS") {
		t.Fatalf("env: %v", r)
	}
}

func TestServeEnv(t *testing.T) {
	t.Setenv("PACKETPEER_GODOT3", "127.0.0.1:0")
	t.Setenv("PACKETPEER_GODOT4", "")
	t.Setenv("PACKETPEER_HTTP", "")
	t.Setenv("PACKETPEER_LOG_FORMAT", "json")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, stderr) }()
	waitFor(t, "serve to listen", func() bool { return logAddrs(stderr.String())["godot3"] != "" }, stderr.String)
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d:\n%s", c, stderr.String())
	}
	if a := logAddrs(stderr.String()); a["godot4"] != "" || a["http"] != "" {
		t.Fatalf("disabled listeners started: %v", a)
	}
}

func TestChatUsage(t *testing.T) {
	for _, args := range [][]string{{"chat"}, {"chat", "--connect", "127.0.0.1:1", "--godot", "5"}} {
		if r := packetpeer(t, "", args...); r.code != exitUsage {
			t.Fatalf("%v: %v", args, r)
		}
	}
}
