package netsim_test

import (
	"fmt"
	"net"
	"time"

	"github.com/packetpeer/packetpeer/internal/netsim"
)

// A proxy with 20 ms of latency each way in front of a UDP echo server.
func Example() {
	target, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer target.Close()
	go func() { // echo
		buf := make([]byte, 1500)
		for {
			n, from, err := target.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			target.WriteToUDPAddrPort(buf[:n], from)
		}
	}()

	p, err := netsim.NewProxy(netsim.Config{
		Listen: "127.0.0.1:0",
		Target: target.LocalAddr().String(),
		Up:     netsim.Impairment{Latency: 20 * time.Millisecond},
		Down:   netsim.Impairment{Latency: 20 * time.Millisecond},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	client, _ := net.DialUDP("udp", nil, p.Addr().(*net.UDPAddr))
	defer client.Close()
	start := time.Now()
	client.Write([]byte("ping"))
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1500)
	n, _ := client.Read(buf)
	fmt.Println(string(buf[:n]), time.Since(start) >= 40*time.Millisecond)
	p.Close() // the counters are final once Close returns
	st := p.Stats()
	fmt.Printf("up: %d forwarded, down: %d forwarded, %d client\n", st.Up.Forwarded, st.Down.Forwarded, st.Opened)
	// Output:
	// ping true
	// up: 1 forwarded, down: 1 forwarded, 1 client
}

// A PacketConn that loses a quarter of what it sends: which packets is
// decided by the seed alone, so the counts are the same on every run.
func ExamplePacketConn() {
	inner, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, err := netsim.NewPacketConn(inner, netsim.Impairment{Loss: 0.25, Seed: 1}, netsim.Impairment{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	for i := range 100 {
		c.WriteTo([]byte{byte(i)}, c.LocalAddr()) // to itself
	}
	out, _ := c.Stats()
	fmt.Printf("sent %d, lost %d, forwarded %d\n", out.In, out.DroppedLoss, out.Forwarded)
	// Output: sent 100, lost 24, forwarded 76
}

func ExampleParseRate() {
	for _, s := range []string{"1mbit", "500kbit", "100kbps", "1.5gbit"} {
		bps, err := netsim.ParseRate(s)
		fmt.Println(s, bps, err)
	}
	// Output:
	// 1mbit 1000000 <nil>
	// 500kbit 500000 <nil>
	// 100kbps 800000 <nil>
	// 1.5gbit 1500000000 <nil>
}
