package compress_test

import (
	"errors"
	"fmt"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/compress"
)

func Example() {
	in := []byte("hello hello hello hello hello")
	c, _ := compress.Compress(nil, in, compress.FastLZ)
	fmt.Printf("% x\n", c) // what Godot's "...".to_ascii().compress(File.COMPRESSION_FASTLZ) gives

	out, err := compress.Decompress(nil, c, len(in), compress.FastLZ)
	fmt.Println(string(out), err)

	// A size smaller than the real output is refused, not overrun.
	_, err = compress.Decompress(nil, c, 10, compress.FastLZ)
	fmt.Println(errors.Is(err, packetpeer.ErrOutOfMemory))
	// Output:
	// 05 68 65 6c 6c 6f 20 e0 0b 05 02 6c 6c 6f
	// hello hello hello hello hello <nil>
	// true
}

func ExamplePeer() {
	a, b := packetpeer.NewPipe(nil)
	ca, _ := compress.NewPeer(a, compress.PeerConfig{Mode: compress.Zstd})
	cb, _ := compress.NewPeer(b, compress.PeerConfig{Mode: compress.Zstd})

	_ = ca.PutPacket([]byte("state state state state state state"))
	p, err := cb.GetPacket()
	fmt.Println(string(p), err)
	// Output: state state state state state state <nil>
}
