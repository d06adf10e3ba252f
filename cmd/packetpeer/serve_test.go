package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	pp "github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/server"
	"github.com/packetpeer/packetpeer/variant"
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
	// The server sends broadcasts to clients it has admitted.
	waitFor(t, "both joins", func() bool { return strings.Count(stderr.String(), `"msg":"join"`) == 2 }, stderr.String)
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
	clearServeEnv(t)
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
	clearServeEnv(t)
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

// serveKeys are the config keys of every serve setting; the flag is
// "--" + the key with '_' → '-', the environment variable "PACKETPEER_" +
// the key in upper case (the documented naming rule, checked here
// independently of the code).
var serveKeys = []string{"godot3", "godot4", "http", "max_peers", "refuse", "compression", "log_format", "log_level", "shutdown_timeout"}

func keyFlag(k string) string { return "--" + strings.ReplaceAll(k, "_", "-") }
func keyEnv(k string) string  { return "PACKETPEER_" + strings.ToUpper(k) }

// clearServeEnv unsets serve's environment variables for the test (they
// are restored afterwards).
func clearServeEnv(t *testing.T) {
	t.Helper()
	for _, k := range append([]string{"PACKETPEER_CONFIG"}, mapKeys(serveKeys, keyEnv)...) {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func mapKeys(ks []string, f func(string) string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = f(k)
	}
	return out
}

// writeConfig writes a config file named serve.toml in a new directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "serve.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// printedSettings runs serve --print-config with args and returns the
// settings it printed, each value as text.
func printedSettings(t *testing.T, args ...string) map[string]string {
	t.Helper()
	r := packetpeer(t, "", append([]string{"serve", "--print-config"}, args...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("serve --print-config %q: %v", args, r)
	}
	var doc map[string]any
	if err := toml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("--print-config output is not TOML: %v\n%s", err, r.stdout)
	}
	out := map[string]string{}
	for k, v := range doc {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// serveSettingCases give each setting two valid values a and b,
// different, in the form --print-config prints them (b is not the
// default), and a bad one.
var serveSettingCases = []struct {
	key       string
	str       bool // a TOML string (else written as is)
	a, b, bad string
}{
	{"godot3", true, "127.0.0.1:1", "127.0.0.1:2", "7777"},
	{"godot4", true, "", "[::1]:3", "localhost"},
	{"http", true, ":4", "", "127.0.0.1:no-such-service"},
	{"max_peers", false, "8", "4095", "0"},
	{"refuse", false, "false", "true", "maybe"},
	{"compression", true, "none", "range_coder", "lzma"},
	{"log_format", true, "text", "json", "xml"},
	{"log_level", true, "warn", "debug", "loud"},
	{"shutdown_timeout", true, "0s", "1m30s", "-1s"},
}

// TestServeSettingSources sets each setting from each source (flag,
// environment, config file named by --config or PACKETPEER_CONFIG) and in
// every combination, and checks the effective value --print-config
// reports: flag > environment > file > default, and no other setting
// changes.
func TestServeSettingSources(t *testing.T) {
	clearServeEnv(t)
	defaults := printedSettings(t)
	if len(defaults) != len(serveKeys) {
		t.Fatalf("--print-config prints %v, want the keys %v", defaults, serveKeys)
	}
	cases := serveSettingCases
	if len(cases) != len(serveKeys) {
		t.Fatalf("%d cases for %d settings", len(cases), len(serveKeys))
	}
	for i, c := range cases {
		if c.key != serveKeys[i] || defaults[c.key] == "" && c.key != "godot4" && c.key != "http" {
			t.Fatalf("case %d (%s): no such setting in %v", i, c.key, defaults)
		}
		if c.a == c.b || c.b == defaults[c.key] {
			t.Fatalf("case %s: a and b must differ, b from the default", c.key)
		}
		lit := func(v string) string {
			if c.str {
				return strconv.Quote(v)
			}
			return v
		}
		for _, sc := range []struct {
			name            string
			flag, env, file *string
			configEnv       bool // name the file with PACKETPEER_CONFIG instead of --config
			want            string
		}{
			{"default", nil, nil, nil, false, defaults[c.key]},
			{"flag", &c.b, nil, nil, false, c.b},
			{"env", nil, &c.b, nil, false, c.b},
			{"file", nil, nil, &c.b, false, c.b},
			{"file from PACKETPEER_CONFIG", nil, nil, &c.b, true, c.b},
			{"flag over env", &c.a, &c.b, nil, false, c.a},
			{"flag over file", &c.a, nil, &c.b, false, c.a},
			{"env over file", nil, &c.a, &c.b, false, c.a},
			{"env over file from PACKETPEER_CONFIG", nil, &c.a, &c.b, true, c.a},
			{"flag over env over file", &c.a, &c.b, &c.b, false, c.a},
		} {
			t.Run(c.key+"/"+sc.name, func(t *testing.T) {
				clearServeEnv(t)
				var args []string
				if sc.flag != nil {
					args = append(args, keyFlag(c.key)+"="+*sc.flag)
				}
				if sc.env != nil {
					t.Setenv(keyEnv(c.key), *sc.env)
				}
				if sc.file != nil {
					path := writeConfig(t, "# test\n"+c.key+" = "+lit(*sc.file)+"\n")
					if sc.configEnv {
						t.Setenv("PACKETPEER_CONFIG", path)
					} else {
						args = append(args, "--config", path)
					}
				}
				got := printedSettings(t, args...)
				for k, def := range defaults {
					want := def
					if k == c.key {
						want = sc.want
					}
					if got[k] != want {
						t.Errorf("%s = %q, want %q (args %q)", k, got[k], want, args)
					}
				}
			})
		}
	}
	// A bare --refuse means true; --config "" overrides PACKETPEER_CONFIG.
	clearServeEnv(t)
	if got := printedSettings(t, "--refuse"); got["refuse"] != "true" {
		t.Errorf("--refuse: refuse = %s", got["refuse"])
	}
	t.Setenv("PACKETPEER_CONFIG", filepath.Join(t.TempDir(), "missing.toml"))
	if got := printedSettings(t, "--config="); got["max_peers"] != defaults["max_peers"] {
		t.Errorf("--config=: %v", got)
	}
}

// TestServeSettingErrors: a bad value from a flag or the environment is
// a usage error (exit 2) naming its source and value, for every setting;
// a good flag hides a bad environment value.
func TestServeSettingErrors(t *testing.T) {
	for _, c := range serveSettingCases {
		t.Run(c.key, func(t *testing.T) {
			clearServeEnv(t)
			r := packetpeer(t, "", "serve", "--print-config", keyFlag(c.key)+"="+c.bad)
			if r.code != exitUsage || !strings.Contains(r.stderr, keyFlag(c.key)) || !strings.Contains(r.stderr, strconv.Quote(c.bad)) || r.stdout != "" {
				t.Errorf("flag: %v", r)
			}
			t.Setenv(keyEnv(c.key), c.bad)
			r = packetpeer(t, "", "serve", "--print-config")
			if r.code != exitUsage || !strings.Contains(r.stderr, keyEnv(c.key)+"="+strconv.Quote(c.bad)) || r.stdout != "" {
				t.Errorf("env: %v", r)
			}
			if got := printedSettings(t, keyFlag(c.key)+"="+c.b); got[c.key] != c.b {
				t.Errorf("flag over a bad env: %v", got)
			}
		})
	}
}

// TestServeCompressionModes: every mode name is accepted exactly when
// its Compressor() works in this build; a mode it rejects stops serve
// before anything listens (exit 2, no "serving" log).
func TestServeCompressionModes(t *testing.T) {
	clearServeEnv(t)
	for _, name := range []string{"none", "range_coder", "fastlz", "zlib", "zstd"} {
		m, err := multiplayer.ParseCompressionMode(name)
		if err != nil {
			t.Fatal(err)
		}
		_, cerr := m.Compressor()
		r := packetpeer(t, "", "serve", "--godot3", "127.0.0.1:0", "--godot4", "", "--http", "", "--log-format", "json",
			"--compression", name, "--print-config")
		switch {
		case cerr == nil && (r.code != 0 || !strings.Contains(r.stdout, `compression = "`+name+`"`)):
			t.Errorf("%s: %v", name, r)
		case cerr != nil:
			if r.code != exitUsage || !strings.Contains(r.stderr, cerr.Error()) {
				t.Errorf("%s (Compressor: %v): %v", name, cerr, r)
			}
			r = packetpeer(t, "", "serve", "--godot3", "127.0.0.1:0", "--godot4", "", "--http", "", "--log-format", "json", "--compression", name)
			if r.code != exitUsage || strings.Contains(r.stderr, `"serving"`) {
				t.Errorf("%s: serve: %v", name, r)
			}
		}
	}
}

// startServe runs packetpeer serve with args (add --log-format json) in
// the background until the test ends, waiting for n listeners to be
// logged. stop shuts it down and checks it exited 0.
func startServe(t *testing.T, n int, args ...string) (addrs map[string]string, logs *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), io.Discard, logs) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("serve exited %d:\n%s", c, logs.String())
			}
		case <-time.After(serveWait):
			t.Errorf("serve did not stop")
		}
	}
	t.Cleanup(stop)
	waitFor(t, "serve to listen", func() bool {
		select {
		case c := <-code:
			code <- c
			return true
		default:
		}
		addrs = logAddrs(logs.String())
		return len(addrs) == n
	}, logs.String)
	if len(addrs) != n {
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	return addrs, logs, stop
}

// testClient is a multiplayer client whose host a goroutine services
// (as a game's main loop would) until the test ends, collecting packets.
type testClient struct {
	p    *multiplayer.Peer
	pkts chan multiplayer.Packet
}

// dialENet connects a multiplayer client of dialect d to addr with host
// settings hc (nil: defaults) and returns it with its connection's
// outcome: ConnectionSucceeded or ConnectionFailed.
func dialENet(t *testing.T, addr string, d multiplayer.Dialect, hc *enet.HostConfig) (*testClient, multiplayer.Event) {
	t.Helper()
	p, err := multiplayer.NewENetClient(addr, &multiplayer.Config{Dialect: d}, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ev := connectOutcome(t, p)
	c := &testClient{p: p, pkts: make(chan multiplayer.Packet, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for p.Wait(ctx) == nil {
			pk, err := p.Receive()
			if err != nil {
				continue
			}
			select {
			case c.pkts <- pk:
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done }) // runs before p.Close
	return c, ev
}

// waitJoin waits for the server's JSON log of client id's join: from then
// on the server sends it broadcasts.
func waitJoin(t *testing.T, logs *syncBuffer, id int) {
	t.Helper()
	want := fmt.Sprintf(`"msg":"join","peer":%d,`, id)
	waitFor(t, "the server to admit "+strconv.Itoa(id), func() bool { return strings.Contains(logs.String(), want) }, logs.String)
}

func connectOutcome(t *testing.T, p *multiplayer.Peer) multiplayer.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), serveWait)
	defer cancel()
	for {
		ev, err := p.NextEvent(ctx)
		if err != nil {
			t.Fatalf("waiting for the connection: %v", err)
		}
		if ev.Type == multiplayer.ConnectionSucceeded || ev.Type == multiplayer.ConnectionFailed {
			return ev
		}
	}
}

// say sends a chat message to the server as put_var does.
func (c *testClient) say(t *testing.T, text string) {
	t.Helper()
	d := variant.NewDictionary(2)
	d.Set("type", "chat")
	d.Set("text", text)
	c.p.SetTargetPeer(multiplayer.TargetPeerServer)
	if err := c.p.SetTransferMode(multiplayer.TransferModeReliable); err != nil {
		t.Fatal(err)
	}
	if err := pp.NewVarPeer(c.p, server.FormatOf(c.p.Dialect())).PutVar(d); err != nil {
		t.Fatal(err)
	}
}

// nextChat returns the next chat message the server sent.
func (c *testClient) nextChat(t *testing.T) server.Chat {
	t.Helper()
	timeout := time.After(serveWait)
	for {
		select {
		case pk := <-c.pkts:
			v, _, err := variant.Decode(pk.Data, server.FormatOf(c.p.Dialect()))
			if err != nil {
				t.Fatalf("from %d: %v", pk.From, err)
			}
			if chat, ok := server.ParseChat(v); ok {
				return chat
			}
		case <-timeout:
			t.Fatalf("no chat message for %v client %d; stats %+v", c.p.Dialect(), c.p.UniqueID(), c.p.Stats())
		}
	}
}

// TestServeCompressionRangeCoder: serve --compression range_coder; Go
// clients of both dialects with the range coder in their HostConfig join
// and chat. A client without compression cannot join: its CONNECT
// (uncompressed) is answered with range-coded datagrams, which it drops,
// so its handshake never completes and it reports ConnectionFailed when
// ENet's connect timeout expires (about 30 s with libenet's defaults;
// shortened here). The server never sees it join.
func TestServeCompressionRangeCoder(t *testing.T) {
	clearServeEnv(t)
	addrs, logs, stop := startServe(t, 2, "--godot3", "127.0.0.1:0", "--godot4", "127.0.0.1:0", "--http", "",
		"--log-format", "json", "--compression", "range_coder")

	var clients []*testClient
	for _, d := range []multiplayer.Dialect{multiplayer.Godot3, multiplayer.Godot4} {
		c, ev := dialENet(t, addrs[d.String()], d, &enet.HostConfig{Compressor: enet.NewRangeCoder()})
		if ev.Type != multiplayer.ConnectionSucceeded {
			t.Fatalf("%v client with the range coder: %v\n%s", d, ev, logs.String())
		}
		waitJoin(t, logs, c.p.UniqueID())
		clients = append(clients, c)
	}
	for _, from := range clients {
		text := fmt.Sprintf("hello from %v, %s", from.p.Dialect(), strings.Repeat("compressible ", 20))
		from.say(t, text)
		for _, to := range clients {
			if c := to.nextChat(t); c.From != from.p.UniqueID() || c.Text != text {
				t.Fatalf("%v client got %+v, want %q from %d", to.p.Dialect(), c, text, from.p.UniqueID())
			}
		}
	}

	for _, d := range []multiplayer.Dialect{multiplayer.Godot3, multiplayer.Godot4} {
		// multiplayer.NewENetClient, with the peer's timeout shortened.
		hc := enet.HostConfig{PeerLimit: 1, ChannelLimit: multiplayer.MaxENetChannels}
		n := multiplayer.ConnectChannelCount(d, 0)
		if d == multiplayer.Godot3 {
			hc.ChannelLimit = n
		}
		h, err := enet.NewHost("127.0.0.1:0", &hc)
		if err != nil {
			t.Fatal(err)
		}
		id := multiplayer.GenerateUniqueID()
		p, err := multiplayer.NewClient(multiplayer.NewENetTransport(h, d), id, &multiplayer.Config{Dialect: d})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ep, err := h.Connect(addrs[d.String()], n, uint32(id))
		if err != nil {
			t.Fatal(err)
		}
		ep.SetTimeout(0, 500*time.Millisecond, 1500*time.Millisecond)
		ev := connectOutcome(t, p)
		dropped := h.Stats().DroppedDatagrams
		if ev.Type != multiplayer.ConnectionFailed || dropped == 0 {
			t.Fatalf("%v client without compression: %v, %d datagrams dropped; want connection_failed after dropping the server's compressed replies", d, ev, dropped)
		}
		t.Logf("%v client without compression: %v after dropping %d compressed datagrams", d, ev, dropped)
		if strings.Contains(logs.String(), fmt.Sprintf(`"msg":"join","peer":%d,`, id)) {
			t.Fatalf("server logged the join of %d:\n%s", id, logs.String())
		}
	}
	stop()
}

// TestServeConfigFile runs serve from a config file alone: max_peers = 1
// admits one client and refuses the next with server_full.
func TestServeConfigFile(t *testing.T) {
	clearServeEnv(t)
	path := writeConfig(t, `godot3 = "127.0.0.1:0"
godot4 = ""
http = ""
max_peers = 1
log_format = "json"
shutdown_timeout = "5s"
`)
	addrs, logs, stop := startServe(t, 1, "--config", path)
	if !strings.Contains(logs.String(), `"msg":"config","file":`+strconv.Quote(path)) {
		t.Errorf("no config log:\n%s", logs.String())
	}
	d := multiplayer.Godot3
	first, ev := dialENet(t, addrs["godot3"], d, nil)
	if ev.Type != multiplayer.ConnectionSucceeded {
		t.Fatalf("first client: %v", ev)
	}
	waitJoin(t, logs, first.p.UniqueID())
	if _, ev := dialENet(t, addrs["godot3"], d, nil); ev.Type != multiplayer.ConnectionFailed || ev.Reason != multiplayer.ReasonServerFull {
		t.Fatalf("second client: %v, want connection_failed(server_full)", ev)
	}
	stop()
}

// TestServeRefuseEnv: PACKETPEER_REFUSE=true reaches the server: a
// client is refused.
func TestServeRefuseEnv(t *testing.T) {
	clearServeEnv(t)
	t.Setenv("PACKETPEER_REFUSE", "true")
	t.Setenv("PACKETPEER_LOG_FORMAT", "json")
	addrs, _, stop := startServe(t, 1, "--godot3", "", "--godot4", "127.0.0.1:0", "--http", "")
	if _, ev := dialENet(t, addrs["godot4"], multiplayer.Godot4, nil); ev.Type != multiplayer.ConnectionFailed || ev.Reason != multiplayer.ReasonRefused {
		t.Fatalf("client: %v, want connection_failed(refused)", ev)
	}
	stop()
}

func TestChatUsage(t *testing.T) {
	for _, args := range [][]string{{"chat"}, {"chat", "--connect", "127.0.0.1:1", "--godot", "5"}} {
		if r := packetpeer(t, "", args...); r.code != exitUsage {
			t.Fatalf("%v: %v", args, r)
		}
	}
}
