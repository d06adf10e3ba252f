package godottest_test

import (
	"fmt"
	"testing"

	"github.com/packetpeer/packetpeer/internal/godottest"
)

// A test runs a GDScript in the real Godot 3.2.3 and reads what it printed.
// RequireGodot3 skips (or, with PACKETPEER_INTEROP=require, fails) when the
// engine is not installed.
func Example() {
	test := func(t *testing.T) {
		godottest.RequireGodot3(t)
		r := godottest.RunGodot3(t, `extends SceneTree
func _init():
	print("HEX ", var2bytes(1).hex_encode())
	quit()
`)
		fmt.Println(r.Prefixed("HEX ")) // [0200000001000000]
	}
	_ = test // called from a TestXxx function: t.Run("godot", test)

	// Result.Prefixed picks the lines a script printed with a marker.
	r := godottest.Result{Lines: []string{"Godot Engine v3.2.3.stable", "HEX 0200000001000000"}}
	fmt.Println(r.Prefixed("HEX "))
	// Output: [0200000001000000]
}
