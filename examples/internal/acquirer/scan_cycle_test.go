package acquirer

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

// The scan cycle tests run a real link.Client against the example
// acquirer over TCP, the acquirer answering through the simulated wallet
// gateway. Time is a fake clock shared by the terminal's polling and the
// gateway, so no test waits for the customer in real time; the only real
// waits are the fault tests' lost answers (Timeout ≥ 1.5 s).

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
	// onSleep, when set, runs before each sleep with the sleep's number
	// (1-based); a test crashes the terminal there with runtime.Goexit.
	onSleep func(n int)
	sleeps  int
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	n, f := c.sleeps, c.onSleep
	c.mu.Unlock()
	if f != nil {
		f(n)
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) options(deadline time.Duration) link.ScanOptions {
	return link.ScanOptions{Deadline: deadline, FirstPoll: 2 * time.Second, MaxPoll: 5 * time.Second, Clock: c.now, Sleep: c.sleep}
}

type scanEnv struct {
	t     *testing.T
	gw    *WalletGateway
	clock *fakeClock
	addr  string
	dir   string
	prof  link.ScanProfile
	// dropCancels: the host processes this many cancels (the wallet
	// cancels) and their answers are lost.
	dropCancels atomic.Int32
	// dropPays: the wallet takes this many pays and their answers are
	// lost.
	dropPays atomic.Int32
	// dropRefunds: the host answers this many refunds (the wallet
	// refunded) and the answers are lost on the way to the terminal.
	dropRefunds atomic.Int32
	// holdCancels: each cancel the wallet processed is reported on
	// cancelSeen and its answer held until hold is closed, then lost.
	holdCancels atomic.Bool
	cancelSeen  chan struct{}
	hold        chan struct{}
}

func newScanEnv(t *testing.T, prof link.ScanProfile, behave func(qr.PaymentCode, int64) WalletBehaviour) *scanEnv {
	t.Helper()
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := &scanEnv{t: t, gw: NewWalletGateway(), clock: newFakeClock(), dir: t.TempDir(), prof: prof,
		cancelSeen: make(chan struct{}, 1), hold: make(chan struct{})}
	e.gw.Behave, e.gw.Clock = behave, e.clock.now
	a.ServeScans(e.gw, prof)
	srv, err := link.NewServer(link.ServerConfig{Handler: link.FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
		before, orders, refunds := e.cancels(), len(e.gw.Ledger()), e.refunded()
		resp := a.ServeFrame(ctx, frame)
		if e.refunded() > refunds && e.dropRefunds.Load() > 0 {
			e.dropRefunds.Add(-1)
			return nil // the wallet refunded; the answer is lost
		}
		if len(e.gw.Ledger()) > orders && e.dropPays.Load() > 0 {
			e.dropPays.Add(-1)
			return nil // the wallet has the order; the answer is lost
		}
		if e.cancels() > before && e.holdCancels.Load() {
			select {
			case e.cancelSeen <- struct{}{}:
			default:
			}
			<-e.hold
			return nil
		}
		if e.cancels() > before && e.dropCancels.Load() > 0 {
			e.dropCancels.Add(-1)
			return nil // the wallet cancelled; the answer is lost
		}
		return resp
	})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	e.addr = ln.Addr().String()
	return e
}

// refunded is the money the wallet has refunded on all orders.
func (e *scanEnv) refunded() int64 {
	var n int64
	for _, o := range e.gw.Ledger() {
		n += o.Refunded
	}
	return n
}

func (e *scanEnv) cancels() int {
	n := 0
	for _, o := range e.gw.Ledger() {
		n += o.Cancels
	}
	return n
}

// terminal is one run of the terminal: its client on the state in e.dir.
type terminal struct {
	c   *link.Client
	j   *link.Journal
	ctr *link.Counters
}

// open starts the terminal (again) on e.dir and signs in, which sends any
// cancel left pending by an earlier run.
func (e *scanEnv) open() *terminal {
	e.t.Helper()
	return openTerminal(e.t, e.dir, e.addr, e.prof)
}

func openTerminal(t *testing.T, dir, addr string, prof link.ScanProfile) *terminal {
	t.Helper()
	j, err := link.OpenJournal(filepath.Join(dir, "transactions.journal"))
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := link.OpenCounters(filepath.Join(dir, "counters"))
	if err != nil {
		t.Fatal(err)
	}
	return clientOn(t, j, ctr, addr, prof)
}

// openWith starts a terminal on files the test opened itself.
func openWith(t *testing.T, e *scanEnv, j *link.Journal, ctr *link.Counters) *terminal {
	t.Helper()
	return clientOn(t, j, ctr, e.addr, e.prof)
}

func clientOn(t *testing.T, j *link.Journal, ctr *link.Counters, addr string, prof link.ScanProfile) *terminal {
	t.Helper()
	tmk, err := fixtures.TestKeys().TMK(fixtures.TerminalID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := link.NewClient(link.Config{
		Dialer:   link.Dialer{Addr: addr},
		Terminal: iso8583.Terminal{TerminalID: fixtures.TerminalID, MerchantID: fixtures.MerchantID},
		TMK:      tmk, Journal: j, Counters: ctr,
		Timeout: 1500 * time.Millisecond, ReversalBackoff: 10 * time.Millisecond,
		Scan: prof, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignIn(context.Background()); err != nil {
		t.Fatal(err)
	}
	tm := &terminal{c: c, j: j, ctr: ctr}
	t.Cleanup(func() { tm.close() })
	return tm
}

// close stops the terminal. After a simulated crash it only releases the
// files: every record was synced when it was written, so this is what a
// process that died leaves behind.
func (tm *terminal) close() {
	if tm.c == nil {
		return
	}
	tm.c.Close()
	tm.j.Close()
	tm.ctr.Close()
	tm.c = nil
}

// agree checks the wallet's ledger against the terminal's records: every
// order the wallet charged (less what it refunded) is an approved scan
// sale in the terminal's batch for the same amount less its approved
// refunds, every approved scan sale is charged, and no cancel or refund
// is left pending.
func (e *scanEnv) agree(tm *terminal) {
	e.t.Helper()
	recs, err := tm.c.Records()
	if err != nil {
		e.t.Fatal(err)
	}
	approved := map[string]int64{}
	for _, r := range recs {
		if r.State != link.StateApproved {
			e.t.Errorf("record %016x still %v", r.ID, r.State)
			continue
		}
		switch {
		case r.Txn.Kind == iso8583.KindScanRefund:
			// A refund names its order in field 61.
			approved[OrderNo(r.Txn.TerminalID, r.Txn.Field61.Batch, r.Txn.Field61.STAN)] -= r.Txn.Amount
		case r.Txn.Kind.Scan():
			approved[OrderNo(r.Txn.TerminalID, r.Txn.Field60.Batch, r.Txn.STAN)] += r.Txn.Amount
		}
	}
	for no, o := range e.gw.Ledger() {
		if o.Charged() != approved[no] {
			e.t.Errorf("order %s: wallet charged %d (%s), terminal approved %d", no, o.Charged(), o.Status, approved[no])
		}
		delete(approved, no)
	}
	for no, amt := range approved {
		e.t.Errorf("terminal approved %s for %d; the wallet has no such order", no, amt)
	}
	// Rule: the payment code is a secret while valid — the terminal's
	// state (unsealed here) never holds it in full.
	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), scanCode) {
			e.t.Errorf("%s holds the payment code in full", filepath.Base(f))
		}
	}
}

func mustCode(t *testing.T, s string) qr.PaymentCode {
	t.Helper()
	sc, err := qr.Recognize(s)
	if err != nil || sc.Kind != qr.KindWalletCode {
		t.Fatalf("%s: %v", s, err)
	}
	return sc.Code
}

const scanCode = "134567890123456789" // 18 digits, prefix 13: WeChat Pay

func behaviour(b WalletBehaviour) func(qr.PaymentCode, int64) WalletBehaviour {
	return func(qr.PaymentCode, int64) WalletBehaviour { return b }
}

// Rule: a pay the wallet settles at once is approved on the first answer,
// with no query, and charged once.
func TestScanImmediateSuccess(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, nil)
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 1234, e.clock.options(30*time.Second))
	if err != nil || !r.Approved() || r.Polls != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	if r.Wallet != qr.WeChatPay || !strings.HasPrefix(r.AcquirerOrder, "4200") || strings.Contains(r.Code, scanCode[2:14]) {
		t.Errorf("receipt data: wallet %s order %q code %q", r.Wallet, r.AcquirerOrder, r.Code)
	}
	e.agree(tm)
}

// Rule: USERPAYING starts polling with backoff; success before the
// deadline approves, and the sale is charged once however many queries.
func TestScanUserPayingThenSuccess(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: 8 * time.Second}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 5000, e.clock.options(30*time.Second))
	if err != nil || !r.Approved() {
		t.Fatalf("%+v %v", r, err)
	}
	// Waits 2, 3, 4.5: the third query is the first after 8 s.
	if r.Polls != 3 {
		t.Errorf("%d polls, want 3 (backoff 2 s ×1.5)", r.Polls)
	}
	e.agree(tm)
}

// Rule: a definite failure (the customer cancels on the phone: PAYERROR)
// ends polling as declined, with no record left and nothing to cancel.
func TestScanCustomerCancels(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingPolls: 2, CustomerCancels: true}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 700, e.clock.options(30*time.Second))
	if err != nil || r.Outcome != link.ScanDeclined || r.Polls != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	if n := e.cancels(); n != 0 {
		t.Errorf("%d cancels sent for a declined order", n)
	}
	e.agree(tm)
}

// Rule: a wallet that never answers is "unknown", not failed: the
// terminal polls to the merchant's deadline, then cancels; the cancel is
// acknowledged and nothing stays charged — closed if the customer never
// paid, refunded if the wallet took the money and lost every answer.
func TestScanNeverAnswersCancelledAtDeadline(t *testing.T) {
	for _, tc := range []struct {
		name    string
		behav   WalletBehaviour
		action  CancelAction
		settled WalletStatus
	}{
		{"unpaid", WalletBehaviour{NeverAnswers: true, PendingFor: time.Hour}, CancelClose, WalletClosed},
		{"paid silently", WalletBehaviour{NeverAnswers: true}, CancelRefund, WalletRefunded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newScanEnv(t, link.ScanProfile{}, behaviour(tc.behav))
			tm := e.open()
			r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 900, e.clock.options(20*time.Second))
			if err != nil || r.Outcome != link.ScanCancelled || r.CancelPending || r.CancelAction != string(tc.action) {
				t.Fatalf("%+v %v", r, err)
			}
			if !e.clock.now().After(newFakeClock().now().Add(19 * time.Second)) {
				t.Errorf("cancelled at %v, before the deadline", e.clock.now())
			}
			for _, o := range e.gw.Ledger() {
				if o.Status != tc.settled {
					t.Errorf("wallet: %s, want %s", o.Status, tc.settled)
				}
			}
			e.agree(tm)
		})
	}
}

// Rule: a customer who pays just as the terminal cancels is refunded by
// the cancel, and the terminal shows the sale cancelled, never approved.
func TestScanSuccessAfterCancelIsRefunded(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{CodeField: 59}, behaviour(WalletBehaviour{PaysAtCancel: true}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 4200, e.clock.options(10*time.Second))
	if err != nil || r.Approved() || r.Outcome != link.ScanCancelled || r.CancelAction != string(CancelRefund) {
		t.Fatalf("%+v %v", r, err)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletRefunded {
			t.Errorf("wallet: %s", o.Status)
		}
	}
	e.agree(tm)
}

// Rule: a terminal that dies while polling leaves its record "prepared";
// the restart sends the cancel before anything else, so an order the
// customer never finished is closed, not left to be paid with the
// terminal showing nothing.
func TestScanCrashDuringPolling(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour}))
	tm := e.open()
	e.clock.onSleep = func(n int) {
		if n == 2 {
			runtime.Goexit() // the terminal dies between two queries
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 1500, e.clock.options(30*time.Second))
		t.Error("the scan returned; the terminal should have died")
	}()
	<-done
	e.clock.onSleep = nil
	if tm.c.Pending() != 1 {
		t.Fatalf("pending after the crash: %d", tm.c.Pending())
	}
	tm.close()
	tm2 := e.open() // sign-in sends the cancel
	if n := tm2.c.Pending(); n != 0 {
		t.Fatalf("%d still pending after restart", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletClosed || o.Cancels != 1 {
			t.Errorf("wallet: %s after %d cancels", o.Status, o.Cancels)
		}
	}
	e.agree(tm2)
}

// Rule: a cancel whose answer is lost stays in the terminal's record and
// is sent again after a restart until acknowledged; the wallet's cancel
// is idempotent, so the order is closed once and nothing is charged.
func TestScanCrashDuringCancel(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour}))
	e.dropCancels.Store(1)
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 2500, e.clock.options(6*time.Second))
	if err != nil || r.Outcome != link.ScanCancelled || !r.CancelPending {
		t.Fatalf("%+v %v", r, err)
	}
	tm.close() // dies with the cancel unacknowledged
	tm2 := e.open()
	if n := tm2.c.Pending(); n != 0 {
		t.Fatalf("%d still pending after restart", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletClosed || o.Cancels != 2 {
			t.Errorf("wallet: %s after %d cancels (want closed after 2)", o.Status, o.Cancels)
		}
	}
	e.agree(tm2)
}

// Rule: a terminal that dies after deciding to cancel a paid-late order
// refunds it at restart and never shows it approved.
func TestScanCrashDuringCancelLatePayment(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PaysAtCancel: true}))
	e.dropCancels.Store(1)
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 3300, e.clock.options(4*time.Second))
	if err != nil || r.Approved() || !r.CancelPending {
		t.Fatalf("%+v %v", r, err)
	}
	tm.close()
	tm2 := e.open()
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletRefunded {
			t.Errorf("wallet: %s", o.Status)
		}
	}
	e.agree(tm2)
}

// Rule: the dynamic code the wallet scans is shown once, then the same
// polling finds the payment; the terminal and the wallet agree.
func TestScanOrderDynamicCode(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: 5 * time.Second}))
	tm := e.open()
	var shown string
	r, err := tm.c.ScanOrder(context.Background(), 888, e.clock.options(30*time.Second), func(p string) error {
		shown = p
		return nil
	})
	if err != nil || !r.Approved() {
		t.Fatalf("%+v %v", r, err)
	}
	sc, err := qr.Recognize(shown)
	if err != nil || sc.Kind != qr.KindURL || sc.Wallet != qr.WeChatPay {
		t.Errorf("shown %q: %+v %v", shown, sc, err)
	}
	e.agree(tm)
}

// Rule: a dynamic code nobody scans is cancelled at the deadline.
func TestScanOrderNobodyScans(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour}))
	tm := e.open()
	r, err := tm.c.ScanOrder(context.Background(), 888, e.clock.options(10*time.Second), func(string) error { return nil })
	if err != nil || r.Outcome != link.ScanCancelled || r.CancelAction != string(CancelClose) {
		t.Fatalf("%+v %v", r, err)
	}
	e.agree(tm)
}

// Rule: bad input is an error wrapping link.ErrScan, never a panic.
func TestScanBadInput(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, nil)
	tm := e.open()
	ctx := context.Background()
	if _, err := tm.c.ScanSale(ctx, qr.PaymentCode{}, 100, e.clock.options(0)); !errors.Is(err, link.ErrScan) {
		t.Errorf("zero code: %v", err)
	}
	if _, err := tm.c.ScanSale(ctx, mustCode(t, scanCode), -1, e.clock.options(0)); !errors.Is(err, link.ErrScan) {
		t.Errorf("negative amount: %v", err)
	}
	if _, err := tm.c.ScanOrder(ctx, 100, e.clock.options(0), nil); !errors.Is(err, link.ErrScan) {
		t.Errorf("no display: %v", err)
	}
	for _, bad := range []struct {
		batch, stan uint32
		amount      int64
	}{{1, 1, 0}, {1, 1, -5}, {1, 0, 100}, {1, 1000000, 100}, {1000000, 1, 100}} {
		if _, err := tm.c.ScanRefund(ctx, bad.batch, bad.stan, bad.amount); !errors.Is(err, link.ErrScan) {
			t.Errorf("refund %+v: %v", bad, err)
		}
	}
	if n := tm.c.Pending(); n != 0 {
		t.Errorf("%d records after bad input", n)
	}
}

// Rule: a system error (96) says nothing about the money — the wallet
// may have charged — so the terminal queries on and reports what the
// wallet did, never "declined".
func TestScanSystemErrorIsNotAFailure(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{SystemErrors: 2}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 1200, e.clock.options(30*time.Second))
	if err != nil || !r.Approved() || r.Polls != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	e.agree(tm)
}

// Rule: a cancel the wallet refuses (the customer is still paying) is
// not finished: it stays in the record and the next drain sends it
// again until acknowledged.
func TestScanCancelRefusedWhilePaying(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour, CancelRefusals: 1}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 1300, e.clock.options(5*time.Second))
	if err != nil || r.Outcome != link.ScanCancelled || !r.CancelPending {
		t.Fatalf("%+v %v", r, err)
	}
	if tm.c.Pending() != 1 {
		t.Fatalf("pending %d, want the cancel", tm.c.Pending())
	}
	if err := tm.c.DrainReversals(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletClosed || o.Cancels != 2 {
			t.Errorf("wallet: %s after %d cancels", o.Status, o.Cancels)
		}
	}
	e.agree(tm)
}

// Rule: the next sale waits for a pending cancel: a scan is refused with
// link.ErrPendingReversal while the wallet still refuses the cancel.
func TestScanWaitsForPendingCancel(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: time.Hour, CancelRefusals: 2}))
	tm := e.open()
	if _, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 1300, e.clock.options(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 100, e.clock.options(5*time.Second)); !errors.Is(err, link.ErrPendingReversal) {
		t.Fatalf("second scan with a cancel pending: %v", err)
	}
	if len(e.gw.Ledger()) != 1 {
		t.Errorf("the second scan reached the wallet")
	}
}

// Rule: a pay whose answer is lost is "unknown", not failed: the
// terminal queries, finds the payment and approves it — charged once,
// shown approved.
func TestScanLostPayAnswerQueried(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, nil)
	e.dropPays.Store(1)
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 2100, e.clock.options(30*time.Second))
	if err != nil || !r.Approved() || r.Polls != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	e.agree(tm)
}

// Rule: the dynamic code may be an EMVCo MPM payload (it fits the
// acquirer's field, and its CRC survives the link): the terminal shows
// it unchanged and the cycle ends as for a URL.
func TestScanOrderDynamicMPM(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{PendingFor: 3 * time.Second}))
	e.gw.DynamicMPM = true
	tm := e.open()
	var shown string
	r, err := tm.c.ScanOrder(context.Background(), 4321, e.clock.options(30*time.Second), func(p string) error {
		shown = p
		return nil
	})
	if err != nil || !r.Approved() {
		t.Fatalf("%+v %v", r, err)
	}
	sc, err := qr.Recognize(shown)
	if err != nil || sc.Kind != qr.KindMPM {
		t.Fatalf("shown %q: %v", shown, err)
	}
	if a := sc.MPM.Value(54); a != "43.21" {
		t.Errorf("amount in the code: %q", a)
	}
	e.agree(tm)
}

// paidOrder makes one approved scan sale of amount and returns its batch
// and STAN (the numbers on its slip).
func paidOrder(t *testing.T, e *scanEnv, tm *terminal, amount int64) (uint32, uint32) {
	t.Helper()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), amount, e.clock.options(30*time.Second))
	if err != nil || !r.Approved() {
		t.Fatalf("%+v %v", r, err)
	}
	return r.Request.Field60.Batch, r.Request.STAN
}

// Rule (WeChat Pay refund / Alipay trade.refund): partial refunds of a
// paid order add up to at most its amount; one that would exceed it is
// declined (64) and leaves no record; the wallet's ledger and the
// terminal's batch agree after each.
func TestScanRefundPartial(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, nil)
	tm := e.open()
	batch, stan := paidOrder(t, e, tm, 1000)
	for _, step := range []struct {
		amount  int64
		outcome link.ScanOutcome
		rc      iso8583.ResponseCode
		charged int64
	}{
		{400, link.ScanApproved, "00", 600},
		{700, link.ScanDeclined, RCRefundExceeds, 600},
		{600, link.ScanApproved, "00", 0},
		{1, link.ScanDeclined, RCRefundExceeds, 0},
	} {
		r, err := tm.c.ScanRefund(context.Background(), batch, stan, step.amount)
		if err != nil || r.Outcome != step.outcome || r.Response == nil || r.Response.ResponseCode != step.rc {
			t.Fatalf("refund %d: %+v %v; want %s %s", step.amount, r, err, step.outcome, step.rc)
		}
		if step.outcome == link.ScanApproved && !strings.HasPrefix(r.AcquirerOrder, "5030") {
			t.Errorf("refund %d: wallet refund id %q", step.amount, r.AcquirerOrder)
		}
		o := e.gw.Ledger()[OrderNo(fixtures.TerminalID, batch, stan)]
		if o.Charged() != step.charged {
			t.Fatalf("after refund %d the wallet holds %d, want %d", step.amount, o.Charged(), step.charged)
		}
		e.agree(tm)
	}
}

// Rule: only money that was paid can be refunded — an order the
// customer cancelled on the phone, or one the terminal never made, is
// declined (12) with nothing recorded.
func TestScanRefundNothingToRefund(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{CustomerCancels: true}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 800, e.clock.options(30*time.Second))
	if err != nil || r.Outcome != link.ScanDeclined {
		t.Fatalf("%+v %v", r, err)
	}
	for _, orig := range []uint32{r.Request.STAN, 999} {
		rf, err := tm.c.ScanRefund(context.Background(), r.Request.Field60.Batch, orig, 800)
		if err != nil || rf.Outcome != link.ScanDeclined || rf.Response.ResponseCode != RCNotRefundable {
			t.Fatalf("refund of %06d: %+v %v", orig, rf, err)
		}
	}
	if n := tm.c.Pending(); n != 0 {
		t.Fatalf("%d records pending", n)
	}
	e.agree(tm)
}

// Rule: a refund whose answer is lost is not reversed but sent again,
// unchanged, before the next transaction; the host answers the repeat
// from its store, so the wallet is asked once and refunds once.
func TestScanRefundAnswerLostIsSentAgain(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, nil)
	tm := e.open()
	batch, stan := paidOrder(t, e, tm, 1500)
	e.dropRefunds.Store(1)
	r, err := tm.c.ScanRefund(context.Background(), batch, stan, 1500)
	if err != nil || r.Outcome != link.ScanPending {
		t.Fatalf("%+v %v", r, err)
	}
	if n := tm.c.Pending(); n != 1 {
		t.Fatalf("%d records pending, want the refund", n)
	}
	// The next transaction sends the refund first.
	paidOrder(t, e, tm, 100)
	o := e.gw.Ledger()[OrderNo(fixtures.TerminalID, batch, stan)]
	if o.Refunded != 1500 || o.Refunds != 1 {
		t.Fatalf("wallet: refunded %d in %d calls, want 1500 in 1", o.Refunded, o.Refunds)
	}
	e.agree(tm)
}

// Rule: when the wallet itself does not answer the refund, the host
// answers 96 (not its to record); the terminal keeps the refund, and the
// repeat after a restart reaches the wallet again under the same refund
// number, which refunds once.
func TestScanRefundWalletSilentThenRestart(t *testing.T) {
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{RefundAnswersLost: 1}))
	tm := e.open()
	batch, stan := paidOrder(t, e, tm, 2000)
	r, err := tm.c.ScanRefund(context.Background(), batch, stan, 2000)
	if err != nil || r.Outcome != link.ScanPending {
		t.Fatalf("%+v %v", r, err)
	}
	tm.close()
	tm2 := e.open() // the sign-in sends the pending refund
	if n := tm2.c.Pending(); n != 0 {
		t.Fatalf("%d still pending after restart", n)
	}
	o := e.gw.Ledger()[OrderNo(fixtures.TerminalID, batch, stan)]
	if o.Refunded != 2000 || o.Charged() != 0 {
		t.Fatalf("wallet: refunded %d, holds %d", o.Refunded, o.Charged())
	}
	e.agree(tm2)
}

// Rule (WeChat Pay reverse: orders up to 7 days old): a cancel that
// reaches the wallet after its cancel window — a terminal that was off
// for 8 days with a cancel pending for a paid order — is turned by the
// acquirer into a refund, and the terminal is told "refund".
func TestScanCancelAfterWindowRefunds(t *testing.T) {
	// Paid silently; the first cancel is refused (USERPAYING), so it is
	// still pending when the terminal goes off.
	e := newScanEnv(t, link.ScanProfile{}, behaviour(WalletBehaviour{NeverAnswers: true, CancelRefusals: 1}))
	tm := e.open()
	r, err := tm.c.ScanSale(context.Background(), mustCode(t, scanCode), 3000, e.clock.options(6*time.Second))
	if err != nil || r.Outcome != link.ScanCancelled || !r.CancelPending {
		t.Fatalf("%+v %v", r, err)
	}
	tm.close()
	e.clock.mu.Lock()
	e.clock.t = e.clock.t.Add(8 * 24 * time.Hour)
	e.clock.mu.Unlock()
	tm2 := e.open()
	if n := tm2.c.Pending(); n != 0 {
		t.Fatalf("%d still pending", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletSuccess || o.Refunded != 3000 || o.Charged() != 0 {
			t.Errorf("wallet: %s, refunded %d, holds %d; want paid and refunded in full", o.Status, o.Refunded, o.Charged())
		}
	}
	e.agree(tm2)
}
