/* enetbw: a libenet host for the refusal and bandwidth interop tests of
 * package enet (refuse_interop_test.go, bandwidth_interop_test.go).
 * Written for these tests; no libenet code is copied.
 *
 * First line: "host <peers> <channels> <incomingBandwidth> <outgoingBandwidth> <checksum>".
 * Then line commands:
 *   connect <port> <channels> <data>   enet_host_connect to 127.0.0.1:port
 *   bwlimit <in> <out>                 enet_host_bandwidth_limit
 *   info <peer>                        print the peer's bandwidth state
 *   count                              print the bytes and packets received
 *   send <peer> <ch> <flags> <size>    enet_peer_send of <size> bytes
 *   quit
 * Output lines: "ready <port>", "connecting <peer>", "connect <peer> <data>",
 * "disconnect <peer> <data>", "info <peer> <state> <incomingBandwidth>
 * <outgoingBandwidth> <windowSize> <packetThrottle> <packetThrottleLimit>",
 * "count <bytes> <packets>". Received packets are only counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <enet/enet.h>

static ENetHost *host;
static unsigned long long rx_bytes, rx_packets;

static ENetPeer *peer_at(unsigned id) {
    if (id >= host->peerCount) return NULL;
    return &host->peers[id];
}

static void command(char *line) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (sscanf(line, "connect %u %u %u", &a, &b, &c) == 3) {
        ENetAddress addr;
        enet_address_set_host(&addr, "127.0.0.1");
        addr.port = (enet_uint16)a;
        ENetPeer *p = enet_host_connect(host, &addr, b, c);
        printf("connecting %d\n", p ? (int)(p - host->peers) : -1);
    } else if (sscanf(line, "bwlimit %u %u", &a, &b) == 2) {
        enet_host_bandwidth_limit(host, a, b);
    } else if (sscanf(line, "info %u", &a) == 1) {
        ENetPeer *p = peer_at(a);
        if (p)
            printf("info %u %d %u %u %u %u %u\n", a, (int)p->state, p->incomingBandwidth,
                   p->outgoingBandwidth, p->windowSize, p->packetThrottle, p->packetThrottleLimit);
    } else if (strncmp(line, "count", 5) == 0) {
        printf("count %llu %llu\n", rx_bytes, rx_packets);
    } else if (sscanf(line, "send %u %u %u %u", &a, &b, &c, &d) == 4) {
        ENetPacket *pk = enet_packet_create(NULL, d, c);
        memset(pk->data, 0x5a, d);
        ENetPeer *p = peer_at(a);
        if (!p || enet_peer_send(p, (enet_uint8)b, pk) < 0) { enet_packet_destroy(pk); printf("senderr\n"); }
    } else if (strncmp(line, "quit", 4) == 0) {
        enet_host_destroy(host);
        printf("bye\n");
        exit(0);
    }
}

int main(void) {
    unsigned peers, channels, in, out, checksum;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (scanf("host %u %u %u %u %u", &peers, &channels, &in, &out, &checksum) != 5) return 2;
    if (enet_initialize() != 0) return 2;
    ENetAddress addr;
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = 0;
    host = enet_host_create(&addr, peers, channels, in, out);
    if (!host) { printf("error create\n"); return 2; }
    if (checksum) host->checksum = enet_crc32;
    ENetAddress bound;
    enet_socket_get_address(host->socket, &bound);
    printf("ready %u\n", bound.port);
    char buf[4096];
    size_t len = 0;
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
            case ENET_EVENT_TYPE_RECEIVE:
                rx_bytes += ev.packet->dataLength;
                rx_packets++;
                enet_packet_destroy(ev.packet);
                break;
            default:
                break;
            }
            r = enet_host_check_events(host, &ev);
        }
        if (r < 0) printf("serviceerr\n");
    }
}
