package variant_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/packetpeer/packetpeer/variant"
)

// words prints bytes as 4-byte groups, the way the wire format is laid out.
func words(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%x", b[i:min(i+4, len(b))])
	}
	return sb.String()
}

type Player struct {
	Name  string          `godot:"name"`
	HP    uint8           `godot:"hp"`
	Pos   variant.Vector2 `godot:"pos"`
	Notes string          `godot:"notes,omitempty"`
}

// Marshal a struct for a Godot 4 peer, which receives it as the Dictionary
// {"name": "Ann", "hp": 90, "pos": Vector2(1, 2)}, and read it back.
func Example() {
	b, err := variant.Marshal(Player{Name: "Ann", HP: 90, Pos: variant.Vector2{X: 1, Y: 2}})
	if err != nil {
		panic(err)
	}
	fmt.Println(words(b))

	var p Player
	if err := variant.Unmarshal(b, &p); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", p)
	// Output:
	// 1b000000 03000000 04000000 04000000 6e616d65 04000000 03000000 416e6e00 04000000 02000000 68700000 02000000 5a000000 04000000 03000000 706f7300 05000000 0000803f 00000040
	// {Name:Ann HP:90 Pos:{X:1 Y:2} Notes:}
}

// Decode bytes written by Godot 3.2's var2bytes({"a": 1}) into the Go
// representation of the Variant.
func ExampleDecode() {
	b := []byte{
		0x12, 0, 0, 0, // Dictionary (3.2 id 18)
		1, 0, 0, 0, // one entry
		4, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 0, 0, // String "a", padded to 4
		2, 0, 0, 0, 1, 0, 0, 0, // int 1
	}
	v, n, err := variant.Decode(b, variant.Godot3)
	if err != nil {
		panic(err)
	}
	d := v.(*variant.Dictionary)
	a, _ := d.Get("a")
	fmt.Printf("%d bytes, %d entry, a = %v (%T)\n", n, d.Len(), a, a)
	// Output:
	// 28 bytes, 1 entry, a = 1 (int64)
}

// The same value in Godot 3.2's and Godot 4's layouts: the type ids of
// Dictionary, Vector3 and PackedInt32Array (3.2: PoolIntArray) differ.
func ExampleMarshal_godot3() {
	v := map[string]any{"at": variant.Vector3{X: 1, Y: 2, Z: 3}, "ids": []int32{7}}
	for _, f := range []variant.Format{variant.Godot3, variant.Godot4} {
		b, err := variant.Marshal(v, f)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: %s\n", f, words(b))
	}
	// Output:
	// 3.2: 12000000 02000000 04000000 02000000 61740000 07000000 0000803f 00000040 00004040 04000000 03000000 69647300 15000000 01000000 07000000
	// 4.4: 1b000000 02000000 04000000 02000000 61740000 09000000 0000803f 00000040 00004040 04000000 03000000 69647300 1e000000 01000000 07000000
}

// Godot 3.2 has no 64-bit packed arrays: []int64 becomes an Array of ints.
func ExampleMarshal_int64Slice() {
	for _, f := range []variant.Format{variant.Godot3, variant.Godot4} {
		b, _ := variant.Marshal([]int64{1, 1 << 40}, f)
		fmt.Printf("%v: %s\n", f, words(b))
	}
	// Output:
	// 3.2: 13000000 02000000 02000000 01000000 02000100 00000000 00010000
	// 4.4: 1f000000 02000000 01000000 00000000 00000000 00010000
}

// MarshalAppend reuses one buffer for every packet.
func ExampleMarshalAppend() {
	type Move struct {
		Tick uint32          `godot:"tick"`
		To   variant.Vector2 `godot:"to"`
	}
	buf := make([]byte, 0, 256)
	for tick := uint32(1); tick <= 2; tick++ {
		var err error
		buf, err = variant.MarshalAppend(buf[:0], Move{Tick: tick, To: variant.Vector2{X: 0.5, Y: 0.25}})
		if err != nil {
			panic(err)
		}
		fmt.Println(words(buf)) // send buf
	}
	// Output:
	// 1b000000 02000000 04000000 04000000 7469636b 02000000 01000000 04000000 02000000 746f0000 05000000 0000003f 0000803e
	// 1b000000 02000000 04000000 04000000 7469636b 02000000 02000000 04000000 02000000 746f0000 05000000 0000003f 0000803e
}

// Unmarshal names the Go path of a value that does not fit.
func ExampleUnmarshal_error() {
	type Game struct {
		Players []Player `godot:"players"`
	}
	d := variant.NewDictionary(1)
	d.Set("players", []any{d2("name", "Ann"), d2("name", variant.Vector2{})})
	b, _ := variant.Append(nil, d)

	var g Game
	err := variant.Unmarshal(b, &g)
	fmt.Println(err)
	fmt.Println(errors.Is(err, variant.ErrInvalidData))
	// Output:
	// variant: players[1].name: cannot unmarshal Vector2 into string (ERR_INVALID_DATA)
	// true
}

func d2(k string, v any) *variant.Dictionary {
	d := variant.NewDictionary(1)
	d.Set(k, v)
	return d
}

// Decode a packet and show it as Godot prints it and as typed JSON.
func Example_textForms() {
	b, _ := variant.Marshal(map[string]any{"hp": 90, "pos": variant.Vector2{X: 1, Y: 2}})
	v, _, err := variant.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(variant.FormatText(v, variant.Godot4))
	j, _ := variant.MarshalJSON(v)
	fmt.Println(string(j))
	// Output:
	// {
	// "hp": 90,
	// "pos": Vector2(1, 2)
	// }
	// {"type":"Dictionary","value":[["hp",{"type":"int","value":90}],["pos",{"type":"Vector2","value":[1.0,2.0]}]]}
}
