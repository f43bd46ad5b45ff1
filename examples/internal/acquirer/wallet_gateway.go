package acquirer

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/possdk/pos/qr"
)

// WalletStatus is an order's state at the simulated wallet, named after
// WeChat Pay's trade_state values (Alipay: WAIT_BUYER_PAY, TRADE_SUCCESS,
// TRADE_CLOSED).
type WalletStatus string

const (
	WalletUserPaying WalletStatus = "USERPAYING" // customer is confirming on the phone
	WalletSuccess    WalletStatus = "SUCCESS"    // paid
	WalletPayError   WalletStatus = "PAYERROR"   // definite failure (customer cancelled, declined)
	WalletClosed     WalletStatus = "CLOSED"     // cancelled before payment: no money moved
	WalletRefunded   WalletStatus = "REFUND"     // paid, then cancelled: the money went back
)

// CancelAction is what a cancel did, as Alipay's trade.cancel reports it
// in "action": close (nothing was paid) or refund (a payment was returned).
type CancelAction string

const (
	CancelClose  CancelAction = "close"
	CancelRefund CancelAction = "refund"
)

// WalletBehaviour configures how the simulated wallet answers an order.
type WalletBehaviour struct {
	// PendingPolls: the pay call and this many queries answer USERPAYING
	// before the order settles (0: the pay call settles it).
	PendingPolls int
	// PendingFor: the order also stays USERPAYING until this long after
	// the pay call, by the gateway's Clock (the customer typing a
	// password on the phone).
	PendingFor time.Duration
	// CustomerCancels: when the order settles, it fails (PAYERROR)
	// instead of succeeding.
	CustomerCancels bool
	// NeverAnswers: pay and query calls are lost (ErrWalletNoAnswer);
	// only cancel gets through.
	NeverAnswers bool
	// PaysAtCancel: the customer's confirmation reaches the wallet just
	// before the terminal's cancel, so the cancel refunds (the late
	// success the issue describes).
	PaysAtCancel bool
	// SystemErrors: the pay call and the queries fail this many times in
	// all (SYSTEMERROR) although the wallet goes on as configured — so a
	// pay that fails this way may well have charged.
	SystemErrors int
	// CancelRefusals: the first cancels are refused because the customer
	// is still paying (WeChat's reverse answering USERPAYING); later
	// ones go through.
	CancelRefusals int
	// RefundAnswersLost: the wallet makes the refund but this many of
	// its answers (to the first call and repeats) are lost.
	RefundAnswersLost int
}

// ErrWalletNoAnswer simulates a lost request or answer.
var ErrWalletNoAnswer = errors.New("wallet gateway: no answer")

// ErrWalletSystem simulates a wallet-side system error (SYSTEMERROR): the
// call's effect is unknown.
var ErrWalletSystem = errors.New("wallet gateway: system error")

// ErrWalletUserPaying: a cancel refused while the customer is paying.
var ErrWalletUserPaying = errors.New("wallet gateway: customer is paying, cannot cancel yet")

// ErrWalletOrder: an unknown order number, or one reused with another
// amount or code.
var ErrWalletOrder = errors.New("wallet gateway: bad order")

// ErrWalletTooOld: a cancel (reverse) of a paid order past the wallet's
// cancel window (WeChat Pay: 7 days); only a refund returns the money.
var ErrWalletTooOld = errors.New("wallet gateway: order too old to cancel, refund it")

// ErrWalletNotRefundable: a refund of an order that holds no money (never
// paid, closed, already refunded in full).
var ErrWalletNotRefundable = errors.New("wallet gateway: order not refundable")

// ErrWalletRefundExceeds: refunds would exceed the order's amount.
var ErrWalletRefundExceeds = errors.New("wallet gateway: refunds exceed the order")

// WalletRefund is one refund in the wallet's ledger, keyed by the
// acquirer's refund number (out_refund_no): a repeat returns it again.
type WalletRefund struct {
	RefundNo string
	OrderNo  string
	WalletNo string // the wallet's refund id
	Amount   int64
	lost     int // answers lost so far
}

// WalletOrder is one line of the wallet's own ledger.
type WalletOrder struct {
	OrderNo  string // the terminal's order number (out_trade_no)
	WalletNo string // the wallet's transaction id
	Wallet   qr.Wallet
	Code     qr.PaymentCode // masked when printed
	Amount   int64          // minor units
	Status   WalletStatus
	Polls    int   // queries answered so far
	Cancels  int   // cancel calls received (retries included)
	Refunded int64 // refunds made against the order
	Refunds  int   // refund calls received (retries included)
	// Dynamic: an order for a code the customer scans (Precreate).
	Dynamic bool
	created time.Time
	behav   WalletBehaviour
	errs    int // system errors answered
	refused int // cancels refused
}

// Charged is the money the customer has paid and not had back.
func (o WalletOrder) Charged() int64 {
	if o.Status == WalletSuccess {
		return o.Amount - o.Refunded
	}
	return 0
}

// WalletGateway is the demonstration's wallet back end (WeChat Pay /
// Alipay / UnionPay QR seen from the acquirer): pay, query and cancel by
// the terminal's order number, each idempotent, with its own ledger that
// tests compare with the terminal's batch. Behaviour is set per order by
// the Behave function (default: immediate success).
type WalletGateway struct {
	mu      sync.Mutex
	orders  map[string]*WalletOrder
	refunds map[string]*WalletRefund
	seq     int
	Behave  func(code qr.PaymentCode, amount int64) WalletBehaviour
	// Clock is the gateway's time (nil: time.Now); tests share a fake
	// clock with the terminal, so no test waits for real time.
	Clock func() time.Time
	// DynamicMPM: Precreate returns an EMVCo merchant-presented payload
	// (UnionPay profile, the order number as reference label 62.05)
	// instead of a wallet URL.
	DynamicMPM bool
	// CancelWindow is how old a paid order may be and still be cancelled
	// (reversed); older ones need a refund (0: 7 days, WeChat Pay's
	// reverse limit).
	CancelWindow time.Duration
}

func (g *WalletGateway) now() time.Time {
	if g.Clock != nil {
		return g.Clock()
	}
	return time.Now()
}

// NewWalletGateway returns an empty gateway that pays immediately.
func NewWalletGateway() *WalletGateway {
	return &WalletGateway{orders: map[string]*WalletOrder{}, refunds: map[string]*WalletRefund{}}
}

// Pay starts (or, for a repeated order number, re-answers) a payment.
// A repeated pay never charges twice.
func (g *WalletGateway) Pay(orderNo string, code qr.PaymentCode, amount int64) (WalletOrder, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if o, ok := g.orders[orderNo]; ok {
		if o.Amount != amount || o.Code.Digits() != code.Digits() {
			return WalletOrder{}, fmt.Errorf("%w: order %s reused with other data", ErrWalletOrder, orderNo)
		}
		if o.behav.NeverAnswers {
			return WalletOrder{}, ErrWalletNoAnswer
		}
		return *o, nil
	}
	var b WalletBehaviour
	if g.Behave != nil {
		b = g.Behave(code, amount)
	}
	g.seq++
	o := &WalletOrder{OrderNo: orderNo, WalletNo: fmt.Sprintf("4200%016d", g.seq), Wallet: code.Wallet(), Code: code, Amount: amount, Status: WalletUserPaying, behav: b, created: g.now()}
	g.orders[orderNo] = o
	if b.PendingPolls == 0 && b.PendingFor == 0 && !b.PaysAtCancel {
		g.settle(o)
	}
	if b.NeverAnswers {
		return WalletOrder{}, ErrWalletNoAnswer
	}
	if o.errs < b.SystemErrors {
		o.errs++
		return WalletOrder{}, ErrWalletSystem
	}
	return *o, nil
}

func (g *WalletGateway) settle(o *WalletOrder) {
	if o.behav.CustomerCancels {
		o.Status = WalletPayError
	} else {
		o.Status = WalletSuccess
	}
}

// Precreate opens an order for a dynamic code the customer's wallet
// scans (WeChat Native pay's code_url, Alipay's precreate qr_code) and
// returns the code's payload. The order is USERPAYING (not yet paid) and
// settles by the gateway's behaviour for a zero code, like a scanned pay.
// A repeated order number returns the same payload.
func (g *WalletGateway) Precreate(orderNo string, amount int64) (WalletOrder, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if o, ok := g.orders[orderNo]; ok {
		if !o.Dynamic || o.Amount != amount {
			return WalletOrder{}, "", fmt.Errorf("%w: order %s reused with other data", ErrWalletOrder, orderNo)
		}
		c, err := g.dynamicCode(o)
		return *o, c, err
	}
	var b WalletBehaviour
	if g.Behave != nil {
		b = g.Behave(qr.PaymentCode{}, amount)
	}
	if b.PendingPolls == 0 && b.PendingFor == 0 {
		b.PendingPolls = 1 // the customer scans after the code is shown
	}
	g.seq++
	o := &WalletOrder{OrderNo: orderNo, WalletNo: fmt.Sprintf("4200%016d", g.seq), Wallet: qr.WeChatPay, Amount: amount,
		Status: WalletUserPaying, Dynamic: true, behav: b, created: g.now()}
	g.orders[orderNo] = o
	if b.NeverAnswers {
		return WalletOrder{}, "", ErrWalletNoAnswer
	}
	c, err := g.dynamicCode(o)
	return *o, c, err
}

func (g *WalletGateway) dynamicCode(o *WalletOrder) (string, error) {
	if !g.DynamicMPM {
		return dynamicURL(o), nil
	}
	a, err := qr.FormatAmount(o.Amount, 2)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletOrder, err)
	}
	code := qr.MerchantCode{
		Initiation: qr.Dynamic,
		Accounts:   []qr.Object{{ID: 15, Value: "0309998800010000" + "898100012340001"}},
		MCC:        "5411", Currency: "156", Amount: a, Country: "CN",
		Name: "POSSDK TEST SHOP", City: "SHANGHAI",
		Additional: []qr.Object{{ID: 5, Value: o.WalletNo}},
	}
	return code.String(), nil
}

// dynamicURL is a WeChat Native-pay style code URL naming the order.
func dynamicURL(o *WalletOrder) string { return "weixin://wxpay/bizpayurl?pr=" + o.WalletNo }

// Query answers the order's state; a pending order counts the poll.
func (g *WalletGateway) Query(orderNo string) (WalletOrder, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	o, ok := g.orders[orderNo]
	if !ok {
		return WalletOrder{}, fmt.Errorf("%w: no order %s", ErrWalletOrder, orderNo)
	}
	if o.behav.NeverAnswers {
		return WalletOrder{}, ErrWalletNoAnswer
	}
	if o.errs < o.behav.SystemErrors {
		o.errs++
		return WalletOrder{}, ErrWalletSystem
	}
	if o.Status == WalletUserPaying {
		o.Polls++
		if !o.behav.PaysAtCancel && o.Polls >= o.behav.PendingPolls && !g.now().Before(o.created.Add(o.behav.PendingFor)) {
			g.settle(o)
		}
	}
	return *o, nil
}

// Cancel ends an order that the terminal gave up on: unpaid orders close,
// paid ones are refunded (Alipay trade.cancel's close/refund; WeChat's
// reverse). It is idempotent, so a terminal retrying an unacknowledged
// cancel after a restart gets the same answer. Cancelling an order the
// gateway never saw records it as closed, so a pay that arrives later is
// refused rather than charged.
func (g *WalletGateway) Cancel(orderNo string) (CancelAction, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	o, ok := g.orders[orderNo]
	if !ok {
		g.orders[orderNo] = &WalletOrder{OrderNo: orderNo, Status: WalletClosed, Cancels: 1, created: g.now()}
		return CancelClose, nil
	}
	o.Cancels++
	if o.refused < o.behav.CancelRefusals {
		o.refused++
		return "", ErrWalletUserPaying
	}
	if o.Status == WalletUserPaying && o.behav.PaysAtCancel {
		o.Status = WalletSuccess // the customer's confirmation won the race
	}
	window := g.CancelWindow
	if window == 0 {
		window = 7 * 24 * time.Hour
	}
	if o.Status == WalletSuccess && g.now().Sub(o.created) > window {
		return "", ErrWalletTooOld
	}
	if o.Status == WalletSuccess && o.Refunded > 0 {
		// Partly refunded already: the cancel returns the rest.
		o.Refunded = o.Amount
		return CancelRefund, nil
	}
	switch o.Status {
	case WalletSuccess, WalletRefunded:
		o.Status = WalletRefunded
		return CancelRefund, nil
	default:
		o.Status = WalletClosed
		return CancelClose, nil
	}
}

// Refund returns amount of the paid order orderNo to the customer
// (WeChat Pay refund, Alipay trade.refund), under the acquirer's refund
// number refundNo: a repeat of a refund number returns the first answer
// and never refunds twice; the same number with other data is refused.
// Refunds of one order add up to at most its amount.
func (g *WalletGateway) Refund(refundNo, orderNo string, amount int64) (WalletRefund, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.refunds[refundNo]; ok {
		if r.OrderNo != orderNo || r.Amount != amount {
			return WalletRefund{}, fmt.Errorf("%w: refund %s reused with other data", ErrWalletOrder, refundNo)
		}
		return g.refundAnswer(r)
	}
	o, ok := g.orders[orderNo]
	if !ok {
		return WalletRefund{}, fmt.Errorf("%w: no order %s", ErrWalletNotRefundable, orderNo)
	}
	o.Refunds++
	switch {
	case o.Status != WalletSuccess:
		return WalletRefund{}, fmt.Errorf("%w: order %s is %s", ErrWalletNotRefundable, orderNo, o.Status)
	case amount <= 0 || o.Refunded+amount > o.Amount:
		return WalletRefund{}, fmt.Errorf("%w: %d more on %d of %d", ErrWalletRefundExceeds, amount, o.Refunded, o.Amount)
	}
	o.Refunded += amount
	g.seq++
	r := &WalletRefund{RefundNo: refundNo, OrderNo: orderNo, WalletNo: fmt.Sprintf("5030%016d", g.seq), Amount: amount}
	g.refunds[refundNo] = r
	return g.refundAnswer(r)
}

func (g *WalletGateway) refundAnswer(r *WalletRefund) (WalletRefund, error) {
	if o := g.orders[r.OrderNo]; o != nil && r.lost < o.behav.RefundAnswersLost {
		r.lost++
		return WalletRefund{}, ErrWalletNoAnswer
	}
	return *r, nil
}

// Ledger returns a copy of every order, for comparison with a terminal's
// batch.
func (g *WalletGateway) Ledger() map[string]WalletOrder {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := make(map[string]WalletOrder, len(g.orders))
	for k, o := range g.orders {
		m[k] = *o
	}
	return m
}
