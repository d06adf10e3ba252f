package libenettest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// BuildFile compiles the C file at path as [Build] does (skipping or
// failing the same way when libenet is missing) and returns the
// executable's path.
func BuildFile(t testing.TB, path string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Build(t, string(src))
}

// Proc is a C helper running in a child process. Its standard output
// arrives line by line on Lines; its standard error goes to the test's
// standard error. The process is killed, and waited for, when the test
// ends.
type Proc struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{} // closed when the process has exited
	err   error         // set before done is closed
	quit  chan struct{} // closed to discard further output
	once  sync.Once
}

// Start runs bin with args. Lines are buffered (up to 1<<16 before the
// reader blocks), so a test may read them late.
func Start(t testing.TB, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: exec.Command(bin, args...), lines: make(chan string, 1<<16), done: make(chan struct{}), quit: make(chan struct{})}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := bufio.NewScanner(out)
		for s.Scan() {
			select {
			case p.lines <- s.Text():
			case <-p.quit: // nobody reads any more: discard
			}
		}
		close(p.lines)
	}()
	go func() {
		wg.Wait() // Wait must not run before the pipe is drained
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill stops the process (if still running), discards its further output
// and waits for it.
func (p *Proc) kill() {
	p.once.Do(func() { close(p.quit) })
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Lines returns the channel of output lines; it is closed when the
// process closes its standard output (normally, when it exits).
func (p *Proc) Lines() <-chan string { return p.lines }

// Wait waits up to timeout for the process to exit and returns its exit
// error (nil for status 0). On timeout it kills the process and returns
// an error saying so; the output not yet read is then discarded.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("%s: %w after %v", p.cmd.Path, errTimeout, timeout)
	}
}

var errTimeout = errors.New("killed: still running")
