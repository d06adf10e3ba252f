// Package version reports the packetpeer version.
//
// Release builds set it at link time:
//
//	go build -ldflags "-X github.com/packetpeer/packetpeer/internal/version.Version=v0.3.0" ./cmd/packetpeer
//
// Otherwise `go install github.com/packetpeer/packetpeer/cmd/packetpeer@v0.3.0`
// records the module version in the binary's build information, and a build
// from a checkout records the VCS revision; String uses whichever it finds.
package version

import (
	"runtime/debug"
	"strings"
)

// Version is set with -ldflags "-X github.com/packetpeer/packetpeer/internal/version.Version=...".
// Empty or "dev" means: look at the build information.
var Version = "dev"

// String returns the version: the -ldflags value if set, else the module
// version from the build information, else "dev" (with the VCS revision when
// the binary was built from a git checkout, e.g. "dev+f4af4da1c2e3-dirty").
func String() string {
	if Version != "" && Version != "dev" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return fromBuildInfo(info)
}

func fromBuildInfo(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" && !strings.Contains(v, "+dirty") {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "dev+" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}
