package link

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

// crashEnv carries "mode|dir|addr" to the subprocess terminal.
const crashEnv = "LINK_CRASH_TERMINAL"

const crashTID = "50089999"

// TestCrashTerminal is the subprocess of TestCrashReversal: a terminal
// whose files live in dir. Mode "sale" signs in and starts a sale that the
// parent kills it during; mode "resume" signs in (which sends the pending
// reversal), makes one sale and prints its STAN.
func TestCrashTerminal(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("run as a subprocess by TestCrashReversal")
	}
	parts := strings.SplitN(spec, "|", 3)
	if len(parts) != 3 {
		t.Fatalf("bad %s", crashEnv)
	}
	mode, dir, addr := parts[0], parts[1], parts[2]
	f := openTermFiles(t, dir)
	c, err := NewClient(Config{
		Dialer:   Dialer{Addr: addr},
		Terminal: iso8583.Terminal{TerminalID: crashTID, MerchantID: "309310083985008"},
		TMK:      mustKey(t, testTMKHex),
		Journal:  f.j, Counters: f.ctr,
		Timeout: time.Minute, ReversalBackoff: 10 * time.Millisecond, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "sale":
		fmt.Println("SALE")
		c.Sale(ctx, testCard(), 88800, mustPIN(t, testPIN)) // killed while waiting
		t.Fatal("the sale was answered; the parent should have killed us")
	case "resume":
		r, err := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
		if err != nil || !r.Approved() {
			t.Fatalf("sale after restart: %v", err)
		}
		fmt.Printf("RESULT stan=%d pending=%d\n", r.Request.STAN, f.pending())
	}
}

// TestCrashReversal kills a terminal process (SIGKILL) after its sale
// reached the host and before the response, restarts it, and checks that
// the reversal is delivered exactly once and no STAN is reused.
func TestCrashReversal(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the subprocess")
	}
	arrived := make(chan uint32, 1)
	var mu sync.Mutex
	reversed := map[uint32]int{}
	var sales []uint32
	e := newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, stan := frameKind(frame)
			resp := h.ServeFrame(ctx, frame) // the host approves and books it
			mu.Lock()
			switch mti {
			case "0400":
				reversed[stan]++
			case "0200":
				sales = append(sales, stan)
				if len(sales) == 1 {
					mu.Unlock()
					arrived <- stan
					<-ctx.Done() // the response never leaves
					return nil
				}
			}
			mu.Unlock()
			return resp
		})
	})
	e.keys.AddTerminal(crashTID, mustKey(t, testTMKHex))
	dir := t.TempDir()
	run := func(mode string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashTerminal$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), crashEnv+"="+mode+"|"+dir+"|"+e.addr)
		return cmd
	}

	first := run("sale")
	out, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // drain the child's output so it never blocks on a pipe
		sc := bufio.NewScanner(out)
		for sc.Scan() {
		}
	}()
	var stan uint32
	select {
	case stan = <-arrived:
	case <-time.After(30 * time.Second):
		first.Process.Kill()
		t.Fatal("the subprocess sale never reached the host")
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	first.Wait()

	second := run("resume")
	b, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("restarted terminal: %v\n%s", err, b)
	}
	var newSTAN, pending int
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "RESULT ") {
			fmt.Sscanf(line, "RESULT stan=%d pending=%d", &newSTAN, &pending)
		}
	}
	if newSTAN == 0 {
		t.Fatalf("no result from the restarted terminal:\n%s", b)
	}
	mu.Lock()
	defer mu.Unlock()
	if reversed[stan] != 1 || len(reversed) != 1 {
		t.Errorf("reversals received %v, want exactly one for STAN %d", reversed, stan)
	}
	if uint32(newSTAN) <= stan {
		t.Errorf("STAN %d after restart does not follow %d (reused?)", newSTAN, stan)
	}
	for _, s := range sales[1:] {
		if s == stan {
			t.Errorf("STAN %d sent twice", stan)
		}
	}
	if pending != 0 {
		t.Errorf("%d reversals pending after restart", pending)
	}
	if st := e.issuer.Stats(); st.Reversed != 1 || st.Amount != 100 {
		t.Errorf("issuer %+v: the killed sale is not undone exactly once", st)
	}
	if tot := e.host.Totals(crashTID, 1); tot.DebitCount != 1 || tot.DebitAmount != 100 {
		t.Errorf("host totals %+v, want only the sale after restart", tot)
	}
}
