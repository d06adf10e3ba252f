package libenettest_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/packetpeer/packetpeer/enet/internal/libenettest"
)

// A differential test compiles a C program against the system's libenet and
// runs it beside the Go implementation. Build skips the test with
// SkipMessage when libenet-dev is missing, or fails it when
// PACKETPEER_INTEROP=require.
func Example() {
	test := func(t *testing.T) {
		bin := libenettest.Build(t, `#include <enet/enet.h>
#include <stdio.h>
int main(void) { printf("%u\n", enet_linked_version()); return 0; }`)
		_ = bin // run it with os/exec and compare its output with Go's
	}
	_ = test // called from a TestXxx function

	old, had := os.LookupEnv("PACKETPEER_INTEROP")
	os.Setenv("PACKETPEER_INTEROP", "require")
	fmt.Println(libenettest.Required())
	if had {
		os.Setenv("PACKETPEER_INTEROP", old)
	} else {
		os.Unsetenv("PACKETPEER_INTEROP")
	}
	fmt.Println(libenettest.SkipMessage)
	// Output:
	// true
	// libenet-dev not installed: apt-get install -y libenet-dev
}
