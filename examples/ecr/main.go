// Command ecr is a cash register (收银台) that drives a payment terminal
// over the ECR link (reader/link/ecr on the framed link of reader/link):
// over TCP to a terminal started with go run ./examples/terminal ecr, or
// over a serial port.
//
//	go run ./examples/ecr demo                              # host, terminal and register in one process
//	go run ./examples/ecr -terminal 127.0.0.1:6000 sale 88.00
//	go run ./examples/ecr -serial /dev/ttyUSB0 last
//
// Statuses from the terminal (insert card, PIN, online) are printed as they
// come. A sale or void is never re-sent: if its answer is lost, ask "last".
// The exit status is 0 when the terminal approved.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/qr"
	framed "github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/link/ecr"
	"github.com/possdk/pos/reader/serial"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: ecr [flags] <command> [arguments]

Commands:
  demo           start a host and a terminal in this process and ring up a day at the till
  sale AMOUNT    ask the terminal for a sale, e.g. sale 88.00
  void TRACE     void the sale (or pre-authorisation, completion) with that trace number
  refund TRACE AMOUNT
                 refund AMOUNT of the sale with that trace number
  balance        balance inquiry
  preauth AMOUNT pre-authorisation
  complete TRACE AMOUNT
                 complete the pre-authorisation with that trace number
  settle         settle the terminal's batch
  last           the terminal's last money-moving answer (after a lost answer)
  reprint        reprint the last slip
  echo | signin

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ecr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("terminal", "127.0.0.1:6000", "terminal's ECR address (TCP)")
	port := fs.String("serial", "", "serial port to the terminal instead of TCP, e.g. /dev/ttyUSB0")
	baud := fs.Int("baud", 9600, "serial speed")
	timeout := fs.Duration("timeout", 90*time.Second, "how long to wait for the terminal's answer")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ecr: %s: %v\n", cmd, err)
		return code
	}
	if cmd == "demo" {
		if len(rest) > 0 {
			return fail(2, fmt.Errorf("unexpected arguments %q", rest))
		}
		return demo(ctx, stdout, stderr)
	}
	req, err := request(cmd, rest)
	if err != nil {
		return fail(2, err)
	}
	var rw io.ReadWriteCloser
	if *port != "" {
		rw, err = serial.Open(*port, serial.Config{BaudRate: *baud})
	} else {
		var d net.Dialer
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		rw, err = d.DialContext(dctx, "tcp", *addr)
		cancel()
	}
	if err != nil {
		return fail(1, err)
	}
	l := framed.New(rw, framed.Config{})
	defer l.Close()
	resp, err := ring(ctx, ecr.NewClient(l, ecr.ClientConfig{}), req, *timeout, stdout)
	if err != nil {
		return fail(1, err)
	}
	if !resp.Approved() {
		return 1
	}
	return 0
}

// request builds the register's request for a command line.
func request(cmd string, rest []string) (*ecr.Request, error) {
	// The register's reference: unique per request, echoed in every answer.
	req := &ecr.Request{Ref: strconv.FormatInt(time.Now().UnixNano()%1e12, 36), Operator: "01"}
	want := 0
	switch cmd {
	case "sale":
		want = 1
		req.Command, req.Currency = ecr.Sale, 156
	case "void":
		want = 1
		req.Command = ecr.Void
	case "refund":
		want = 2
		req.Command, req.Currency = ecr.Refund, 156
	case "complete":
		want = 2
		req.Command, req.Currency = ecr.PreAuthCompletion, 156
	case "preauth":
		want = 1
		req.Command, req.Currency = ecr.PreAuth, 156
	case "balance":
		req.Command = ecr.Balance
	case "settle":
		req.Command = ecr.Settlement
	case "last":
		req.Command = ecr.LastTransaction
	case "reprint":
		req.Command = ecr.Reprint
	case "echo":
		req.Command = ecr.Echo
	case "signin":
		req.Command = ecr.SignIn
	default:
		return nil, fmt.Errorf("unknown command (sale, void, refund, balance, preauth, complete, settle, last, reprint, echo, signin, demo)")
	}
	if len(rest) != want {
		return nil, fmt.Errorf("takes %d argument(s), got %d", want, len(rest))
	}
	amount := func(s string) error {
		a, err := qr.ParseAmount(s, 2)
		if err != nil || a <= 0 {
			return fmt.Errorf("amount %q is not a positive amount like 88.00", s)
		}
		req.Amount = a
		return nil
	}
	switch cmd {
	case "sale", "preauth":
		if err := amount(rest[0]); err != nil {
			return nil, err
		}
	case "void", "refund", "complete":
		if n, err := strconv.Atoi(rest[0]); err != nil || n <= 0 || n > 999999 {
			return nil, fmt.Errorf("trace %q is not a number of 1 to 6 digits", rest[0])
		}
		req.OrigTrc = fmt.Sprintf("%06s", rest[0])
		if len(rest) == 2 {
			if err := amount(rest[1]); err != nil {
				return nil, err
			}
		}
	}
	return req, nil
}

// ring sends one request and prints the statuses and the answer.
func ring(ctx context.Context, c *ecr.Client, req *ecr.Request, timeout time.Duration, out io.Writer) (*ecr.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintf(out, "register → terminal: %s ref %s", req.Command, req.Ref)
	if req.Amount > 0 {
		fmt.Fprintf(out, " amount %d.%02d", req.Amount/100, req.Amount%100)
	}
	if req.OrigTrc != "" {
		fmt.Fprintf(out, " trace %s", req.OrigTrc)
	}
	fmt.Fprintln(out)
	resp, err := c.Do(ctx, req, func(s ecr.Status) {
		fmt.Fprintf(out, "  terminal says: %s\n", statusWords(s.Code))
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(out, "terminal → register:")
	for _, l := range display(req, resp) {
		fmt.Fprintln(out, "  "+l)
	}
	return resp, nil
}

// display is the answer as the register's customer-facing display shows
// it: what happened and the amount on the first line, then the card, then
// the references a cashier reads back (trace, auth code, reference number,
// batch).
func display(req *ecr.Request, r *ecr.Response) []string {
	head := r.Text
	if head == "" {
		head = "APPROVED"
		if !r.Approved() {
			head = "NOT APPROVED"
		}
	}
	if !r.Approved() {
		why := "code " + r.Result
		if m := resultMeaning(r.Result); m != "" && !strings.Contains(strings.ToUpper(head), strings.ToUpper(m)) {
			why += ": " + m
		}
		head += " (" + why + ")"
	}
	credit := false
	switch req.Command {
	case ecr.Sale:
		head = "SALE " + head
	case ecr.Void:
		head, credit = "VOID "+head, true
	case ecr.Refund:
		head, credit = "REFUND "+head, true
	case ecr.PreAuth:
		head = "PRE-AUTH " + head
	case ecr.PreAuthCompletion:
		head = "AUTH COMPLETE " + head
	case ecr.LastTransaction:
		head = "LAST TRANSACTION: " + head
	}
	if r.Amount > 0 {
		sign := ""
		if credit {
			sign = "-"
		}
		head += fmt.Sprintf("   RMB %s%d.%02d", sign, r.Amount/100, r.Amount%100)
	}
	lines := []string{head}
	if r.MaskedPAN != "" {
		lines = append(lines, strings.TrimSpace("CARD "+r.MaskedPAN+"  "+r.Scheme))
	}
	var refs []string
	for _, f := range [][2]string{{"TRACE", r.Trace}, {"AUTH", r.AuthCode}, {"REF", r.RRN}, {"BATCH", r.Batch}} {
		if f[1] != "" {
			refs = append(refs, f[0]+" "+f[1])
		}
	}
	if req.OrigTrc != "" {
		refs = append(refs, "ORIG TRACE "+req.OrigTrc)
	}
	if len(refs) > 0 {
		lines = append(lines, strings.Join(refs, "  "))
	}
	if req.Command == ecr.Echo && r.TerminalID != "" {
		lines = append(lines, "TERMINAL "+r.TerminalID+"  MERCHANT "+r.MerchantID)
	}
	return lines
}

// resultMeaning says what an answer code means: the register link's own
// codes, else the host's (ISO 8583 field 39, CUP meanings).
func resultMeaning(code string) string {
	switch code {
	case ecr.ResultBusy:
		return "the terminal is busy with another transaction"
	case ecr.ResultAborted:
		return "stopped at the register's request"
	case ecr.ResultFailed:
		return "the terminal could not complete it"
	}
	return iso8583.ResponseCode(code).Meaning()
}

func statusWords(c ecr.StatusCode) string {
	switch c {
	case ecr.StatusWaitCard:
		return "insert, tap or swipe the card"
	case ecr.StatusReading:
		return "reading the card"
	case ecr.StatusWaitPIN:
		return "cardholder entering PIN"
	case ecr.StatusOnline:
		return "waiting for the bank"
	case ecr.StatusRemoveCard:
		return "remove the card"
	}
	return string(c)
}
