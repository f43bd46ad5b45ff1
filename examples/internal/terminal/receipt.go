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
	// The original transaction of a void, refund or completion (the
	// slip's 备注 REFERENCE section).
	OrigSTAN          uint32
	OrigAuth, OrigRRN string
	// Reprint marks a duplicate printed later (重打印).
	Reprint bool
}

// Slip words per transaction type, as UnionPay slips print them: the type,
// whether the amount is a credit to the card (printed negative), and the
// cardholder's declaration under the amount.
var slipKinds = map[iso8583.Kind]struct {
	name, declaration string
	credit            bool
}{
	iso8583.KindSale:                  {"SALE", ackGoods, false},
	iso8583.KindVoid:                  {"VOID", ackCredit, true},
	iso8583.KindRefund:                {"REFUND", ackCredit, true},
	iso8583.KindPreAuth:               {"PRE-AUTH", "AMOUNT HELD ON THE CARD,\nNOT CHARGED UNTIL COMPLETED\n", false},
	iso8583.KindPreAuthVoid:           {"PRE-AUTH VOID", "HOLD RELEASED\n", true},
	iso8583.KindPreAuthCompletion:     {"AUTH COMPLETE", ackGoods, false},
	iso8583.KindPreAuthCompletionVoid: {"AUTH COMPLETE VOID", ackCredit, true},
	iso8583.KindScanRefund:            {"SCAN REFUND", "THE AMOUNT ABOVE WILL BE\nRETURNED TO THE WALLET\n", true},
}

const (
	ackGoods  = "I ACKNOWLEDGE SATISFACTORY\nRECEIPT OF RELATIVE\nGOODS/SERVICES\n"
	ackCredit = "THE AMOUNT ABOVE WILL BE\nCREDITED TO THE CARD ACCOUNT\n"
)

// SlipKind is the transaction type as a slip prints it.
func SlipKind(k iso8583.Kind) string {
	if v, ok := slipKinds[k]; ok {
		return v.name
	}
	return strings.ToUpper(k.String())
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
	if r.Reprint {
		center("DUPLICATE (REPRINT)")
	}
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
	declaration, credit := ackGoods, false
	for _, v := range slipKinds {
		if v.name == r.Kind {
			declaration, credit = v.declaration, v.credit
		}
	}
	amount := money(r.Amount)
	if credit {
		amount = "-" + amount
	}
	if r.OrigSTAN != 0 || r.OrigAuth != "" || r.OrigRRN != "" {
		b.WriteString("REFERENCE\n")
		if r.OrigSTAN != 0 {
			line(" ORIG TRACE NO.", fmt.Sprintf("%06d", r.OrigSTAN))
		}
		line(" ORIG AUTH CODE", r.OrigAuth)
		line(" ORIG REF NO.", r.OrigRRN)
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
	b.WriteString(declaration)
	b.WriteString(rule + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// receipt builds the receipt of an approved sale or void.
func (t *Terminal) receipt(s *Sale) *Receipt {
	req, resp := s.Link.Request, s.Link.Response
	kind := s.Kind
	if kind == 0 {
		kind = iso8583.KindSale
	}
	r := &Receipt{
		Merchant: t.cfg.MerchantName, MerchantID: t.cfg.MerchantID, TerminalID: t.cfg.TerminalID,
		OrigSTAN: s.OrigSTAN, OrigAuth: s.OrigAuth, OrigRRN: s.OrigRRN,
		Kind: SlipKind(kind), PAN: s.PAN, Entry: s.Entry.String(), AID: s.AID, Label: s.Label, Cryptogram: s.Cryptogram,
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
