package terminal

import (
	"context"
	"fmt"
	"time"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/qr/render"
)

// ScanSale is how a scan-code payment ended, as the terminal showed it.
type ScanSale struct {
	*link.ScanResult
	Amount int64
}

// ScanSale takes a payment with the customer's wallet payment code
// (付款码) read by the terminal's scanner: the pay → query → cancel cycle
// of link.Client.ScanSale. The transcript and the receipts show the code
// masked.
func (t *Terminal) ScanSale(ctx context.Context, scanned string, amount int64, opt link.ScanOptions) (*ScanSale, error) {
	sc, err := qr.Recognize(scanned)
	if err != nil {
		return nil, err
	}
	if sc.Kind != qr.KindWalletCode {
		return nil, fmt.Errorf("terminal: scanned a %s, not a wallet payment code: %w", sc.Kind, qr.ErrUnrecognized)
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	t.say("scanned %s payment code %s: scan sale of %s", sc.Wallet, sc.Code, money(amount))
	return t.finishScan(ctx, amount, func(ctx context.Context) (*link.ScanResult, error) {
		return t.client.ScanSale(ctx, sc.Code, amount, t.watch(opt))
	})
}

// ScanOrder asks the acquirer for a dynamic code for amount, draws it in
// the terminal window for the customer's wallet to scan, and waits for
// the payment with the same cycle.
func (t *Terminal) ScanOrder(ctx context.Context, amount int64, opt link.ScanOptions) (*ScanSale, error) {
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	t.say("scan order of %s: asking the acquirer for a dynamic code", money(amount))
	return t.finishScan(ctx, amount, func(ctx context.Context) (*link.ScanResult, error) {
		return t.client.ScanOrder(ctx, amount, t.watch(opt), func(payload string) error {
			t.say("  ← host: code %s — customer, scan with your wallet:", payload)
			return render.Terminal(t.cfg.Out, payload, render.Options{Level: render.L})
		})
	})
}

// watch reports each wait of the polling in the transcript.
func (t *Terminal) watch(opt link.ScanOptions) link.ScanOptions {
	inner := opt.Sleep
	if inner == nil {
		inner = func(ctx context.Context, d time.Duration) error {
			tm := time.NewTimer(d)
			defer tm.Stop()
			select {
			case <-tm.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	opt.Sleep = func(ctx context.Context, d time.Duration) error {
		t.say("  … customer confirming on the phone (USERPAYING); next query in %v", d.Round(100*time.Millisecond))
		return inner(ctx, d)
	}
	return opt
}

func (t *Terminal) finishScan(ctx context.Context, amount int64, run func(context.Context) (*link.ScanResult, error)) (*ScanSale, error) {
	r, err := run(ctx)
	if err != nil {
		t.say("  ✗ %v", err)
		return nil, err
	}
	s := &ScanSale{ScanResult: r, Amount: amount}
	switch {
	case r.Approved():
		t.say("  ← host: paid after %d quer%s, order %s", r.Polls, plural(r.Polls, "y", "ies"), r.AcquirerOrder)
		t.printScanReceipts(s)
	case r.Outcome == link.ScanDeclined:
		t.say("  ✗ wallet declined (%s) after %d quer%s: nothing paid", r.Response.ResponseCode, r.Polls, plural(r.Polls, "y", "ies"))
	case r.CancelPending:
		t.say("  ✗ gave up after %d quer%s; the cancel is recorded and will be sent again until the acquirer acknowledges it", r.Polls, plural(r.Polls, "y", "ies"))
	default:
		t.say("  ✗ gave up after %d quer%s; order cancelled (acquirer: %s) — not charged", r.Polls, plural(r.Polls, "y", "ies"), r.CancelAction)
	}
	return s, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (t *Terminal) printScanReceipts(s *ScanSale) {
	req := s.Request
	r := &Receipt{
		Merchant: t.cfg.MerchantName, MerchantID: t.cfg.MerchantID, TerminalID: t.cfg.TerminalID,
		Kind: "SCAN SALE", Entry: "SCAN", Wallet: s.Wallet.String(), PayCode: s.Code, WalletOrder: s.AcquirerOrder,
		RRN: s.Response.RRN, STAN: req.STAN, Time: t.cfg.Now(), Amount: s.Amount,
	}
	if s.Code == "" {
		r.Kind, r.Entry = "QR ORDER", "CUSTOMER SCAN"
	}
	if req.Field60 != nil {
		r.Batch = req.Field60.Batch
	}
	for _, c := range []Copy{MerchantCopy, CardholderCopy} {
		if err := WriteReceipt(t.cfg.Receipts, r, c); err != nil {
			t.say("  printer: %v", err)
		}
	}
}

// ScanRefund returns amount of a paid scan order — the batch and trace
// printed on its slip — to the customer's wallet (扫码退货;
// link.Client.ScanRefund). A refund without an answer is recorded and
// sent again before the next transaction: the cashier gives no cash.
func (t *Terminal) ScanRefund(ctx context.Context, batch, trace uint32, amount int64) (*ScanSale, error) {
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	t.say("scan refund of %s on order batch %06d trace %06d", money(amount), batch, trace)
	r, err := t.client.ScanRefund(ctx, batch, trace, amount)
	if err != nil {
		t.say("  ✗ %v", err)
		return nil, err
	}
	s := &ScanSale{ScanResult: r, Amount: amount}
	switch r.Outcome {
	case link.ScanApproved:
		t.say("  ← host: refunded to the wallet, refund no. %s", r.AcquirerOrder)
		req := r.Request
		rc := &Receipt{
			Merchant: t.cfg.MerchantName, MerchantID: t.cfg.MerchantID, TerminalID: t.cfg.TerminalID,
			Kind: SlipKind(req.Kind), Entry: "SCAN", WalletOrder: r.AcquirerOrder,
			RRN: req.RRN, STAN: req.STAN, Time: t.cfg.Now(), Amount: amount, OrigSTAN: trace,
		}
		if req.Field60 != nil {
			rc.Batch = req.Field60.Batch
		}
		for _, c := range []Copy{MerchantCopy, CardholderCopy} {
			if err := WriteReceipt(t.cfg.Receipts, rc, c); err != nil {
				t.say("  printer: %v", err)
			}
		}
	case link.ScanDeclined:
		t.say("  ✗ refused: %s — nothing refunded", r.Response.ResponseCode)
	default:
		t.say("  … no answer: the refund is recorded and sent again before the next transaction — give no cash")
	}
	return s, nil
}
