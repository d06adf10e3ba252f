package main

// bench: measurements from the command line. "bench codec" is here; other
// files add "bench <thing>" with func init() { benchCmd.AddCommand(...) }.

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/packetpeer/packetpeer/variant"
)

// benchCmd groups the benchmarks.
var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Measure packetpeer's speed",
	Long:  `Bench runs measurements; see its commands.`,
	Args:  noArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		return cmd.Help()
	},
}

func init() {
	rootCmd.AddCommand(benchCmd)
	benchCmd.AddCommand(newBenchCodecCmd())
}

// defaultBenchReps is the number of repetitions of Godot's anchor script
// (scripts/bench-codec.sh), so that the two measure the same thing.
const defaultBenchReps = 300

func newBenchCodecCmd() *cobra.Command {
	var (
		godot        string
		reps         int
		hexIn, b64In bool
		allowObjects bool
	)
	cmd := &cobra.Command{
		Use:   "codec [flags] FILE",
		Short: "Time encoding and decoding one Variant",
		Long: `Bench codec decodes the Variant in FILE (Godot's binary serialization, or
hex/base64 text with --hex/--base64), then times encoding that value --reps
times (reusing one buffer) and decoding FILE's bytes --reps times.

It prints the payload size and the repetitions, then, as its last line,
the throughput in MB/s (10^6 bytes of encoded Variant per second):

  encode_MBps=812.4 decode_MBps=655.0

scripts/bench-codec.sh compares these with the same measurement made by Godot
itself (var2bytes / bytes2var in a loop of the same length).`,
		Example: `  packetpeer bench codec --godot 3 --reps 1000 testdata/big.bin`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseGodot(godot)
			if err != nil {
				return err
			}
			if reps < 1 {
				return usageError{fmt.Errorf("--reps %d: want at least 1", reps)}
			}
			src, err := readInput(cmd, args, inputEncoding(hexIn, b64In))
			if err != nil {
				return err
			}
			// The file may be larger than the codec's default safety limit;
			// a benchmark measures the codec, not the limit.
			dec := variant.Decoder{Format: format, AllowObjects: allowObjects, MaxSize: -1}
			enc := variant.Encoder{Format: format}
			v, n, err := dec.Decode(src)
			if err != nil {
				return describeDecodeError(err)
			}
			if n != len(src) {
				return fmt.Errorf("offset %d: %d trailing byte(s) after the Variant", n, len(src)-n)
			}
			// Encode once, untimed: it checks that the value encodes and
			// sizes the buffer that the timed loop reuses.
			buf, err := enc.Append(nil, v)
			if err != nil {
				return err
			}
			encSize := len(buf)

			start := time.Now()
			for range reps {
				if buf, err = enc.Append(buf[:0], v); err != nil {
					return err
				}
			}
			encTime := time.Since(start)

			start = time.Now()
			for range reps {
				if _, _, err = dec.Decode(src); err != nil {
					return describeDecodeError(err)
				}
			}
			decTime := time.Since(start)

			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "godot=%s\n", format)
			fmt.Fprintf(out, "payload_bytes=%d\n", len(src))
			if encSize != len(src) {
				// e.g. a 4.1 file benchmarked as 4.4: same value, other layout.
				fmt.Fprintf(out, "encoded_bytes=%d\n", encSize)
			}
			fmt.Fprintf(out, "reps=%d\n", reps)
			fmt.Fprintf(out, "encode_ns_per_op=%d decode_ns_per_op=%d\n",
				encTime.Nanoseconds()/int64(reps), decTime.Nanoseconds()/int64(reps))
			_, err = fmt.Fprintf(out, "encode_MBps=%.1f decode_MBps=%.1f\n",
				mbps(encSize, reps, encTime), mbps(len(src), reps, decTime))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&godot, "godot", "4", "Godot version of the wire layout: 3, 4, or 4.N (e.g. 4.2)")
	f.IntVar(&reps, "reps", defaultBenchReps, "repetitions of each of encode and decode")
	f.BoolVar(&hexIn, "hex", false, "FILE is hex text (whitespace ignored)")
	f.BoolVar(&b64In, "base64", false, "FILE is base64 text (whitespace ignored)")
	f.BoolVar(&allowObjects, "allow-objects", false, "accept full Objects in FILE")
	cmd.MarkFlagsMutuallyExclusive("hex", "base64")
	return cmd
}

// mbps is the throughput of reps passes over size bytes in d, in 10^6 bytes
// per second. A too-short d counts as 1ns, so that the result is finite.
func mbps(size, reps int, d time.Duration) float64 {
	if d <= 0 {
		d = 1
	}
	return float64(size) * float64(reps) / d.Seconds() / 1e6
}
