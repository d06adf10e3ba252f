package libenettest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// Op selects the libenet function a [Case] runs.
type Op uint8

const (
	// OpCompress runs enet_range_coder_compress over Case.Buffers with
	// inLimit = their total length and outLimit = Case.OutLimit.
	OpCompress Op = 0
	// OpDecompress runs enet_range_coder_decompress over Case.Buffers[0]
	// with outLimit = Case.OutLimit.
	OpDecompress Op = 1
	// OpCRC32 runs enet_crc32 over Case.Buffers; the result is the four
	// bytes of the returned enet_uint32 as they lie in memory (what libenet
	// stores in the checksum slot).
	OpCRC32 Op = 2
)

// Case is one call into libenet.
type Case struct {
	Op       Op
	OutLimit uint32
	Buffers  [][]byte
}

// helperSource reads cases from stdin and writes one result per case to
// stdout. All lengths are little-endian uint32. Request: count, then per
// case op (u8), outLimit, bufferCount, then length+bytes per buffer. Reply:
// per case length+bytes.
const helperSource = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <enet/enet.h>

static unsigned rd32(void) {
    unsigned char b[4];
    if (fread(b, 1, 4, stdin) != 4) { fprintf(stderr, "short read\n"); exit(2); }
    return b[0] | (b[1] << 8) | (b[2] << 16) | ((unsigned) b[3] << 24);
}
static void wr32(unsigned v) {
    unsigned char b[4] = { v, v >> 8, v >> 16, v >> 24 };
    fwrite(b, 1, 4, stdout);
}
int main(void) {
    void *coder = enet_range_coder_create();
    unsigned count = rd32();
    for (unsigned i = 0; i < count; i++) {
        int op = fgetc(stdin);
        unsigned outLimit = rd32(), nbuf = rd32();
        ENetBuffer bufs[64];
        size_t inLimit = 0;
        if (nbuf > 64) { fprintf(stderr, "too many buffers\n"); return 2; }
        for (unsigned k = 0; k < nbuf; k++) {
            unsigned len = rd32();
            unsigned char *p = malloc(len + 1);
            if (len && fread(p, 1, len, stdin) != len) { fprintf(stderr, "short read\n"); return 2; }
            bufs[k].data = p; bufs[k].dataLength = len; inLimit += len;
        }
        unsigned char *out = malloc(outLimit + 1);
        size_t n = 0;
        if (op == 0) {
            n = enet_range_coder_compress(coder, bufs, nbuf, inLimit, out, outLimit);
        } else if (op == 1) {
            n = enet_range_coder_decompress(coder, bufs[0].data, bufs[0].dataLength, out, outLimit);
        } else {
            enet_uint32 c = enet_crc32(bufs, nbuf);
            memcpy(out, &c, 4); n = 4;
        }
        wr32((unsigned) n);
        fwrite(out, 1, n, stdout);
        free(out);
        for (unsigned k = 0; k < nbuf; k++) free(bufs[k].data);
    }
    enet_range_coder_destroy(coder);
    return 0;
}
`

// Helper runs batches of calls in a libenet-linked C program.
type Helper struct{ bin string }

// NewHelper builds the helper program (see [Build] for skipping).
func NewHelper(t testing.TB) *Helper {
	t.Helper()
	return &Helper{bin: Build(t, helperSource)}
}

// Run executes the cases in one process and returns each call's output
// bytes (empty when libenet returned 0).
func (h *Helper) Run(t testing.TB, cases []Case) [][]byte {
	t.Helper()
	var req bytes.Buffer
	le := binary.LittleEndian
	req.Write(le.AppendUint32(nil, uint32(len(cases))))
	for _, c := range cases {
		if len(c.Buffers) > 64 {
			t.Fatalf("case has %d buffers, the helper takes at most 64", len(c.Buffers))
		}
		req.WriteByte(byte(c.Op))
		req.Write(le.AppendUint32(nil, c.OutLimit))
		req.Write(le.AppendUint32(nil, uint32(len(c.Buffers))))
		for _, b := range c.Buffers {
			req.Write(le.AppendUint32(nil, uint32(len(b))))
			req.Write(b)
		}
	}
	cmd := exec.Command(h.bin)
	cmd.Stdin = &req
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("libenet helper: %v\n%s", err, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("libenet helper timed out (possible infinite loop in libenet)")
	}
	res := make([][]byte, 0, len(cases))
	b := out.Bytes()
	for range cases {
		if len(b) < 4 {
			t.Fatal("libenet helper: truncated reply")
		}
		n := int(le.Uint32(b))
		b = b[4:]
		if len(b) < n {
			t.Fatal("libenet helper: truncated reply")
		}
		res = append(res, b[:n:n])
		b = b[n:]
	}
	if len(b) != 0 {
		t.Fatal(fmt.Sprintf("libenet helper: %d trailing bytes", len(b)))
	}
	return res
}
