package acquirer

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583/link"
)

// scanChildEnv carries "deadline|dir|addr" to the subprocess terminal.
const scanChildEnv = "ACQUIRER_SCAN_CHILD"

// TestScanChild is the subprocess of the SIGKILL tests: a terminal on the
// state in dir that starts a scan sale and is killed by the parent before
// it ends.
func TestScanChild(t *testing.T) {
	spec := os.Getenv(scanChildEnv)
	if spec == "" {
		t.Skip("run as a subprocess by TestScanKilled*")
	}
	parts := strings.SplitN(spec, "|", 3)
	if len(parts) != 3 {
		t.Fatalf("bad %s", scanChildEnv)
	}
	deadline, err := time.ParseDuration(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, parts[1], parts[2], link.ScanProfile{})
	opt := link.ScanOptions{Deadline: deadline, FirstPoll: 20 * time.Millisecond, MaxPoll: 50 * time.Millisecond}
	tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 6600, opt)
	t.Fatal("the scan ended; the parent should have killed us")
}

// startChild runs the subprocess terminal on e's state.
func startChild(t *testing.T, e *scanEnv, deadline time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestScanChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), scanChildEnv+"="+deadline.String()+"|"+e.dir+"|"+e.addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// waitFor polls cond (the wallet's ledger, filled by the child's
// requests) for up to 30 s: the machine may be loaded.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: nothing of the child's runs after it
		t.Fatal(err)
	}
	cmd.Wait()
}

// Rule: a terminal killed (SIGKILL) while polling cancels the order when
// it is restarted; the wallet's ledger and the terminal's batch agree and
// nothing is charged.
func TestScanKilledDuringPolling(t *testing.T) {
	if os.Getenv(scanChildEnv) != "" {
		t.Skip("in the subprocess")
	}
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour}))
	child := startChild(t, e, time.Hour)
	waitFor(t, "two queries", func() bool {
		for _, o := range e.gw.Ledger() {
			return o.Polls >= 2
		}
		return false
	})
	kill(t, child)
	tm := e.open() // the restart: sign-in sends the cancel
	if n := tm.c.Pending(); n != 0 {
		t.Fatalf("%d pending after restart", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletClosed {
			t.Errorf("wallet: %s", o.Status)
		}
	}
	e.agree(tm)
}

// Rule: a terminal killed while its cancel is in flight (the wallet has
// cancelled, the answer has not arrived) sends the cancel again after the
// restart; the wallet's cancel is idempotent, and a customer who paid as
// the terminal gave up is refunded, never shown approved.
func TestScanKilledDuringCancel(t *testing.T) {
	if os.Getenv(scanChildEnv) != "" {
		t.Skip("in the subprocess")
	}
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PaysAtCancel: true}))
	e.holdCancels.Store(true)
	child := startChild(t, e, 100*time.Millisecond)
	select {
	case <-e.cancelSeen:
	case <-time.After(30 * time.Second):
		t.Fatal("no cancel from the child")
	}
	kill(t, child)
	e.holdCancels.Store(false) // the restart's cancel is answered
	close(e.hold)
	tm := e.open()
	if n := tm.c.Pending(); n != 0 {
		t.Fatalf("%d pending after restart", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletRefunded || o.Cancels != 2 {
			t.Errorf("wallet: %s after %d cancels (want refunded after 2)", o.Status, o.Cancels)
		}
	}
	e.agree(tm)
}
