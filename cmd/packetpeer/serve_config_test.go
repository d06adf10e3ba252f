package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/packetpeer/packetpeer/multiplayer"
)

// TestServeConfigErrors: a config file with a mistake stops serve before
// anything listens, with exit status 1 and one line naming the file,
// line:column and key.
func TestServeConfigErrors(t *testing.T) {
	clearServeEnv(t)
	for _, c := range []struct {
		name, content string
		want          []string
	}{
		{"unknown key", "godot3 = \":1\"\nbogus = 3\n", []string{"serve.toml:2:1: ", `unknown key "bogus"`, "max_peers"}},
		{"misspelt key", "max-peers = 8\n", []string{"serve.toml:1:1: ", `unknown key "max-peers"`}},
		{"string for an integer", "\n\nmax_peers = \"8\"\n", []string{"serve.toml:3:13: max_peers: want an integer, got a string"}},
		{"float for an integer", "max_peers = 8.0\n", []string{"serve.toml:1:13: max_peers: want an integer, got a float"}},
		{"integer for a string", "godot3 = 7777\n", []string{"serve.toml:1:10: godot3: want a string, got an integer"}},
		{"string for a boolean", "refuse = \"yes\"\n", []string{"serve.toml:1:10: refuse: want a boolean (true or false), got a string"}},
		{"table", "[godot3]\nport = 1\n", []string{"serve.toml:1:2: godot3: want a string, got a table"}},
		{"dotted key", "log_level.min = \"warn\"\n", []string{"serve.toml:1:1: log_level: want a string, got a table"}},
		{"array", "http = [\":1\"]\n", []string{"serve.toml:1:1: http: want a string, got an array"}},
		{"date", "shutdown_timeout = 1979-05-27\n", []string{"serve.toml:1:20: shutdown_timeout: want a string, got a date or time"}},
		{"bad mode", "# modes\ncompression = \"lzma\"\n", []string{"serve.toml:2:15: compression: ", `"lzma"`, "range_coder"}},
		{"bad address", "godot4 = \"7778\"\n", []string{"serve.toml:1:10: godot4: ", `"7778"`, "host:port"}},
		{"out of range", "max_peers = 4096\n", []string{"serve.toml:1:13: max_peers: ", "1 to 4095"}},
		{"too large", "max_peers = 99999999999999999999\n", []string{"serve.toml:1:13: ", "max_peers"}},
		{"bad duration", "shutdown_timeout = \"soon\"\n", []string{"serve.toml:1:20: shutdown_timeout: ", `"soon"`}},
		{"bad level", "log_level = \"loud\"\n", []string{"serve.toml:1:13: log_level: ", `"loud"`}},
		{"syntax", "godot3 = \n", []string{"serve.toml:1:10: "}},
		{"unterminated string", "godot3 = \":7777\n", []string{"serve.toml:1:"}},
		{"duplicate key", "refuse = true\nrefuse = false\n", []string{"serve.toml:2:1: ", "refuse", "already defined"}},
		{"first error in document order", "zzz = 1\naaa = 2\n", []string{"serve.toml:1:1: ", `"zzz"`}},
		{"nothing to serve", "godot3 = \"\"\ngodot4 = \"\"\n", []string{"serve.toml: ", "nothing to serve"}},
		{"not UTF-8", "godot3 = \"\xff\"\n", []string{"serve.toml:1:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeConfig(t, c.content)
			args := []string{"serve", "--config", path, "--godot3", "127.0.0.1:0", "--godot4", "127.0.0.1:0", "--http", "", "--log-format", "json"}
			if c.name == "nothing to serve" {
				args = []string{"serve", "--config", path}
			}
			r := boundedServe(t, args...)
			checkOneLineError(t, r, append([]string{"packetpeer serve: config " + filepath.Dir(path)}, c.want...)...)
			if strings.Contains(r.stderr, "serving") {
				t.Errorf("served: %v", r)
			}
		})
	}
	// A file given explicitly must exist; from PACKETPEER_CONFIG too.
	missing := filepath.Join(t.TempDir(), "nope.toml")
	checkOneLineError(t, packetpeer(t, "", "serve", "--config", missing), "config: open "+missing, "no such file")
	checkOneLineError(t, packetpeer(t, "", "serve", "--config", t.TempDir()), "config: ")
	t.Setenv("PACKETPEER_CONFIG", missing)
	checkOneLineError(t, packetpeer(t, "", "serve"), "config: open "+missing)

	big := writeConfig(t, "# "+strings.Repeat("x", maxConfigSize)+"\n")
	checkOneLineError(t, packetpeer(t, "", "serve", "--config", big), "larger than 1048576 bytes")

	// Flags and environment override a file's setting; the override is
	// applied even when the file's value was fine.
	clearServeEnv(t)
	both := writeConfig(t, "godot3 = \"\"\ngodot4 = \"\"\n")
	if got := printedSettings(t, "--config", both, "--godot4", ":9"); got["godot4"] != ":9" || got["godot3"] != "" {
		t.Errorf("flag over file: %v", got)
	}
	// The file disabled godot3, the flag godot4: the file is named.
	checkOneLineError(t, packetpeer(t, "", "serve", "--config", both, "--godot4", ""), "config "+both+": ", "nothing to serve")
	// The flags alone disable both: a usage error.
	if r := packetpeer(t, "", "serve", "--config", both, "--godot4", "", "--godot3", ""); r.code != exitUsage || !strings.Contains(r.stderr, "nothing to serve") {
		t.Errorf("empty flags: %v", r)
	}
}

// boundedServe runs packetpeer with args, interrupting it after a while:
// a serve that should have failed but serves ends the test instead of
// hanging it.
func boundedServe(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// TestServeConfigExample: examples/serve.toml is exactly what
// --print-config prints with the defaults, and loading it gives the
// defaults.
func TestServeConfigExample(t *testing.T) {
	clearServeEnv(t)
	const example = "../../examples/serve.toml"
	want, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	r := packetpeer(t, "", "serve", "--print-config")
	if r.code != 0 || r.stdout != string(want) {
		t.Fatalf("%s differs from serve --print-config; regenerate it with\n  go run ./cmd/packetpeer serve --print-config > examples/serve.toml\n%v", example, r)
	}
	s := defaultServeSettings()
	s.MaxPeers, s.Compression, s.LogFormat = 1, multiplayer.CompressRangeCoder, "json" // to be overwritten
	keys, err := loadServeConfig(&s, example)
	if err != nil {
		t.Fatal(err)
	}
	if s != defaultServeSettings() || len(keys) != len(serveSettingsTable) {
		t.Fatalf("%s loads as %+v (keys %v), want the defaults %+v", example, s, keys, defaultServeSettings())
	}
	if def := defaultServeSettings(); def.MaxPeers != 1024 || def.Godot3 != ":7777" || def.Godot4 != ":7778" ||
		def.HTTP != "127.0.0.1:7780" || def.Compression != multiplayer.CompressNone || def.ShutdownTimeout != 10*time.Second ||
		def.LogLevel != slog.LevelInfo || def.LogFormat != "text" || def.Refuse {
		t.Fatalf("defaults: %+v", def)
	}
}

// TestServeConfigRoundTrip: what --print-config prints, loaded from a
// file, gives the same settings, including strings that need escaping.
func TestServeConfigRoundTrip(t *testing.T) {
	for _, s := range []serveSettings{
		defaultServeSettings(),
		{Godot3: `we"ird\host` + "\t\x01é:0", Godot4: "", HTTP: "[::1]:0", MaxPeers: 4095, Refuse: true,
			Compression: multiplayer.CompressRangeCoder, LogFormat: "json", LogLevel: slog.LevelDebug + 2, ShutdownTimeout: 1500 * time.Millisecond},
	} {
		var b bytes.Buffer
		if err := writeServeConfig(&b, &s); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := toml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatalf("not TOML: %v\n%s", err, b.String())
		}
		got := serveSettings{MaxPeers: 7}
		if _, err := parseServeConfig(&got, "print", b.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
		if got != s {
			t.Errorf("round trip: %+v, want %+v\n%s", got, s, b.String())
		}
	}
}

// TestServeLogger: the log level and format settings shape the logger.
func TestServeLogger(t *testing.T) {
	for _, c := range []struct {
		format string
		level  slog.Level
		want   string // of an info and a warning
	}{
		{"text", slog.LevelInfo, "level=INFO msg=a\n|level=WARN msg=b\n"},
		{"text", slog.LevelWarn, "level=WARN msg=b\n"},
		{"json", slog.LevelError, ""},
		{"json", slog.LevelDebug, `"level":"INFO","msg":"a"}` + "\n|" + `"level":"WARN","msg":"b"}` + "\n"},
	} {
		var b bytes.Buffer
		s := serveSettings{LogFormat: c.format, LogLevel: c.level}
		log := s.logger(&b)
		log.Info("a")
		log.Warn("b")
		for _, w := range strings.Split(c.want, "|") {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s %v: %q lacks %q", c.format, c.level, b.String(), w)
			}
		}
		if n := strings.Count(b.String(), "\n"); n != strings.Count(c.want, "\n") {
			t.Errorf("%s %v: %d lines: %q", c.format, c.level, n, b.String())
		}
	}
}

// TestServeConfigMapping: the settings reach server.Config.
func TestServeConfigMapping(t *testing.T) {
	s := serveSettings{Godot3: "a:1", Godot4: "b:2", HTTP: "c:3", MaxPeers: 9, Refuse: true, Compression: multiplayer.CompressRangeCoder}
	log := slog.New(slog.DiscardHandler)
	c := s.serverConfig(log)
	if c.Godot3Addr != "a:1" || c.Godot4Addr != "b:2" || c.MaxPeers != 9 || !c.Refuse || c.Compression != multiplayer.CompressRangeCoder || c.Logger != log || c.Handler != nil {
		t.Fatalf("%+v", c)
	}
}

// TestServeHelpAndREADME: serve --help and the README's serve section
// name every setting's flag, environment variable and config key.
func TestServeHelpAndREADME(t *testing.T) {
	clearServeEnv(t)
	help := packetpeer(t, "", "serve", "--help")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sec := string(readme)
	i := strings.Index(sec, "### `packetpeer serve`")
	if i < 0 {
		t.Fatal("README.md has no ### `packetpeer serve` section")
	}
	sec = sec[i+4:]
	if j := strings.Index(sec, "\n## "); j >= 0 {
		sec = sec[:j]
	}
	if j := strings.Index(sec, "\n### "); j >= 0 {
		sec = sec[:j]
	}
	for _, k := range serveKeys {
		for _, w := range []string{keyFlag(k), keyEnv(k), k} {
			if !strings.Contains(help.stdout, w) {
				t.Errorf("serve --help lacks %s", w)
			}
			if !strings.Contains(sec, "`"+w+"`") && !strings.Contains(sec, "`"+w+" ") {
				t.Errorf("README serve section lacks `%s`", w)
			}
		}
	}
	for _, w := range []string{"--config", "PACKETPEER_CONFIG", "--print-config", "examples/serve.toml"} {
		if !strings.Contains(help.stdout, w) || !strings.Contains(sec, w) {
			t.Errorf("serve --help or the README lacks %s", w)
		}
	}
}
