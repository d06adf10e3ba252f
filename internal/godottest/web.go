package godottest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvGodot4Web names the folder made by scripts/godot4-web-setup.sh (the
// Godot 4.2-dev web engine and chromium-headless-shell). Default:
// $HOME/.cache/packetpeer/godot4-web.
const EnvGodot4Web = "PACKETPEER_GODOT4_WEB"

//go:embed web/index.html web/project.godot
var webFiles embed.FS

// Godot4WebDir returns the folder the Godot 4 web engine is expected in.
func Godot4WebDir() string {
	if d := os.Getenv(EnvGodot4Web); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "packetpeer", "godot4-web")
}

func webEngineDir(root string) string { return filepath.Join(root, "npm", "gdx", "package", "dist") }
func webChromium(root string) string {
	return filepath.Join(root, "chroot", "usr", "lib", "chromium", "chromium-headless-shell")
}

// HaveGodot4Web reports whether the Godot 4 web engine files and Chromium are
// in Godot4WebDir.
func HaveGodot4Web() bool {
	root := Godot4WebDir()
	for _, f := range []string{"godot.editor.js", "godot.editor.wasm", "godot.editor.worker.js"} {
		if _, err := os.Stat(filepath.Join(webEngineDir(root), f)); err != nil {
			return false
		}
	}
	_, err := os.Stat(webChromium(root))
	return err == nil
}

// RequireGodot4Web skips t (or fails it, with PACKETPEER_INTEROP=require)
// when the Godot 4 web engine has not been set up.
func RequireGodot4Web(t testing.TB) {
	t.Helper()
	if !HaveGodot4Web() {
		missing(t, fmt.Sprintf("Godot 4 web engine not found in %s: run scripts/godot4-web-setup.sh "+
			"(or point %s at its folder)", Godot4WebDir(), EnvGodot4Web))
	}
}

// RunGodot4Web runs script in the real Godot 4.2-dev engine (the web editor
// build) inside headless Chromium and returns what it printed: Lines are the
// printed lines (engine banner included), Errors the engine's error output.
//
// The script must extend SceneTree, do its work in _init(), and end with
// print("PROBE_DONE") then quit(). A Go HTTP server on a random 127.0.0.1
// port serves the harness page, the project (project.godot, main.gd and any
// File options, copied to res://) and the engine files, with the
// cross-origin isolation headers the engine's wasm threads need. The run
// fails t on a GDScript error, a timeout, or a missing PROBE_DONE, unless
// AllowFailure is given. Env options do not apply (the page has no
// environment): put data into the script's source or a File. A run takes
// about 5 s.
func RunGodot4Web(t testing.TB, script string, opts ...Option) Result {
	t.Helper()
	RequireGodot4Web(t)
	cfg := newConfig(opts)
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultWebTimeout
	}
	root := Godot4WebDir()
	tmp := t.TempDir()

	index, _ := webFiles.ReadFile("web/index.html")
	project, _ := webFiles.ReadFile("web/project.godot")
	files := map[string][]byte{"project.godot": project, "main.gd": []byte(script)}
	for name, data := range cfg.files {
		files[name] = data
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	args := cfg.args
	if args == nil {
		args = []string{"--audio-driver", "Dummy"}
	}
	pageCfg, _ := json.Marshal(map[string]any{"args": args, "files": names})

	run := &webRun{doneCh: make(chan struct{}), logCh: make(chan struct{}, 1), logs: map[int]webLine{}}
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, ctype string, data []byte) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { serve(w, "text/html", index) })
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "application/json", pageCfg)
	})
	mux.HandleFunc("GET /files/{name...}", func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, "application/octet-stream", data)
	})
	mux.HandleFunc("GET /engine/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		f, err := os.Open(filepath.Join(webEngineDir(root), path.Base(name)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		ctype := "application/octet-stream"
		switch path.Ext(name) {
		case ".js":
			ctype = "text/javascript"
		case ".wasm":
			ctype = "application/wasm"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		_, _ = io.Copy(w, f)
	})
	mux.HandleFunc("POST /log", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		run.addLog(string(body))
	})
	mux.HandleFunc("POST /done", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		run.setDone(string(body))
	})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("godottest: listen: %v", err)
	}
	srv := &http.Server{Handler: handler}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
	}()

	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatalf("godottest: %v", err)
	}
	var chromeOut bytes.Buffer
	var chromeMu sync.Mutex
	cmd := exec.Command(webChromium(root),
		"--no-sandbox",
		"--user-data-dir="+filepath.Join(tmp, "profile"),
		"--disable-dev-shm-usage",
		"--use-angle=swiftshader", "--enable-unsafe-swiftshader",
		"--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--disable-sync",
		"http://"+ln.Addr().String()+"/")
	lib := filepath.Join(root, "chroot", "usr", "lib")
	cmd.Env = append(os.Environ(), "HOME="+home, "LD_LIBRARY_PATH="+strings.Join([]string{
		filepath.Join(lib, "x86_64-linux-gnu"),
		filepath.Join(lib, "x86_64-linux-gnu", "pulseaudio"),
		filepath.Join(lib, "chromium"),
	}, ":"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	w := &lockedWriter{mu: &chromeMu, w: &chromeOut}
	cmd.Stdout, cmd.Stderr = w, w
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("godottest: start chromium: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	kill := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	defer kill()

	timedOut := false
	timer := time.NewTimer(cfg.timeout)
	defer timer.Stop()
	var scriptErrAt <-chan time.Time
wait:
	for {
		select {
		case <-run.doneCh:
			break wait
		case <-run.logCh:
			if scriptErrAt == nil && run.sawScriptError() {
				scriptErrAt = time.After(scriptErrorGrace + 200*time.Millisecond)
			}
		case <-scriptErrAt:
			break wait
		case <-exited:
			break wait
		case <-timer.C:
			timedOut = true
			break wait
		}
	}
	run.waitAllLogs(3 * time.Second)
	kill()

	res := run.result()
	res.TimedOut = timedOut
	res.Duration = time.Since(start)
	chromeMu.Lock()
	chromeLog := chromeOut.String()
	chromeMu.Unlock()
	if !cfg.allowFailure {
		if why := failureReason(res, true); why != "" {
			t.Fatalf("godottest: Godot 4 web run failed: %s\n%s--- chromium (tail)\n%s",
				why, res.Output(), tail(chromeLog, 2000))
		}
	}
	return res
}

type webLine struct{ kind, text string }

// webRun collects the reports of one page.
type webRun struct {
	mu       sync.Mutex
	logs     map[int]webLine
	doneSent int // how many reports the page had sent when it finished; -1 unknown
	doneWhy  []string
	done     bool
	doneCh   chan struct{}
	logCh    chan struct{}
}

func (r *webRun) addLog(body string) {
	seq, rest, _ := strings.Cut(body, " ")
	kind, text, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(seq)
	r.mu.Lock()
	if err != nil {
		n = -1 - len(r.logs)
	}
	r.logs[n] = webLine{kind, text}
	r.mu.Unlock()
	select {
	case r.logCh <- struct{}{}:
	default:
	}
}

func (r *webRun) setDone(body string) {
	count, why, _ := strings.Cut(body, " ")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.doneWhy = append(r.doneWhy, why)
	if r.done {
		return
	}
	r.done = true
	r.doneSent, _ = strconv.Atoi(count)
	close(r.doneCh)
}

func (r *webRun) sawScriptError() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.logs {
		if l.kind == "ERR" && isScriptError(l.text) {
			return true
		}
	}
	return false
}

// waitAllLogs waits, up to d, until every report sent before /done arrived.
func (r *webRun) waitAllLogs(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		ok := !r.done || len(r.logs) >= r.doneSent
		r.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *webRun) result() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]int, 0, len(r.logs))
	for k := range r.logs {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var out, errs, harness []string
	for _, k := range keys {
		l := r.logs[k]
		switch l.kind {
		case "OUT":
			out = append(out, l.text)
		case "ERR":
			errs = append(errs, l.text)
		default:
			harness = append(harness, "["+l.kind+"] "+l.text)
		}
	}
	res := Result{Lines: out, Errors: errs, ExitCode: -1}
	for _, why := range r.doneWhy {
		if c, ok := strings.CutPrefix(why, "exit="); ok {
			res.ExitCode, _ = strconv.Atoi(c)
		}
		harness = append(harness, "[DONE] "+why)
	}
	res.Done = hasLine(out, ProbeDone)
	if res.ExitCode == -1 && res.Done {
		res.ExitCode = 0
	}
	res.ScriptErrors = scriptErrors(errs)
	join := func(ls []string) string {
		if len(ls) == 0 {
			return ""
		}
		return strings.Join(ls, "\n") + "\n"
	}
	res.Stdout = join(out)
	res.Stderr = join(errs) + join(harness)
	return res
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
