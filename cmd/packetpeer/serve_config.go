package main

// The settings of packetpeer serve and their four sources: a flag, an
// environment variable, the config file (TOML) and the built-in default,
// in that order of precedence. One table, serveSettingsTable, drives all
// four, --help, and --print-config.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"github.com/spf13/pflag"

	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/server"
)

// serveSettings are the effective settings of packetpeer serve.
type serveSettings struct {
	Godot3, Godot4, HTTP string // listen addresses; "" disables
	MaxPeers             int
	Refuse               bool
	Compression          multiplayer.CompressionMode
	LogFormat            string // text or json
	LogLevel             slog.Level
	ShutdownTimeout      time.Duration
}

// Limits of the settings.
const (
	// serveMaxPeersLimit is the largest max-peers: ENet's peer ids have
	// 12 bits, so a host has at most 4095 slots.
	serveMaxPeersLimit = 4095
	// maxConfigSize bounds the config file.
	maxConfigSize = 1 << 20
)

// Names of the --config flag and its environment variable, which select
// the config file and so cannot be set in it.
const (
	configFlag = "config"
	configEnv  = "PACKETPEER_CONFIG"
)

// tomlKind is the TOML type of a setting's value in the config file.
type tomlKind int

const (
	kindString tomlKind = iota
	kindInteger
	kindBoolean
)

// serveSetting is one setting: its flag name (the config key is the name
// with '-' replaced by '_', the environment variable PACKETPEER_ and the
// key in upper case), its TOML type, its default and documentation, and
// how to parse (with validation) and format it in flag syntax.
type serveSetting struct {
	flag  string
	kind  tomlKind
	typ   string // the flag's value type in --help
	def   string
	usage string // one line, for --help
	doc   string // more, for the config file (optional)
	set   func(s *serveSettings, v string) error
	get   func(s *serveSettings) string
}

func (st *serveSetting) key() string { return strings.ReplaceAll(st.flag, "-", "_") }
func (st *serveSetting) env() string { return "PACKETPEER_" + strings.ToUpper(st.key()) }

// serveSettingsTable lists every setting, in --help and config file order.
var serveSettingsTable = []*serveSetting{
	addrSetting("godot3", "udp", server.DefaultGodot3Addr, "UDP address of the Godot 3.2 dialect",
		"Godot 3.2 games connect here with NetworkedMultiplayerENet", func(s *serveSettings) *string { return &s.Godot3 }),
	addrSetting("godot4", "udp", server.DefaultGodot4Addr, "UDP address of the Godot 4.x dialect",
		"Godot 4.x games connect here with ENetMultiplayerPeer", func(s *serveSettings) *string { return &s.Godot4 }),
	addrSetting("http", "tcp", "127.0.0.1:7780", "TCP address of HTTP /healthz and /metrics",
		"/healthz answers ok; Prometheus scrapes /metrics", func(s *serveSettings) *string { return &s.HTTP }),
	{
		flag: "max-peers", kind: kindInteger, typ: "int", def: strconv.Itoa(server.DefaultMaxPeers),
		usage: fmt.Sprintf("clients allowed per dialect, 1 to %d", serveMaxPeersLimit),
		doc:   "More are refused with reason server_full",
		set: func(s *serveSettings, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > serveMaxPeersLimit {
				return fmt.Errorf("max peers %q: want an integer from 1 to %d", v, serveMaxPeersLimit)
			}
			s.MaxPeers = n
			return nil
		},
		get: func(s *serveSettings) string { return strconv.Itoa(s.MaxPeers) },
	},
	{
		flag: "refuse", kind: kindBoolean, typ: "bool", def: "false",
		usage: "refuse new connections (refuse_new_connections)",
		doc:   "Clients are disconnected with reason refused",
		set: func(s *serveSettings, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("refuse %q: want true or false", v)
			}
			s.Refuse = b
			return nil
		},
		get: func(s *serveSettings) string { return strconv.FormatBool(s.Refuse) },
	},
	{
		flag: "compression", kind: kindString, typ: "mode", def: multiplayer.CompressNone.String(),
		usage: "ENet compression: none, range_coder, fastlz, zlib or zstd",
		doc: "Both dialects use it. Clients must set the same mode (Godot 3.2:\n" +
			"NetworkedMultiplayerENet.compression_mode; 4.x: ENetConnection.compress):\n" +
			"it is not negotiated, and a client without it cannot connect (it fails after\n" +
			"ENet's connect timeout, about 30 s)",
		set: func(s *serveSettings, v string) error {
			m, err := multiplayer.ParseCompressionMode(v)
			if err != nil {
				return err
			}
			// The server makes one Compressor per host; a mode this build
			// cannot run is an error now, before anything listens.
			if _, err := m.Compressor(); err != nil {
				return err
			}
			s.Compression = m
			return nil
		},
		get: func(s *serveSettings) string { return s.Compression.String() },
	},
	{
		flag: "log-format", kind: kindString, typ: "format", def: "text",
		usage: "log format on stderr: text or json",
		set: func(s *serveSettings, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("log format %q: want text or json", v)
			}
			s.LogFormat = v
			return nil
		},
		get: func(s *serveSettings) string { return s.LogFormat },
	},
	{
		flag: "log-level", kind: kindString, typ: "level", def: "info",
		usage: "least log level shown: debug, info, warn or error",
		doc:   "Joins and leaves are info",
		set: func(s *serveSettings, v string) error {
			var l slog.Level
			if err := l.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("log level %q: want debug, info, warn or error", v)
			}
			s.LogLevel = l
			return nil
		},
		get: func(s *serveSettings) string { return strings.ToLower(s.LogLevel.String()) },
	},
	{
		flag: "shutdown-timeout", kind: kindString, typ: "duration", def: "10s",
		usage: "how long a graceful shutdown waits for clients (0: none)",
		doc:   "On SIGINT or SIGTERM, clients still connected after this are dropped",
		set: func(s *serveSettings, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || d < 0 {
				return fmt.Errorf("shutdown timeout %q: want a duration such as 10s or 500ms, not negative", v)
			}
			s.ShutdownTimeout = d
			return nil
		},
		get: func(s *serveSettings) string { return s.ShutdownTimeout.String() },
	},
}

// addrSetting is a listen address setting: "" disables the listener;
// otherwise host:port, the port a number or a service name.
func addrSetting(name, network, def, usage, doc string, field func(*serveSettings) *string) *serveSetting {
	return &serveSetting{
		flag: name, kind: kindString, typ: "addr", def: def, usage: usage + " (empty disables)",
		doc: doc + ".\nForm host:port; no host listens on every interface, port 0 picks a free port",
		set: func(s *serveSettings, v string) error {
			if v != "" {
				_, port, err := net.SplitHostPort(v)
				if err != nil {
					return fmt.Errorf("address %q: want host:port (empty disables): %w", v, err)
				}
				if _, err := net.LookupPort(network, port); err != nil {
					return fmt.Errorf("address %q: bad port: %w", v, err)
				}
			}
			*field(s) = v
			return nil
		},
		get: func(s *serveSettings) string { return *field(s) },
	}
}

// defaultServeSettings returns the built-in defaults.
func defaultServeSettings() serveSettings {
	var s serveSettings
	for _, st := range serveSettingsTable {
		if err := st.set(&s, st.def); err != nil {
			panic(fmt.Sprintf("serve: default of %s: %v", st.flag, err)) // a bug in the table
		}
	}
	return s
}

// settingValue is a setting's flag: Set validates the value with the
// setting's parser and keeps the text; resolveServe applies it.
type settingValue struct {
	st  *serveSetting
	val string
}

func (v *settingValue) String() string { return v.val }
func (v *settingValue) Type() string   { return v.st.typ }
func (v *settingValue) Set(s string) error {
	var scratch serveSettings
	if err := v.st.set(&scratch, s); err != nil {
		return err
	}
	v.val = s
	return nil
}

// addServeFlags defines a flag per setting on f.
func addServeFlags(f *pflag.FlagSet) {
	for _, st := range serveSettingsTable {
		fl := f.VarPF(&settingValue{st: st, val: st.def}, st.flag, "", st.usage)
		if st.kind == kindBoolean {
			fl.NoOptDefVal = "true" // --refuse alone means true
		}
	}
}

// resolveServe computes the effective settings: for each setting, its flag
// if given, else its environment variable if set (even to ""), else its
// key in the config file, else its default. The config file is --config,
// else $PACKETPEER_CONFIG; none if both are unset or empty. Flag and
// environment errors are usageErrors; config file errors are plain errors
// naming the file, line, column and key.
func resolveServe(f *pflag.FlagSet, lookupEnv func(string) (string, bool)) (s serveSettings, file string, err error) {
	s = defaultServeSettings()
	file, _ = lookupEnv(configEnv)
	if fl := f.Lookup(configFlag); fl != nil && fl.Changed {
		file = fl.Value.String()
	}
	fromFile := map[string]bool{}
	if file != "" {
		keys, err := loadServeConfig(&s, file)
		if err != nil {
			return s, file, err
		}
		for _, k := range keys {
			fromFile[k] = true
		}
	}
	for _, st := range serveSettingsTable {
		fl := f.Lookup(st.flag)
		v, inEnv := lookupEnv(st.env())
		switch {
		case fl.Changed:
			if err := st.set(&s, fl.Value.String()); err != nil {
				return s, file, usageError{fmt.Errorf("--%s: %w", st.flag, err)}
			}
		case inEnv:
			if err := st.set(&s, v); err != nil {
				return s, file, usageError{fmt.Errorf("%s=%q: %w", st.env(), v, err)}
			}
		default:
			continue
		}
		delete(fromFile, st.key())
	}
	if s.Godot3 == "" && s.Godot4 == "" {
		err := errors.New("godot3 and godot4 are both empty: nothing to serve")
		if fromFile["godot3"] || fromFile["godot4"] {
			return s, file, fmt.Errorf("config %s: %w", file, err)
		}
		return s, file, usageError{err}
	}
	return s, file, nil
}

// loadServeConfig applies the settings in a config file to s and returns
// the keys it set. The file is TOML: top-level keys only, each a setting's
// key with a value of its TOML type (string, integer or boolean), at most
// maxConfigSize bytes. Errors name the file and, where possible,
// "line:column: key".
func loadServeConfig(s *serveSettings, file string) ([]string, error) {
	data, err := readConfigFile(file)
	if err != nil {
		return nil, err
	}
	return parseServeConfig(s, file, data)
}

// parseServeConfig is loadServeConfig of the file's contents.
func parseServeConfig(s *serveSettings, file string, data []byte) ([]string, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			msg := strings.TrimPrefix(de.Error(), "toml: ")
			key := strings.Join(de.Key(), ".")
			if key == "" {
				// Some errors (a number out of range) carry no key:
				// name the one defined on that line, if any.
				for k, p := range tomlKeyPositions(data) {
					if p.key.Line == line {
						key = k
					}
				}
			}
			if key != "" {
				msg = key + ": " + msg
			}
			return nil, fmt.Errorf("config %s:%d:%d: %s", file, line, col, msg)
		}
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	pos := tomlKeyPositions(data)
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	// Report the first error in document order.
	slices.Sort(keys)
	slices.SortStableFunc(keys, func(a, b string) int { return pos[a].key.Offset - pos[b].key.Offset })
	for _, k := range keys {
		st := settingByKey(k)
		if st == nil {
			return nil, fmt.Errorf("config %s: unknown key %q (keys: %s)", pos[k].at(file, false), k, configKeys())
		}
		v, err := tomlValueText(doc[k], st.kind)
		if err == nil {
			err = st.set(s, v)
		}
		if err != nil {
			return nil, fmt.Errorf("config %s: %s: %w", pos[k].at(file, true), k, err)
		}
	}
	return keys, nil
}

func readConfigFile(file string) ([]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config %s: larger than %d bytes", file, maxConfigSize)
	}
	return data, nil
}

func settingByKey(k string) *serveSetting {
	for _, st := range serveSettingsTable {
		if st.key() == k {
			return st
		}
	}
	return nil
}

func configKeys() string {
	var ks []string
	for _, st := range serveSettingsTable {
		ks = append(ks, st.key())
	}
	return strings.Join(ks, ", ")
}

// tomlValueText converts a decoded TOML value of the wanted kind to flag
// syntax.
func tomlValueText(v any, want tomlKind) (string, error) {
	switch x := v.(type) {
	case string:
		if want == kindString {
			return x, nil
		}
	case int64:
		if want == kindInteger {
			return strconv.FormatInt(x, 10), nil
		}
	case bool:
		if want == kindBoolean {
			return strconv.FormatBool(x), nil
		}
	}
	return "", fmt.Errorf("want %s, got %s", [...]string{"a string", "an integer", "a boolean (true or false)"}[want], tomlTypeName(v))
}

func tomlTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// keyPos is where a top-level key is first defined: its key and its value.
type keyPos struct{ key, value unstable.Position }

// at formats "file:line:column" of the key or its value ("file" alone if
// unknown).
func (p keyPos) at(file string, value bool) string {
	q := p.key
	if value {
		q = p.value
	}
	if q.Line == 0 {
		return file
	}
	return fmt.Sprintf("%s:%d:%d", file, q.Line, q.Column)
}

// tomlKeyPositions finds where each top-level key of a TOML document is
// first defined: a key = value before the first [table] header, or the
// first part of a table header or dotted key; and where its value starts
// (for a string, number, boolean or date; else the key's position). It
// uses go-toml's parser (the decoder does not report positions of keys
// it accepted) and stops at a syntax error; a key it misses is reported
// without a position.
func tomlKeyPositions(data []byte) map[string]keyPos {
	out := map[string]keyPos{}
	var p unstable.Parser
	p.Reset(data)
	inTable := false
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			inTable = true
		case unstable.KeyValue:
			if inTable {
				continue
			}
		default:
			continue
		}
		it := e.Key()
		if !it.Next() {
			continue
		}
		k := it.Node()
		name := string(k.Data)
		if _, seen := out[name]; seen {
			continue
		}
		kp := keyPos{key: p.Shape(k.Raw).Start}
		kp.value = kp.key
		if e.Kind == unstable.KeyValue && !it.Next() { // a dotted key's value is a table
			if v := e.Value(); v.Raw.Length > 0 {
				kp.value = p.Shape(v.Raw).Start
			}
		}
		out[name] = kp
	}
	return out
}

// writeServeConfig writes s as a config file: every setting, documented,
// in table order. Read back, it gives s again.
func writeServeConfig(w io.Writer, s *serveSettings) error {
	var b bytes.Buffer
	b.WriteString(`# packetpeer serve settings (TOML): packetpeer serve --config FILE.
#
# Every setting is optional. Precedence: a flag beats its environment
# variable, which beats this file, which beats the built-in default.
# packetpeer serve --print-config prints the effective settings in this form.
`)
	for _, st := range serveSettingsTable {
		text := upperFirst(st.usage)
		if st.doc != "" {
			text += ".\n" + st.doc
		}
		text = strings.ReplaceAll(text, "\n", "\n# ")
		fmt.Fprintf(&b, "\n# %s.\n# Flag --%s, environment %s.\n%s = ", text, st.flag, st.env(), st.key())
		v := st.get(s)
		switch st.kind {
		case kindString:
			b.WriteString(tomlQuote(v))
		default:
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tomlQuote returns s as a TOML basic string. Invalid UTF-8 becomes
// U+FFFD (TOML documents are UTF-8).
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// serveSettingsHelp is the settings part of serve's --help: each flag with
// its environment variable, config key and default.
func serveSettingsHelp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-20s %-30s %-18s %s\n", "flag", "environment", "config key", "default")
	fmt.Fprintf(&b, "  %-20s %-30s %-18s %s\n", "--"+configFlag+" FILE", configEnv, "", "(none)")
	for _, st := range serveSettingsTable {
		def := st.def
		if st.kind == kindString {
			def = tomlQuote(def)
		}
		fmt.Fprintf(&b, "  %-20s %-30s %-18s %s\n", "--"+st.flag, st.env(), st.key(), def)
	}
	return strings.TrimRight(b.String(), "\n")
}

// serverConfig is the server.Config of the settings.
func (s *serveSettings) serverConfig(log *slog.Logger) server.Config {
	return server.Config{
		Godot3Addr: s.Godot3, Godot4Addr: s.Godot4, MaxPeers: s.MaxPeers, Refuse: s.Refuse,
		Compression: s.Compression, Logger: log,
	}
}

// logger returns the slog.Logger of the settings, writing to w.
func (s *serveSettings) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
