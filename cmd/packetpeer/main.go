// Command packetpeer is the command-line face of packetpeer, Godot's packet
// networking in Go: it decodes and encodes Godot Variants, benchmarks the
// codec, and (as the project grows) runs servers, relays and test clients
// that speak a Godot game's protocol.
//
// Run "packetpeer --help" for the commands, and "packetpeer <command> --help"
// for each one.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
