package enet_test

import (
	"bufio"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// startBW runs testdata/enetbw.c, a libenet 1.3.17 host with
// enet_host_create(peers, channels, in, out) and optional checksums.
func startBW(t *testing.T, peers, channels int, in, out uint32, checksum bool) *cpeer {
	t.Helper()
	src, err := os.ReadFile("testdata/enetbw.c")
	if err != nil {
		t.Fatal(err)
	}
	bin := libenettest.Build(t, string(src))
	c := &cpeer{t: t, cmd: exec.Command(bin), lines: make(chan string, 100000)}
	c.in, _ = c.cmd.StdinPipe()
	stdout, _ := c.cmd.StdoutPipe()
	c.cmd.Stderr = os.Stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
	ck := 0
	if checksum {
		ck = 1
	}
	c.send("host %d %d %d %d %d", peers, channels, in, out, ck)
	f := c.expect("ready", 30*time.Second)
	c.port, _ = strconv.Atoi(f[1])
	return c
}

// logged reports whether the helper printed a line starting with prefix
// (among the lines expect set aside).
func (c *cpeer) logged(prefix string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.log {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// serviceFor services h for d and fails on any event.
func serviceFor(t *testing.T, h *enet.Host, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		ev, err := h.Service(5 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != enet.EventNone {
			t.Fatalf("unexpected %v event (data %d)", ev.Type, ev.Data)
		}
	}
}

// TestInteropRefuseLibenetClient: a libenet 1.3.17 client refused by the
// connect filter reports ENET_EVENT_TYPE_DISCONNECT with the reason as
// data, promptly, and never ENET_EVENT_TYPE_CONNECT; the Go server keeps
// nothing (its single slot then takes an accepted client) and reports no
// event; with and without checksums.
func TestInteropRefuseLibenetClient(t *testing.T) {
	for _, checksum := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "checksum"}[checksum], func(t *testing.T) {
			h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1, Checksum: checksum})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			var seen []uint32
			h.SetConnectFilter(func(addr netip.AddrPort, channels int, data uint32) (bool, uint32) {
				seen = append(seen, data)
				return data == 13, 0x80000004
			})
			port := h.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
			c := startBW(t, 2, 4, 0, 0, checksum)
			start := time.Now()
			c.send("connect %d 4 13", port)
			f := c.expect("disconnect", 10*time.Second, h)
			el := time.Since(start)
			if f[1] != "0" || f[2] != strconv.Itoa(0x80000004) {
				t.Fatalf("libenet: %q", f)
			}
			serviceFor(t, h, 300*time.Millisecond)
			if c.logged("connect ") {
				t.Fatalf("libenet reported a connect: %q", c.log)
			}
			if el > 2*time.Second {
				t.Errorf("refusal took %v", el)
			}
			t.Logf("libenet client saw the refusal after %v", el)
			if s := h.RefusalStats(); s.Filtered != 1 || s.Sent != 1 {
				t.Fatalf("refusal stats %+v", s)
			}
			if s := h.HardeningStats(); s.ConnectsAccepted != 0 {
				t.Fatalf("hardening stats %+v", s)
			}
			// The server's only slot is free: a second client connects.
			c.send("connect %d 4 14", port)
			var sp *enet.Peer
			pump(t, h, 10*time.Second, func(ev enet.Event) bool {
				sp = ev.Peer
				return ev.Type == enet.EventConnect && ev.Data == 14
			})
			c.expect("connect", 10*time.Second, h)
			if len(seen) != 2 || seen[0] != 13 || seen[1] != 14 {
				t.Fatalf("filter saw %v", seen)
			}
			// Full: refused with SetRefuseWhenFull's reason.
			h.SetRefuseWhenFull(true, 77)
			c2 := startBW(t, 1, 4, 0, 0, checksum)
			c2.send("connect %d 4 15", port)
			if f := c2.expect("disconnect", 10*time.Second, h); f[2] != "77" {
				t.Fatalf("libenet (full): %q", f)
			}
			if sp.State().String() != "connected" {
				t.Fatalf("accepted peer %v", sp.State())
			}
		})
	}
}

// TestRefuseGoClient: the same between two Go hosts, over UDP.
func TestRefuseGoClient(t *testing.T) {
	srv, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetConnectFilter(func(addr netip.AddrPort, channels int, data uint32) (bool, uint32) {
		return data%2 == 1, data * 10
	})
	cl, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	addr := srv.LocalAddr().String()
	for _, data := range []uint32{3, 5} {
		p, err := cl.Connect(addr, 2, data)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var got enet.Event
		for got.Type == enet.EventNone && time.Since(start) < 10*time.Second {
			for _, h := range []*enet.Host{srv, cl} {
				ev, err := h.Service(2 * time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				if h == srv && ev.Type != enet.EventNone {
					t.Fatalf("server event %v", ev.Type)
				}
				if h == cl && ev.Type != enet.EventNone {
					got = ev
				}
			}
		}
		if got.Type != enet.EventDisconnect || got.Peer != p || got.Data != data*10 {
			t.Fatalf("client event %v data %d", got.Type, got.Data)
		}
		t.Logf("refused after %v", time.Since(start))
	}
	if s := srv.RefusalStats(); s.Filtered != 2 || s.Sent != 2 {
		t.Fatalf("stats %+v", s)
	}
}
