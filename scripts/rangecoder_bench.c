/* rangecoder_bench: libenet 1.3.17's range coder (enet_range_coder_compress
 * and enet_range_coder_decompress, exported by libenet) on the corpus of
 * enet/rangecoder's BenchmarkDatagrams*, for scripts/bench-rangecoder.sh.
 * Written for packetpeer; no libenet code is copied.
 *
 * Build: gcc -O2 -o rangecoder_bench rangecoder_bench.c -lenet
 * usage: rangecoder_bench CORPUS [MIN_SECONDS]
 *
 * CORPUS is written by the Go test (go test ./enet/rangecoder -run
 * TestDatagramCorpus -args -corpus-out=FILE); all numbers little-endian
 * uint32: datagram count, then per datagram its buffer count and per buffer
 * its length and bytes. Each datagram is compressed from its buffers, as
 * libenet's host does, with outLimit = its length (libenet sends the
 * compressed form only when shorter); the outputs shorter than their input
 * are then decompressed with outLimit = 4092 (4096 minus the header).
 *
 * Each measurement repeats whole passes over the corpus for at least
 * MIN_SECONDS (default 1), three times, and keeps the fastest. Output:
 *   libenet compress MBps=... cpuMBps=... decompress MBps=... cpuMBps=...
 *           datagrams=N bytes=B cbytes=C
 * (one line) with MB = 10^6 bytes of uncompressed data (input of compress,
 * output of decompress), MBps over wall-clock time and cpuMBps over the
 * process's CPU time (which a busy machine disturbs less), and cbytes the
 * total size of the outputs shorter than their
 * input (the Go benchmark reports the same number as cbytes/op). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <enet/enet.h>

typedef struct { ENetBuffer *bufs; size_t nbuf, len; } Datagram;

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint32_t rd32(FILE *f) {
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) { fprintf(stderr, "corpus: short read\n"); exit(2); }
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static volatile size_t sink; /* keeps the calls from being optimised away */

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: rangecoder_bench CORPUS [MIN_SECONDS]\n"); return 2; }
    double minSecs = argc > 2 ? atof(argv[2]) : 1.0;
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    uint32_t n = rd32(f);
    Datagram *d = calloc(n, sizeof *d);
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        d[i].nbuf = rd32(f);
        d[i].bufs = calloc(d[i].nbuf, sizeof(ENetBuffer));
        for (size_t k = 0; k < d[i].nbuf; k++) {
            uint32_t len = rd32(f);
            void *p = malloc(len + 1);
            if (len == 0 || fread(p, 1, len, f) != len) { fprintf(stderr, "corpus: bad buffer\n"); return 2; }
            d[i].bufs[k].data = p;
            d[i].bufs[k].dataLength = len;
            d[i].len += len;
        }
        total += d[i].len;
    }
    fclose(f);

    void *coder = enet_range_coder_create();
    unsigned char out[4096];
    /* The decompression inputs: the outputs shorter than their input. */
    unsigned char **comp = calloc(n, sizeof *comp);
    size_t *clen = calloc(n, sizeof *clen), ncomp = 0, cbytes = 0, dtotal = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t m = enet_range_coder_compress(coder, d[i].bufs, d[i].nbuf, d[i].len, out, d[i].len);
        if (m == 0 || m >= d[i].len) continue;
        comp[ncomp] = malloc(m);
        memcpy(comp[ncomp], out, m);
        clen[ncomp++] = m;
        cbytes += m;
        dtotal += d[i].len;
    }

    double best[2] = {0, 0}, bestCPU[2] = {0, 0};
    for (int rep = 0; rep < 3; rep++) {
        for (int op = 0; op < 2; op++) {
            long passes = 0;
            double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), dt;
            do {
                for (uint32_t i = 0; op == 0 && i < n; i++)
                    sink += enet_range_coder_compress(coder, d[i].bufs, d[i].nbuf, d[i].len, out, d[i].len);
                for (size_t i = 0; op == 1 && i < ncomp; i++) {
                    size_t m = enet_range_coder_decompress(coder, comp[i], clen[i], out, 4092);
                    if (m == 0) { fprintf(stderr, "decompress failed\n"); return 1; }
                    sink += m;
                }
                passes++;
                dt = clock_s(CLOCK_MONOTONIC) - t0;
            } while (dt < minSecs);
            double bytes = passes * (double)(op == 0 ? total : dtotal);
            double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            if (bytes / dt / 1e6 > best[op]) best[op] = bytes / dt / 1e6;
            if (cpu > 0 && bytes / cpu / 1e6 > bestCPU[op]) bestCPU[op] = bytes / cpu / 1e6;
        }
    }
    printf("libenet compress MBps=%.2f cpuMBps=%.2f decompress MBps=%.2f cpuMBps=%.2f datagrams=%u bytes=%zu cbytes=%zu\n",
           best[0], bestCPU[0], best[1], bestCPU[1], n, total, cbytes);
    enet_range_coder_destroy(coder);
    return 0;
}
