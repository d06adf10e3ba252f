package enet_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// maxPeers is the largest PeerLimit (the 12-bit peer ID of ENet's header
// minus the "no peer" value 0xFFF), libenet's ENET_PROTOCOL_MAXIMUM_PEER_ID.
const maxPeers = 4095

// connectWave is how many handshakes the clients below keep in flight. All
// connections come from 127.0.0.1, so the server's MaxPendingPerAddress
// (256 by default) is raised to twice this: a client counts a handshake as
// done when VERIFY_CONNECT arrives, the server a moment later when the
// acknowledgement of it does.
const connectWave = 512

// Payloads: "c2s" or "s2c" followed by the connection's index (the connect
// data), little-endian.
func manyPayload(dir string, index uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte(dir), index)
}

func parseManyPayload(dir string, b []byte) (uint32, bool) {
	if len(b) != 7 || !bytes.HasPrefix(b, []byte(dir)) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[3:]), true
}

// manyServer is a Go host with limit slots that accepts connections
// whose connect data is an index below limit, and answers each peer's
// "c2s"+index packet, which must carry that peer's own index, with a
// reliable "s2c"+index. It checks that every connection gets its own
// slot and that no index connects twice.
type manyServer struct {
	t     *testing.T
	h     *enet.Host
	limit int

	mu        sync.Mutex
	connects  int
	echoed    int
	index     map[*enet.Peer]uint32
	byIndex   map[uint32]*enet.Peer
	slots     map[int]uint32 // server peer ID -> index
	seen      map[uint32]bool
	failures  int
	lastEvent time.Time
}

func newManyServer(t *testing.T, limit int) *manyServer {
	t.Helper()
	h, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{
		PeerLimit: limit, ChannelLimit: 1,
		MaxPendingConnections: 2 * connectWave, MaxPendingPerAddress: 2 * connectWave,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &manyServer{t: t, h: h, limit: limit, index: map[*enet.Peer]uint32{}, byIndex: map[uint32]*enet.Peer{}, slots: map[int]uint32{}, seen: map[uint32]bool{}}
}

func (s *manyServer) fail(format string, args ...any) {
	s.failures++
	if s.failures <= 10 {
		s.t.Errorf("server: "+format, args...)
	}
}

// run services the host until stop is closed or the host is closed.
func (s *manyServer) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		ev, err := s.h.Service(5 * time.Millisecond)
		if err != nil {
			if !errors.Is(err, enet.ErrClosed) {
				s.t.Errorf("server Service: %v", err)
			}
			return
		}
		if ev.Type == enet.EventNone {
			continue
		}
		s.mu.Lock()
		s.lastEvent = time.Now()
		switch ev.Type {
		case enet.EventConnect:
			id := ev.Peer.ID()
			switch {
			case ev.Data >= uint32(s.limit):
				s.fail("connect data %d out of range", ev.Data)
			case s.seen[ev.Data]:
				s.fail("index %d connected twice", ev.Data)
			case id < 0 || id >= s.limit:
				s.fail("peer ID %d out of range", id)
			}
			if prev, ok := s.slots[id]; ok {
				s.fail("peer ID %d given to index %d and %d", id, prev, ev.Data)
			}
			s.seen[ev.Data] = true
			s.slots[id] = ev.Data
			s.index[ev.Peer] = ev.Data
			s.byIndex[ev.Data] = ev.Peer
			s.connects++
		case enet.EventReceive:
			want, ok := s.index[ev.Peer]
			got, valid := parseManyPayload("c2s", ev.Packet)
			switch {
			case !ok:
				s.fail("packet from a peer without EventConnect")
			case !valid || got != want:
				s.fail("peer %d (index %d) sent %q", ev.Peer.ID(), want, ev.Packet)
			default:
				if err := ev.Peer.Send(0, manyPayload("s2c", want), enet.PacketFlagReliable); err != nil {
					s.fail("echo to index %d: %v", want, err)
				}
				s.echoed++
			}
			ev.Release()
		case enet.EventDisconnect:
			s.fail("peer %d (index %d) disconnected (data %d)", ev.Peer.ID(), s.index[ev.Peer], ev.Data)
		}
		s.mu.Unlock()
	}
}

// describe says what the server knows of the connection with index i.
func (s *manyServer) describe(i uint32) string {
	s.mu.Lock()
	p := s.byIndex[i]
	s.mu.Unlock()
	if p == nil {
		return "server: no EventConnect"
	}
	return fmt.Sprintf("server: peer %d %v %+v", p.ID(), p.State(), p.Stats())
}

func (s *manyServer) counts() (connects, echoed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects, s.echoed
}

// start runs the server in a goroutine; the returned function stops it,
// waits for it and closes the host.
func (s *manyServer) start() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.run(done)
	}()
	return func() {
		close(done)
		wg.Wait()
		_ = s.h.Close()
	}
}

// refuseExtra makes one more connection to the full server from a fresh
// host, with a short timeout, and checks that it ends with EventDisconnect
// and never connects. hs are serviced meanwhile (they must not starve).
func refuseExtra(t *testing.T, addr string, data uint32, hs ...*enet.Host) time.Duration {
	t.Helper()
	extra, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	p, err := extra.Connect(addr, 1, data)
	if err != nil {
		t.Fatal(err)
	}
	// Limit 1: give up at the first retransmission timeout (500 ms, the
	// initial RTT estimate) once 100 ms have passed; 1 s at most.
	p.SetTimeout(1, 100*time.Millisecond, time.Second)
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		ev, err := extra.Service(2 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			for {
				ev, err := h.Service(0)
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == enet.EventNone {
					break
				}
				t.Errorf("unexpected %v event while the extra connection was refused", ev.Type)
				ev.Release()
			}
		}
		switch ev.Type {
		case enet.EventConnect:
			t.Fatalf("connection %d to a full server succeeded", data+1)
		case enet.EventDisconnect:
			if ev.Peer != p {
				t.Fatalf("disconnect of an unknown peer")
			}
			return time.Since(start)
		}
	}
	t.Fatal("the extra connection neither connected nor timed out within 10 s")
	return 0
}

// TestPeers4095 fills a Go server (PeerLimit 4095, the maximum) with 4095
// connections from one Go client host (also PeerLimit 4095): every
// connection gets EventConnect on both sides, its own peer ID on each
// side, and one reliable packet each way carrying its index; then the
// client host refuses a 4096th Connect with ErrNoFreePeer, and a 4096th
// connection from another host is ignored by the full server (as libenet
// ignores a CONNECT without a free slot) and ends in EventDisconnect on
// the client's timeout (Peer.SetTimeout).
func TestPeers4095(t *testing.T) {
	srv := newManyServer(t, maxPeers)
	stop := srv.start()
	defer stop()
	addr := srv.h.LocalAddr().String()

	cli, err := enet.NewHost("127.0.0.1:0", &enet.HostConfig{PeerLimit: maxPeers, ChannelLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	t0 := time.Now()
	index := make(map[*enet.Peer]uint32, maxPeers)
	ids := make(map[int]bool, maxPeers)
	connected := make([]bool, maxPeers)
	echoed := make([]bool, maxPeers)
	var issued, nConnected, nEchoed int
	var connectTime time.Duration
	deadline := time.Now().Add(2 * time.Minute)
	for nEchoed < maxPeers {
		if time.Now().After(deadline) {
			sc, se := srv.counts()
			t.Fatalf("after 2 min: %d issued, %d connected, %d echoed (server: %d connects, %d echoed)",
				issued, nConnected, nEchoed, sc, se)
		}
		for issued < maxPeers && issued-nConnected < connectWave {
			p, err := cli.Connect(addr, 1, uint32(issued))
			if err != nil {
				t.Fatalf("Connect %d: %v", issued, err)
			}
			index[p] = uint32(issued)
			issued++
		}
		ev, err := cli.Service(5 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Type {
		case enet.EventConnect:
			i, ok := index[ev.Peer]
			switch {
			case !ok:
				t.Fatalf("EventConnect for an unknown peer")
			case connected[i]:
				t.Fatalf("index %d connected twice", i)
			case ids[ev.Peer.ID()]:
				t.Fatalf("client peer ID %d used twice", ev.Peer.ID())
			}
			connected[i] = true
			ids[ev.Peer.ID()] = true
			nConnected++
			if nConnected == maxPeers {
				connectTime = time.Since(t0)
			}
			if err := ev.Peer.Send(0, manyPayload("c2s", i), enet.PacketFlagReliable); err != nil {
				t.Fatalf("Send on index %d: %v", i, err)
			}
		case enet.EventReceive:
			i := index[ev.Peer]
			got, ok := parseManyPayload("s2c", ev.Packet)
			if !ok || got != i || !connected[i] {
				t.Fatalf("index %d received %q", i, ev.Packet)
			}
			if echoed[i] {
				t.Fatalf("index %d received its echo twice", i)
			}
			echoed[i] = true
			nEchoed++
			ev.Release()
		case enet.EventDisconnect:
			i := index[ev.Peer]
			t.Fatalf("index %d (client peer %d, connected %v, echoed %v) disconnected (data %d) at %v; %s; server %+v %+v",
				i, ev.Peer.ID(), connected[i], echoed[i], ev.Data, time.Since(t0), srv.describe(i), srv.h.Stats(), srv.h.HardeningStats())
		}
	}
	echoTime := time.Since(t0)
	if sc, se := srv.counts(); sc != maxPeers || se != maxPeers {
		t.Fatalf("server counted %d connects and %d echoes, want %d", sc, se, maxPeers)
	}

	// The client host is full.
	if _, err := cli.Connect(addr, 1, 0); !errors.Is(err, enet.ErrNoFreePeer) {
		t.Fatalf("Connect on a full host: %v, want ErrNoFreePeer", err)
	}
	// So is the server.
	before := srv.h.HardeningStats().RefusedFull
	refused := refuseExtra(t, addr, maxPeers, cli)
	if after := srv.h.HardeningStats().RefusedFull; after == before {
		t.Errorf("the server did not count the refused CONNECT (RefusedFull %d)", after)
	}
	if sc, _ := srv.counts(); sc != maxPeers {
		t.Fatalf("server counted %d connects, want %d", sc, maxPeers)
	}
	for p := range index {
		if p.State().String() != "connected" {
			t.Fatalf("index %d is %v after the run", index[p], p.State())
		}
	}
	t.Logf("%d connections in %v, echoes done at %v, 4096th refused after %v; total %v",
		maxPeers, connectTime.Round(time.Millisecond), echoTime.Round(time.Millisecond),
		refused.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
}

// raceBuild reports whether the test binary was built with -race.
func raceBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestPeers4095Libenet fills a Go server with 4095 connections from one
// libenet 1.3.17 client host with 4095 peers (testdata/enetmany.c, the
// most enet_host_create allows): each gets CONNECT on both sides and one
// reliable packet each way; then a second libenet host's connection, the
// 4096th, is ignored by the full server and times out (enet_peer_timeout
// 1, 100, 1000).
//
// Under -race the server and client use 1024 slots instead: the C client
// runs at full speed while the race detector slows the Go server about
// tenfold, and the keepalive traffic of 4095 idle peers (a ping and its
// acknowledgement per peer every 500 ms, about 16000 datagrams/s) then
// overflows the server's socket buffer until peers time out (measured:
// about 100000 datagrams dropped by the kernel in a run). The Go-only TestPeers4095 covers 4095 peers under -race.
func TestPeers4095Libenet(t *testing.T) {
	src, err := filepath.Abs("testdata/enetmany.c")
	if err != nil {
		t.Fatal(err)
	}
	bin := libenettest.BuildFile(t, src)
	n := maxPeers
	if raceBuild() {
		n = 1024
		t.Logf("-race: %d peers instead of %d", n, maxPeers)
	}

	srv := newManyServer(t, n)
	stop := srv.start()
	defer stop()
	addr := srv.h.LocalAddr().String()
	port := addr[strings.LastIndex(addr, ":")+1:]

	t0 := time.Now()
	c := libenettest.Start(t, bin, port, strconv.Itoa(n), strconv.Itoa(connectWave/2))
	var lines []string
	want := map[string]bool{"connected": false, "echoed": false, "refused": false}
	timeout := time.After(2 * time.Minute)
wait:
	for {
		select {
		case l, ok := <-c.Lines():
			if !ok {
				break wait
			}
			lines = append(lines, l)
			f := strings.Fields(l)
			if len(f) == 0 {
				continue
			}
			if _, ok := want[f[0]]; ok {
				want[f[0]] = true
			} else {
				t.Errorf("libenet client: %s", l)
			}
		case <-timeout:
			sc, se := srv.counts()
			t.Fatalf("libenet client still running after 2 min (server: %d connects, %d echoed); output %q", sc, se, lines)
		}
	}
	if err := c.Wait(10 * time.Second); err != nil {
		t.Fatalf("libenet client: %v; output %q", err, lines)
	}
	for k, ok := range want {
		if !ok {
			t.Fatalf("libenet client printed no %q line; output %q", k, lines)
		}
	}
	// The client's lines say what it saw; check them against the counts.
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "connected" || f[0] == "echoed") && (len(f) < 2 || f[1] != strconv.Itoa(n)) {
			t.Fatalf("libenet client: %q, want %d", l, n)
		}
	}
	if sc, se := srv.counts(); sc != n || se != n {
		t.Fatalf("server counted %d connects and %d echoes, want %d", sc, se, n)
	}
	if srv.h.HardeningStats().RefusedFull == 0 {
		t.Error("the server did not count the refused CONNECT")
	}
	t.Logf("libenet client: %s; total %v", strings.Join(lines, "; "), time.Since(t0).Round(time.Millisecond))
}
