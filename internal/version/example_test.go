package version_test

import (
	"fmt"
	"strings"

	"github.com/packetpeer/packetpeer/internal/version"
)

// String is what `packetpeer --version` prints after the program name: the
// link-time Version when set, else the module or VCS version recorded in the
// build, else "dev". Test binaries record neither, so here it is "dev".
func ExampleString() {
	v := version.String()
	fmt.Println(v != "" && !strings.ContainsAny(v, " \n"))
	// Output: true
}
