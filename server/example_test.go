package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/server"
)

// A chat server on loopback, and one Godot 3.2-dialect Go client that
// says hello and reads its own message back.
func Example() {
	srv, err := server.New(server.Config{
		Godot3Addr: "127.0.0.1:0",
		Godot4Addr: "127.0.0.1:0",
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer srv.Shutdown(ctx)

	c, err := server.DialChat(ctx, srv.Addr(multiplayer.Godot3).String(), multiplayer.Godot3, "ada")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Say("hello"); err != nil {
		fmt.Println(err)
		return
	}
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		if ev.Chat != nil {
			fmt.Printf("%s: %s (from me: %v)\n", ev.Chat.Name, ev.Chat.Text, ev.Chat.From == c.ID())
			return
		}
	}
	// Output: ada: hello (from me: true)
}
