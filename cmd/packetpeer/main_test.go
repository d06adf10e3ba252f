package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/internal/version"
)

// result is what one in-process run of packetpeer produced.
type result struct {
	code           int
	stdout, stderr string
}

// packetpeer runs the command line args in-process with stdin as standard input.
func packetpeer(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// Godot 3.2: var2bytes({"a": 1}).
const dictA1Godot3 = "12000000010000000400000001000000610000000200000001000000"

// Godot 4: var_to_bytes({"a": 1}), which has the same layout except the
// Dictionary type id (27 instead of 18).
const dictA1Godot4 = "1b000000010000000400000001000000610000000200000001000000"

// The typed JSON of {"a": 1} (variant/JSON.md).
const dictA1JSON = `{"type":"Dictionary","value":[["a",{"type":"int","value":1}]]}`

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkOneLineError checks the contract for bad input: exit status 1, nothing
// on stdout, exactly one line on stderr containing each of want.
func checkOneLineError(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%v", r.code, r)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	if !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want exactly one line", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr = %q, want it to contain %q", r.stderr, w)
		}
	}
}

// decodeJSON decodes the hex bytes with the decode command and checks that
// it prints one line of valid JSON.
func decodeJSON(t *testing.T, hexBytes string, args ...string) string {
	t.Helper()
	r := packetpeer(t, hexBytes, append([]string{"decode", "--hex"}, args...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("decode %v: %v", args, r)
	}
	if !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("decode output %q does not end in a newline", r.stdout)
	}
	out := strings.TrimSuffix(r.stdout, "\n")
	if !json.Valid([]byte(out)) {
		t.Fatalf("decode output is not JSON: %q", out)
	}
	return out
}

func TestDecodeGodot3Dict(t *testing.T) {
	out := decodeJSON(t, dictA1Godot3, "--godot", "3")
	if out != dictA1JSON {
		t.Errorf("decode = %s, want %s", out, dictA1JSON)
	}
	// The same value in the Godot 4 layout prints the same JSON.
	if out4 := decodeJSON(t, dictA1Godot4); out4 != out {
		t.Errorf("Godot 4 decode = %s, Godot 3 decode = %s; want the same", out4, out)
	}
	if out4 := decodeJSON(t, dictA1Godot4, "--godot", "4.2"); out4 != out {
		t.Errorf("Godot 4.2 decode = %s, want %s", out4, out)
	}
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		godot, hex string
	}{
		{"3", dictA1Godot3},
		{"4", dictA1Godot4},
		{"3", "0200000001000000"},                         // int 1
		{"3", "040000000500000068656c6c6f000000"},         // "hello"
		{"4", "050000000000803f00000040"},                 // Vector2(1, 2)
		{"4", "1c00000002000000010000000100000000000000"}, // [true, null]
	} {
		out := decodeJSON(t, tc.hex, "--godot", tc.godot)
		r := packetpeer(t, out, "encode", "--godot", tc.godot)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("encode --godot %s %s: %v", tc.godot, out, r)
			continue
		}
		if got := hex.EncodeToString([]byte(r.stdout)); got != tc.hex {
			t.Errorf("encode --godot %s %s = %s, want %s", tc.godot, out, got, tc.hex)
		}
	}
}

func TestEncodeHexBase64(t *testing.T) {
	out := decodeJSON(t, dictA1Godot3, "--godot", "3")
	r := packetpeer(t, out, "encode", "--godot", "3", "--hex")
	if r.code != 0 || r.stdout != dictA1Godot3+"\n" {
		t.Errorf("encode --hex: %v\nwant stdout %s", r, dictA1Godot3)
	}
	b64 := base64.StdEncoding.EncodeToString(mustHex(t, dictA1Godot3))
	r = packetpeer(t, out, "encode", "--godot", "3", "--base64")
	if r.code != 0 || r.stdout != b64+"\n" {
		t.Errorf("encode --base64: %v\nwant stdout %s", r, b64)
	}
	// From a file too.
	file := filepath.Join(t.TempDir(), "v.json")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	r = packetpeer(t, "", "encode", "--godot", "3", "--hex", file)
	if r.code != 0 || r.stdout != dictA1Godot3+"\n" {
		t.Errorf("encode --hex FILE: %v\nwant stdout %s", r, dictA1Godot3)
	}
}

func TestDecodeInputForms(t *testing.T) {
	want := decodeJSON(t, dictA1Godot3, "--godot", "3")
	raw := mustHex(t, dictA1Godot3)

	// Hex with whitespace anywhere, upper case, as xxd -p or a hex dump pastes it.
	spaced := "  12 00 00 00\n0100 0000\t04000000 01000000\r\n61000000 02000000 01000000\n\n"
	if got := decodeJSON(t, strings.ToUpper(spaced), "--godot", "3"); got != want {
		t.Errorf("decode --hex (spaced) = %s, want %s", got, want)
	}

	// Base64, padded or not, with line breaks.
	b64 := base64.StdEncoding.EncodeToString(raw)
	for _, in := range []string{b64, b64 + "\n", b64[:10] + "\n" + b64[10:], strings.TrimRight(b64, "=")} {
		r := packetpeer(t, in, "decode", "--godot", "3", "--base64")
		if r.code != 0 || r.stdout != want+"\n" {
			t.Errorf("decode --base64 %q: %v\nwant stdout %s", in, r, want)
		}
	}

	// Raw bytes on stdin, from a file, and from "-".
	r := packetpeer(t, string(raw), "decode", "--godot", "3")
	if r.code != 0 || r.stdout != want+"\n" {
		t.Errorf("decode (raw stdin): %v\nwant stdout %s", r, want)
	}
	file := filepath.Join(t.TempDir(), "v.bin")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	r = packetpeer(t, "", "decode", "--godot", "3", file)
	if r.code != 0 || r.stdout != want+"\n" {
		t.Errorf("decode FILE: %v\nwant stdout %s", r, want)
	}
	r = packetpeer(t, string(raw), "decode", "--godot", "3", "-")
	if r.code != 0 || r.stdout != want+"\n" {
		t.Errorf("decode -: %v\nwant stdout %s", r, want)
	}
}

func TestDecodeText(t *testing.T) {
	for _, godot := range []string{"3", "4"} {
		in := dictA1Godot3
		if godot == "4" {
			in = dictA1Godot4
		}
		r := packetpeer(t, in, "decode", "--hex", "--text", "--godot", godot)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("decode --text --godot %s: %v", godot, r)
		}
		// As Godot's var2str / var_to_str prints it, then a newline.
		if want := "{\n\"a\": 1\n}\n"; r.stdout != want {
			t.Errorf("decode --text --godot %s = %q, want %q", godot, r.stdout, want)
		}
	}
	r := packetpeer(t, "040000000500000068656c6c6f000000", "decode", "--hex", "--text", "--godot", "3")
	if r.code != 0 || r.stdout != "\"hello\"\n" {
		t.Errorf("decode --text \"hello\": %v", r)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        []string
	}{
		// Dictionary of one entry whose value is cut off.
		{"truncated", dictA1Godot3[:48], []string{"--godot", "3"}, []string{"offset"}},
		// Unknown type id 99.
		{"bad type", "63000000", []string{"--godot", "3"}, []string{"offset 0"}},
		// Empty input.
		{"empty", "", nil, []string{"offset 0"}},
		// A string whose length runs past the end.
		{"string length", "0400000010000000616263", []string{"--godot", "3"}, []string{"offset"}},
		// A whole Variant followed by junk.
		{"trailing", "0200000001000000ff", []string{"--godot", "3"}, []string{"offset 8", "trailing"}},
		// Text-level errors.
		{"bad hex", "12 00 zz", nil, []string{"offset 6", "hex"}},
		{"odd hex", "120", nil, []string{"hex"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := packetpeer(t, tc.stdin, append([]string{"decode", "--hex"}, tc.args...)...)
			checkOneLineError(t, r, tc.want...)
			if !strings.HasPrefix(r.stderr, "packetpeer decode: ") {
				t.Errorf("stderr = %q, want it to start with %q", r.stderr, "packetpeer decode: ")
			}
		})
	}
	r := packetpeer(t, "AAAA*AAA", "decode", "--base64")
	checkOneLineError(t, r, "offset 4", "base64")

	r = packetpeer(t, "", "decode", filepath.Join(t.TempDir(), "missing.bin"))
	checkOneLineError(t, r, "missing.bin")
}

func TestEncodeErrors(t *testing.T) {
	for _, in := range []string{"", "{", "not json", `{"a": }`} {
		r := packetpeer(t, in, "encode")
		checkOneLineError(t, r)
		if !strings.HasPrefix(r.stderr, "packetpeer encode: ") {
			t.Errorf("encode %q: stderr = %q, want it to start with %q", in, r.stderr, "packetpeer encode: ")
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"decode", "--godot", "5"},
		{"decode", "--godot", "banana"},
		{"decode", "--no-such-flag"},
		{"decode", "--hex", "--base64"},
		{"decode", "a", "b"},
		{"encode", "--hex", "--base64"},
		{"bench", "codec"},
		{"bench", "codec", "--reps", "0", "x"},
		{"no-such-command"},
	} {
		r := packetpeer(t, "", args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--help") {
			t.Errorf("packetpeer %s: %v\nwant exit 2 and a pointer to --help", strings.Join(args, " "), r)
		}
	}
}

func TestVersion(t *testing.T) {
	r := packetpeer(t, "", "--version")
	want := "packetpeer " + version.String() + "\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("--version: %v\nwant stdout %q", r, want)
	}
	if version.String() == "" {
		t.Error("empty version")
	}
}

// TestHelp runs --help on every command, including those other files add.
func TestHelp(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(rootCmd, nil)
	for _, want := range []string{"decode", "encode", "bench codec"} {
		found := false
		for _, p := range paths {
			found = found || strings.Join(p, " ") == want
		}
		if !found {
			t.Errorf("no %q command", want)
		}
	}
	for _, p := range paths {
		r := packetpeer(t, "", append(append([]string(nil), p...), "--help")...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("packetpeer %s --help: %v", strings.Join(p, " "), r)
		}
	}
	// With no arguments, a group prints its help.
	r := packetpeer(t, "")
	if r.code != 0 || !strings.Contains(r.stdout, "decode") {
		t.Errorf("packetpeer: %v", r)
	}
}

// TestFlagsReset checks that run starts every execution from the default
// flags, so in-process runs do not leak into each other.
func TestFlagsReset(t *testing.T) {
	want := decodeJSON(t, dictA1Godot4)
	_ = decodeJSON(t, dictA1Godot3, "--godot", "3")
	// Default is --godot 4 again: the Godot 4 bytes decode.
	if got := decodeJSON(t, dictA1Godot4); got != want {
		t.Errorf("second default decode = %s, want %s", got, want)
	}
	// And --hex is no longer set: hex text read raw is not a Variant.
	r := packetpeer(t, dictA1Godot4, "decode")
	checkOneLineError(t, r, "offset")
}

var benchLastLine = regexp.MustCompile(`^encode_MBps=[0-9.]+ decode_MBps=[0-9.]+$`)

func TestBenchCodec(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ godot, hex string }{
		{"3", dictA1Godot3},
		{"4", dictA1Godot4},
	} {
		file := filepath.Join(dir, "v"+tc.godot+".bin")
		if err := os.WriteFile(file, mustHex(t, tc.hex), 0o644); err != nil {
			t.Fatal(err)
		}
		r := packetpeer(t, "", "bench", "codec", "--godot", tc.godot, "--reps", "5", file)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("bench codec: %v", r)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if last := lines[len(lines)-1]; !benchLastLine.MatchString(last) {
			t.Errorf("bench codec last line = %q, want it to match %s", last, benchLastLine)
		}
		for _, want := range []string{"payload_bytes=28\n", "reps=5\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("bench codec output %q lacks %q", r.stdout, want)
			}
		}
	}
	// Bad input: the usual one-line error.
	file := filepath.Join(dir, "bad.bin")
	if err := os.WriteFile(file, []byte{0x63, 0, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	checkOneLineError(t, packetpeer(t, "", "bench", "codec", "--reps", "1", file), "offset 0")
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"a b":           "a b",
		"a\nb":          "a b",
		"  a\r\n  b \n": "a b",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestContext checks that every run hands its own context to the command,
// so that commands which serve until cancelled stop when their run's
// context ends.
func TestContext(t *testing.T) {
	type key struct{}
	var got []any
	probe := &cobra.Command{
		Use:    "ctx-probe",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			got = append(got, cmd.Context().Value(key{}))
			return cmd.Context().Err()
		},
	}
	rootCmd.AddCommand(probe)
	defer rootCmd.RemoveCommand(probe)

	var stdout, stderr bytes.Buffer
	for _, v := range []string{"first", "second"} {
		ctx := context.WithValue(context.Background(), key{}, v)
		if code := run(ctx, []string{"ctx-probe"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	if len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Errorf("contexts seen = %v, want [first second]", got)
	}

	// A cancelled context: the command's error is reported as an interruption.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stderr.Reset()
	if code := run(ctx, []string{"ctx-probe"}, strings.NewReader(""), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("cancelled: exit %d, stderr %q; want 1 and \"interrupted\"", code, stderr.String())
	}
}
