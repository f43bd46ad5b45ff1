package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/reader"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	s := out.String()
	for _, w := range []string{"terminal says: cardholder entering PIN", "terminal says: waiting for the bank",
		"SALE APPROVED   RMB 88.00\n  CARD 622588******6780  UnionPay Debit\n  TRACE 000002  AUTH 000001",
		"VOID APPROVED   RMB -88.00\n  CARD 622588******6780  UnionPay Debit\n  TRACE 000003  REF 000000000002  BATCH 000001  ORIG TRACE 000002",
		"terminal → register:\n  NO TRANSACTIONS TO SETTLE\n  BATCH 000002",
		"every step behaved as expected"} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if strings.Contains(s, "6225880123456780") {
		t.Error("PAN printed in full")
	}
}

// A terminal serving the ECR link on one end of a pseudo-terminal pair,
// the register on the other, opened as a serial port.
func TestSerialRegister(t *testing.T) {
	a, err := acquirer.New(acquirer.Config{PINs: fixtures.CardPINs()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ln)
	defer a.Shutdown(context.Background())
	tmk, _ := fixtures.TestKeys().TMK(fixtures.TerminalID)
	term, err := terminal.Open(terminal.Config{HostAddr: ln.Addr().String(), StateDir: t.TempDir(), TMK: tmk, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer tty.Close()
	cards := func(context.Context) (reader.Card, func(), error) {
		c, err := fixtures.Card("visa_dda")
		return c, func() {}, err
	}
	served := make(chan error, 1)
	go func() {
		served <- term.ServeECR(ctx, ptmx, terminal.ECROptions{Card: cards, PINPad: terminal.PINPad{PIN: "1234"}})
	}()
	serialRun := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"-serial", tty.Name(), "-timeout", "20s"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := serialRun("sale", "150.00")
	if code != 0 || !strings.Contains(out, "SALE APPROVED   RMB 150.00\n  CARD 476173******0010  VISA CREDIT\n  TRACE 000002  AUTH 000001") {
		t.Fatalf("sale: exit %d: %s\n%s", code, errOut, out)
	}
	if code, out, _ = serialRun("void", "999"); code != 1 || !strings.Contains(out, "VOID NO APPROVED SALE WITH TRACE 000999 IN THIS BATCH (code 25: unable to locate original transaction)\n  ORIG TRACE 000999") {
		t.Errorf("void of an unknown trace: exit %d\n%s", code, out)
	}
	if code, out, _ = serialRun("last"); code != 1 || !strings.Contains(out, "LAST TRANSACTION: NO APPROVED SALE WITH TRACE 000999 IN THIS BATCH (code 25") {
		t.Errorf("last: exit %d\n%s", code, out)
	}
	cancel()
	<-served
}

func TestBadArguments(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, "usage: ecr"},
		{nil, 2, "usage: ecr"},
		{[]string{"pay"}, 2, "unknown command"},
		{[]string{"refund", "2"}, 2, "takes 2 argument(s), got 1"},
		{[]string{"complete", "2", "x"}, 2, `amount "x" is not a positive amount`},
		{[]string{"sale"}, 2, "takes 1 argument(s), got 0"},
		{[]string{"sale", "abc"}, 2, `amount "abc" is not a positive amount`},
		{[]string{"sale", "0"}, 2, "is not a positive amount"},
		{[]string{"void", "x"}, 2, `trace "x" is not a number`},
		{[]string{"settle", "now"}, 2, "takes 0 argument(s), got 1"},
		{[]string{"demo", "x"}, 2, "unexpected arguments"},
		{[]string{"-terminal", "127.0.0.1:1", "echo"}, 1, "ecr: echo: dial tcp"},
		{[]string{"-serial", "/nonexistent/tty", "echo"}, 1, "ecr: echo:"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut.String())
		}
	}
}
