// Package libenettest builds small C programs against the system's libenet
// (libenet-dev, 1.3.17 on Debian) for differential tests of the Go ENet
// implementation.
//
// When gcc, the headers or the library are missing, [Build] skips the test
// with the message "libenet-dev not installed: apt-get install -y
// libenet-dev", unless the environment variable PACKETPEER_INTEROP is
// "require", in which case the test fails instead.
package libenettest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SkipMessage is the message used when libenet cannot be used.
const SkipMessage = "libenet-dev not installed: apt-get install -y libenet-dev"

// Required reports whether PACKETPEER_INTEROP=require is set.
func Required() bool { return os.Getenv("PACKETPEER_INTEROP") == "require" }

func unavailable(t testing.TB, detail string) {
	t.Helper()
	if Required() {
		t.Fatalf("PACKETPEER_INTEROP=require but %s (%s)", SkipMessage, detail)
	}
	t.Skipf("%s (%s)", SkipMessage, detail)
}

// Build writes source to a C file in t.TempDir, compiles it with
// "gcc -O2 x.c -lenet" and returns the executable's path.
func Build(t testing.TB, source string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		unavailable(t, "gcc not found")
	}
	if _, err := os.Stat("/usr/include/enet/enet.h"); err != nil {
		unavailable(t, "/usr/include/enet/enet.h missing")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	bin := filepath.Join(dir, "x")
	if err := os.WriteFile(src, []byte(source), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(gcc, "-O2", "-o", bin, src, "-lenet").CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "enet") && (strings.Contains(string(out), "cannot find") || strings.Contains(string(out), "No such file")) {
			unavailable(t, strings.TrimSpace(string(out)))
		}
		t.Fatalf("building the libenet helper: %v\n%s", err, out)
	}
	return bin
}
