package protocol_test

import (
	"fmt"

	"github.com/packetpeer/packetpeer/enet/internal/protocol"
)

// Build a datagram carrying an acknowledgement and a reliable message, then
// walk it as a receiver does.
func Example() {
	b := protocol.Header{PeerID: 0, SessionID: 1, HasSentTime: true, SentTime: 1000}.Append(nil)
	ack := protocol.Acknowledge{
		Header:                         protocol.CommandHeader{Command: byte(protocol.CommandAcknowledge), ChannelID: 0, ReliableSequenceNumber: 7},
		ReceivedReliableSequenceNumber: 7, ReceivedSentTime: 990,
	}
	msg := protocol.SendReliable{
		Header: protocol.CommandHeader{Command: byte(protocol.CommandSendReliable) | protocol.CommandFlagAcknowledge, ChannelID: 0, ReliableSequenceNumber: 8},
		Data:   []byte("hi"),
	}
	b = ack.Append(b)
	b = msg.Append(b)
	fmt.Printf("% x\n", b)

	d, err := protocol.ParseDatagram(b, false)
	if err != nil {
		panic(err)
	}
	r := protocol.NewCommandReader(d.Header, d.Body)
	for r.Next() {
		c := r.Command()
		if c.Type() == protocol.CommandSendReliable {
			m, _, _ := protocol.ParseSendReliable(c.Raw)
			fmt.Printf("%v seq %d: %q\n", c.Type(), m.Header.ReliableSequenceNumber, m.Data)
		} else {
			fmt.Println(c.Type())
		}
	}
	fmt.Println(r.Err())
	// Output:
	// 90 00 03 e8 01 00 00 07 00 07 03 de 86 00 00 08 00 02 68 69
	// ACKNOWLEDGE
	// SEND_RELIABLE seq 8: "hi"
	// <nil>
}
