package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// freeUDPAddr returns a loopback UDP address that was free a moment ago.
func freeUDPAddr(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	return addr
}

// TestBenchENet runs the anchor workload end to end on loopback: a server
// (called directly, since run's command tree is not reentrant) and the
// client through the command line, and checks the client's result line.
func TestBenchENet(t *testing.T) {
	for _, mode := range []string{"reliable", "unreliable"} {
		t.Run(mode, func(t *testing.T) {
			addr := freeUDPAddr(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var serverErr bytes.Buffer
			srv := &cobra.Command{}
			srv.SetContext(ctx)
			srv.SetErr(&serverErr)
			var wg sync.WaitGroup
			wg.Add(1)
			var srvErr error
			go func() {
				defer wg.Done()
				srvErr = benchENetServer(srv, addr)
			}()
			time.Sleep(100 * time.Millisecond) // let the server bind

			var stdout, stderr bytes.Buffer
			code := run(ctx, []string{"bench", "enet", "--role", "client", "--connect", addr,
				"--count", "5000", "--size", "64", "--mode", mode, "--window", "1000"},
				strings.NewReader(""), &stdout, &stderr)
			if code != 0 {
				t.Fatalf("client exit %d: %s", code, stderr.String())
			}
			wg.Wait() // the server returns when the client disconnects
			if srvErr != nil {
				t.Fatalf("server: %v", srvErr)
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			last := lines[len(lines)-1]
			re := regexp.MustCompile(`^packetpeer ` + mode + ` size=64 count=5000 acked=(\d+) secs=[0-9.]+ pps=[0-9.]+ MBps=[0-9.]+$`)
			m := re.FindStringSubmatch(last)
			if m == nil {
				t.Fatalf("last line %q does not match %v", last, re)
			}
			if mode == "reliable" && m[1] != "5000" {
				t.Errorf("reliable run acknowledged %s of 5000", m[1])
			}
			if !strings.HasPrefix(serverErr.String(), "server got ") {
				t.Errorf("server printed %q", serverErr.String())
			}
		})
	}
}
