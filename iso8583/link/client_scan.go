package link

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/qr"
)

// ErrScan reports a scan payment that could not be run (bad code, bad
// options, an answer that is not a scan answer).
var ErrScan = errors.New("link: scan payment")

// ScanProfile is an acquirer's dialect for scan-code payments
// (iso8583.KindScanPay, KindScanQuery, KindScanCancel, KindScanOrder).
// The CUP POS spec has no scan messages; acquirers that carry them over
// 8583 put the payment code in a private field of their choosing. The
// defaults are possdk's convention, documented here:
//
//	payment code (request)        field 63: 63.1 "QRC", 63.2 the code's digits
//	acquirer order no. (answer)   the same field, same layout
//	dynamic code (order answer)   the same field: a URL or an EMVCo MPM payload
//	cancel's action (answer)      the same field: "close" or "refund"
//	pending (USERPAYING)          response code 09 ("request in progress", ISO 8583:1987)
//	outcome unknown               91, 96, 98 (issuer or system unavailable), 25 (order not
//	                                found yet): treated like pending — query, then cancel —
//	                                since the wallet may have charged (WeChat: on SYSTEMERROR, query)
//	definite failure              any other code: nothing was paid, the record is dropped
//	cancel finished               00 (closed or refunded), 25 (no such order: nothing to undo)
//
// With CodeField 59 the same values travel as the whole of field 59.
type ScanProfile struct {
	// CodeField is 63 (default) or 59.
	CodeField int
	// Pending is the response code of an order the customer is still
	// confirming (default 09).
	Pending iso8583.ResponseCode
	// Unknown lists the response codes that say nothing about the
	// payment (default 91, 96, 98, 25): the terminal keeps querying and
	// cancels at the deadline rather than call them a failure.
	Unknown []iso8583.ResponseCode
	// CancelDone lists the response codes of a MAC-verified cancel
	// answer that finish a cancel (default 00, 25). Any other answer —
	// including Pending, WeChat's "USERPAYING: cannot revoke yet" — leaves
	// the cancel pending, sent again like a reversal.
	CancelDone []iso8583.ResponseCode
}

const scanTag = "QRC" // 63.1 of scan messages

func (p ScanProfile) withDefaults() ScanProfile {
	if p.CodeField == 0 {
		p.CodeField = 63
	}
	if p.Pending == "" {
		p.Pending = "09"
	}
	if len(p.Unknown) == 0 {
		p.Unknown = []iso8583.ResponseCode{"91", "96", "98", "25"}
	}
	if len(p.CancelDone) == 0 {
		p.CancelDone = []iso8583.ResponseCode{"00", "25"}
	}
	return p
}

// open reports whether rc leaves the payment's outcome open.
func (p ScanProfile) open(rc iso8583.ResponseCode) bool {
	return rc == p.Pending || slices.Contains(p.Unknown, rc)
}

func (p ScanProfile) check() error {
	if p.CodeField != 59 && p.CodeField != 63 {
		return fmt.Errorf("%w: scan code field %d (59 or 63)", ErrScan, p.CodeField)
	}
	return nil
}

// put writes s in the profile's field of t.
func (p ScanProfile) put(t *iso8583.Transaction, s string) {
	if p.CodeField == 59 {
		t.TerminalInfo = s
		return
	}
	t.Field63 = &iso8583.Field63{Code: scanTag, Text: s}
}

// Get reads the profile's field of t ("" when absent).
func (p ScanProfile) Get(t *iso8583.Transaction) string {
	p = p.withDefaults()
	if p.CodeField == 59 {
		return t.TerminalInfo
	}
	if t.Field63 == nil || t.Field63.Code != scanTag {
		return ""
	}
	return t.Field63.Text
}

// Put writes s in the profile's field of t (for hosts answering scans).
func (p ScanProfile) Put(t *iso8583.Transaction, s string) { p.withDefaults().put(t, s) }

// ScanOptions are the merchant's settings for one scan payment.
type ScanOptions struct {
	// Deadline is how long the terminal waits for the customer before it
	// cancels (default 30 s, WeChat Pay's advised query timeout; WeChat
	// revokes unpaid orders itself after 45 s).
	Deadline time.Duration
	// FirstPoll is the wait before the first query (default 3 s, the
	// lower end of WeChat's advised 3–5 s); each later wait is 1.5 times
	// the previous, up to MaxPoll (default 10 s).
	FirstPoll, MaxPoll time.Duration
	// Clock and Sleep replace the wall clock (tests; nil: time.Now and
	// a timer that ends with ctx).
	Clock func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o ScanOptions) withDefaults() ScanOptions {
	if o.Deadline <= 0 {
		o.Deadline = 30 * time.Second
	}
	if o.FirstPoll <= 0 {
		o.FirstPoll = 3 * time.Second
	}
	if o.MaxPoll <= 0 {
		o.MaxPoll = 10 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return o
}

// ScanOutcome is how a scan payment ended, as the terminal shows it.
type ScanOutcome uint8

const (
	// ScanApproved: the wallet paid; the sale is recorded as approved.
	ScanApproved ScanOutcome = iota + 1
	// ScanDeclined: the wallet answered a definite failure (customer
	// cancelled, insufficient balance, code expired): nothing was paid.
	ScanDeclined
	// ScanCancelled: the terminal gave up (deadline, lost answers) and
	// its cancel is recorded; the acquirer closes the order or, if the
	// customer paid late, refunds it. Never shown as approved.
	ScanCancelled
	// ScanPending: a refund is recorded but its answer did not arrive
	// (or said nothing): the client sends the same refund again before
	// the next transaction and after a restart, until the acquirer
	// answers. The wallet refunds once (the refund's number — terminal,
	// batch, STAN — makes a repeat harmless). Give no cash meanwhile.
	ScanPending
)

func (o ScanOutcome) String() string {
	switch o {
	case ScanApproved:
		return "approved"
	case ScanDeclined:
		return "declined"
	case ScanCancelled:
		return "cancelled"
	case ScanPending:
		return "pending"
	}
	return fmt.Sprintf("ScanOutcome(%d)", uint8(o))
}

// ScanResult is a finished scan payment.
type ScanResult struct {
	Outcome ScanOutcome
	// Wallet named by the code (payment codes; for a dynamic code, the
	// wallet is unknown: qr.WalletUnknown).
	Wallet qr.Wallet
	// Code is the payment code, masked.
	Code string
	// Request is the pay as recorded (code masked); Response the last
	// answer (nil when none arrived).
	Request, Response *iso8583.Transaction
	// AcquirerOrder is the acquirer's (wallet's) order number, when it
	// gave one.
	AcquirerOrder string
	// Polls is the number of queries sent.
	Polls int
	// CancelPending reports a cancel that is recorded but not yet
	// acknowledged: the client sends it again before the next
	// transaction, and after a restart.
	CancelPending bool
	// CancelAction is the acquirer's word on an acknowledged cancel:
	// "close" (nothing was paid) or "refund" (a late payment went back).
	CancelAction string
}

// Approved reports whether the payment was approved.
func (r *ScanResult) Approved() bool { return r != nil && r.Outcome == ScanApproved }

// ScanSale takes a payment with a customer's payment code (the cashier
// scanned the customer's wallet): the pay → query → cancel cycle. The
// record, with the cancel to send, is synced before the pay leaves
// (StatePrepared: a crash from here on cancels the order at restart);
// a pending answer (ScanProfile.Pending), an unknown one
// (ScanProfile.Unknown) or no answer at all starts queries with backoff
// until opt.Deadline; success records the sale (StateApproved), a
// definite failure deletes the record, and anything else — the
// deadline, a MAC failure, an amount mismatch — records the decision to cancel
// (StateReversing) and sends the cancel until a MAC-verified answer in
// ScanProfile.CancelDone finishes it, across restarts like a card
// reversal. Once the cancel is decided the sale is never shown as
// approved: a late payment is the acquirer's to refund.
//
// The client's lock is held for the whole cycle (one transaction at a
// time, as on a terminal). Ending ctx while polling gives up like the
// deadline: the cancel is recorded and sent before the next transaction.
func (c *Client) ScanSale(ctx context.Context, code qr.PaymentCode, amount int64, opt ScanOptions) (*ScanResult, error) {
	if code.IsZero() {
		return nil, fmt.Errorf("%w: no payment code", ErrScan)
	}
	if amount <= 0 {
		return nil, fmt.Errorf("%w: amount %d", ErrScan, amount)
	}
	return c.scan(ctx, iso8583.KindScanPay, code.Digits(), code.Wallet(), code.String(), amount, opt, nil)
}

// ScanOrder asks the acquirer for a dynamic code the customer's wallet
// scans (C2B) for amount, calls show with it (a URL or an EMVCo MPM
// payload, to render with qr/render), and then runs the same
// query → cancel cycle as ScanSale until the customer has paid or the
// deadline passes.
func (c *Client) ScanOrder(ctx context.Context, amount int64, opt ScanOptions, show func(payload string) error) (*ScanResult, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("%w: amount %d", ErrScan, amount)
	}
	if show == nil {
		return nil, fmt.Errorf("%w: no display for the dynamic code", ErrScan)
	}
	return c.scan(ctx, iso8583.KindScanOrder, "", qr.WalletUnknown, "", amount, opt, show)
}

func (c *Client) scan(ctx context.Context, kind iso8583.Kind, digits string, wallet qr.Wallet, masked string, amount int64, opt ScanOptions, show func(string) error) (*ScanResult, error) {
	prof := c.cfg.Scan.withDefaults()
	if err := prof.check(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.readyLocked(ctx); err != nil {
		return nil, err
	}
	start := opt.Clock()
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return nil, err
	}
	batch := c.cfg.Counters.Batch()
	t := &iso8583.Transaction{Kind: kind, Amount: amount, STAN: stan, Field60: &iso8583.Field60{Batch: batch},
		TerminalID: c.cfg.Terminal.TerminalID, MerchantID: c.cfg.Terminal.MerchantID}
	if digits != "" {
		prof.put(t, digits)
	}
	// What the journal and the caller keep: the code masked (a payment
	// code is a bearer secret while valid; the cancel needs only the
	// order's batch and STAN).
	kept := *t
	if digits != "" {
		prof.put(&kept, masked)
	}
	res := &ScanResult{Wallet: wallet, Code: masked, Request: &kept}
	id := recordID(t)
	cancel := scanCancel(t)
	if err := c.putRecord(id, txnRecord{State: StatePrepared, Rev: cancel}); err != nil {
		return nil, fmt.Errorf("link: recording %s: %w", kind, err)
	}
	giveUp := func(why error) (*ScanResult, error) {
		c.cfg.Logger.Warn("link: cancelling scan payment", "txn", &kept, "why", why)
		res.Outcome = ScanCancelled
		if err := c.putRecord(id, txnRecord{State: StateReversing, Rev: cancel}); err != nil {
			// Still "prepared": a restart cancels it all the same.
			c.cfg.Logger.Error("link: recording a scan cancel", "err", err)
		}
		res.CancelPending = true
		if ctx.Err() == nil {
			if act, err := c.sendCancelLocked(ctx, cancel); err == nil {
				if err := c.deleteRecord(id); err == nil {
					res.CancelPending, res.CancelAction = false, act
				}
			}
		}
		return res, nil
	}
	resp, err := c.roundTripLocked(ctx, t)
	if err == nil && !resp.MACVerified && resp.ResponseCode.Approved() {
		err = fmt.Errorf("%w: approved answer without a verified MAC", iso8583.ErrMAC)
	}
	if err == nil && resp.Amount != 0 && resp.Amount != amount {
		err = fmt.Errorf("%w: amount %d answers a request for %d", ErrMismatch, resp.Amount, amount)
	}
	if err != nil {
		if errors.Is(err, iso8583.ErrMAC) || errors.Is(err, ErrMismatch) || ctx.Err() != nil || kind == iso8583.KindScanOrder {
			return giveUp(err)
		}
		// No answer: the wallet may have the order (and the money), so
		// the outcome is open — query it like a pending answer, and
		// cancel at the deadline (WeChat Pay: on a failed or timed-out
		// pay call, query before deciding).
		c.cfg.Logger.Warn("link: scan pay unanswered; querying", "txn", &kept, "err", err)
		resp = &iso8583.Transaction{ResponseCode: prof.Pending}
	} else {
		res.Response = resp
	}
	if o := prof.Get(resp); o != "" {
		res.AcquirerOrder = o
	}
	if kind == iso8583.KindScanOrder {
		if !resp.ResponseCode.Approved() && !prof.open(resp.ResponseCode) {
			return c.scanDeclined(id, res)
		}
		if res.AcquirerOrder == "" {
			return giveUp(fmt.Errorf("%w: order answer carries no code", ErrScan))
		}
		if err := show(res.AcquirerOrder); err != nil {
			return giveUp(err)
		}
		res.AcquirerOrder = ""
		resp.ResponseCode = prof.Pending // the customer has yet to scan
	}
	wait := opt.FirstPoll
	for prof.open(resp.ResponseCode) {
		left := opt.Deadline - opt.Clock().Sub(start)
		if left <= 0 {
			return giveUp(fmt.Errorf("%w: deadline %v passed with the customer still confirming", ErrScan, opt.Deadline))
		}
		if err := opt.Sleep(ctx, min(wait, left)); err != nil {
			return giveUp(err)
		}
		wait = min(wait*3/2, opt.MaxPoll)
		q, err := c.scanQueryLocked(t)
		if err != nil {
			return giveUp(err)
		}
		res.Polls++
		ans, err := c.roundTripLocked(ctx, q)
		if err != nil {
			// A lost query answer is not an outcome: ask again until the
			// deadline.
			c.cfg.Logger.Warn("link: scan query", "txn", q, "err", err)
			continue
		}
		if ans.ResponseCode.Approved() && !ans.MACVerified {
			return giveUp(fmt.Errorf("%w: approved query answer without a verified MAC", iso8583.ErrMAC))
		}
		resp = ans
		res.Response = ans
		if o := prof.Get(ans); o != "" {
			res.AcquirerOrder = o
		}
	}
	if !resp.ResponseCode.Approved() {
		return c.scanDeclined(id, res)
	}
	done := kept
	done.ApplyResponse(resp)
	if err := c.putRecord(id, txnRecord{State: StateApproved, Txn: &done}); err != nil {
		// Paid but not recorded: cancel (the acquirer refunds) rather
		// than leave the wallet and the terminal disagreeing.
		return giveUp(fmt.Errorf("link: recording approved %s: %w", kind, err))
	}
	kept = done
	res.Outcome = ScanApproved
	return res, nil
}

func (c *Client) scanDeclined(id uint64, res *ScanResult) (*ScanResult, error) {
	if err := c.deleteRecord(id); err != nil {
		// The record stays "prepared": a restart sends the cancel, which
		// closes an order that was never paid. Harmless.
		c.cfg.Logger.Error("link: dropping the record of a declined scan", "err", err)
	}
	res.Outcome = ScanDeclined
	return res, nil
}

// scanCancel builds the cancel of the scan request t: it names the order
// by t's batch and STAN (field 61); its own STAN is taken when it is sent.
func scanCancel(t *iso8583.Transaction) *iso8583.Transaction {
	return &iso8583.Transaction{Kind: iso8583.KindScanCancel, Amount: t.Amount, STAN: t.STAN,
		TerminalID: t.TerminalID, MerchantID: t.MerchantID,
		Field60: &iso8583.Field60{Batch: t.Field60.Batch},
		Field61: &iso8583.Field61{Batch: t.Field60.Batch, STAN: t.STAN}}
}

func (c *Client) scanQueryLocked(t *iso8583.Transaction) (*iso8583.Transaction, error) {
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return nil, err
	}
	return &iso8583.Transaction{Kind: iso8583.KindScanQuery, STAN: stan,
		TerminalID: t.TerminalID, MerchantID: t.MerchantID,
		Field60: &iso8583.Field60{Batch: c.cfg.Counters.Batch()},
		Field61: &iso8583.Field61{Batch: t.Field60.Batch, STAN: t.STAN}}, nil
}

// sendCancelLocked makes one attempt to deliver a scan cancel, under a
// fresh STAN (a retried cancel must not be taken for a retransmission of
// an earlier, unfinished answer). It returns the acquirer's action.
func (c *Client) sendCancelLocked(ctx context.Context, cancel *iso8583.Transaction) (string, error) {
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return "", err
	}
	m := *cancel
	m.STAN = stan
	m.Field60 = &iso8583.Field60{Batch: c.cfg.Counters.Batch()}
	resp, err := c.roundTripLocked(ctx, &m)
	if err != nil {
		return "", err
	}
	prof := c.cfg.Scan.withDefaults()
	if !resp.MACVerified || !slices.Contains(prof.CancelDone, resp.ResponseCode) {
		c.cfg.Logger.Warn("link: scan cancel not acknowledged", "txn", &m, "rc", resp.ResponseCode, "mac", resp.MACVerified)
		return "", fmt.Errorf("%w: host answered %s (MAC verified: %v)", ErrReversalRefused, resp.ResponseCode, resp.MACVerified)
	}
	act := prof.Get(resp)
	c.cfg.Logger.Info("link: scan cancel acknowledged", "txn", &m, "rc", resp.ResponseCode, "action", act)
	return act, nil
}

// ScanRefund returns amount of a paid scan order to the customer's wallet
// (扫码退货): the merchant's undo of a scan sale, and the only one once the
// wallet's cancel window has passed (WeChat Pay reverses orders up to 7
// days old, Alipay cancels within 24 hours; after that only a refund
// returns the money). The order is the terminal's pay, named by the batch
// and STAN printed on its slip; several partial refunds may follow one
// order, together at most its amount (the acquirer refuses more).
//
// The refund moves money, so it is recorded before it is sent
// (StatePrepared, holding the refund itself). Without a MAC-verified
// answer that settles it, it is not reversed but sent again unchanged —
// same STAN, so the host answers a retransmission from its store and the
// wallet, keyed by the refund's number, refunds once — before the next
// transaction and after a restart (ScanPending). An approved refund is
// recorded (StateApproved) with the wallet's refund number; a definite
// decline drops the record.
func (c *Client) ScanRefund(ctx context.Context, batch, stan uint32, amount int64) (*ScanResult, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("%w: refund amount %d", ErrScan, amount)
	}
	if stan == 0 || stan > 999999 || batch > 999999 {
		return nil, fmt.Errorf("%w: original batch %d / trace %d", ErrScan, batch, stan)
	}
	prof := c.cfg.Scan.withDefaults()
	if err := prof.check(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	own, err := c.beginLocked(ctx)
	if err != nil {
		return nil, err
	}
	t := &iso8583.Transaction{Kind: iso8583.KindScanRefund, Amount: amount, STAN: own,
		TerminalID: c.cfg.Terminal.TerminalID, MerchantID: c.cfg.Terminal.MerchantID,
		Field60: &iso8583.Field60{Batch: c.cfg.Counters.Batch()},
		Field61: &iso8583.Field61{Batch: batch, STAN: stan}}
	id := recordID(t)
	if err := c.putRecord(id, txnRecord{State: StatePrepared, Rev: t}); err != nil {
		return nil, fmt.Errorf("link: recording %s: %w", t.Kind, err)
	}
	res, err := c.sendScanRefundLocked(ctx, id, t)
	if err != nil {
		c.cfg.Logger.Warn("link: scan refund not settled; it is sent again before the next transaction", "txn", t, "err", err)
		return &ScanResult{Outcome: ScanPending, Request: t}, nil
	}
	return res, nil
}

// sendScanRefundLocked makes one attempt to settle the recorded refund t
// (record id): approved → recorded approved, definite decline → record
// dropped; anything else is an error and the record stays.
func (c *Client) sendScanRefundLocked(ctx context.Context, id uint64, t *iso8583.Transaction) (*ScanResult, error) {
	prof := c.cfg.Scan.withDefaults()
	res := &ScanResult{Request: t}
	resp, err := c.roundTripLocked(ctx, t)
	if err != nil {
		return nil, err
	}
	res.Response = resp
	switch {
	case !resp.MACVerified && resp.ResponseCode.Approved():
		return nil, fmt.Errorf("%w: approved refund answer without a verified MAC", iso8583.ErrMAC)
	case resp.Amount != 0 && resp.Amount != t.Amount:
		return nil, fmt.Errorf("%w: amount %d answers a refund of %d", ErrMismatch, resp.Amount, t.Amount)
	case prof.open(resp.ResponseCode):
		return nil, fmt.Errorf("%w: refund answered %s (outcome open)", ErrScan, resp.ResponseCode)
	case !resp.ResponseCode.Approved():
		if err := c.deleteRecord(id); err != nil {
			return nil, err
		}
		res.Outcome = ScanDeclined
		return res, nil
	}
	res.AcquirerOrder = prof.Get(resp)
	done := *t
	done.ApplyResponse(resp)
	if err := c.putRecord(id, txnRecord{State: StateApproved, Txn: &done}); err != nil {
		// The wallet refunded; the record still says "prepared", so the
		// refund is sent again and answered again from the host's store
		// (never refunded twice) until it can be recorded.
		return nil, fmt.Errorf("link: recording approved %s: %w", t.Kind, err)
	}
	res.Request, res.Outcome = &done, ScanApproved
	return res, nil
}
