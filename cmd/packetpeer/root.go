package main

// The packetpeer command tree.
//
// Adding a command
//
// Each command lives in its own file and registers itself from that file's
// init function, so that nobody has to edit this file (or anyone else's) to
// add one:
//
//	// listen.go
//	package main
//
//	func init() { rootCmd.AddCommand(newListenCmd()) }
//
//	func newListenCmd() *cobra.Command {
//		var port int
//		cmd := &cobra.Command{
//			Use:   "listen [flags]",
//			Short: "Print the Variants that arrive on a UDP port",
//			Args:  noArgs,
//			RunE: func(cmd *cobra.Command, args []string) error {
//				// Read cmd.InOrStdin(), write cmd.OutOrStdout() and
//				// cmd.ErrOrStderr(), never os.Stdin/os.Stdout/os.Stderr,
//				// and use cmd.Context() for cancellation (Ctrl-C cancels it).
//				return nil
//			},
//		}
//		cmd.Flags().IntVar(&port, "port", 7777, "UDP port")
//		return cmd
//	}
//
// A subcommand of an existing group does the same with the group's variable,
// e.g. `func init() { benchCmd.AddCommand(newBenchRelayCmd()) }`. Package-level
// variables are initialised before any init function runs, so rootCmd and
// benchCmd are always ready, whatever the file order.
//
// Rules that keep the commands testable in-process (see run and the tests):
//
//   - Keep flag values in variables captured by the RunE closure (as above),
//     not in package-level variables; run resets every flag to its default
//     before each execution.
//   - Return errors instead of printing them or calling os.Exit: run prints
//     the error as one line, "packetpeer <command>: <message>", on stderr and
//     exits with status 1. Wrap errors caused by wrong arguments in
//     usageError (status 2); flag parsing errors and the argument validators
//     below (noArgs, maxArgs, exactArgs) already do.
//   - Validate arguments with noArgs, maxArgs or exactArgs rather than
//     cobra's own validators, so that their errors are usage errors.
//   - A command that serves until interrupted returns nil when
//     cmd.Context() is cancelled.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/packetpeer/packetpeer/internal/version"
)

// rootCmd is the packetpeer command; command files add themselves to it from
// their init functions (see above).
var rootCmd = newRootCmd()

func newRootCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "packetpeer",
		Short: "Godot's packet networking, in Go",
		Long: `packetpeer speaks Godot's packet networking (Godot 3.2 and 4.x): the
Variant codec, PacketPeer, ENet and the high-level multiplayer protocol.

Use it to inspect and produce Variant bytes, to measure the codec, and to run
dedicated servers, relays and test clients that talk to Godot games.`,
		Version:       version.String(),
		SilenceErrors: true, // run prints errors, as one line
		SilenceUsage:  true, // errors do not dump the usage text
		// No Args validator: cobra then reports an unknown command as
		// such, with suggestions.
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.SetVersionTemplate("packetpeer {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	// Let "packetpeer help" and "--help" work, but keep cobra's shell
	// completion command out of the listing: it is still available as
	// "packetpeer completion bash" etc.
	cmd.CompletionOptions.HiddenDefaultCmd = true
	return cmd
}

// usageError is an error in the command line itself (an unknown flag, a
// missing argument): run reports it with a pointer to --help and exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// noArgs, maxArgs and exactArgs are cobra.PositionalArgs whose errors are
// usage errors.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", args[0])}
	}
	return nil
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usageError{fmt.Errorf("accepts at most %d argument(s), got %d", n, len(args))}
		}
		return nil
	}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("accepts %d argument(s), got %d", n, len(args))}
		}
		return nil
	}
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command failed: invalid input, I/O error, ...
	exitUsage = 2 // the command line is wrong
)

// run executes the command line args (without the program name) with the
// given standard streams and returns the exit status. It is main without the
// process: tests call it directly. It uses the package-level command tree, so
// calls must not overlap.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := rootCmd
	reset(root, ctx)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	defer func() {
		// Drop references to the caller's streams.
		root.SetArgs(nil)
		root.SetIn(nil)
		root.SetOut(nil)
		root.SetErr(nil)
	}()

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if cmd == nil {
		cmd = root
	}
	name := cmd.CommandPath()
	var ue usageError
	switch {
	case errors.As(err, &ue),
		strings.HasPrefix(err.Error(), "unknown command"),
		strings.HasPrefix(err.Error(), "if any flags in the group"): // mutually exclusive flags
		fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", name, oneLine(err.Error()), name)
		return exitUsage
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// Interrupted (Ctrl-C): not a failure of the command, but not success.
		fmt.Fprintf(stderr, "%s: interrupted\n", name)
		return exitError
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
	return exitError
}

// oneLine folds a message onto one line, so that every error is exactly one
// line on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// reset returns every flag of cmd and its subcommands to its default value
// and gives every command the context ctx, as if the process had just
// started, so that run can execute the same command tree more than once.
// (Cobra keeps a subcommand's context from its first execution otherwise.)
func reset(cmd *cobra.Command, ctx context.Context) {
	cmd.SetContext(ctx)
	resetFlag := func(f *pflag.Flag) {
		if f.Changed {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				def := strings.TrimSuffix(strings.TrimPrefix(f.DefValue, "["), "]")
				var vals []string
				if def != "" {
					vals = strings.Split(def, ",")
				}
				_ = sv.Replace(vals)
			} else {
				_ = f.Value.Set(f.DefValue)
			}
			f.Changed = false
		}
	}
	cmd.Flags().VisitAll(resetFlag)
	cmd.PersistentFlags().VisitAll(resetFlag)
	for _, c := range cmd.Commands() {
		reset(c, ctx)
	}
}
