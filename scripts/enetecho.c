/* enetecho: a libenet 1.3.17 echo server, the C side of
 * scripts/bench-enet-load.sh (the Go side is packetpeer bench enet-load
 * --role server). Written for packetpeer; no libenet code is copied.
 *
 * Build: gcc -O2 -o enetecho enetecho.c -lenet
 * usage: enetecho PORT [PEERS]
 *
 * Listens on 127.0.0.1:PORT with PEERS peer slots (default 1024, at most
 * 4095) and 2 channels, no bandwidth limits, and runs an enet_host_service
 * loop. Every packet received goes back to its sender on the same channel
 * with the same flags: the received ENetPacket itself is queued with
 * enet_peer_send (no copy; libenet frees it once sent). Prints
 * "ready PORT" when listening; runs until killed (SIGTERM/SIGINT print
 * "echoed N" on stderr and exit 0). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <enet/enet.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: enetecho PORT [PEERS]\n"); return 2; }
    long peers = argc > 2 ? atol(argv[2]) : 1024;
    if (peers < 1 || peers > ENET_PROTOCOL_MAXIMUM_PEER_ID) { fprintf(stderr, "PEERS: 1..%d\n", ENET_PROTOCOL_MAXIMUM_PEER_ID); return 2; }
    if (enet_initialize() != 0) return 1;
    ENetAddress a;
    enet_address_set_host(&a, "127.0.0.1");
    a.port = (enet_uint16)atoi(argv[1]);
    ENetHost *h = enet_host_create(&a, (size_t)peers, 2, 0, 0);
    if (!h) { fprintf(stderr, "enetecho: cannot listen on port %s\n", argv[1]); return 1; }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready %u\n", a.port);
    fflush(stdout);
    unsigned long echoed = 0, failed = 0;
    ENetEvent e;
    while (!stop) {
        int r = enet_host_service(h, &e, 100);
        while (r > 0) {
            if (e.type == ENET_EVENT_TYPE_RECEIVE) {
                if (enet_peer_send(e.peer, e.channelID, e.packet) == 0) echoed++;
                else { enet_packet_destroy(e.packet); failed++; }
            }
            r = enet_host_check_events(h, &e);
        }
    }
    fprintf(stderr, "echoed %lu, %lu sends failed\n", echoed, failed);
    enet_host_destroy(h);
    return 0;
}
