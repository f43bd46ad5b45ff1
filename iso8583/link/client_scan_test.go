package link

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/qr"
)

// scanHost answers scan pays with rc and amount (0: the request's), and
// acknowledges cancels with "close". The full cycle against the wallet
// gateway is tested in examples/internal/acquirer.
func scanHost(t *testing.T, rc iso8583.ResponseCode, amount int64) (*testEnv, *int) {
	e := newTestEnv(t, false, nil)
	cancels := new(int)
	e.host.Handle(iso8583.KindScanPay, func(_ context.Context, _ *Host, r *Request) (*iso8583.Transaction, error) {
		resp, err := r.Txn.Response(rc)
		if err == nil && amount != 0 {
			resp.Amount = amount
		}
		return resp, err
	})
	e.host.Handle(iso8583.KindScanCancel, func(_ context.Context, _ *Host, r *Request) (*iso8583.Transaction, error) {
		*cancels++
		resp, err := r.Txn.Response(iso8583.Approved)
		if err == nil {
			ScanProfile{}.Put(resp, "close")
		}
		return resp, err
	})
	return e, cancels
}

func scanCode(t *testing.T) qr.PaymentCode {
	sc, err := qr.Recognize("280012345678901234") // Alipay: prefix 28, 18 digits
	if err != nil {
		t.Fatal(err)
	}
	return sc.Code
}

func noWait(context.Context, time.Duration) error { return nil }

// Rule: an answer whose amount differs from the pay's is not an approval
// of this sale: the terminal cancels it and shows it cancelled.
func TestScanAmountMismatchCancels(t *testing.T) {
	e, cancels := scanHost(t, iso8583.Approved, 999)
	c, f := e.terminal(t, t.TempDir(), "50081001", nil)
	if err := c.SignIn(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	r, err := c.ScanSale(ctxT(t), scanCode(t), 100, ScanOptions{Sleep: noWait})
	if err != nil || r.Approved() || r.Outcome != ScanCancelled || r.CancelAction != "close" || *cancels != 1 {
		t.Fatalf("%+v %v (cancels %d)", r, err, *cancels)
	}
	if f.pending()+f.approved() != 0 {
		t.Errorf("records left: %d pending, %d approved", f.pending(), f.approved())
	}
}

// Rule: a definite decline ends the scan with no record and no cancel.
func TestScanDeclineDropsRecord(t *testing.T) {
	e, cancels := scanHost(t, "05", 0)
	c, f := e.terminal(t, t.TempDir(), "50081002", nil)
	if err := c.SignIn(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	r, err := c.ScanSale(ctxT(t), scanCode(t), 100, ScanOptions{Sleep: noWait})
	if err != nil || r.Outcome != ScanDeclined || *cancels != 0 || f.pending() != 0 {
		t.Fatalf("%+v %v (cancels %d, pending %d)", r, err, *cancels, f.pending())
	}
}

// Rule: an approved scan is recorded with the code masked, and its
// record closes with the batch at settlement.
func TestScanApprovedRecordMasked(t *testing.T) {
	e, _ := scanHost(t, iso8583.Approved, 0)
	c, f := e.terminal(t, t.TempDir(), "50081003", func(cfg *Config) { cfg.Scan.CodeField = 59 })
	if err := c.SignIn(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	r, err := c.ScanSale(ctxT(t), scanCode(t), 100, ScanOptions{Sleep: noWait})
	if err != nil || !r.Approved() || f.approved() != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	recs, err := c.Records()
	if err != nil || len(recs) != 1 || recs[0].Txn.TerminalInfo != "28************1234" {
		t.Fatalf("%+v %v", recs, err)
	}
	st, err := c.Settle(ctxT(t))
	if err != nil || !st.Balanced || st.Terminal.DebitCount != 0 {
		t.Fatalf("settlement: %+v %v", st, err)
	}
	if recs, _ := c.Records(); len(recs) != 0 {
		t.Errorf("%d records after settlement", len(recs))
	}
}

// Rule: bad settings and input are errors wrapping ErrScan.
func TestScanBadProfile(t *testing.T) {
	e, _ := scanHost(t, iso8583.Approved, 0)
	c, _ := e.terminal(t, t.TempDir(), "50081004", func(cfg *Config) { cfg.Scan.CodeField = 57 })
	if err := c.SignIn(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ScanSale(ctxT(t), scanCode(t), 100, ScanOptions{}); !errors.Is(err, ErrScan) {
		t.Errorf("field 57: %v", err)
	}
	if _, err := c.ScanOrder(ctxT(t), 0, ScanOptions{}, func(string) error { return nil }); !errors.Is(err, ErrScan) {
		t.Errorf("zero amount: %v", err)
	}
}
