package godoterr_test

import (
	"errors"
	"fmt"

	"github.com/packetpeer/packetpeer/godoterr"
)

func Example() {
	err := fmt.Errorf("get_packet: %w", godoterr.ErrUnavailable)
	fmt.Println(errors.Is(err, godoterr.ErrUnavailable), int(godoterr.Code(err)), godoterr.Code(err))
	fmt.Println(godoterr.Code(errors.New("other")), godoterr.Code(nil))
	// Output:
	// true 2 ERR_UNAVAILABLE
	// FAILED OK
}
