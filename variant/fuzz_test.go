package variant

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds returns the goldenVec vectors and the encoding of every sample
// value for the formats of one Godot major version.
func fuzzSeeds(t testing.TB, major int) [][]byte {
	var seeds [][]byte
	for _, g := range goldenVectors() {
		if g.f.Major == major {
			seeds = append(seeds, codecHex(t, g.hex))
		}
	}
	for _, f := range codecFormats {
		if f.Major != major {
			continue
		}
		for _, v := range codecSamples(f) {
			b, err := Append(nil, v, f)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
		obj := &Object{Class: "Node", Properties: []Property{{"name", "n"}, {"pos", Vector2{1, 2}}}}
		b, _ := Append(nil, []any{obj, ObjectID(3)}, f)
		seeds = append(seeds, b)
	}
	if major == 3 {
		seeds = append(seeds, loadGameState(t)[:4096])
	}
	return seeds
}

// checkDecode is the fuzz property: Decode never panics and fails only with
// a *DecodeError; a decoded value encodes (with Len equal to the encoded
// length) and its encoding is stable under a further decode and encode.
func checkDecode(t *testing.T, data []byte, f Format) {
	for _, allow := range []bool{false, true} {
		dec := Decoder{Format: f, AllowObjects: allow}
		v, n, err := dec.Decode(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(data) {
				t.Fatalf("%v: bad error %v", f, err)
			}
			continue
		}
		if n < 4 || n > len(data) {
			t.Fatalf("%v: n=%d for %d bytes", f, n, len(data))
		}
		enc := Encoder{Format: f}
		b, err := enc.Append(nil, v)
		if err != nil {
			t.Fatalf("%v: decoded %#v does not encode: %v", f, v, err)
		}
		if l, err := enc.Len(v); err != nil || l != len(b) {
			t.Fatalf("%v: Len = %d, %v; encoded %d bytes", f, l, err, len(b))
		}
		v2, n2, err := dec.Decode(b)
		if err != nil || n2 != len(b) {
			t.Fatalf("%v: re-decode of % x: n=%d %v", f, b, n2, err)
		}
		b2, err := enc.Append(nil, v2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("%v: unstable encoding\n% x\n% x (%v)", f, b, b2, err)
		}
	}
}

func FuzzDecodeGodot3(f *testing.F) {
	for _, s := range fuzzSeeds(f, 3) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecode(t, data, Godot3) })
}

func FuzzDecodeGodot4(f *testing.F) {
	for _, s := range fuzzSeeds(f, 4) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, Godot4)
		checkDecode(t, data, Format{Major: 4, Minor: 2})
	})
}

// TestWriteFuzzCorpus regenerates the committed seed files under
// testdata/fuzz when VARIANT_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("VARIANT_WRITE_CORPUS") != "1" {
		t.Skip("set VARIANT_WRITE_CORPUS=1 to rewrite testdata/fuzz seeds")
	}
	for major, name := range map[int]string{3: "FuzzDecodeGodot3", 4: "FuzzDecodeGodot4"} {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range fuzzSeeds(t, major) {
			sum := sha256.Sum256(s)
			file := filepath.Join(dir, "seed-"+hex.EncodeToString(sum[:8]))
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
