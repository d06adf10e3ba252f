/* enetmany: one libenet client host with COUNT peers, all connected to the
 * same server, for TestPeers4095Libenet (peers_test.go). Written for that
 * test; no libenet code is copied.
 *
 * usage: enetmany PORT COUNT WAVE
 *
 * Connects COUNT peers to 127.0.0.1:PORT, the connect data of each being
 * its index 0..COUNT-1, keeping at most WAVE handshakes in flight. On each
 * CONNECT it sends "c2s" + index (uint32, little-endian), reliable on
 * channel 0, and expects "s2c" + the same index back on that peer. Then a
 * second host with one peer makes connection COUNT+1 with
 * enet_peer_timeout(peer, 1, 100, 1000) and expects it to end in
 * DISCONNECT without CONNECT (the server is full).
 *
 * Output lines: "connected N MS", "echoed N MS" (N peers, MS milliseconds
 * since the start), "refused MS" (milliseconds from the extra connect to
 * its DISCONNECT), or "error ..." for anything unexpected. Exits 0 when
 * everything passed, 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <enet/enet.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int errors;

static void fail(const char *what, long a, long b) {
    if (++errors <= 10) printf("error %s %ld %ld\n", what, a, b);
}

static ENetPacket *payload(const char *dir, uint32_t index) {
    unsigned char b[7];
    memcpy(b, dir, 3);
    b[3] = index; b[4] = index >> 8; b[5] = index >> 16; b[6] = index >> 24;
    return enet_packet_create(b, sizeof b, ENET_PACKET_FLAG_RELIABLE);
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: enetmany PORT COUNT WAVE\n"); return 2; }
    long count = atol(argv[2]), wave = atol(argv[3]);
    if (count < 1 || count > ENET_PROTOCOL_MAXIMUM_PEER_ID || wave < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (enet_initialize() != 0) return 2;
    ENetAddress addr;
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = (enet_uint16)atoi(argv[1]);

    ENetHost *host = enet_host_create(NULL, (size_t)count, 1, 0, 0);
    if (!host) { printf("error enet_host_create 0 0\n"); return 1; }
    char *connected = calloc((size_t)count, 1), *echoed = calloc((size_t)count, 1);
    long issued = 0, nconnected = 0, nechoed = 0;
    double t0 = now_ms();
    while (nechoed < count && errors == 0) {
        if (now_ms() - t0 > 120e3) { fail("timeout", nconnected, nechoed); break; }
        while (issued < count && issued - nconnected < wave) {
            ENetPeer *p = enet_host_connect(host, &addr, 1, (enet_uint32)issued);
            if (!p) { fail("enet_host_connect", issued, 0); break; }
            p->data = (void *)(intptr_t)(issued + 1);
            issued++;
        }
        ENetEvent ev;
        int r = enet_host_service(host, &ev, 5);
        while (r > 0) {
            long i = (long)(intptr_t)ev.peer->data - 1;
            if (i < 0 || i >= count) { fail("unknown-peer", i, ev.type); }
            else if (ev.type == ENET_EVENT_TYPE_CONNECT) {
                if (connected[i]) fail("connected-twice", i, 0);
                connected[i] = 1;
                if (++nconnected == count) printf("connected %ld %.0f\n", nconnected, now_ms() - t0);
                if (enet_peer_send(ev.peer, 0, payload("c2s", (uint32_t)i)) < 0) fail("send", i, 0);
            } else if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
                const unsigned char *d = ev.packet->data;
                uint32_t got = ev.packet->dataLength == 7
                    ? d[3] | (uint32_t)d[4] << 8 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 24 : 0xFFFFFFFFu;
                if (ev.packet->dataLength != 7 || memcmp(d, "s2c", 3) != 0 || got != (uint32_t)i) fail("bad-echo", i, (long)got);
                else if (echoed[i]) fail("echoed-twice", i, 0);
                else { echoed[i] = 1; nechoed++; }
                enet_packet_destroy(ev.packet);
            } else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
                fail("disconnected", i, (long)ev.data);
            }
            r = enet_host_check_events(host, &ev);
        }
        if (r < 0) fail("service", 0, 0);
    }
    if (errors == 0) printf("echoed %ld %.0f\n", nechoed, now_ms() - t0);

    /* Connection COUNT+1, from a second host: the server has no free slot. */
    ENetHost *extra = errors ? NULL : enet_host_create(NULL, 1, 1, 0, 0);
    if (extra) {
        ENetPeer *p = enet_host_connect(extra, &addr, 1, (enet_uint32)count);
        enet_peer_timeout(p, 1, 100, 1000);
        double t1 = now_ms();
        int done = 0;
        while (!done && errors == 0) {
            if (now_ms() - t1 > 10e3) { fail("extra-no-timeout", 0, 0); break; }
            ENetEvent ev;
            if (enet_host_service(extra, &ev, 2) > 0) {
                if (ev.type == ENET_EVENT_TYPE_CONNECT) fail("extra-connected", count, 0);
                else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) { printf("refused %.0f\n", now_ms() - t1); done = 1; }
            }
            /* keep the full host serviced: it must stay connected */
            while (enet_host_service(host, &ev, 0) > 0) {
                if (ev.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(ev.packet);
                fail("unexpected-event", ev.type, 0);
            }
        }
        enet_host_destroy(extra);
    }
    enet_host_destroy(host);
    free(connected); free(echoed);
    return errors ? 1 : 0;
}
