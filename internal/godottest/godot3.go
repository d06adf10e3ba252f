package godottest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scriptErrorGrace is how long a run keeps going after a GDScript error is
// printed, so that the error's location line is captured, before it is
// killed. Godot 3 prints a runtime error and then idles forever.
const scriptErrorGrace = 300 * time.Millisecond

// RunGodot3 runs script (a GDScript that extends SceneTree and calls quit())
// with godot3-server in a fresh temporary project and returns what it
// printed. It skips t when the engine is missing (see RequireGodot3), and
// fails t on a GDScript error (detected in the output: Godot keeps running
// after one), a timeout or a non-zero exit, unless AllowFailure is given.
//
// The engine runs as `godot3-server --no-window -s main.gd [Args...]` in the
// project folder, with LANG=C.UTF-8 and HOME inside the temporary folder.
func RunGodot3(t testing.TB, script string, opts ...Option) Result {
	t.Helper()
	return StartGodot3(t, script, opts...).Wait()
}

// Godot3 is a Godot 3 process started in the background by StartGodot3.
type Godot3 struct {
	t     testing.TB
	cfg   config
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{} // closed when the process has exited

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced whenever output arrives
	stdout    lineBuffer
	stderr    lineBuffer
	scriptErr bool
	timedOut  bool
	killed    bool
	result    *Result
	waitErr   error
}

// StartGodot3 starts script with godot3-server like RunGodot3, but returns at
// once so the test can talk to the engine (as a server or client) from Go.
// The process is killed when the test ends if nobody waited for it; it is
// also killed on a GDScript error or when its timeout expires.
func StartGodot3(t testing.TB, script string, opts ...Option) *Godot3 {
	t.Helper()
	RequireGodot3(t)
	cfg := newConfig(opts)
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultTimeout
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"project.godot": []byte("[application]\n\nconfig/name=\"packetpeer-probe\"\n"),
		"main.gd":       []byte(script),
	}
	for name, data := range cfg.files {
		files[name] = data
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatalf("godottest: %v", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatalf("godottest: %v", err)
		}
	}
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatalf("godottest: %v", err)
	}

	g := &Godot3{t: t, cfg: cfg, done: make(chan struct{}), changed: make(chan struct{})}
	args := append([]string{"--no-window", "-s", "main.gd"}, cfg.args...)
	g.cmd = exec.Command(Godot3Binary, args...)
	g.cmd.Dir = dir
	g.cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "HOME="+home)
	g.cmd.Env = append(g.cmd.Env, cfg.env...)
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A process the script started outside the group (OS.execute with
	// blocking=false calls setsid) may hold the output pipes open: stop
	// waiting for them soon after the engine itself is gone.
	g.cmd.WaitDelay = 2 * time.Second
	g.cmd.Stdout = &streamWriter{g: g, buf: &g.stdout}
	g.cmd.Stderr = &streamWriter{g: g, buf: &g.stderr}
	g.start = time.Now()
	if err := g.cmd.Start(); err != nil {
		t.Fatalf("godottest: start %s: %v", Godot3Binary, err)
	}
	go func() {
		err := g.cmd.Wait()
		g.mu.Lock()
		g.waitErr = err
		g.mu.Unlock()
		close(g.done)
	}()
	go func() {
		select {
		case <-g.done:
		case <-time.After(cfg.timeout):
			g.mu.Lock()
			g.timedOut = true
			g.mu.Unlock()
			g.killGroup()
		}
	}()
	t.Cleanup(func() {
		g.killGroup()
		<-g.done
	})
	return g
}

// killGroup kills the engine and every process it started.
func (g *Godot3) killGroup() {
	if g.cmd.Process == nil {
		return
	}
	select {
	case <-g.done:
		return
	default:
	}
	g.mu.Lock()
	g.killed = true
	g.mu.Unlock()
	_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
}

// Kill stops the engine (and its process group) and returns its Result. A
// GDScript error seen before the kill still fails the test unless
// AllowFailure was given; the kill itself does not.
func (g *Godot3) Kill() Result {
	g.t.Helper()
	g.killGroup()
	return g.finish(true)
}

// Wait waits for the engine to exit (or be killed by its timeout or a
// GDScript error) and returns its Result, failing the test as RunGodot3 does.
func (g *Godot3) Wait() Result {
	g.t.Helper()
	return g.finish(false)
}

// Done is closed when the engine process has exited.
func (g *Godot3) Done() <-chan struct{} { return g.done }

// Output returns everything the engine has printed so far (stdout, then
// stderr).
func (g *Godot3) Output() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return "--- stdout\n" + g.stdout.String() + "--- stderr\n" + g.stderr.String()
}

// WaitForLine waits until the engine prints a stdout line starting with
// prefix and returns that line. It fails the test if the engine exits, hits a
// GDScript error, or d passes first.
func (g *Godot3) WaitForLine(prefix string, d time.Duration) string {
	g.t.Helper()
	deadline := time.After(d)
	for {
		g.mu.Lock()
		for _, l := range g.stdout.lines() {
			if strings.HasPrefix(l, prefix) {
				g.mu.Unlock()
				return l
			}
		}
		changed, scriptErr := g.changed, g.scriptErr
		g.mu.Unlock()
		if scriptErr {
			r := g.Kill()
			g.t.Fatalf("godottest: Godot 3 hit a GDScript error before printing %q:\n%s", prefix, r.Output())
		}
		select {
		case <-changed:
		case <-g.done:
			// Take in the output written just before exit, then give up.
			g.mu.Lock()
			for _, l := range g.stdout.lines() {
				if strings.HasPrefix(l, prefix) {
					g.mu.Unlock()
					return l
				}
			}
			g.mu.Unlock()
			r := g.finish(true)
			g.t.Fatalf("godottest: Godot 3 exited (code %d) without printing a line starting with %q:\n%s", r.ExitCode, prefix, r.Output())
		case <-deadline:
			r := g.Kill()
			g.t.Fatalf("godottest: Godot 3 printed no line starting with %q within %v:\n%s", prefix, d, r.Output())
		}
	}
}

func (g *Godot3) finish(killedByTest bool) Result {
	g.t.Helper()
	<-g.done
	g.mu.Lock()
	if g.result == nil {
		r := Result{
			Stdout:   g.stdout.String(),
			Stderr:   g.stderr.String(),
			TimedOut: g.timedOut,
			Duration: time.Since(g.start),
			ExitCode: 0,
		}
		r.Lines = splitLines(r.Stdout)
		r.Errors = splitLines(r.Stderr)
		r.ScriptErrors = scriptErrors(append(append([]string(nil), r.Lines...), r.Errors...))
		r.Done = hasLine(r.Lines, ProbeDone)
		var ee *exec.ExitError
		if errors.As(g.waitErr, &ee) {
			r.ExitCode = ee.ExitCode()
		}
		g.result = &r
	}
	r := *g.result
	g.mu.Unlock()
	if g.cfg.allowFailure {
		return r
	}
	check := r
	if killedByTest && !check.TimedOut {
		check.ExitCode = 0 // the test asked for the kill
	}
	if why := failureReason(check, false); why != "" {
		g.t.Fatalf("godottest: Godot 3 run failed: %s\n%s", why, r.Output())
	}
	return r
}

// streamWriter collects one output stream and kills the engine shortly after
// it prints a GDScript error (also with AllowFailure: the run is over either
// way, and Godot 3 would otherwise idle until the timeout).
type streamWriter struct {
	g   *Godot3
	buf *lineBuffer
}

func (w *streamWriter) Write(p []byte) (int, error) {
	g := w.g
	g.mu.Lock()
	w.buf.Write(p)
	first := false
	if !g.scriptErr && isScriptError(w.buf.String()[max(0, w.buf.Len()-len(p)-64):]) {
		g.scriptErr, first = true, true
	}
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
	if first {
		time.AfterFunc(scriptErrorGrace, g.killGroup)
	}
	return len(p), nil
}

// lineBuffer is a bytes.Buffer that can be read as lines.
type lineBuffer struct{ bytes.Buffer }

func (b *lineBuffer) lines() []string { return splitLines(b.String()) }
