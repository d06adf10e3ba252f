package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var eloadLine = regexp.MustCompile(`^packetpeer enet-load clients=(\d+) connected=(\d+) rate=20 size=(\d+) mode=(\w+) secs=([0-9.]+) ` +
	`sent=(\d+) skipped=\d+ echoed=(\d+) lost=(\d+) loss_pct=[0-9.]+ gone=(\d+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) max_ms=([0-9.]+) ` +
	`server_cpu_s=([0-9.]+) server_cpu_pct=[0-9.]+ server_us_per_pkt=[0-9.]+ gen_cpu_pct=[0-9.]+ gen_us_per_pkt=[0-9.]+$`)

// checkENetLoad runs the generator through the command line against the
// server at addr (process pid) and checks its result line.
func checkENetLoad(t *testing.T, ctx context.Context, addr string, pid int, mode string) {
	t.Helper()
	const clients = 20
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"bench", "enet-load", "--role", "client", "--connect", addr,
		"--clients", strconv.Itoa(clients), "--rate", "20", "--size", "40", "--mode", mode,
		"--warmup", "200ms", "--duration", "1s", "--drain", "500ms", "--batch", "8",
		"--server-pid", strconv.Itoa(pid)},
		strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("generator exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	m := eloadLine.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %v", last, eloadLine)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	atof := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	if atoi(m[1]) != clients || atoi(m[2]) != clients || m[4] != mode || atoi(m[9]) != 0 {
		t.Fatalf("clients/connected/mode/gone wrong in %q", last)
	}
	secs, sent, echoed := atof(m[5]), atoi(m[6]), atoi(m[7])
	// About 20 clients x 20 pkt/s x 1 s; scheduling on a loaded machine
	// may skip some.
	if secs < 0.9 || sent < clients*20/2 || sent > clients*20+clients {
		t.Fatalf("%d packets sent in %.3f s, want about %d: %q", sent, secs, clients*20, last)
	}
	if mode == "reliable" && echoed != sent {
		t.Fatalf("reliable: %d of %d echoed: %q", echoed, sent, last)
	}
	if echoed == 0 || echoed > sent {
		t.Fatalf("%d of %d echoed: %q", echoed, sent, last)
	}
	if p50, p99, mx := atof(m[10]), atof(m[11]), atof(m[12]); p50 <= 0 || p50 > p99 || p99 > mx {
		t.Fatalf("latencies out of order: %q", last)
	}
	t.Logf("%s", stdout.String())
}

// TestBenchENetLoad runs the generator against the Go echo server, in
// this process (so the server CPU measured is the test process's), in
// both modes.
func TestBenchENetLoad(t *testing.T) {
	for _, mode := range []string{"reliable", "unreliable"} {
		t.Run(mode, func(t *testing.T) {
			addr := freeUDPAddr(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			srvCtx, stopServer := context.WithCancel(ctx)
			var wg sync.WaitGroup
			var srvErr error
			var srvLog bytes.Buffer
			wg.Add(1)
			go func() {
				defer wg.Done()
				srvErr = eloadServer(srvCtx, addr, 64, &srvLog)
			}()
			time.Sleep(100 * time.Millisecond) // let the server bind
			checkENetLoad(t, ctx, addr, os.Getpid(), mode)
			stopServer()
			wg.Wait()
			if srvErr != nil {
				t.Fatalf("server: %v", srvErr)
			}
			if !strings.Contains(srvLog.String(), "packets echoed, 0 sends failed") {
				t.Errorf("server log %q", srvLog.String())
			}
		})
	}
}

// TestBenchENetLoadUsage: bad flags are usage errors (exit 2).
func TestBenchENetLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--role", "nobody"},
		{"--role", "server"},
		{"--role", "server", "--listen", "127.0.0.1:0", "--peers", "4096"},
		{"--role", "client"},
		{"--role", "client", "--connect", "127.0.0.1:9", "--mode", "ordered"},
		{"--role", "client", "--connect", "127.0.0.1:9", "--size", "19"},
		{"--role", "client", "--connect", "127.0.0.1:9", "--clients", "0"},
		{"--role", "client", "--connect", "127.0.0.1:9", "--rate", "0"},
		{"--role", "client", "--connect", "127.0.0.1:9", "--duration", "0s"},
	} {
		r := packetpeer(t, "", append([]string{"bench", "enet-load"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "--help") {
			t.Errorf("bench enet-load %s: %v\nwant exit 2 and a pointer to --help", strings.Join(args, " "), r)
		}
	}
}

// TestBenchENetLoadLibenet runs the generator against scripts/enetecho.c,
// libenet 1.3.17's echo server, in a child process. It needs gcc and
// libenet-dev; it is skipped without them, or fails when
// PACKETPEER_INTEROP=require.
func TestBenchENetLoadLibenet(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err == nil {
		_, err = os.Stat("/usr/include/enet/enet.h")
	}
	if err != nil {
		if os.Getenv("PACKETPEER_INTEROP") == "require" {
			t.Fatalf("PACKETPEER_INTEROP=require but libenet-dev is not installed: %v", err)
		}
		t.Skipf("libenet-dev not installed: apt-get install -y libenet-dev (%v)", err)
	}
	bin := filepath.Join(t.TempDir(), "enetecho")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "../../scripts/enetecho.c", "-lenet").CombinedOutput(); err != nil {
		t.Fatalf("building enetecho: %v\n%s", err, out)
	}
	addr := freeUDPAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	cmd := exec.Command(bin, port, "64")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	ready := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		s.Scan()
		ready <- s.Text()
		for s.Scan() {
		}
	}()
	select {
	case l := <-ready:
		if l != "ready "+port {
			t.Fatalf("enetecho printed %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("enetecho did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, mode := range []string{"reliable", "unreliable"} {
		t.Run(mode, func(t *testing.T) { checkENetLoad(t, ctx, addr, cmd.Process.Pid, mode) })
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("enetecho: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "0 sends failed") {
		t.Errorf("enetecho: %q", stderr.String())
	}
}
