package acquirer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

// Response codes the scan handler answers with, besides 00 and the
// profile's pending code (link.ScanProfile).
const (
	RCWalletDeclined iso8583.ResponseCode = "05" // PAYERROR: customer cancelled or the wallet refused
	RCOrderClosed    iso8583.ResponseCode = "12" // the order was closed (cancelled) before it was paid
	RCBadCode        iso8583.ResponseCode = "14" // not a wallet payment code (invalid card number, by analogy)
	RCNotRefundable  iso8583.ResponseCode = "12" // refund of an order that holds no money (unknown, unpaid, closed)
	RCRefundExceeds  iso8583.ResponseCode = "64" // refunds would exceed the order (ISO 8583: original amount incorrect)
)

// ServeScans registers the scan-code payment handlers (pay, query,
// cancel, dynamic-code order) on the acquirer's host, answering through
// g with the terminal dialect p. The order number the wallet sees is the
// terminal's: terminal ID, batch and STAN of the pay (orderNo).
//
// Mapping of the wallet's answers:
//
//	SUCCESS                        00, the wallet's order number in p's field
//	USERPAYING, or no answer       p.Pending (the terminal queries; a lost
//	  from the wallet (SYSTEMERROR)  wallet answer is "unknown", never a failure)
//	PAYERROR                       05
//	CLOSED / REFUND (query, pay)   12
//	other wallet errors            96 (the host's system error: outcome unknown)
//	cancel                         00 with "close" or "refund" in p's field;
//	                                 p.Pending while the wallet refuses (USERPAYING)
//	unknown order (query)          25
//	cancel of a paid order past    00 "refund": the acquirer refunds it (the
//	  the wallet's cancel window     wallet reverses only recent orders)
//	refund                         00 with the wallet's refund id; 12 nothing to
//	                                 refund; 64 more than the order; a lost wallet
//	                                 answer is the host's error (96, never final:
//	                                 the terminal sends the same refund again and
//	                                 the wallet, keyed by the refund number, refunds once)
func (a *Acquirer) ServeScans(g *WalletGateway, p link.ScanProfile) {
	s := &scanHandler{g: g, p: p, logf: a.logf}
	a.Host.Handle(iso8583.KindScanPay, s.pay)
	a.Host.Handle(iso8583.KindScanQuery, s.query)
	a.Host.Handle(iso8583.KindScanCancel, s.cancel)
	a.Host.Handle(iso8583.KindScanOrder, s.order)
	a.Host.Handle(iso8583.KindScanRefund, s.refund)
}

type scanHandler struct {
	g    *WalletGateway
	p    link.ScanProfile
	logf func(format string, a ...any)
}

// OrderNo is the order number the acquirer gives the wallet for a
// terminal's scan request: terminal ID, batch and STAN.
func OrderNo(tid string, batch, stan uint32) string {
	return fmt.Sprintf("%s%06d%06d", tid, batch, stan)
}

func (s *scanHandler) pending() iso8583.ResponseCode {
	if s.p.Pending == "" {
		return "09"
	}
	return s.p.Pending
}

func (s *scanHandler) answer(t *iso8583.Transaction, o WalletOrder, err error) (*iso8583.Transaction, error) {
	var rc iso8583.ResponseCode
	switch {
	case errors.Is(err, ErrWalletNoAnswer):
		rc = s.pending()
	case errors.Is(err, ErrWalletOrder):
		rc = link.RCNotFound
	case err != nil:
		return nil, err
	case o.Status == WalletSuccess:
		rc = iso8583.Approved
	case o.Status == WalletUserPaying:
		rc = s.pending()
	case o.Status == WalletPayError:
		rc = RCWalletDeclined
	default:
		rc = RCOrderClosed
	}
	s.logf("wallet: %s of order %s: %s → %s", t.Kind, o.OrderNo, statusWords(o, err), rc)
	resp, rerr := t.Response(rc)
	if rerr != nil {
		return nil, rerr
	}
	if o.WalletNo != "" {
		s.p.Put(resp, o.WalletNo)
	}
	return resp, nil
}

func (s *scanHandler) pay(_ context.Context, _ *link.Host, r *link.Request) (*iso8583.Transaction, error) {
	t := r.Txn
	sc, err := qr.Recognize(s.p.Get(t))
	if err != nil || sc.Kind != qr.KindWalletCode {
		return t.Response(RCBadCode)
	}
	o, err := s.g.Pay(OrderNo(t.TerminalID, batchOf(t), t.STAN), sc.Code, t.Amount)
	return s.answer(t, o, err)
}

func (s *scanHandler) original(t *iso8583.Transaction) (string, bool) {
	if t.Field61 == nil {
		return "", false
	}
	return OrderNo(t.TerminalID, t.Field61.Batch, t.Field61.STAN), true
}

func (s *scanHandler) query(_ context.Context, _ *link.Host, r *link.Request) (*iso8583.Transaction, error) {
	no, ok := s.original(r.Txn)
	if !ok {
		return r.Txn.Response(link.RCFormatError)
	}
	o, err := s.g.Query(no)
	return s.answer(r.Txn, o, err)
}

func (s *scanHandler) cancel(_ context.Context, _ *link.Host, r *link.Request) (*iso8583.Transaction, error) {
	no, ok := s.original(r.Txn)
	if !ok {
		return r.Txn.Response(link.RCFormatError)
	}
	act, err := s.g.Cancel(no)
	if errors.Is(err, ErrWalletTooOld) {
		// The wallet no longer reverses it: refund what is left, under a
		// refund number of the order's own (a repeated cancel repeats it).
		var left int64
		if o, ok := s.g.Ledger()[no]; ok {
			left = o.Amount - o.Refunded
		}
		if _, err = s.g.Refund("C"+no, no, left); err == nil {
			act = CancelRefund
		}
	}
	if errors.Is(err, ErrWalletNoAnswer) || errors.Is(err, ErrWalletUserPaying) {
		s.logf("wallet: cancel of order %s: %v", no, err)
		return r.Txn.Response(s.pending()) // not finished: the terminal sends it again
	}
	if err != nil {
		return nil, err
	}
	resp, err := r.Txn.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	s.logf("wallet: cancel of order %s: %s", no, act)
	s.p.Put(resp, string(act))
	return resp, nil
}

func (s *scanHandler) order(_ context.Context, _ *link.Host, r *link.Request) (*iso8583.Transaction, error) {
	t := r.Txn
	o, code, err := s.g.Precreate(OrderNo(t.TerminalID, batchOf(t), t.STAN), t.Amount)
	if err != nil {
		return s.answer(t, o, err)
	}
	resp, err := t.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	s.p.Put(resp, code)
	return resp, nil
}

func (s *scanHandler) refund(_ context.Context, _ *link.Host, r *link.Request) (*iso8583.Transaction, error) {
	t := r.Txn
	no, ok := s.original(t)
	if !ok {
		return t.Response(link.RCFormatError)
	}
	rf, err := s.g.Refund(OrderNo(t.TerminalID, batchOf(t), t.STAN), no, t.Amount)
	var rc iso8583.ResponseCode
	switch {
	case errors.Is(err, ErrWalletNotRefundable):
		rc = RCNotRefundable
	case errors.Is(err, ErrWalletRefundExceeds):
		rc = RCRefundExceeds
	case err != nil:
		// No answer from the wallet, or a reused refund number: the
		// outcome is not the host's to record (96, sent again).
		s.logf("wallet: refund of order %s: %v", no, err)
		return nil, err
	default:
		rc = iso8583.Approved
	}
	s.logf("wallet: refund %d of order %s → %s", t.Amount, no, rc)
	resp, err := t.Response(rc)
	if err != nil {
		return nil, err
	}
	if rf.WalletNo != "" {
		s.p.Put(resp, rf.WalletNo)
	}
	return resp, nil
}

func batchOf(t *iso8583.Transaction) uint32 {
	if t.Field60 == nil {
		return 0
	}
	return t.Field60.Batch
}

func statusWords(o WalletOrder, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s %s %s", o.Wallet, o.Code, o.Status)
}

// DemoBehaviour is the demonstration wallet's customers, chosen by the
// payment code's last four digits so a cashier can try each case:
//
//	…0000  the customer never confirms (USERPAYING until the terminal cancels)
//	…1111  the customer cancels on the phone after 3 s (PAYERROR)
//	…2222  the wallet never answers
//	…3333  the customer pays just as the terminal cancels (refunded)
//	other  the customer types the password: USERPAYING for 4 s, then SUCCESS
//
// A dynamic code (no payment code) is scanned and paid 4 s after it is
// shown.
func DemoBehaviour(code qr.PaymentCode, _ int64) WalletBehaviour {
	d := code.Digits()
	switch {
	case strings.HasSuffix(d, "0000"):
		return WalletBehaviour{PendingFor: 24 * time.Hour}
	case strings.HasSuffix(d, "1111"):
		return WalletBehaviour{PendingFor: 3 * time.Second, CustomerCancels: true}
	case strings.HasSuffix(d, "2222"):
		return WalletBehaviour{NeverAnswers: true, PendingFor: 24 * time.Hour}
	case strings.HasSuffix(d, "3333"):
		return WalletBehaviour{PaysAtCancel: true}
	}
	return WalletBehaviour{PendingFor: 4 * time.Second}
}
