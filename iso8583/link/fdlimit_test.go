//go:build linux

package link

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

const fdChildEnv = "POSSDK_LINK_FD_CHILD"

// TestHostDescriptorExhaustion (issue 23) runs the host in a child
// process (this test binary again) whose descriptor limit (RLIMIT_NOFILE)
// is a few above what it has open, so the kernel's accept really fails
// with EMFILE. A flood of connections exhausts it; the host must keep
// serving and log a warning: the terminal already connected completes a
// sale during the exhaustion, and once the flood goes a second terminal
// connects, signs in and completes a sale. Serve never returns, and the
// issuer's ledger (in the child) shows exactly the three approvals.
func TestHostDescriptorExhaustion(t *testing.T) {
	if os.Getenv(fdChildEnv) == "1" {
		fdChild(t)
		return
	}
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostDescriptorExhaustion$", "-test.count=1")
	cmd.Env = append(os.Environ(), fdChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("host process: %v", err)
		}
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// expect waits for the child's line with prefix (the bound only stops
	// a broken child from hanging the test; nothing is timed).
	var seen []string
	expect := func(prefix string) string {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("host process exited before %q", prefix)
				}
				seen = append(seen, l)
				if rest, ok := strings.CutPrefix(l, prefix); ok {
					return strings.TrimSpace(rest)
				}
			case <-deadline:
				t.Fatalf("no %q from the host process", prefix)
			}
		}
	}
	addr := expect("ADDR ")
	ctx := ctxT(t)

	c1 := fdClient(t, addr, "50080031")
	if err := c1.SignIn(ctx); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if r, err := c1.Sale(ctx, testCard(), 100, mustPIN(t, testPIN)); err != nil || !r.Approved() {
		t.Fatalf("first sale: %v %v", r, err)
	}

	// The flood: more connections than the host has descriptors left.
	var flood []net.Conn
	for range 64 {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			break // the backlog is full: the host is certainly out
		}
		flood = append(flood, nc)
	}
	expect("EMFILE")

	// During the exhaustion: the connected terminal is served.
	if r, err := c1.Sale(ctx, testCard(), 200, mustPIN(t, testPIN)); err != nil || !r.Approved() {
		t.Fatalf("sale while the host is out of descriptors: %v %v", r, err)
	}

	// After it: a new connection from another terminal is accepted.
	for _, nc := range flood {
		nc.Close()
	}
	c2 := fdClient(t, addr, "50080032")
	if err := c2.SignIn(ctx); err != nil {
		t.Fatalf("sign-in after the exhaustion: %v", err)
	}
	if r, err := c2.Sale(ctx, testCard(), 300, mustPIN(t, testPIN)); err != nil || !r.Approved() {
		t.Fatalf("sale after the exhaustion: %v %v", r, err)
	}

	if _, err := fmt.Fprintln(stdin, "check"); err != nil {
		t.Fatal(err)
	}
	if got, want := expect("STATE "), "serving approved=3 amount=600"; got != want {
		t.Fatalf("host state %q, want %q", got, want)
	}
	if !slices.ContainsFunc(seen, func(l string) bool { return strings.Contains(l, "level=WARN") && strings.Contains(l, "accept failed") }) {
		t.Errorf("the host did not log the accept failures: %q", seen)
	}
}

func fdClient(t *testing.T, addr, tid string) *Client {
	f := openTermFiles(t, t.TempDir())
	c, err := NewClient(Config{
		Dialer:   Dialer{Addr: addr},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: tid, MerchantID: "309310083985008", Operator: "001"},
		TMK:      mustKey(t, testTMKHex),
		Journal:  f.j, Counters: f.ctr,
		Timeout: 15 * time.Second, ReversalBackoff: 10 * time.Millisecond,
		Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// emfileListener reports the first EMFILE (or ENFILE) Accept returns.
type emfileListener struct {
	net.Listener
	seen atomic.Bool
}

func (l *emfileListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) && !l.seen.Swap(true) {
		fmt.Println("EMFILE")
	}
	return nc, err
}

// fdChild is the host process: a host on loopback with two terminals
// registered, its descriptor limit lowered once it is listening.
func fdChild(t *testing.T) {
	e := newTestEnv(t, false, nil)
	e.stop()
	e.keys.AddTerminal("50080031", mustKey(t, testTMKHex))
	e.keys.AddTerminal("50080032", mustKey(t, testTMKHex))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The server's warnings go to stdout, where the test looks for them.
	srv := mustServer(t, ServerConfig{Handler: e.host, Logger: slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&emfileListener{Listener: ln}) }()
	defer srv.Close()

	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open descriptors: %v", err)
	}
	// Room for the first terminal and a few of the flood.
	lim := syscall.Rlimit{Cur: uint64(len(open) + 4), Max: uint64(len(open) + 4)}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lim.Max = old.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	fmt.Println("ADDR", ln.Addr())

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() != "check" {
			continue
		}
		state := "serving"
		select {
		case err := <-errc:
			state = fmt.Sprintf("Serve returned %v", err)
		default:
		}
		st := e.issuer.Stats()
		fmt.Printf("STATE %s approved=%d amount=%d\n", state, st.Approved, st.Amount)
	}
}
