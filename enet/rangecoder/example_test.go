package rangecoder_test

import (
	"fmt"

	"github.com/packetpeer/packetpeer/enet/rangecoder"
)

func Example() {
	c := rangecoder.New()
	in := []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	comp := make([]byte, len(in)) // ENet's limit: no larger than the input
	n, err := c.Compress(comp, [][]byte{in})
	if err != nil {
		fmt.Println(err)
		return
	}
	out := make([]byte, 4092)
	m, _ := c.Decompress(out, comp[:n])
	fmt.Println(len(in), "->", n, string(out[:m]) == string(in))
	// Output: 64 -> 7 true
}
