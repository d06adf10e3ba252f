package main

// decode and encode: one Variant between Godot's binary serialization
// (var2bytes / var_to_bytes, put_var) and typed JSON or Godot's text form.

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/variant"
)

func init() {
	rootCmd.AddCommand(newDecodeCmd())
	rootCmd.AddCommand(newEncodeCmd())
}

// maxInput bounds what decode and encode read: the largest Variant the codec
// accepts by default (variant.DefaultMaxSize), written as base64 or hex text
// with generous whitespace, stays well below it.
const maxInput = 64 << 20

func newDecodeCmd() *cobra.Command {
	var (
		godot        string
		hexIn, b64In bool
		text         bool
		allowObjects bool
	)
	cmd := &cobra.Command{
		Use:   "decode [flags] [FILE]",
		Short: "Print one encoded Variant as typed JSON or Godot text",
		Long: `Decode reads one Variant in Godot's binary serialization (the bytes of
var2bytes / var_to_bytes, or one put_var packet) from FILE, or from standard
input when FILE is absent or "-", and prints it as typed JSON, or with --text
as Godot's text form (var2str / var_to_str), followed by a newline.

With --hex or --base64 the input is text in that encoding; whitespace
anywhere in it is ignored.

On invalid input decode prints one line on standard error, naming the byte
offset where the Variant went wrong and why, and exits with status 1. Bytes
after the Variant are an error too.`,
		Example: `  packetpeer decode --godot 3 --hex <<< 12000000010000000400000001000000610000000200000001000000
  packetpeer decode --text packet.bin
  xxd -p packet.bin | packetpeer decode --hex --godot 4.2`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseGodot(godot)
			if err != nil {
				return err
			}
			src, err := readInput(cmd, args, inputEncoding(hexIn, b64In))
			if err != nil {
				return err
			}
			dec := variant.Decoder{Format: format, AllowObjects: allowObjects}
			v, n, err := dec.Decode(src)
			if err != nil {
				return describeDecodeError(err)
			}
			if n != len(src) {
				return fmt.Errorf("offset %d: %d trailing byte(s) after the Variant", n, len(src)-n)
			}
			var out []byte
			if text {
				out = []byte(variant.FormatText(v, format))
			} else if out, err = variant.MarshalJSON(v); err != nil {
				return err
			}
			out = append(out, '\n')
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&godot, "godot", "4", "Godot version of the wire layout: 3, 4, or 4.N (e.g. 4.2)")
	f.BoolVar(&hexIn, "hex", false, "input is hex text (whitespace ignored)")
	f.BoolVar(&b64In, "base64", false, "input is base64 text (standard or URL alphabet, whitespace ignored)")
	f.BoolVar(&text, "text", false, "print Godot's text form (var2str / var_to_str) instead of typed JSON")
	f.BoolVar(&allowObjects, "allow-objects", false, "accept full Objects (Godot's allow_objects); they are printed, never instantiated")
	cmd.MarkFlagsMutuallyExclusive("hex", "base64")
	return cmd
}

func newEncodeCmd() *cobra.Command {
	var (
		godot          string
		hexOut, b64Out bool
	)
	cmd := &cobra.Command{
		Use:   "encode [flags] [FILE]",
		Short: "Encode one Variant from typed JSON",
		Long: `Encode reads one Variant as typed JSON (the form decode prints) from FILE,
or from standard input when FILE is absent or "-", and writes its bytes in
Godot's binary serialization (what bytes2var / bytes_to_var and get_var read).

The bytes are written raw, or with --hex or --base64 as one line of text.
On error encode prints one line on standard error and exits with status 1.`,
		Example: `  packetpeer decode --godot 3 --hex <<< 12000000010000000400000001000000610000000200000001000000 |
    packetpeer encode --godot 3 --hex
  packetpeer encode --godot 4.2 value.json > packet.bin`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseGodot(godot)
			if err != nil {
				return err
			}
			data, err := readInput(cmd, args, rawInput)
			if err != nil {
				return err
			}
			v, err := variant.UnmarshalJSON(data)
			if err != nil {
				return err
			}
			enc := variant.Encoder{Format: format}
			b, err := enc.Append(nil, v)
			if err != nil {
				return err
			}
			switch {
			case hexOut:
				b = append([]byte(hex.EncodeToString(b)), '\n')
			case b64Out:
				b = append([]byte(base64.StdEncoding.EncodeToString(b)), '\n')
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&godot, "godot", "4", "Godot version of the wire layout: 3, 4, or 4.N (e.g. 4.2)")
	f.BoolVar(&hexOut, "hex", false, "write the bytes as one line of hex")
	f.BoolVar(&b64Out, "base64", false, "write the bytes as one line of standard base64")
	cmd.MarkFlagsMutuallyExclusive("hex", "base64")
	return cmd
}

// parseGodot parses a --godot value; a bad one is a usage error.
func parseGodot(s string) (variant.Format, error) {
	f, err := variant.ParseFormat(s)
	if err != nil {
		return f, usageError{fmt.Errorf("--godot %q: want 3, 4 or 4.N (e.g. 4.2)", s)}
	}
	return f, nil
}

// describeDecodeError turns a codec error into the one-line message decode
// prints: "offset N: reason (ERR_...)".
func describeDecodeError(err error) error {
	var de *variant.DecodeError
	if errors.As(err, &de) {
		if de.Err != nil {
			return fmt.Errorf("offset %d: %s (%v)", de.Offset, de.Reason, de.Err)
		}
		return fmt.Errorf("offset %d: %s", de.Offset, de.Reason)
	}
	return err
}

// encoding of the input text.
type encoding int

const (
	rawInput encoding = iota
	hexInput
	base64Input
)

func inputEncoding(hexIn, b64In bool) encoding {
	switch {
	case hexIn:
		return hexInput
	case b64In:
		return base64Input
	}
	return rawInput
}

// readInput reads FILE (args[0]) or, when there is no argument or it is "-",
// the command's standard input, and decodes it from hex or base64 text if
// asked to.
func readInput(cmd *cobra.Command, args []string, enc encoding) ([]byte, error) {
	var r io.Reader = cmd.InOrStdin()
	name := "standard input"
	if len(args) > 0 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, name = f, args[0]
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxInput)
	}
	switch enc {
	case hexInput:
		return decodeHexText(data)
	case base64Input:
		return decodeBase64Text(data)
	}
	return data, nil
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// decodeHexText decodes hex digits, ignoring whitespace anywhere. Errors name
// the offset in the text.
func decodeHexText(text []byte) ([]byte, error) {
	out := make([]byte, 0, len(text)/2)
	var hi byte
	half := false
	for i, c := range text {
		if isSpace(c) {
			continue
		}
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return nil, fmt.Errorf("hex input: offset %d: invalid character %q", i, rune(c))
		}
		if half {
			out = append(out, hi<<4|d)
		} else {
			hi = d
		}
		half = !half
	}
	if half {
		return nil, fmt.Errorf("hex input: odd number of hex digits (the last byte is incomplete)")
	}
	return out, nil
}

// decodeBase64Text decodes base64 in the standard or URL alphabet, padded or
// not, ignoring whitespace anywhere. Errors name the offset in the text.
func decodeBase64Text(text []byte) ([]byte, error) {
	compact := make([]byte, 0, len(text))
	for _, c := range text {
		if !isSpace(c) {
			compact = append(compact, c)
		}
	}
	urlAlphabet := false
	padded := len(compact) > 0 && compact[len(compact)-1] == '='
	for _, c := range compact {
		if c == '-' || c == '_' {
			urlAlphabet = true
			break
		}
	}
	var enc *base64.Encoding
	switch {
	case urlAlphabet && padded:
		enc = base64.URLEncoding
	case urlAlphabet:
		enc = base64.RawURLEncoding
	case padded:
		enc = base64.StdEncoding
	default:
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(compact)))
	n, err := enc.Decode(out, compact)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("base64 input: offset %d: invalid base64 data", textOffset(text, int(ce)))
		}
		return nil, fmt.Errorf("base64 input: %v", err)
	}
	return out[:n], nil
}

// textOffset returns the offset in text of its k-th non-space byte (or the end).
func textOffset(text []byte, k int) int {
	for i, c := range text {
		if isSpace(c) {
			continue
		}
		if k == 0 {
			return i
		}
		k--
	}
	return len(text)
}
