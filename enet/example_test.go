package enet_test

import (
	"fmt"

	"github.com/packetpeer/packetpeer/enet"
)

// A host compresses a datagram body with the range coder and keeps the
// result only when it is shorter, as libenet does.
func ExampleNewRangeCoder() {
	var c enet.Compressor = enet.NewRangeCoder()
	body := [][]byte{
		{0x86, 0x00, 0x00, 0x01, 0x00, 0x20}, // SEND_RELIABLE header, 32-byte payload
		[]byte("player 1 at 100,200; player 2 at 100,201"[:32]),
	}
	size := len(body[0]) + len(body[1])
	dst := make([]byte, size)
	n, err := c.Compress(dst, body)
	if err != nil || n >= size {
		fmt.Println("sent uncompressed")
		return
	}
	out := make([]byte, 4096-4)
	m, err := c.Decompress(out, dst[:n])
	fmt.Println(size, "->", n, "bytes; round trip:", m == size && err == nil)
	// Output: 38 -> 31 bytes; round trip: true
}
