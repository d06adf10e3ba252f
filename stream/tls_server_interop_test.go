package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/variant"
)

const gdTLSServer = `extends SceneTree
func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var key = CryptoKey.new()
	print("KEY ", key.load(OS.get_environment("PP_KEY")))
	var cert = X509Certificate.new()
	print("CERT ", cert.load(OS.get_environment("PP_CERT")))
	var srv = TCP_Server.new()
	print("LISTEN ", srv.listen(port, "127.0.0.1"))
	var end = OS.get_ticks_msec() + 30000
	while not srv.is_connection_available() and OS.get_ticks_msec() < end:
		OS.delay_msec(5)
	var tcp = srv.take_connection()
	var ssl = StreamPeerSSL.new()
	print("ACCEPT ", ssl.accept_stream(tcp, key, cert))
	while ssl.get_status() == StreamPeerSSL.STATUS_HANDSHAKING and OS.get_ticks_msec() < end:
		ssl.poll()
		OS.delay_msec(5)
	print("SSL_STATUS ", ssl.get_status())
	if ssl.get_status() == StreamPeerSSL.STATUS_CONNECTED:
		var pps = PacketPeerStream.new()
		pps.stream_peer = ssl
		while OS.get_ticks_msec() < end:
			ssl.poll()
			if pps.get_available_packet_count() > 0:
				print("GOT ", to_json(pps.get_var()))
				print("PUT ", pps.put_var({"from": "godot-server"}))
				break
			OS.delay_msec(5)
		# Let Go read the reply before closing.
		var wait_end = OS.get_ticks_msec() + 2000
		while OS.get_ticks_msec() < wait_end and ssl.get_status() == StreamPeerSSL.STATUS_CONNECTED:
			ssl.poll()
			OS.delay_msec(5)
		ssl.disconnect_from_stream()
	srv.stop()
	print("PROBE_DONE")
	quit()
`

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) uint16 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// Go as the TLS client of the real Godot 3.2.3's StreamPeerSSL server
// (TCP_Server + accept_stream with a CryptoKey and X509Certificate), with
// Go's certificate checks on: trusting the test CA, the handshake succeeds
// and packets flow both ways; trusting another certificate, Go refuses.
func TestInteropTLSGodotServer(t *testing.T) {
	godottest.RequireGodot3(t)
	dir := t.TempDir()
	certFile, keyFile, certPEM := selfSigned(t, dir, "server")
	_, _, otherPEM := selfSigned(t, dir, "other")
	for _, tc := range []struct {
		name  string
		trust []byte
		ok    bool
	}{{"trusted", certPEM, true}, {"untrusted", otherPEM, false}} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			g := godottest.StartGodot3(t, gdTLSServer, godottest.Env(
				fmt.Sprintf("PP_PORT=%d", port), "PP_KEY="+keyFile, "PP_CERT="+certFile))
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(tc.trust)
			cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
			var c *Conn
			var err error
			for {
				// Retry until Godot listens; a certificate error ends it.
				c, err = DialTLS(ctx, addr, cfg)
				var opErr *net.OpError
				if err == nil || !errors.As(err, &opErr) || opErr.Op != "dial" || ctx.Err() != nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !tc.ok {
				var unk x509.UnknownAuthorityError
				if err == nil || !errors.Is(err, godoterr.ErrCantConnect) || !errors.As(err, &unk) {
					t.Fatalf("DialTLS to a server not trusted: %v", err)
				}
				res := g.Wait()
				if containsLine(res.Lines, "SSL_STATUS 2") {
					t.Fatalf("Godot reports a connection Go refused:\n%s", res.Output())
				}
				t.Logf("refused: %v; Godot: %v", err, res.Prefixed("SSL_STATUS "))
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, g.Output())
			}
			s, _ := NewPacketStream(c, PacketStreamConfig{})
			defer s.Close()
			msg := variant.NewDictionary(1)
			msg.Set("from", "go-client")
			enc, _ := variant.Append(nil, msg, variant.Godot3)
			if err := s.PutPacket(enc); err != nil {
				t.Fatal(err)
			}
			if err := s.Wait(ctx); err != nil {
				t.Fatalf("%v\n%s", err, g.Output())
			}
			p, _ := s.GetPacket()
			v, _, err := variant.Decode(p, variant.Godot3)
			d, _ := v.(*variant.Dictionary)
			if fv, _ := d.Get("from"); err != nil || fv != "godot-server" {
				t.Fatalf("got %#v, %v", v, err)
			}
			res := g.Wait()
			for _, want := range []string{"KEY 0", "CERT 0", "LISTEN 0", "ACCEPT 0", "SSL_STATUS 2",
				`GOT {"from":"go-client"}`, "PUT 0"} {
				if !containsLine(res.Lines, want) {
					t.Errorf("Godot did not print %q:\n%s", want, res.Output())
				}
			}
		})
	}
}
