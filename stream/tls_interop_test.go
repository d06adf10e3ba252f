package stream

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/packetpeer/packetpeer/godoterr"
	"github.com/packetpeer/packetpeer/internal/godottest"
	"github.com/packetpeer/packetpeer/variant"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and "localhost"
// and its key as PEM files in dir and returns their paths.
func selfSigned(t testing.TB, dir, name string) (certFile, keyFile string, certPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, certPEM
}

func TestTLSLoopback(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, "a")
	otherCert, _, _ := selfSigned(t, dir, "b")
	srvCfg, err := LoadServerTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ListenTLS(netip.MustParseAddrPort("127.0.0.1:0"), srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		for {
			c, err := ln.Accept(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				continue
			}
			s, _ := NewPacketStream(c, PacketStreamConfig{})
			if s.Wait(ctx) == nil {
				p, _ := s.GetPacket()
				s.PutPacket(p)
			}
			s.Close()
		}
	}()
	// Default config: no trusted root, refused.
	if _, err := DialTLS(ctx, ln.Addr(), nil); !errors.Is(err, godoterr.ErrCantConnect) {
		t.Fatalf("untrusted certificate accepted: %v", err)
	}
	wrong, _ := ClientTLS("", otherCert, false)
	if _, err := DialTLS(ctx, ln.Addr(), wrong); err == nil {
		t.Fatal("wrong CA accepted")
	}
	good, err := ClientTLS("", certFile, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialTLS(ctx, ln.Addr(), good)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewPacketStream(c, PacketStreamConfig{})
	defer s.Close()
	s.PutPacket([]byte("ping"))
	if p := waitPacket(t, s); string(p) != "ping" {
		t.Fatal(p)
	}
	// The asynchronous form reports its progress in Status.
	ac := ConnectTLS(ln.Addr(), good)
	deadline := time.Now().Add(5 * time.Second)
	for ac.Status() == StatusConnecting && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if ac.Status() != StatusConnected {
		t.Fatal(ac.Status(), ac.Err())
	}
	ac.Close()
	bad := ConnectTCP(netip.MustParseAddrPort("127.0.0.1:1"))
	for bad.Status() == StatusConnecting {
		time.Sleep(time.Millisecond)
	}
	if bad.Status() != StatusError || !errors.Is(bad.Err(), godoterr.ErrCantConnect) {
		t.Fatal(bad.Status(), bad.Err())
	}
}

const gdTLSClient = `extends SceneTree
func _init():
	var port = int(OS.get_environment("PP_PORT"))
	var cert = X509Certificate.new()
	print("LOAD ", cert.load(OS.get_environment("PP_CERT")))
	var tcp = StreamPeerTCP.new()
	tcp.connect_to_host("127.0.0.1", port)
	var end = OS.get_ticks_msec() + 10000
	while tcp.get_status() == StreamPeerTCP.STATUS_CONNECTING and OS.get_ticks_msec() < end:
		OS.delay_msec(5)
	var ssl = StreamPeerSSL.new()
	var err = ssl.connect_to_stream(tcp, true, "localhost", cert)
	print("CONNECT ", err)
	while ssl.get_status() == StreamPeerSSL.STATUS_HANDSHAKING and OS.get_ticks_msec() < end:
		ssl.poll()
		OS.delay_msec(5)
	print("SSL_STATUS ", ssl.get_status())
	if ssl.get_status() == StreamPeerSSL.STATUS_CONNECTED:
		var pps = PacketPeerStream.new()
		pps.stream_peer = ssl
		print("PUT ", pps.put_var({"secure": true}))
		while OS.get_ticks_msec() < end:
			ssl.poll()
			if pps.get_available_packet_count() > 0:
				print("GOT ", to_json(pps.get_var()))
				break
			OS.delay_msec(5)
		ssl.disconnect_from_stream()
	print("PROBE_DONE")
	quit()
`

// Godot's StreamPeerSSL client against a Go TLS server whose certificate
// Godot is told to trust; with another certificate, the handshake is
// refused on both ends.
func TestInteropTLS(t *testing.T) {
	godottest.RequireGodot3(t)
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, "server")
	otherCert, _, _ := selfSigned(t, dir, "other")
	srvCfg, err := LoadServerTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, trust string
		ok          bool
	}{{"trusted", certFile, true}, {"wrong certificate", otherCert, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := ListenTLS(netip.MustParseAddrPort("127.0.0.1:0"), srvCfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			g := godottest.StartGodot3(t, gdTLSClient, godottest.Env(
				fmt.Sprintf("PP_PORT=%d", ln.Addr().Port()), "PP_CERT="+tc.trust))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := ln.Accept(ctx)
			if !tc.ok {
				if err == nil || !errors.Is(err, godoterr.ErrConnectionError) {
					t.Fatalf("handshake with a client that does not trust us: %v", err)
				}
				res := g.Wait()
				if !containsLine(res.Lines, "SSL_STATUS 3") && !containsLine(res.Lines, "SSL_STATUS 4") {
					t.Fatalf("Godot accepted a wrong certificate:\n%s", res.Output())
				}
				t.Logf("refused: Go: %v; Godot: SSL_STATUS %v", err, res.Prefixed("SSL_STATUS "))
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, g.Output())
			}
			s, _ := NewPacketStream(c, PacketStreamConfig{})
			defer s.Close()
			if err := s.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			p, _ := s.GetPacket()
			v, _, err := variant.Decode(p, variant.Godot3)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := v.(*variant.Dictionary)
			if sv, _ := d.Get("secure"); sv != true {
				t.Fatalf("got %#v", v)
			}
			reply := variant.NewDictionary(1)
			reply.Set("ok", "tls")
			enc, _ := variant.Append(nil, reply, variant.Godot3)
			if err := s.PutPacket(enc); err != nil {
				t.Fatal(err)
			}
			res := g.Wait()
			for _, want := range []string{"LOAD 0", "SSL_STATUS 2", "PUT 0", `GOT {"ok":"tls"}`} {
				if !containsLine(res.Lines, want) {
					t.Errorf("Godot did not print %q:\n%s", want, res.Output())
				}
			}
		})
	}
}

var _ = tls.VersionTLS12
