package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/reader"
	framed "github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/link/ecr"
)

// demo runs the acquirer, a terminal serving the ECR link on loopback TCP,
// and the register, which rings up: echo, a sale with the UnionPay test
// card and its PIN, the last-transaction query, a void of the sale, and
// settlement. Each answer is checked.
func demo(ctx context.Context, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "ecr: demo:", err)
		return 1
	}
	// Register and terminal print to the same window from two goroutines.
	stdout = &cli.SyncWriter{W: stdout}
	keys := fixtures.TestKeys()
	acq, err := acquirer.New(acquirer.Config{Keys: keys, PINs: fixtures.CardPINs()})
	if err != nil {
		return fail(err)
	}
	hostLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	hostDone := make(chan struct{})
	go func() { defer close(hostDone); _ = acq.Serve(hostLn) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = acq.Shutdown(sctx)
		<-hostDone
	}()

	dir, err := os.MkdirTemp("", "possdk-ecr-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	tmk, err := keys.TMK(fixtures.TerminalID)
	if err != nil {
		return fail(err)
	}
	// The terminal's own lines go to the same window, indented.
	term, err := terminal.Open(terminal.Config{HostAddr: hostLn.Addr().String(), StateDir: dir, TMK: tmk,
		Timeout: 2 * time.Second, Out: indent{stdout}, Receipts: io.Discard})
	if err != nil {
		return fail(err)
	}
	defer term.Close()
	if err := term.SignIn(ctx); err != nil {
		return fail(err)
	}

	profile, err := fixtures.Profile("unionpay_sda")
	if err != nil {
		return fail(err)
	}
	cards := func(context.Context) (reader.Card, func(), error) {
		c, err := fixtures.Card("unionpay_sda")
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	}
	// The cable between till and terminal: loopback TCP, as in a till
	// that reaches its terminal over the shop's network.
	ecrLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	defer ecrLn.Close()
	a, err := net.Dial("tcp", ecrLn.Addr().String())
	if err != nil {
		return fail(err)
	}
	b, err := ecrLn.Accept()
	if err != nil {
		a.Close()
		return fail(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- term.ServeECR(sctx, b, terminal.ECROptions{Card: cards, PINPad: terminal.PINPad{PIN: profile.PIN}})
	}()
	defer func() {
		stop()
		a.Close()
		<-served
	}()
	l := framed.New(a, framed.Config{})
	defer l.Close()
	c := ecr.NewClient(l, ecr.ClientConfig{})

	ok := true
	n := 0
	step := func(cmd string, args []string, want func(*ecr.Response) bool) *ecr.Response {
		req, err := request(cmd, args)
		if err != nil {
			ok = false
			fmt.Fprintln(stdout, "  ✗", err)
			return nil
		}
		n++
		req.Ref = fmt.Sprintf("TILL1-%d-%s", n, cmd)
		resp, err := ring(ctx, c, req, 30*time.Second, stdout)
		if err != nil {
			ok = false
			fmt.Fprintf(stdout, "  ✗ %v\n", err)
			return nil
		}
		if !want(resp) {
			ok = false
			fmt.Fprintln(stdout, "  ✗ not the answer expected")
			return resp
		}
		fmt.Fprintln(stdout, "  ✓")
		return resp
	}
	approved := func(r *ecr.Response) bool { return r.Approved() }
	step("echo", nil, approved)
	sale := step("sale", []string{"88.00"}, func(r *ecr.Response) bool {
		return r.Approved() && r.Amount == 8800 && r.MaskedPAN == "622588******6780" && r.Trace != ""
	})
	step("last", nil, func(r *ecr.Response) bool { return sale != nil && r.Approved() && r.Trace == sale.Trace })
	if sale != nil {
		step("void", []string{sale.Trace}, approved)
	}
	// The sale and its void cancel out: the batch is settled with zero
	// totals. A second settlement finds the batch empty and sends nothing.
	step("settle", nil, func(r *ecr.Response) bool {
		return r.Approved() && r.Text == "SETTLED: 0 SALE(S) RMB 0.00, 0 REFUND(S) RMB 0.00, BALANCED"
	})
	step("settle", nil, func(r *ecr.Response) bool { return r.Approved() && r.Text == "NO TRANSACTIONS TO SETTLE" })
	if !ok {
		fmt.Fprintln(stdout, "SOME STEPS FAILED")
		return 1
	}
	fmt.Fprintln(stdout, "every step behaved as expected")
	return 0
}

// indent prefixes the terminal's lines so the register's stand out.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(i.w, "    [terminal] %s", p); err != nil {
		return 0, err
	}
	return len(p), nil
}
