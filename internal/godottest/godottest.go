// Package godottest runs real Godot engines from Go tests: Godot 3.2.3
// (Debian's godot3-server) as a process, and the Godot 4.2-dev web build in
// headless Chromium. Interop tests use it to prove packetpeer against the real
// engine rather than a mock.
//
// Every Require* function skips the test with an install hint when the engine
// or library is missing, and fails it instead when the environment variable
// PACKETPEER_INTEROP is "require" (CI machines that must run the interop tests).
package godottest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// DefaultTimeout is how long a Godot 3 run may take before its processes are
// killed and the test fails.
const DefaultTimeout = 60 * time.Second

// DefaultWebTimeout is the same for a Godot 4 web run (about 5 s on an idle
// machine, several times that when the cores are busy).
const DefaultWebTimeout = 120 * time.Second

// EnvInterop is the environment variable that turns a missing engine from a
// skip into a failure when set to "require".
const EnvInterop = "PACKETPEER_INTEROP"

// Godot3Binary is the Godot 3.2.3 headless binary looked up in PATH.
const Godot3Binary = "godot3-server"

// Install hints, used as the skip (or failure) message.
const (
	msgGodot3  = "godot3-server not installed: apt-get install -y godot3-server"
	msgLibENet = "libenet not installed: apt-get install -y libenet-dev python3-enet " +
		"(needs /usr/include/enet/enet.h and python3-enet importable by /usr/bin/python3)"
)

// Result is what an engine run produced.
type Result struct {
	// Stdout and Stderr are the captured streams. For the web engine, Stdout
	// holds the lines the script printed and Stderr the engine's error lines
	// followed by the harness's own messages.
	Stdout, Stderr string
	// Lines are Stdout split into lines (for the web engine: without the
	// page's "OUT: " prefix).
	Lines []string
	// Errors are Stderr split into lines (for the web engine: the engine's
	// printerr / error lines, without the "ERR: " prefix).
	Errors []string
	// ScriptErrors are the lines reporting a GDScript error ("SCRIPT ERROR",
	// "Parse Error") together with the location line that follows each.
	ScriptErrors []string
	// ExitCode is the process's exit status (-1 when it was killed). For the
	// web engine it is the engine's exit code, or -1 if it never exited.
	ExitCode int
	// TimedOut is true when the run hit its timeout and was killed.
	TimedOut bool
	// Done is true when the script printed the PROBE_DONE line.
	Done bool
	// Duration is the wall time of the run.
	Duration time.Duration
}

// Output returns Stdout and Stderr together, for failure messages.
func (r Result) Output() string {
	return "--- stdout\n" + r.Stdout + "--- stderr\n" + r.Stderr
}

// Prefixed returns, in order, the remainder of each line of Lines that
// starts with prefix (e.g. Prefixed("CASE ") for lines "CASE ...").
func (r Result) Prefixed(prefix string) []string {
	var out []string
	for _, l := range r.Lines {
		if s, ok := strings.CutPrefix(l, prefix); ok {
			out = append(out, s)
		}
	}
	return out
}

// ProbeDone is the line a script prints when it has finished its work.
const ProbeDone = "PROBE_DONE"

// Option configures an engine run.
type Option func(*config)

type config struct {
	timeout      time.Duration // zero: the runner's default
	env          []string
	files        map[string][]byte
	args         []string
	allowFailure bool
}

func newConfig(opts []Option) config {
	c := config{files: map[string][]byte{}}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// Timeout sets the hard time limit of the run (default DefaultTimeout for
// Godot 3, DefaultWebTimeout for the web engine).
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Env adds "KEY=value" entries to the engine's environment (Godot 3 only;
// the script reads them with OS.get_environment).
func Env(kv ...string) Option { return func(c *config) { c.env = append(c.env, kv...) } }

// File adds a file to the project folder, at a slash-separated path relative
// to res:// (for Godot 3 also to the working directory).
func File(name string, data []byte) Option {
	return func(c *config) { c.files[name] = append([]byte(nil), data...) }
}

// Args adds engine command-line arguments. For Godot 3 they follow
// "-s main.gd" (read them with OS.get_cmdline_args); for the web engine they
// replace the default ["--audio-driver", "Dummy"] and precede the script.
func Args(args ...string) Option { return func(c *config) { c.args = append(c.args, args...) } }

// AllowFailure makes the run return its Result instead of failing the test
// on a script error, a timeout, a non-zero exit or (web) a missing
// PROBE_DONE. Tests of failure behaviour inspect the Result themselves.
func AllowFailure() Option { return func(c *config) { c.allowFailure = true } }

// requireMode reports whether a missing dependency must fail the test.
func requireMode() bool { return os.Getenv(EnvInterop) == "require" }

// missing skips t with msg, or fails it in require mode.
func missing(t testing.TB, msg string) {
	t.Helper()
	if requireMode() {
		t.Fatal(msg + " (" + EnvInterop + "=require)")
	}
	t.Skip(msg)
}

// HaveGodot3 reports whether godot3-server is in PATH.
func HaveGodot3() bool {
	_, err := exec.LookPath(Godot3Binary)
	return err == nil
}

// RequireGodot3 skips t (or fails it, with PACKETPEER_INTEROP=require) when
// godot3-server is not installed.
func RequireGodot3(t testing.TB) {
	t.Helper()
	if !HaveGodot3() {
		missing(t, msgGodot3)
	}
}

// HaveLibENet reports whether the libenet headers and the python3-enet
// bindings are installed.
func HaveLibENet() bool {
	if _, err := os.Stat("/usr/include/enet/enet.h"); err != nil {
		return false
	}
	return exec.Command("/usr/bin/python3", "-c", "import enet").Run() == nil
}

// RequireLibENet skips t (or fails it, with PACKETPEER_INTEROP=require) when
// libenet-dev or python3-enet is not installed.
func RequireLibENet(t testing.TB) {
	t.Helper()
	if !HaveLibENet() {
		missing(t, msgLibENet)
	}
}

// scriptErrors picks GDScript error reports, with the location line after
// each, out of an engine's output lines.
func scriptErrors(lines []string) []string {
	var out []string
	for i, l := range lines {
		if isScriptError(l) {
			out = append(out, l)
			if i+1 < len(lines) && strings.HasPrefix(strings.ToLower(strings.TrimSpace(lines[i+1])), "at:") {
				out = append(out, lines[i+1])
			}
		}
	}
	return out
}

func isScriptError(line string) bool {
	return strings.Contains(line, "SCRIPT ERROR") || strings.Contains(line, "Parse Error")
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

// failureReason says why a finished run counts as failed, or "" if it
// succeeded. needDone requires the PROBE_DONE line.
func failureReason(r Result, needDone bool) string {
	var b bytes.Buffer
	switch {
	case len(r.ScriptErrors) > 0:
		fmt.Fprintf(&b, "GDScript error:\n\t%s", strings.Join(r.ScriptErrors, "\n\t"))
	case r.TimedOut:
		fmt.Fprintf(&b, "timed out after %v and was killed", r.Duration.Round(time.Millisecond))
	case needDone && !r.Done:
		fmt.Fprintf(&b, "script did not print %s (exit code %d)", ProbeDone, r.ExitCode)
	case r.ExitCode != 0:
		fmt.Fprintf(&b, "exit code %d", r.ExitCode)
	default:
		return ""
	}
	return b.String()
}
