// Package day is the scripted day of the demonstration: a terminal signs
// in, takes a chip sale with PIN, a contactless phone payment (Mastercard
// Kernel 2), a UnionPay QuickPass tap (Kernel 7) and a QR
// payment, voids one, loses a response and reverses it, and settles, with
// every step checked. The demo runs it against an acquirer in the same
// process; the terminal program runs it against any host.
package day

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/examples/internal/wallet"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

// Config configures a day.
type Config struct {
	// Out receives the transcript and receipts.
	Out io.Writer
	// HostAddr is an acquirer to use; "" starts one in this process on
	// loopback.
	HostAddr string
	// Keys (nil: fixtures.TestKeys).
	Keys *fixtures.Keys
	// StateDir holds the terminal's journals ("" : a temporary directory,
	// removed at the end).
	StateDir string
	// Timeout is the terminal's wait for each host response (default 1 s,
	// which is also how long the lost response takes to notice).
	Timeout time.Duration
	// Logger receives library logs (nil: discarded).
	Logger *slog.Logger
}

// Step is one checked step of the day.
type Step struct {
	Name   string
	OK     bool
	Detail string
}

// Report lists the steps.
type Report struct {
	Steps []Step
}

// OK reports whether every step behaved as expected.
func (r *Report) OK() bool {
	for _, s := range r.Steps {
		if !s.OK {
			return false
		}
	}
	return len(r.Steps) > 0
}

// The day's amounts, in fen.
const (
	chipAmount        = 12880
	contactlessAmount = 15800 // over the CVM limit: the phone verifies its owner
	quickPassAmount   = 3600  // UnionPay QuickPass tap, online (floor limit 0)
	qrAmount          = 2350
	lostAmount        = 6600
)

// Run runs the day. The error is for set-up failures; a step that did not
// behave is in the Report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	out := &cli.SyncWriter{W: cfg.Out}
	if cfg.Out == nil {
		out.W = io.Discard
	}
	if cfg.Keys == nil {
		cfg.Keys = fixtures.TestKeys()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }

	var acq *acquirer.Acquirer
	// With the host in this process, the wallet's customers and the
	// terminal's polling share a simulated clock: the day does not wait
	// for the customer in real time.
	var clock *simClock
	hostAddr := cfg.HostAddr
	if hostAddr == "" {
		clock = &simClock{t: time.Now()}
	}
	if hostAddr == "" {
		var err error
		acq, err = acquirer.New(acquirer.Config{
			Keys: cfg.Keys, PINs: fixtures.CardPINs(), Logger: cfg.Logger,
			Logf: func(format string, a ...any) { say("  [host] "+format, a...) },
		})
		if err != nil {
			return nil, err
		}
		gw := acquirer.NewWalletGateway()
		gw.Behave, gw.Clock = acquirer.DemoBehaviour, clock.now
		acq.ServeScans(gw, link.ScanProfile{})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		hostAddr = ln.Addr().String()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = acq.Serve(ln)
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = acq.Shutdown(sctx)
			<-done
		}()
		say("acquirer host listening on %s (in this process)", hostAddr)
	}
	net, err := newLossyLink(hostAddr)
	if err != nil {
		return nil, err
	}
	defer net.Close()

	dir := cfg.StateDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "possdk-demo-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	tmk, err := cfg.Keys.TMK(fixtures.TerminalID)
	if err != nil {
		return nil, err
	}
	term, err := terminal.Open(terminal.Config{
		HostAddr: net.Addr(), StateDir: dir, TMK: tmk, Timeout: cfg.Timeout, Out: out, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	defer term.Close()
	say("terminal %s of merchant %s (%s), talking to the host through %s", fixtures.TerminalID, fixtures.MerchantID, fixtures.MerchantName, net.Addr())

	d := &dayRun{ctx: ctx, term: term, net: net, acq: acq, keys: cfg.Keys, say: say, report: &Report{}, clock: clock}
	d.run()
	d.summary()
	return d.report, nil
}

type dayRun struct {
	ctx    context.Context
	term   *terminal.Terminal
	net    *lossyLink
	acq    *acquirer.Acquirer
	keys   *fixtures.Keys
	say    func(format string, a ...any)
	report *Report
	n      int
	// opening are the batch totals before the day's sales.
	opening iso8583.Totals
	clock   *simClock // nil: real time
}

func (d *dayRun) step(name string) {
	d.n++
	d.say("\n== %d. %s ==", d.n, name)
}

func (d *dayRun) check(name string, ok bool, format string, a ...any) bool {
	detail := fmt.Sprintf(format, a...)
	d.report.Steps = append(d.report.Steps, Step{Name: name, OK: ok, Detail: detail})
	mark := "OK  "
	if !ok {
		mark = "FAIL"
	}
	d.say("[%s] %s: %s", mark, name, detail)
	return ok
}

func (d *dayRun) run() {
	d.step("Sign-in with working-key download")
	if err := d.term.SignIn(d.ctx); !d.check("sign-in", err == nil, "%v", errWords(err)) {
		return // nothing else can work
	}
	var err error
	if d.opening, err = d.term.Totals(); err != nil {
		d.check("batch", false, "%v", err)
		return
	}
	if d.opening.DebitCount+d.opening.CreditCount > 0 {
		d.say("batch %06d already holds %s from earlier runs", d.term.Batch(), totalsWords(d.opening))
	}

	d.step("Chip sale with online PIN: UnionPay card, EMV kernel, ARQC checked by the host, ARPC back")
	chip := d.cardSale("chip sale", "unionpay_sda", chipAmount, "888888", false, "online PIN")

	d.step("Contactless sale: a Mastercard-style phone wallet (Kernel 2: relay resistance, CDA, on-device CVM)")
	tap := d.cardSale("contactless sale", "mc_phone", contactlessAmount, "", true, "consumer device (phone)")

	d.step("Contactless sale: a UnionPay QuickPass card (Kernel 7: qUICS, PBOC CVN 01 cryptogram checked by the host)")
	quickPass := d.cardSale("QuickPass sale", "unionpay_quics", quickPassAmount, "", true, "none")

	d.step("QR sale: merchant-presented code on screen, then a consumer-presented code scanned")
	d.qrSale()

	d.step("Scan sales: WeChat Pay payment codes scanned by the cashier")
	d.scanSales()

	d.step("Void of the contactless sale")
	if tap != nil {
		v, err := d.term.Void(d.ctx, tap)
		d.check("void", err == nil && v.Approved, "%s", saleWords(v, err))
	} else {
		d.check("void", false, "no contactless sale to void")
	}

	d.step("Lost response: the host approves, the network loses the answer, the terminal reverses")
	d.lostResponse()

	d.step("Settlement")
	d.settle(chip != nil, quickPass != nil)
}

// cardSale runs a chip or contactless sale that must be approved online
// with a verified ARPC (contact) or cryptogram (contactless).
func (d *dayRun) cardSale(name, card string, amount int64, pin string, tap bool, wantCVM string) *terminal.Sale {
	c, save, err := fixtures.CardIn(card, d.term.StateDir())
	if err != nil {
		d.check(name, false, "%v", err)
		return nil
	}
	defer save()
	var s *terminal.Sale
	if tap {
		s, err = d.term.ContactlessSale(d.ctx, c, amount, terminal.PINPad{PIN: pin})
	} else {
		s, err = d.term.ChipSale(d.ctx, c, amount, terminal.PINPad{PIN: pin})
	}
	ok := err == nil && s.Approved && s.Kernel != nil && s.Kernel.WentOnline
	if ok && !tap {
		// The card checked the host's ARPC before giving its TC.
		ok = s.Kernel.CID.Type() == emv.TC && s.Kernel.TSI.Has(emv.TSIIssuerAuthPerformed) &&
			!s.Kernel.TVR.Has(emv.TVRIssuerAuthFailed) && s.CVM == wantCVM
	}
	if ok && tap {
		ok = s.Kernel.Contactless && s.CVM == wantCVM
	}
	d.check(name, ok, "%s", saleWords(s, err))
	if !ok {
		return nil
	}
	return s
}

func (d *dayRun) qrSale() {
	if _, err := d.term.ShowMerchantCode(qrAmount); !d.check("QR merchant code", err == nil, "dynamic code for %s shown, %v", money(qrAmount), errWords(err)) {
		return
	}
	d.say("the customer's wallet cannot scan; it shows its own payment code instead")
	imk, err := d.keys.IssuerMasterKey()
	if err != nil {
		d.check("QR sale", false, "%v", err)
		return
	}
	defer imk.Zero()
	w := wallet.Demo(imk)
	w.ATC = uint16(fixtures.LoadATC(d.term.StateDir(), "wallet", int(w.ATC)))
	defer func() { _ = fixtures.SaveATC(d.term.StateDir(), "wallet", int(w.ATC)) }()
	code, err := w.PaymentCode(qrAmount, [4]byte{0x12, 0x34, 0x56, 0x78}, time.Now())
	if err != nil {
		d.check("QR sale", false, "%v", err)
		return
	}
	cpm, err := qr.ParseCPM(code)
	if err != nil {
		d.check("QR sale", false, "%v", err)
		return
	}
	// The payload carries the token and its track 2: show it masked.
	d.say("wallet shows a payment code (%d characters): %s", len(code), cpm)
	s, err := d.term.QRSale(d.ctx, code, qrAmount)
	d.check("QR sale", err == nil && s.Approved, "%s", saleWords(s, err))
}

func (d *dayRun) lostResponse() {
	var reversedBefore int
	if d.acq != nil {
		reversedBefore = d.acq.Issuer.Stats().Reversed
	}
	c, save, err := fixtures.CardIn("mc_cda", d.term.StateDir())
	if err != nil {
		d.check("lost response", false, "%v", err)
		return
	}
	defer save()
	d.net.DropNextResponse()
	defer d.net.ClearDrop()
	d.say("(the network will lose the next response)")
	s, err := d.term.ChipSale(d.ctx, c, lostAmount, terminal.PINPad{PIN: "4321"})
	ok := err == nil && !s.Approved && s.LinkErr != nil && d.net.Dropped() == 1 && d.term.PendingReversals() == 0
	detail := fmt.Sprintf("%s; responses lost %d, reversals pending %d", saleWords(s, err), d.net.Dropped(), d.term.PendingReversals())
	if d.acq != nil {
		n := d.acq.Issuer.Stats().Reversed - reversedBefore
		ok = ok && n == 1
		detail += fmt.Sprintf(", host undid %d authorisation", n)
	}
	d.check("lost response reversed", ok, "%s", detail)
}

func (d *dayRun) settle(chipOK, quickPassOK bool) {
	want, err := d.term.Totals()
	if err != nil {
		d.check("settlement", false, "%v", err)
		return
	}
	// The chip, QuickPass and QR sales stand; the contactless sale was voided and
	// the lost one reversed. The batch may hold earlier sales too (a
	// terminal's state survives runs).
	expect := d.opening.DebitAmount + qrAmount
	if chipOK {
		expect += chipAmount
	}
	if quickPassOK {
		expect += quickPassAmount
	}
	s, err := d.term.Settle(d.ctx)
	ok := err == nil && s.Balanced && s.Terminal.DebitAmount == expect && want.DebitAmount == expect
	if err != nil {
		d.check("settlement", false, "%v", err)
		return
	}
	d.check("settlement", ok, "batch %06d balanced=%v, debits %s (expected %s), host %s", s.Batch, s.Balanced, money(s.Terminal.DebitAmount), money(expect), money(s.Host.DebitAmount))
}

func (d *dayRun) summary() {
	d.say("\n== Summary ==")
	for _, s := range d.report.Steps {
		mark := "✓"
		if !s.OK {
			mark = "✗"
		}
		d.say("%s %s", mark, s.Name)
	}
	if d.report.OK() {
		d.say("every step behaved as expected")
	} else {
		d.say("SOME STEPS FAILED")
	}
}

func saleWords(s *terminal.Sale, err error) string {
	switch {
	case err != nil:
		return "error: " + err.Error()
	case s == nil:
		return "no result"
	case s.Approved:
		parts := []string{fmt.Sprintf("approved %s %s %s", s.Entry, s.Kind, money(s.Amount))}
		if s.Cryptogram != "" {
			parts = append(parts, s.Cryptogram)
		}
		if s.Link != nil {
			if a := s.Link.Response.AuthCode; a != "" {
				parts = append(parts, "auth code "+a)
			}
			parts = append(parts, "RRN "+s.Link.Response.RRN)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprintf("not approved (%s)", s.Why)
}

func errWords(err error) string {
	if err == nil {
		return "done"
	}
	return err.Error()
}

func totalsWords(t iso8583.Totals) string {
	return fmt.Sprintf("%d debit(s) %s, %d credit(s) %s", t.DebitCount, money(t.DebitAmount), t.CreditCount, money(t.CreditAmount))
}

func money(minor int64) string { return fmt.Sprintf("%d.%02d", minor/100, minor%100) }
