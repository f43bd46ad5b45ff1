package acquirer

import (
	"context"
	"testing"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
)

// FuzzScanHandlers feeds the host's scan handlers what a terminal could
// send (any field 63 or 59 text, any original batch and STAN, any
// amount): they answer or fail with an error, never panic, and never
// approve a pay whose text is not a wallet payment code.
func FuzzScanHandlers(f *testing.F) {
	f.Add("134567890123456789", uint32(1), uint32(5), int64(100), false)
	f.Add("weixin://wxpay/bizpayurl?pr=1", uint32(0), uint32(0), int64(-1), true)
	f.Add("hQVDUFYwMQ==", uint32(999999), uint32(999999), int64(0), false)
	f.Add("", uint32(1), uint32(1), int64(1), true)
	f.Fuzz(func(t *testing.T, text string, batch, stan uint32, amount int64, field59 bool) {
		p := link.ScanProfile{}
		if field59 {
			p.CodeField = 59
		}
		g := NewWalletGateway()
		s := &scanHandler{g: g, p: p, logf: func(string, ...any) {}}
		base := iso8583.Transaction{TerminalID: "12345678", MerchantID: "898100012340001", STAN: stan, Amount: amount,
			Field60: &iso8583.Field60{Batch: batch}, Field61: &iso8583.Field61{Batch: batch, STAN: stan}}
		ctx := context.Background()
		for _, h := range []struct {
			k iso8583.Kind
			f link.TxnHandler
		}{{iso8583.KindScanPay, s.pay}, {iso8583.KindScanQuery, s.query}, {iso8583.KindScanCancel, s.cancel}, {iso8583.KindScanOrder, s.order}} {
			tx := base
			tx.Kind = h.k
			p.Put(&tx, text)
			resp, err := h.f(ctx, nil, &link.Request{Txn: &tx})
			if err != nil || resp == nil {
				continue
			}
			if h.k == iso8583.KindScanPay && resp.ResponseCode.Approved() && len(g.Ledger()) == 0 {
				t.Fatalf("pay of %q approved without a wallet order", text)
			}
		}
	})
}
