package terminal

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/possdk/pos/iso8583"
)

// receiptWidth is a 58 mm thermal printer's line: 32 characters.
const receiptWidth = 32

// Copy names a receipt copy.
type Copy string

// The two copies a terminal prints.
const (
	MerchantCopy   Copy = "MERCHANT COPY"
	CardholderCopy Copy = "CARDHOLDER COPY"
)

// Receipt is what a sales slip shows (CUP POS 签购单): merchant and
// terminal, card (masked), entry mode, application, cryptogram, the host's
// references, amount and how the cardholder was verified.
type Receipt struct {
	Merchant, MerchantID, TerminalID string
	Kind                             string
	PAN                              string // masked
	Entry                            string
	AID, Label, Cryptogram           string
	AuthCode, RRN                    string
	Batch, STAN                      uint32
	Time                             time.Time
	Amount                           int64
	CVM                              string
	// Scan-code payments: the wallet, the customer's payment code
	// (masked) and the acquirer's order number.
	Wallet, PayCode, WalletOrder string
}

// WriteReceipt prints one copy of r.
func WriteReceipt(w io.Writer, r *Receipt, c Copy) error {
	var b strings.Builder
	rule := strings.Repeat("-", receiptWidth)
	center := func(s string) {
		pad := max(0, (receiptWidth-len(s))/2)
		b.WriteString(strings.Repeat(" ", pad) + s + "\n")
	}
	line := func(k, v string) {
		if v == "" {
			return
		}
		pad := receiptWidth - len(k) - len(v)
		if pad < 1 {
			b.WriteString(k + "\n  " + v + "\n")
			return
		}
		b.WriteString(k + strings.Repeat(" ", pad) + v + "\n")
	}
	b.WriteString(rule + "\n")
	center(r.Merchant)
	center(string(c))
	b.WriteString(rule + "\n")
	line("MERCHANT NO.", r.MerchantID)
	line("TERMINAL NO.", r.TerminalID)
	line("CARD NO.", r.PAN)
	line("ENTRY", r.Entry)
	line("WALLET", r.Wallet)
	line("PAY CODE", r.PayCode)
	line("ORDER NO.", r.WalletOrder)
	line("APP", r.Label)
	line("AID", r.AID)
	line("TXN TYPE", r.Kind)
	line("BATCH NO.", fmt.Sprintf("%06d", r.Batch))
	line("TRACE NO.", fmt.Sprintf("%06d", r.STAN))
	line("AUTH CODE", r.AuthCode)
	line("REF NO.", r.RRN)
	line("DATE/TIME", r.Time.Format("2006-01-02 15:04:05"))
	if k, v, ok := strings.Cut(r.Cryptogram, " "); ok {
		line(k, v)
	}
	amount := money(r.Amount)
	if r.Kind == "VOID" {
		amount = "-" + amount
	}
	b.WriteString(rule + "\n")
	line("AMOUNT", "RMB "+amount)
	b.WriteString(rule + "\n")
	switch {
	case c == CardholderCopy:
	case r.CVM == "signature":
		b.WriteString("CARDHOLDER SIGNATURE\n\n\n" + rule + "\n")
	case r.CVM != "" && r.CVM != "none":
		line("VERIFIED BY", strings.ToUpper(r.CVM))
		b.WriteString("NO SIGNATURE REQUIRED\n")
	}
	b.WriteString("I ACKNOWLEDGE SATISFACTORY\nRECEIPT OF RELATIVE\nGOODS/SERVICES\n")
	b.WriteString(rule + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// receipt builds the receipt of an approved sale or void.
func (t *Terminal) receipt(s *Sale) *Receipt {
	req, resp := s.Link.Request, s.Link.Response
	kind := "SALE"
	if s.Kind == iso8583.KindVoid {
		kind = "VOID"
	}
	r := &Receipt{
		Merchant: t.cfg.MerchantName, MerchantID: t.cfg.MerchantID, TerminalID: t.cfg.TerminalID,
		Kind: kind, PAN: s.PAN, Entry: s.Entry.String(), AID: s.AID, Label: s.Label, Cryptogram: s.Cryptogram,
		AuthCode: resp.AuthCode, RRN: resp.RRN, STAN: req.STAN, Time: t.cfg.Now(), Amount: s.Amount, CVM: s.CVM,
	}
	if req.Field60 != nil {
		r.Batch = req.Field60.Batch
	}
	return r
}

func (t *Terminal) printReceipts(s *Sale) {
	r := t.receipt(s)
	for _, c := range []Copy{MerchantCopy, CardholderCopy} {
		if err := WriteReceipt(t.cfg.Receipts, r, c); err != nil {
			t.say("  printer: %v", err)
		}
	}
}
