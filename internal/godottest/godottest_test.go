package godottest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// recorder is a testing.TB whose Fatal and Skip are recorded instead of
// ending the real test, so the helpers' own failure paths can be checked.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	fatal   string
	skipped string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// call runs f with a recorder in its own goroutine (Fatal and Skip exit it).
func call(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestRequireSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(EnvGodot4Web, t.TempDir())

	t.Setenv(EnvInterop, "")
	r := call(t, func(tb testing.TB) { RequireGodot3(tb) })
	if r.skipped != msgGodot3 || r.fatal != "" {
		t.Errorf("RequireGodot3 without the engine: skipped=%q fatal=%q, want skip %q", r.skipped, r.fatal, msgGodot3)
	}
	r = call(t, func(tb testing.TB) { RequireGodot4Web(tb) })
	if !strings.Contains(r.skipped, "godot4-web-setup.sh") || r.fatal != "" {
		t.Errorf("RequireGodot4Web without the engine: skipped=%q fatal=%q", r.skipped, r.fatal)
	}

	t.Setenv(EnvInterop, "require")
	r = call(t, func(tb testing.TB) { RequireGodot3(tb) })
	if !strings.HasPrefix(r.fatal, msgGodot3) || r.skipped != "" {
		t.Errorf("RequireGodot3 in require mode: skipped=%q fatal=%q, want fatal %q", r.skipped, r.fatal, msgGodot3)
	}
	r = call(t, func(tb testing.TB) { RequireGodot4Web(tb) })
	if !strings.Contains(r.fatal, "godot4-web-setup.sh") || r.skipped != "" {
		t.Errorf("RequireGodot4Web in require mode: skipped=%q fatal=%q", r.skipped, r.fatal)
	}
	r = call(t, func(tb testing.TB) { RunGodot3(tb, "extends SceneTree\n") })
	if !strings.HasPrefix(r.fatal, msgGodot3) {
		t.Errorf("RunGodot3 in require mode without the engine: fatal=%q", r.fatal)
	}
}

func TestInteropGodot3Print(t *testing.T) {
	res := RunGodot3(t, `extends SceneTree
func _init():
	var f = File.new()
	f.open("res://data/in.txt", File.READ)
	print("FILE ", f.get_as_text().strip_edges())
	f.close()
	print("ENV ", OS.get_environment("PROBE_VALUE"))
	print("ARGS ", PoolStringArray(OS.get_cmdline_args()).join(","))
	print("UTF8 héllo ✓")
	printerr("to stderr")
	print("PROBE_DONE")
	quit()
`, File("data/in.txt", []byte("from Go\n")), Env("PROBE_VALUE=42"), Args("--probe-arg"))
	want := map[string]string{"FILE ": "from Go", "ENV ": "42", "UTF8 ": "héllo ✓"}
	for prefix, v := range want {
		if got := res.Prefixed(prefix); len(got) != 1 || got[0] != v {
			t.Errorf("lines starting %q: %q, want [%q]\n%s", prefix, got, v, res.Output())
		}
	}
	if got := res.Prefixed("ARGS "); len(got) != 1 || !strings.Contains(got[0], "--probe-arg") {
		t.Errorf("ARGS line %q lacks --probe-arg", got)
	}
	if !hasLine(res.Errors, "to stderr") {
		t.Errorf("stderr line missing: %q", res.Errors)
	}
	if !res.Done || res.ExitCode != 0 || res.TimedOut || len(res.ScriptErrors) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestInteropGodot3RuntimeErrorFailsFast(t *testing.T) {
	RequireGodot3(t)
	script := `extends SceneTree
func _init():
	print("before")
	var a = null
	a.no_such_method()
	print("after")
	quit()
`
	r := call(t, func(tb testing.TB) { RunGodot3(tb, script, Timeout(30*time.Second)) })
	if !strings.Contains(r.fatal, "GDScript error") || !strings.Contains(r.fatal, "no_such_method") ||
		!strings.Contains(r.fatal, "res://main.gd:5") {
		t.Errorf("RunGodot3 on a runtime error: fatal message %q, want the error and its location", r.fatal)
	}
	res := RunGodot3(t, script, Timeout(30*time.Second), AllowFailure())
	if len(res.ScriptErrors) == 0 || res.TimedOut || res.Duration > 15*time.Second {
		t.Errorf("runtime error not detected quickly: %+v", res)
	}
	if hasLine(res.Lines, "after") || !hasLine(res.Lines, "before") {
		t.Errorf("lines %q", res.Lines)
	}
}

func TestInteropGodot3ParseErrorFails(t *testing.T) {
	RequireGodot3(t)
	// Godot 3 exits with status 0 after a parse error: only the output tells.
	r := call(t, func(tb testing.TB) { RunGodot3(tb, "extends SceneTree\nfunc _init():\n\tprint(\"x\" +)\n") })
	if !strings.Contains(r.fatal, "Parse Error") {
		t.Errorf("RunGodot3 on a parse error: fatal message %q, want Parse Error", r.fatal)
	}
}

func TestInteropGodot3TimeoutKillsGroup(t *testing.T) {
	RequireGodot3(t)
	// The script blocks in a child shell that records its pid and sleeps:
	// the timeout must kill the engine and the child (same process group).
	script := `extends SceneTree
func _init():
	var out = []
	OS.execute("sh", ["-c", "echo $$ > \"$PID_FILE\"; exec sleep 60"], true, out)
	print("not reached")
`
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	start := time.Now()
	r := call(t, func(tb testing.TB) { RunGodot3(tb, script, Timeout(3*time.Second), Env("PID_FILE="+pidFile)) })
	if !strings.Contains(r.fatal, "timed out") {
		t.Errorf("fatal message %q, want a timeout", r.fatal)
	}
	res := RunGodot3(t, script, Timeout(3*time.Second), Env("PID_FILE="+pidFile), AllowFailure())
	if !res.TimedOut || res.ExitCode == 0 {
		t.Errorf("TimedOut=%v ExitCode=%d, want a killed run", res.TimedOut, res.ExitCode)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("two 3 s timeouts took %v", el)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the child never started: %v\n%s", err, res.Output())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		t.Fatalf("bad child pid %q", data)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		stat, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child process %d of the timed-out engine still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestInteropGodot3Background(t *testing.T) {
	g := StartGodot3(t, `extends SceneTree
func _init():
	print("READY ", ProjectSettings.globalize_path("res://"))
	var f = File.new()
	for i in range(200):
		if f.file_exists("res://go.txt"):
			break
		OS.delay_msec(50)
	f.open("res://go.txt", File.READ)
	print("GOT ", f.get_as_text())
	print("PROBE_DONE")
	quit()
`, Timeout(30*time.Second))
	line := g.WaitForLine("READY ", 20*time.Second)
	dir := strings.TrimPrefix(line, "READY ")
	select {
	case <-g.Done():
		t.Fatal("engine exited before the file was written")
	default:
	}
	if err := os.WriteFile(filepath.Join(dir, "go.txt"), []byte("ping"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := g.Wait()
	if got := res.Prefixed("GOT "); len(got) != 1 || got[0] != "ping" {
		t.Errorf("GOT lines %q\n%s", got, res.Output())
	}
}

func TestInteropGodot3Kill(t *testing.T) {
	g := StartGodot3(t, "extends SceneTree\nfunc _init():\n\tprint(\"UP\")\n", Timeout(30*time.Second))
	g.WaitForLine("UP", 20*time.Second)
	start := time.Now()
	res := g.Kill()
	if time.Since(start) > 5*time.Second || res.TimedOut || !hasLine(res.Lines, "UP") {
		t.Errorf("Kill: %+v", res)
	}
}

func TestInteropGodot4Web(t *testing.T) {
	res := RunGodot4Web(t, `extends SceneTree
func _init():
	print("VERSION ", Engine.get_version_info().string)
	print("FILE ", FileAccess.get_file_as_string("res://data/in.txt").strip_edges())
	print("HEX ", var_to_bytes(Vector2i(1, -2)).hex_encode())
	for i in range(50):
		print("N ", i)
	print("PROBE_DONE")
	quit()
`, File("data/in.txt", []byte("from Go\n")))
	if v := res.Prefixed("VERSION "); len(v) != 1 || !strings.HasPrefix(v[0], "4.2") {
		t.Errorf("VERSION %q, want 4.2-dev", v)
	}
	if v := res.Prefixed("FILE "); len(v) != 1 || v[0] != "from Go" {
		t.Errorf("FILE %q", v)
	}
	// Vector2i is type 6 in 4.x: header 06000000, then 1 and -2 as int32.
	if v := res.Prefixed("HEX "); len(v) != 1 || v[0] != "0600000001000000feffffff" {
		t.Errorf("HEX %q", v)
	}
	n := res.Prefixed("N ")
	if len(n) != 50 {
		t.Fatalf("got %d N lines, want 50", len(n))
	}
	for i, s := range n {
		if s != strconv.Itoa(i) {
			t.Fatalf("N line %d is %q: lines out of order", i, s)
		}
	}
	if !res.Done || res.ExitCode != 0 {
		t.Errorf("Done=%v ExitCode=%d", res.Done, res.ExitCode)
	}
	t.Logf("Godot 4 web run took %v", res.Duration)
}

func TestInteropGodot4WebScriptError(t *testing.T) {
	RequireGodot4Web(t)
	script := `extends SceneTree
func _init():
	print("before")
	var a = null
	a.no_such_method()
	print("PROBE_DONE")
	quit()
`
	r := call(t, func(tb testing.TB) { RunGodot4Web(tb, script, Timeout(90*time.Second)) })
	if !strings.Contains(r.fatal, "GDScript error") || !strings.Contains(r.fatal, "no_such_method") {
		t.Errorf("fatal message %q, want the GDScript error", r.fatal)
	}
	res := RunGodot4Web(t, script, Timeout(90*time.Second), AllowFailure())
	// Detected from the output, well before the 90 s timeout.
	if len(res.ScriptErrors) == 0 || res.TimedOut || res.Done || res.Duration > 45*time.Second {
		t.Errorf("runtime error not detected quickly: %+v", res)
	}
}
