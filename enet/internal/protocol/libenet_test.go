package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// layoutSource fills libenet's own packed protocol structs (protocol.h) the
// way protocol.c does (ENET_HOST_TO_NET_16/32, connectID raw) and prints
// each as hex, one per line, in the order of TestLayoutsMatchLibenet.
const layoutSource = `
#include <stdio.h>
#include <string.h>
#include <enet/enet.h>
static void dump(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}
#define HDR(cmd, ch, seq) c.header.command = (cmd); c.header.channelID = (ch); c.header.reliableSequenceNumber = ENET_HOST_TO_NET_16(seq)
int main(void) {
    ENetProtocol c; enet_uint32 id = 0xC3C2C1C0; /* bytes c0 c1 c2 c3 in memory on little-endian */
    ENetProtocolHeader h;
    memset(&c, 0, sizeof c); HDR(0x01, 2, 0x1234);
    c.acknowledge.receivedReliableSequenceNumber = ENET_HOST_TO_NET_16(0x1234);
    c.acknowledge.receivedSentTime = ENET_HOST_TO_NET_16(0xABCD); dump(&c, sizeof c.acknowledge);
    memset(&c, 0, sizeof c); HDR(0x82, 0xFF, 1);
    c.connect.outgoingPeerID = ENET_HOST_TO_NET_16(7); c.connect.incomingSessionID = 0xFF; c.connect.outgoingSessionID = 2;
    c.connect.mtu = ENET_HOST_TO_NET_32(1400); c.connect.windowSize = ENET_HOST_TO_NET_32(65536);
    c.connect.channelCount = ENET_HOST_TO_NET_32(255); c.connect.incomingBandwidth = ENET_HOST_TO_NET_32(0x11223344);
    c.connect.outgoingBandwidth = ENET_HOST_TO_NET_32(0x55667788); c.connect.packetThrottleInterval = ENET_HOST_TO_NET_32(5000);
    c.connect.packetThrottleAcceleration = ENET_HOST_TO_NET_32(2); c.connect.packetThrottleDeceleration = ENET_HOST_TO_NET_32(3);
    c.connect.connectID = id; c.connect.data = ENET_HOST_TO_NET_32(0xCAFEBABE); dump(&c, sizeof c.connect);
    memset(&c, 0, sizeof c); HDR(0x83, 0xFF, 1);
    c.verifyConnect.outgoingPeerID = ENET_HOST_TO_NET_16(4094); c.verifyConnect.incomingSessionID = 1; c.verifyConnect.outgoingSessionID = 3;
    c.verifyConnect.mtu = ENET_HOST_TO_NET_32(576); c.verifyConnect.windowSize = ENET_HOST_TO_NET_32(4096);
    c.verifyConnect.channelCount = ENET_HOST_TO_NET_32(1); c.verifyConnect.incomingBandwidth = ENET_HOST_TO_NET_32(1);
    c.verifyConnect.outgoingBandwidth = ENET_HOST_TO_NET_32(2); c.verifyConnect.packetThrottleInterval = ENET_HOST_TO_NET_32(3);
    c.verifyConnect.packetThrottleAcceleration = ENET_HOST_TO_NET_32(4); c.verifyConnect.packetThrottleDeceleration = ENET_HOST_TO_NET_32(5);
    c.verifyConnect.connectID = id; dump(&c, sizeof c.verifyConnect);
    memset(&c, 0, sizeof c); HDR(0x44, 0xFF, 9); c.disconnect.data = ENET_HOST_TO_NET_32(42); dump(&c, sizeof c.disconnect);
    memset(&c, 0, sizeof c); HDR(0x85, 0xFF, 2); dump(&c, sizeof c.ping);
    memset(&c, 0, sizeof c); HDR(0x86, 1, 0x0102); c.sendReliable.dataLength = ENET_HOST_TO_NET_16(0); dump(&c, sizeof c.sendReliable);
    memset(&c, 0, sizeof c); HDR(0x07, 3, 0x10); c.sendUnreliable.unreliableSequenceNumber = ENET_HOST_TO_NET_16(0xFFFE);
    c.sendUnreliable.dataLength = ENET_HOST_TO_NET_16(0); dump(&c, sizeof c.sendUnreliable);
    memset(&c, 0, sizeof c); HDR(0x88, 2, 0x11); c.sendFragment.startSequenceNumber = ENET_HOST_TO_NET_16(0x10);
    c.sendFragment.dataLength = ENET_HOST_TO_NET_16(0); c.sendFragment.fragmentCount = ENET_HOST_TO_NET_32(3);
    c.sendFragment.fragmentNumber = ENET_HOST_TO_NET_32(1); c.sendFragment.totalLength = ENET_HOST_TO_NET_32(3000);
    c.sendFragment.fragmentOffset = ENET_HOST_TO_NET_32(1372); dump(&c, sizeof c.sendFragment);
    memset(&c, 0, sizeof c); HDR(0x49, 0, 0); c.sendUnsequenced.unsequencedGroup = ENET_HOST_TO_NET_16(0x0401);
    c.sendUnsequenced.dataLength = ENET_HOST_TO_NET_16(0); dump(&c, sizeof c.sendUnsequenced);
    memset(&c, 0, sizeof c); HDR(0x8A, 0xFF, 3); c.bandwidthLimit.incomingBandwidth = ENET_HOST_TO_NET_32(123456);
    c.bandwidthLimit.outgoingBandwidth = ENET_HOST_TO_NET_32(7); dump(&c, sizeof c.bandwidthLimit);
    memset(&c, 0, sizeof c); HDR(0x8B, 0xFF, 4); c.throttleConfigure.packetThrottleInterval = ENET_HOST_TO_NET_32(1000);
    c.throttleConfigure.packetThrottleAcceleration = ENET_HOST_TO_NET_32(4);
    c.throttleConfigure.packetThrottleDeceleration = ENET_HOST_TO_NET_32(3); dump(&c, sizeof c.throttleConfigure);
    memset(&c, 0, sizeof c); HDR(0x0C, 2, 0x10); c.sendFragment.startSequenceNumber = ENET_HOST_TO_NET_16(0x10);
    c.sendFragment.dataLength = ENET_HOST_TO_NET_16(0); c.sendFragment.fragmentCount = ENET_HOST_TO_NET_32(3);
    c.sendFragment.fragmentNumber = ENET_HOST_TO_NET_32(1); c.sendFragment.totalLength = ENET_HOST_TO_NET_32(3000);
    c.sendFragment.fragmentOffset = ENET_HOST_TO_NET_32(1372); dump(&c, sizeof c.sendFragment);
    /* header: peer 5, session 2, both flags, sent time 0xBEEF, as protocol.c writes it */
    h.peerID = ENET_HOST_TO_NET_16(5 | (2 << ENET_PROTOCOL_HEADER_SESSION_SHIFT) | ENET_PROTOCOL_HEADER_FLAG_SENT_TIME | ENET_PROTOCOL_HEADER_FLAG_COMPRESSED);
    h.sentTime = ENET_HOST_TO_NET_16(0xBEEF); dump(&h, sizeof h);
    /* command sizes as libenet computes them */
    for (int i = 0; i < ENET_PROTOCOL_COMMAND_COUNT; i++) printf("%02x", (unsigned) enet_protocol_command_size(i));
    printf("\n");
    return 0;
}
`

func TestLayoutsMatchLibenet(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the helper's raw connectID constant assumes a little-endian host")
	}
	out, err := exec.Command(libenettest.Build(t, layoutSource)).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(out))
	id := ConnectID{0xC0, 0xC1, 0xC2, 0xC3}
	hd := func(cmd, ch uint8, seq uint16) CommandHeader { return CommandHeader{cmd, ch, seq} }
	var frag SendFragment = SendFragment{Header: hd(0x88, 2, 0x11), StartSequenceNumber: 0x10, FragmentCount: 3, FragmentNumber: 1, TotalLength: 3000, FragmentOffset: 1372}
	ufrag := SendUnreliableFragment(frag)
	ufrag.Header = hd(0x0C, 2, 0x10)
	goSide := [][]byte{
		(&Acknowledge{hd(0x01, 2, 0x1234), 0x1234, 0xABCD}).Append(nil),
		(&Connect{hd(0x82, 0xFF, 1), 7, 0xFF, 2, 1400, 65536, 255, 0x11223344, 0x55667788, 5000, 2, 3, id, 0xCAFEBABE}).Append(nil),
		(&VerifyConnect{hd(0x83, 0xFF, 1), 4094, 1, 3, 576, 4096, 1, 1, 2, 3, 4, 5, id}).Append(nil),
		(&Disconnect{hd(0x44, 0xFF, 9), 42}).Append(nil),
		(&Ping{hd(0x85, 0xFF, 2)}).Append(nil),
		(&SendReliable{Header: hd(0x86, 1, 0x0102)}).Append(nil),
		(&SendUnreliable{Header: hd(0x07, 3, 0x10), UnreliableSequenceNumber: 0xFFFE}).Append(nil),
		frag.Append(nil),
		(&SendUnsequenced{Header: hd(0x49, 0, 0), UnsequencedGroup: 0x0401}).Append(nil),
		(&BandwidthLimit{hd(0x8A, 0xFF, 3), 123456, 7}).Append(nil),
		(&ThrottleConfigure{hd(0x8B, 0xFF, 4), 1000, 4, 3}).Append(nil),
		ufrag.Append(nil),
		Header{PeerID: 5, SessionID: 2, Compressed: true, HasSentTime: true, SentTime: 0xBEEF}.Append(nil),
	}
	if len(lines) != len(goSide)+1 {
		t.Fatalf("helper printed %d lines", len(lines))
	}
	for i, g := range goSide {
		if hex.EncodeToString(g) != lines[i] {
			t.Errorf("layout %d:\nlibenet %s\n     Go %x", i, lines[i], g)
		}
		// Fragments are dumped without payload, which ParseCommand rejects.
		if i < len(goSide)-1 && i != 7 && i != 11 {
			if _, err := ParseCommand(g); err != nil {
				t.Errorf("layout %d: Go rejects libenet's bytes: %v", i, err)
			}
		}
	}
	sizes, _ := hex.DecodeString(lines[len(lines)-1])
	for i, s := range sizes {
		if CommandType(i).Size() != int(s) {
			t.Errorf("enet_protocol_command_size(%d) = %d, Go %d", i, s, CommandType(i).Size())
		}
	}
	t.Logf("%d layouts and %d command sizes identical to libenet's packed structs", len(goSide), len(sizes))
}

func TestCRC32MatchesLibenet(t *testing.T) {
	h := libenettest.NewHelper(t)
	rng := rand.New(rand.NewPCG(5, 6))
	var cases []libenettest.Case
	var want [][ChecksumSize]byte
	add := func(bufs ...[]byte) {
		cases = append(cases, libenettest.Case{Op: libenettest.OpCRC32, Buffers: bufs})
		var all []byte
		for _, b := range bufs {
			all = append(all, b...)
		}
		c := crc32.ChecksumIEEE(all)
		want = append(want, [4]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	add([]byte("123456789"))
	add()
	add([]byte{0})
	for i := 0; i < 50; i++ {
		var bufs [][]byte
		for k := 0; k < 1+rng.IntN(5); k++ {
			b := make([]byte, rng.IntN(1500))
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			bufs = append(bufs, b)
		}
		add(bufs...)
	}
	// A whole datagram the way protocol.c checksums it: header, slot seeded
	// with the connect ID, body.
	hdr := Header{PeerID: 3, SessionID: 1, HasSentTime: true, SentTime: 0x1234}.Append(nil)
	seed := ConnectID{0xC0, 0xC1, 0xC2, 0xC3}
	body := (&Ping{CommandHeader{0x85, 0xFF, 2}}).Append(nil)
	cases = append(cases, libenettest.Case{Op: libenettest.OpCRC32, Buffers: [][]byte{hdr, seed[:], body}})
	want = append(want, Checksum(hdr, seed, body))

	got := h.Run(t, cases)
	for i := range cases {
		if !bytes.Equal(got[i], want[i][:]) {
			t.Errorf("case %d: enet_crc32 slot bytes %x, Go %x", i, got[i], want[i])
		}
	}
	if want[0] != [4]byte{0xCB, 0xF4, 0x39, 0x26} {
		t.Errorf("check value %x", want[0])
	}
	t.Logf("%d enet_crc32 results identical", len(cases))
}
