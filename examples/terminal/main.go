// Command terminal is the examples' payment terminal: it signs in to an
// acquirer host (go run ./examples/host) and takes payments from the
// software cards or from a real card in a PC/SC reader, with every
// transaction a counter terminal offers.
//
//	go run ./examples/terminal -host 127.0.0.1:5000 day          # the scripted day
//	go run ./examples/terminal signin                              # sign in (签到): new working keys
//	go run ./examples/terminal sale 12.34                          # chip, UnionPay test card, online PIN
//	go run ./examples/terminal -pin 1234 sale 12.34                # the cardholder's PIN on the PIN pad
//	go run ./examples/terminal void 2                              # void trace 000002
//	go run ./examples/terminal refund 2 5.00                       # refund 5.00 of trace 000002
//	go run ./examples/terminal balance                             # balance inquiry
//	go run ./examples/terminal preauth 100.00                      # pre-authorisation (预授权)
//	go run ./examples/terminal complete 5 80.00                    # its completion (预授权完成)
//	go run ./examples/terminal reprint                             # the last slip again
//	go run ./examples/terminal reversals                           # reversals the host has not acknowledged
//	go run ./examples/terminal -card phone_wallet tap 158.00      # contactless
//	go run ./examples/terminal qr 23.50 [payment code]            # QR: shows the code, then takes a CPM
//	go run ./examples/terminal scan 36.00 134567890123456789      # a wallet's payment code (付款码)
//	go run ./examples/terminal settle
//	go run ./examples/terminal ecr                                # a cash register drives it
//	go run ./examples/terminal -tls-pin <pin from the host> sale 1.00   # TLS to go run ./examples/host -tls
//	go run -tags pcsc ./examples/terminal -reader pcsc -pin 1234 sale 1.00
//
// The terminal's state lives in -state: the reversal journal, the batch,
// the counters, the transactions of the batch (for void, refund,
// completion and reprint by trace number) and the working keys of the last
// sign-in. Everything there is sealed with a key derived from the
// terminal master key, and the working keys are kept as the host sent them,
// under the TMK: no key, PAN or PIN is in clear on disk. So a command
// signs in only when there are no working keys yet, when told to (signin),
// or when the host asks for it (answer A0 or 99, 请重新签到); a reversal
// left by a lost response is sent before the next transaction; and settle
// sums the batch of earlier runs. Card numbers are masked. The exit status
// is 0 when the transaction was approved (or the day went as expected).
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/day"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/examples/internal/tlsconf"
	"github.com/possdk/pos/examples/internal/wallet"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: terminal [flags] <command> [arguments]

Counter transactions (amounts like 12.34; TRACE is the slip's TRACE NO.):
  signin           sign in (签到): fresh working keys from the host, kept for later commands
  sale AMOUNT      chip sale (EMV contact; -card picks the software card)
  tap AMOUNT       contactless sale
  void TRACE       void (撤销) a sale, a pre-authorisation or a completion of this batch
  refund TRACE AMOUNT
                   refund (退货) AMOUNT of the sale with that trace number
  balance          balance inquiry (余额查询)
  preauth AMOUNT   pre-authorisation (预授权): hold AMOUNT on the card
  complete TRACE AMOUNT
                   complete (预授权完成) the pre-authorisation with that trace for AMOUNT
  reprint [TRACE]  print the last slip again, or the slip of that trace
  reversals        list the reversals the host has not acknowledged yet (they are sent
                   before the next transaction)
  settle           settle the batch (an empty batch sends nothing)
  qr AMOUNT [CODE] show the merchant-presented code, then take a consumer-presented code
                   (base64; without CODE the demo wallet makes one)
  scan AMOUNT [CODE]
                   scan-code payment: with CODE (a WeChat Pay, Alipay, UnionPay QuickPass or
                   e-CNY payment code) the terminal charges it, polling while the customer
                   confirms and cancelling at -deadline; without CODE it shows a dynamic code
                   from the acquirer for the wallet to scan. The demo host's customer depends on
                   the code's last four digits: 0000 never confirms, 1111 cancels, 2222 no answer,
                   3333 pays as the terminal cancels, other confirms after 4 s
  scan-refund BATCH TRACE AMOUNT
                   return AMOUNT of a paid scan order (its slip's batch and trace) to the
                   wallet; refunds add up to at most the order; without an answer the refund
                   is kept and sent again before the next transaction
  ecr              serve a cash register (go run ./examples/ecr) on -ecr-listen or -ecr-serial
  day              run the scripted day (sign-in, chip, contactless, QR, void, lost response, settlement)

The working keys of the last sign-in are kept in -state, sealed under the terminal master
key; a command signs in only without them, on "signin", or when the host asks (A0, 99).

Two different pins: -pin is the cardholder's PIN typed on the PIN pad; -tls-pin is the
host's TLS public-key pin that examples/host -tls prints.

Flags:
`

type options struct {
	host, keysFile, readerKind, card, slot, pin, state, ca, tlsPin string
	ecrListen, ecrSerial                                           string
	useTLS, verbose                                                bool
	timeout, deadline                                              time.Duration
}

// args says how many arguments each command takes (min, max) and which
// of them are amounts.
var commands = map[string]struct {
	min, max int
	usage    string
}{
	"signin": {0, 0, "signin"}, "sale": {1, 1, "sale AMOUNT"}, "tap": {1, 1, "tap AMOUNT"},
	"void": {1, 1, "void TRACE"}, "refund": {2, 2, "refund TRACE AMOUNT"}, "balance": {0, 0, "balance"},
	"preauth": {1, 1, "preauth AMOUNT"}, "complete": {2, 2, "complete TRACE AMOUNT"},
	"reprint": {0, 1, "reprint [TRACE]"}, "reversals": {0, 0, "reversals"}, "settle": {0, 0, "settle"},
	"qr": {1, 2, "qr AMOUNT [CODE]"}, "scan": {1, 2, "scan AMOUNT [CODE]"},
	"scan-refund": {3, 3, "scan-refund BATCH TRACE AMOUNT"}, "ecr": {0, 0, "ecr"}, "day": {0, 0, "day"},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("terminal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.host, "host", "127.0.0.1:5000", "acquirer host address")
	fs.BoolVar(&o.useTLS, "tls", false, "connect with TLS (give -tls-pin or -ca)")
	fs.StringVar(&o.tlsPin, "tls-pin", "", "the host's TLS public-key pin (base64 of 32 bytes, printed by examples/host -tls); implies -tls")
	fs.StringVar(&o.ca, "ca", "", "CA certificate file (PEM) to verify the host with; implies -tls")
	fs.StringVar(&o.keysFile, "keys", "", "keys file (JSON: terminals' TMKs, imk, zpk; default: the published test keys)")
	fs.StringVar(&o.readerKind, "reader", "sim", "card reader: sim (software cards) or pcsc (needs -tags pcsc)")
	fs.StringVar(&o.card, "card", "", "software card: "+strings.Join(fixtures.Cards(), ", ")+" (default unionpay_sda; phone_wallet for tap)")
	fs.StringVar(&o.slot, "slot", "", "PC/SC reader name (default: the first)")
	fs.StringVar(&o.pin, "pin", "", "the cardholder's PIN, typed on the PIN pad (4 to 12 digits; default: the software card's PIN; none for pcsc)")
	fs.StringVar(&o.state, "state", "", "directory for the terminal's sealed state: reversal journal, batch, counters, working keys (default: the user cache directory)")
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
	spec, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "terminal: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	if len(rest) < spec.min {
		if spec.min == 1 && strings.HasSuffix(spec.usage, "AMOUNT") {
			return fail(2, fmt.Errorf("give the amount, e.g. %s 12.34", cmd))
		}
		return fail(2, fmt.Errorf("usage: terminal %s", spec.usage))
	}
	if len(rest) > spec.max {
		return fail(2, fmt.Errorf("unexpected arguments %q (usage: terminal %s)", rest[spec.max:], spec.usage))
	}
	if o.pin != "" && !pinDigits(o.pin) {
		msg := "-pin is the cardholder's PIN: 4 to 12 digits"
		if len(o.pin) > 12 {
			msg += " (the host's TLS key pin is -tls-pin)"
		}
		return fail(2, fmt.Errorf("%s", msg))
	}
	useTLS := o.useTLS || o.tlsPin != "" || o.ca != ""
	k, err := fixtures.LoadKeys(o.keysFile)
	if err != nil {
		return fail(1, err)
	}
	var logger *slog.Logger
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cmd == "day" {
		if useTLS {
			return fail(2, fmt.Errorf("the day's lossy network relays plain TCP: run it without -tls, -tls-pin and -ca, against a host without -tls"))
		}
		// The terminal's state persists: a host remembers STANs (duplicate
		// detection), so a terminal must never start them again.
		dir, err := stateDir(o.state)
		if err != nil {
			return fail(1, err)
		}
		rep, err := day.Run(ctx, day.Config{Out: stdout, HostAddr: o.host, Keys: k, StateDir: dir, Timeout: o.timeout, Logger: logger})
		if err != nil {
			return fail(1, explain(ctx, err, o.host, false))
		}
		if !rep.OK() {
			return 1
		}
		return 0
	}
	// Amounts and trace numbers, checked before anything is opened.
	var amount int64
	var trace string
	amountArg := func(s string) error {
		a, err := qr.ParseAmount(s, 2)
		if err != nil || a <= 0 {
			return fmt.Errorf("amount %q is not a positive amount such as 12.34", s)
		}
		amount = a
		return nil
	}
	switch cmd {
	case "sale", "tap", "qr", "scan", "preauth":
		if err := amountArg(rest[0]); err != nil {
			return fail(2, err)
		}
		rest = rest[1:]
	case "scan-refund":
		if !traceDigits(rest[0]) || !traceDigits(rest[1]) {
			return fail(2, fmt.Errorf("batch %q and trace %q must be 1 to 6 digits (the scan slip's BATCH NO. and TRACE NO.)", rest[0], rest[1]))
		}
		trace = rest[1]
		if err := amountArg(rest[2]); err != nil {
			return fail(2, err)
		}
	case "void", "refund", "complete", "reprint":
		if len(rest) > 0 {
			trace = rest[0]
			if !traceDigits(trace) {
				return fail(2, fmt.Errorf("trace number %q is not 1 to 6 digits (the slip's TRACE NO.)", trace))
			}
			if len(rest) == 2 {
				if err := amountArg(rest[1]); err != nil {
					return fail(2, err)
				}
			}
		}
	}

	tcfg := terminal.Config{HostAddr: o.host, Out: stdout, Timeout: o.timeout, Logger: logger}
	if useTLS {
		if tcfg.TLS, tcfg.Pins, err = tlsconf.ClientTLS(o.ca, o.tlsPin); err != nil {
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
	code, err := counter(ctx, term, k, o, cmd, amount, trace, rest, stdout)
	if err != nil {
		return fail(max(code, 1), explain(ctx, err, o.host, useTLS))
	}
	return code
}

// counter runs one counter transaction; the exit status is 0 when it was
// approved (done).
func counter(ctx context.Context, term *terminal.Terminal, k *fixtures.Keys, o options, cmd string, amount int64, trace string, rest []string, stdout io.Writer) (int, error) {
	switch cmd {
	case "signin":
		return 0, term.SignIn(ctx)
	case "reprint":
		return 0, term.Reprint(trace)
	case "reversals":
		return 0, listReversals(term, stdout)
	case "settle":
		s, err := term.Settle(ctx)
		switch {
		case err == terminal.ErrEmptyBatch:
			return 0, nil
		case err != nil:
			return 1, err
		case !s.Balanced:
			return 1, nil
		}
		return 0, nil
	case "qr":
		return qrSale(ctx, term, k, amount, rest, stdout)
	case "scan":
		return scanSale(ctx, term, o, amount, rest)
	case "scan-refund":
		batch, _ := strconv.ParseUint(rest[0], 10, 32)
		stan, _ := strconv.ParseUint(trace, 10, 32)
		s, err := term.ScanRefund(ctx, uint32(batch), uint32(stan), amount)
		if err != nil {
			return 1, err
		}
		if !s.Approved() {
			return 1, fmt.Errorf("not refunded: %s", s.Outcome)
		}
		return 0, nil
	case "ecr":
		if err := serveECR(ctx, term, o, stdout); err != nil && ctx.Err() == nil {
			return 1, err
		}
		return 0, nil
	case "void", "refund", "complete":
		orig, err := term.ByTrace(trace)
		if err != nil {
			return 1, err
		}
		var s *terminal.Sale
		switch cmd {
		case "void":
			s, err = term.Void(ctx, orig)
		case "refund":
			if orig.Kind != iso8583.KindSale && orig.Kind != iso8583.KindPreAuthCompletion {
				return 1, fmt.Errorf("trace %06s is a %s: only a sale or a completion can be refunded", trace, orig.Kind)
			}
			s, err = term.Refund(ctx, orig, amount)
		case "complete":
			if orig.Kind != iso8583.KindPreAuth {
				return 1, fmt.Errorf("trace %06s is a %s, not a pre-authorisation", trace, orig.Kind)
			}
			s, err = term.Complete(ctx, orig, amount, cardholderPIN(o, o.card))
		}
		return outcome(s, err)
	}
	return cardSale(ctx, term, o, cmd, amount)
}

func listReversals(term *terminal.Terminal, out io.Writer) error {
	revs, err := term.Reversals()
	if err != nil {
		return err
	}
	if len(revs) == 0 {
		fmt.Fprintln(out, "no reversal pending: the host has acknowledged every one")
		return nil
	}
	fmt.Fprintf(out, "%d reversal(s) pending (sent before the next transaction):\n", len(revs))
	fmt.Fprintf(out, "  %-6s  %-28s  %10s  %-30s  %s\n", "TRACE", "TRANSACTION", "AMOUNT", "REASON", "STATE")
	for _, r := range revs {
		fmt.Fprintf(out, "  %06d  %-28s  %10s  %-30s  %s\n", r.Trace, r.Kind, money(r.Amount), r.Reason, r.State)
	}
	return nil
}

func money(minor int64) string { return fmt.Sprintf("%d.%02d", minor/100, minor%100) }

func pinDigits(s string) bool {
	if len(s) < 4 || len(s) > 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func traceDigits(s string) bool {
	if len(s) == 0 || len(s) > 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func cardSale(ctx context.Context, term *terminal.Terminal, o options, cmd string, amount int64) (int, error) {
	name := o.card
	if name == "" {
		name = "unionpay_sda"
		if cmd == "tap" {
			name = "phone_wallet"
		}
	}
	card, closeCard, err := terminal.OpenCard(ctx, o.readerKind, name, term.StateDir(), 30*time.Second)
	if err != nil {
		return 1, err
	}
	defer closeCard()
	pad := cardholderPIN(o, name)
	entry := terminal.Chip
	if cmd == "tap" || contactlessOnly(name) {
		entry = terminal.Contactless
	}
	var s *terminal.Sale
	switch cmd {
	case "preauth":
		s, err = term.PreAuth(ctx, entry, card, amount, pad)
	case "balance":
		s, err = term.Balance(ctx, entry, card, pad)
	case "tap":
		s, err = term.ContactlessSale(ctx, card, amount, pad)
	default:
		s, err = term.ChipSale(ctx, card, amount, pad)
	}
	return outcome(s, err)
}

// cardholderPIN is what the cardholder types: -pin, or the software
// card's PIN.
func cardholderPIN(o options, card string) terminal.PINPad {
	if card == "" {
		card = "unionpay_sda"
	}
	pad := terminal.PINPad{PIN: o.pin}
	if pad.PIN == "" && o.readerKind == "sim" {
		if p, err := fixtures.Profile(card); err == nil {
			pad.PIN = p.PIN
		}
	}
	return pad
}

// contactlessOnly names the software cards that are a phone or a
// contactless-only card.
func contactlessOnly(name string) bool { return name == "phone_wallet" || name == "visa_qvsdc" }

func qrSale(ctx context.Context, term *terminal.Terminal, k *fixtures.Keys, amount int64, rest []string, stdout io.Writer) (int, error) {
	if _, err := term.ShowMerchantCode(amount); err != nil {
		return 1, err
	}
	var code string
	if len(rest) == 1 {
		code = rest[0]
	} else {
		imk, err := k.IssuerMasterKey()
		if err != nil {
			return 1, err
		}
		defer imk.Zero()
		w := wallet.Demo(imk)
		w.ATC = uint16(fixtures.LoadATC(term.StateDir(), "wallet", int(w.ATC)))
		defer func() { _ = fixtures.SaveATC(term.StateDir(), "wallet", int(w.ATC)) }()
		var un [4]byte
		if _, err := rand.Read(un[:]); err != nil {
			return 1, err
		}
		if code, err = w.PaymentCode(amount, un, time.Now()); err != nil {
			return 1, err
		}
		fmt.Fprintln(stdout, "the demo wallet shows its payment code")
	}
	s, err := term.QRSale(ctx, code, amount)
	return outcome(s, err)
}

func scanSale(ctx context.Context, term *terminal.Terminal, o options, amount int64, rest []string) (int, error) {
	opt := link.ScanOptions{Deadline: o.deadline}
	var s *terminal.ScanSale
	var err error
	if len(rest) == 1 {
		s, err = term.ScanSale(ctx, rest[0], amount, opt)
	} else {
		s, err = term.ScanOrder(ctx, amount, opt)
	}
	if err != nil {
		return 1, err
	}
	if !s.Approved() {
		return 1, fmt.Errorf("not approved: %s", s.Outcome)
	}
	return 0, nil
}

func outcome(s *terminal.Sale, err error) (int, error) {
	if err != nil {
		return 1, err
	}
	if !s.Approved {
		return 1, fmt.Errorf("not approved: %s", s.Why)
	}
	return 0, nil
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
