/* enetpeer: a libenet host driven by line commands on stdin, for the
 * interop tests of package enet (see interop_test.go). Written for these
 * tests; no libenet code is copied. Every event is printed as one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <enet/enet.h>

static ENetHost *host;
static int echo_on;

static unsigned fnv(const unsigned char *p, size_t n) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed * 7 + i * 131 + (i >> 8));
}

static ENetPeer *peer_at(unsigned id) {
    if (id >= host->peerCount) return NULL;
    return &host->peers[id];
}

static void command(char *line) {
    unsigned a = 0, b = 0, c = 0, d = 0, e = 0;
    if (sscanf(line, "connect %u %u %u", &a, &b, &c) == 3) {
        ENetAddress addr;
        enet_address_set_host(&addr, "127.0.0.1");
        addr.port = (enet_uint16)a;
        ENetPeer *p = enet_host_connect(host, &addr, b, c);
        printf("connecting %d\n", p ? (int)(p - host->peers) : -1);
    } else if (sscanf(line, "send %u %u %u %u %u", &a, &b, &c, &d, &e) == 5) {
        ENetPacket *pk = enet_packet_create(NULL, d, c);
        fill(pk->data, d, e);
        ENetPeer *p = peer_at(a);
        int r = p ? enet_peer_send(p, (enet_uint8)b, pk) : -1;
        if (r < 0) { enet_packet_destroy(pk); printf("senderr\n"); }
    } else if (sscanf(line, "echo %u", &a) == 1) {
        echo_on = a;
    } else if (sscanf(line, "disconnect %u %u %u", &a, &b, &c) == 3) {
        ENetPeer *p = peer_at(a);
        if (p) {
            if (b == 0) enet_peer_disconnect(p, c);
            else if (b == 1) enet_peer_disconnect_later(p, c);
            else if (b == 2) enet_peer_disconnect_now(p, c);
            else enet_peer_reset(p);
        }
    } else if (sscanf(line, "timeout %u %u %u %u", &a, &b, &c, &d) == 4) {
        ENetPeer *p = peer_at(a);
        if (p) enet_peer_timeout(p, b, c, d);
    } else if (strncmp(line, "quit", 4) == 0) {
        enet_host_destroy(host);
        printf("bye\n");
        exit(0);
    }
}

int main(void) {
    unsigned peers, channels, checksum, compress;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (scanf("host %u %u %u %u", &peers, &channels, &checksum, &compress) != 4) return 2;
    if (enet_initialize() != 0) return 2;
    ENetAddress addr;
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = 0;
    host = enet_host_create(&addr, peers, channels, 0, 0);
    if (!host) { printf("error create\n"); return 2; }
    if (checksum) host->checksum = enet_crc32;
    if (compress) enet_host_compress_with_range_coder(host);
    ENetAddress bound;
    enet_socket_get_address(host->socket, &bound);
    printf("ready %u\n", bound.port);
    char buf[4096];
    size_t len = 0;
    /* drop the rest of the first line */
    for (;;) {
        struct pollfd pfd = { 0, POLLIN, 0 };
        if (poll(&pfd, 1, 0) > 0) {
            ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
            if (n <= 0) { enet_host_destroy(host); return 0; }
            len += (size_t)n;
            buf[len] = 0;
            char *nl;
            while ((nl = memchr(buf, '\n', len)) != NULL) {
                *nl = 0;
                command(buf);
                size_t used = (size_t)(nl - buf) + 1;
                memmove(buf, nl + 1, len - used);
                len -= used;
                buf[len] = 0;
            }
        }
        ENetEvent ev;
        int r = enet_host_service(host, &ev, 5);
        while (r > 0) {
            unsigned id = (unsigned)(ev.peer - host->peers);
            switch (ev.type) {
            case ENET_EVENT_TYPE_CONNECT:
                printf("connect %u %u\n", id, ev.data);
                break;
            case ENET_EVENT_TYPE_DISCONNECT:
                printf("disconnect %u %u\n", id, ev.data);
                break;
            case ENET_EVENT_TYPE_RECEIVE: {
                ENetPacket *pk = ev.packet;
                unsigned fl = pk->flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT);
                printf("recv %u %u %u %u %08x\n", id, ev.channelID, fl, (unsigned)pk->dataLength, fnv(pk->data, pk->dataLength));
                if (echo_on) {
                    ENetPacket *out = enet_packet_create(pk->data, pk->dataLength, fl);
                    if (enet_peer_send(ev.peer, ev.channelID, out) < 0) enet_packet_destroy(out);
                }
                enet_packet_destroy(pk);
                break;
            }
            default:
                break;
            }
            r = enet_host_check_events(host, &ev);
        }
        if (r < 0) printf("serviceerr\n");
    }
}
