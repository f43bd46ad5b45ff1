// Command terminal is the examples' payment terminal: it signs in to an
// acquirer host (go run ./examples/host) and takes payments from the
// software cards or from a real card in a PC/SC reader.
//
//	go run ./examples/terminal -host 127.0.0.1:5000 day          # the scripted day
//	go run ./examples/terminal -host 127.0.0.1:5000 sale 12.34    # chip, UnionPay test card, online PIN
//	go run ./examples/terminal -card phone_wallet tap 158.00      # contactless
//	go run ./examples/terminal qr 23.50 [payment code]            # QR: shows the code, then takes a CPM
//	go run ./examples/terminal scan 36.00 134567890123456789      # a wallet's payment code (付款码)
//	go run ./examples/terminal scan 36.00                          # a dynamic code the wallet scans
//	go run ./examples/terminal settle
//	go run ./examples/terminal ecr                                # a cash register drives it
//	go run -tags pcsc ./examples/terminal -reader pcsc -pinpad 1234 sale 1.00
//
// The terminal's reversal journal, batch and counters live in -state, so a
// reversal left by a lost response is sent on the next run, and settle sums
// the batch of earlier runs. Card numbers are masked. The exit status is 0
// when the transaction was approved (or the day went as expected).
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/day"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/examples/internal/tlsconf"
	"github.com/possdk/pos/examples/internal/wallet"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: terminal [flags] <command> [arguments]

Commands:
  day              run the scripted day (sign-in, chip, contactless, QR, void, lost response, settlement)
  sale AMOUNT      chip sale (EMV contact)
  tap AMOUNT       contactless sale
  qr AMOUNT [CODE] show the merchant-presented code, then take a consumer-presented code
                   (base64; without CODE the demo wallet makes one)
  scan AMOUNT [CODE]
                   scan-code payment: with CODE (a WeChat Pay, Alipay, UnionPay QuickPass or
                   e-CNY payment code) the terminal charges it, polling while the customer
                   confirms and cancelling at -deadline; without CODE it shows a dynamic code
                   from the acquirer for the wallet to scan. The demo host's customer depends on
                   the code's last four digits: 0000 never confirms, 1111 cancels, 2222 no answer,
                   3333 pays as the terminal cancels, other confirms after 4 s
  settle           settle the batch
  ecr              serve a cash register (go run ./examples/ecr) on -ecr-listen or -ecr-serial

Flags:
`

type options struct {
	host, keysFile, readerKind, card, slot, pinpad, state, ca, pin string
	ecrListen, ecrSerial                                           string
	useTLS, verbose                                                bool
	timeout, deadline                                              time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("terminal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.host, "host", "127.0.0.1:5000", "acquirer host address")
	fs.BoolVar(&o.useTLS, "tls", false, "connect with TLS (give -pin or -ca)")
	fs.StringVar(&o.pin, "pin", "", "the host's TLS key pin (base64, printed by examples/host -tls)")
	fs.StringVar(&o.ca, "ca", "", "CA certificate file (PEM) to verify the host with")
	fs.StringVar(&o.keysFile, "keys", "", "keys file (JSON: terminals' TMKs, imk, zpk; default: the published test keys)")
	fs.StringVar(&o.readerKind, "reader", "sim", "card reader: sim (software cards) or pcsc (needs -tags pcsc)")
	fs.StringVar(&o.card, "card", "", "software card: "+strings.Join(fixtures.Cards(), ", ")+" (default unionpay_sda for sale, phone_wallet for tap)")
	fs.StringVar(&o.slot, "slot", "", "PC/SC reader name (default: the first)")
	fs.StringVar(&o.pinpad, "pinpad", "", "PIN typed on the PIN pad (default: the software card's PIN; none for pcsc)")
	fs.StringVar(&o.state, "state", "", "directory for the reversal journal, batch and counters (default: the user cache directory)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each host response")
	fs.DurationVar(&o.deadline, "deadline", 30*time.Second, "scan command: how long to wait for the customer before cancelling")
	fs.StringVar(&o.ecrListen, "ecr-listen", "127.0.0.1:6000", "ecr command: TCP address for the cash register")
	fs.StringVar(&o.ecrSerial, "ecr-serial", "", "ecr command: serial port to the cash register instead of TCP")
	fs.BoolVar(&o.verbose, "v", false, "also print the libraries' logs (APDUs, link events) to stderr")
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
		fmt.Fprintf(stderr, "terminal: %s: %v\n", cmd, err)
		return code
	}
	k, err := fixtures.LoadKeys(o.keysFile)
	if err != nil {
		return fail(1, err)
	}
	var logger *slog.Logger
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cmd == "day" {
		if o.useTLS {
			return fail(2, fmt.Errorf("the day's lossy network relays plain TCP; run single commands over TLS"))
		}
		// The terminal's state persists: a host remembers STANs (duplicate
		// detection), so a terminal must never start them again.
		dir, err := stateDir(o.state)
		if err != nil {
			return fail(1, err)
		}
		rep, err := day.Run(ctx, day.Config{Out: stdout, HostAddr: o.host, Keys: k, StateDir: dir, Timeout: o.timeout, Logger: logger})
		if err != nil {
			return fail(1, err)
		}
		if !rep.OK() {
			return 1
		}
		return 0
	}
	var amount int64
	switch cmd {
	case "sale", "tap", "qr", "scan":
		if len(rest) == 0 {
			return fail(2, fmt.Errorf("give the amount, e.g. %s 12.34", cmd))
		}
		if amount, err = qr.ParseAmount(rest[0], 2); err != nil || amount <= 0 {
			return fail(2, fmt.Errorf("amount %q is not a positive amount such as 12.34", rest[0]))
		}
		rest = rest[1:]
	case "settle", "ecr":
	default:
		fmt.Fprintf(stderr, "terminal: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	if len(rest) > 0 && cmd != "qr" && cmd != "scan" || len(rest) > 1 {
		return fail(2, fmt.Errorf("unexpected arguments %q", rest))
	}

	tcfg := terminal.Config{HostAddr: o.host, Out: stdout, Timeout: o.timeout, Logger: logger}
	if o.useTLS || o.pin != "" || o.ca != "" {
		if tcfg.TLS, tcfg.Pins, err = tlsconf.ClientTLS(o.ca, o.pin); err != nil {
			return fail(2, err)
		}
	}
	if tcfg.TMK, err = k.TMK(fixtures.TerminalID); err != nil {
		return fail(1, err)
	}
	if tcfg.StateDir, err = stateDir(o.state); err != nil {
		return fail(1, err)
	}
	term, err := terminal.Open(tcfg)
	if err != nil {
		return fail(1, err)
	}
	defer term.Close()
	if err := term.SignIn(ctx); err != nil {
		return fail(1, err)
	}
	switch cmd {
	case "settle":
		s, err := term.Settle(ctx)
		if err != nil {
			return fail(1, err)
		}
		if !s.Balanced {
			return 1
		}
		return 0
	case "qr":
		return qrSale(ctx, term, k, amount, rest, stdout, fail)
	case "scan":
		return scanSale(ctx, term, o, amount, rest, fail)
	case "ecr":
		if err := serveECR(ctx, term, o, stdout); err != nil && ctx.Err() == nil {
			return fail(1, err)
		}
		return 0
	}
	return cardSale(ctx, term, o, cmd, amount, fail)
}

func cardSale(ctx context.Context, term *terminal.Terminal, o options, cmd string, amount int64, fail func(int, error) int) int {
	name := o.card
	if name == "" {
		name = "unionpay_sda"
		if cmd == "tap" {
			name = "phone_wallet"
		}
	}
	card, closeCard, err := terminal.OpenCard(ctx, o.readerKind, name, term.StateDir(), 30*time.Second)
	if err != nil {
		return fail(1, err)
	}
	defer closeCard()
	pad := terminal.PINPad{PIN: o.pinpad}
	if pad.PIN == "" && o.readerKind == "sim" {
		if p, err := fixtures.Profile(name); err == nil {
			pad.PIN = p.PIN
		}
	}
	var s *terminal.Sale
	if cmd == "tap" {
		s, err = term.ContactlessSale(ctx, card, amount, pad)
	} else {
		s, err = term.ChipSale(ctx, card, amount, pad)
	}
	return outcome(s, err, fail)
}

func qrSale(ctx context.Context, term *terminal.Terminal, k *fixtures.Keys, amount int64, rest []string, stdout io.Writer, fail func(int, error) int) int {
	if _, err := term.ShowMerchantCode(amount); err != nil {
		return fail(1, err)
	}
	var code string
	if len(rest) == 1 {
		code = rest[0]
	} else {
		imk, err := k.IssuerMasterKey()
		if err != nil {
			return fail(1, err)
		}
		defer imk.Zero()
		w := wallet.Demo(imk)
		w.ATC = uint16(fixtures.LoadATC(term.StateDir(), "wallet", int(w.ATC)))
		defer func() { _ = fixtures.SaveATC(term.StateDir(), "wallet", int(w.ATC)) }()
		var un [4]byte
		if _, err := rand.Read(un[:]); err != nil {
			return fail(1, err)
		}
		if code, err = w.PaymentCode(amount, un, time.Now()); err != nil {
			return fail(1, err)
		}
		fmt.Fprintln(stdout, "the demo wallet shows its payment code")
	}
	s, err := term.QRSale(ctx, code, amount)
	return outcome(s, err, fail)
}

func scanSale(ctx context.Context, term *terminal.Terminal, o options, amount int64, rest []string, fail func(int, error) int) int {
	opt := link.ScanOptions{Deadline: o.deadline}
	var s *terminal.ScanSale
	var err error
	if len(rest) == 1 {
		s, err = term.ScanSale(ctx, rest[0], amount, opt)
	} else {
		s, err = term.ScanOrder(ctx, amount, opt)
	}
	if err != nil {
		return fail(1, err)
	}
	if !s.Approved() {
		return fail(1, fmt.Errorf("not approved: %s", s.Outcome))
	}
	return 0
}

func outcome(s *terminal.Sale, err error, fail func(int, error) int) int {
	if err != nil {
		return fail(1, err)
	}
	if !s.Approved {
		return fail(1, fmt.Errorf("not approved: %s", s.Why))
	}
	return 0
}

// stateDir returns dir, or a directory in the user's cache, created.
func stateDir(dir string) (string, error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no -state given and no user cache directory: %w", err)
		}
		dir = filepath.Join(base, "possdk-terminal-"+fixtures.TerminalID)
	}
	return dir, os.MkdirAll(dir, 0o700)
}
