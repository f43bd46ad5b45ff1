package terminal

import (
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

func TestWriteReceipt(t *testing.T) {
	r := &Receipt{
		Merchant: "POSSDK TEST SHOP", MerchantID: "898100012340001", TerminalID: "12345678", Kind: "SALE",
		PAN: "622588******6780", Entry: "CHIP", AID: "A000000333010101", Label: "UnionPay Debit",
		Cryptogram: "TC 449B8B5C2C9381EC", AuthCode: "000001", RRN: "055816000002", Batch: 1, STAN: 2,
		Time: time.Date(2026, 11, 21, 5, 58, 16, 0, time.UTC), Amount: 12880, CVM: "online PIN",
	}
	var b strings.Builder
	if err := WriteReceipt(&b, r, MerchantCopy); err != nil {
		t.Fatal(err)
	}
	want := `--------------------------------
        POSSDK TEST SHOP
         MERCHANT COPY
--------------------------------
MERCHANT NO.     898100012340001
TERMINAL NO.            12345678
CARD NO.        622588******6780
ENTRY                       CHIP
APP               UnionPay Debit
AID             A000000333010101
TXN TYPE                    SALE
BATCH NO.                 000001
TRACE NO.                 000002
AUTH CODE                 000001
REF NO.             055816000002
DATE/TIME    2026-11-21 05:58:16
TC              449B8B5C2C9381EC
--------------------------------
AMOUNT                RMB 128.80
--------------------------------
VERIFIED BY           ONLINE PIN
NO SIGNATURE REQUIRED
I ACKNOWLEDGE SATISFACTORY
RECEIPT OF RELATIVE
GOODS/SERVICES
--------------------------------
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if len(line) > receiptWidth {
			t.Errorf("line wider than the paper: %q", line)
		}
	}
	// The cardholder's copy of a signature transaction has no signature
	// line; the merchant's has.
	r.CVM = "signature"
	b.Reset()
	WriteReceipt(&b, r, CardholderCopy)
	if strings.Contains(b.String(), "SIGNATURE") || !strings.Contains(b.String(), "CARDHOLDER COPY") {
		t.Errorf("cardholder copy:\n%s", b.String())
	}
	b.Reset()
	WriteReceipt(&b, r, MerchantCopy)
	if !strings.Contains(b.String(), "CARDHOLDER SIGNATURE") {
		t.Errorf("merchant copy lacks the signature line:\n%s", b.String())
	}
}

// A void slip as UnionPay terminals print it: the type, the amount as a
// credit, the original's trace, authorisation code and reference number
// under REFERENCE (备注: 原凭证号, 原授权码, 原参考号), and no "satisfactory
// receipt of goods" declaration (nothing was received). Expected text
// written by hand from the layout of the sale slip above.
func TestWriteVoidReceipt(t *testing.T) {
	r := &Receipt{
		Merchant: "POSSDK TEST SHOP", MerchantID: "898100012340001", TerminalID: "12345678", Kind: SlipKind(iso8583.KindVoid),
		PAN: "622588******6780", Entry: "CHIP", RRN: "055816000003", Batch: 1, STAN: 3,
		Time: time.Date(2026, 11, 21, 6, 1, 0, 0, time.UTC), Amount: 12880,
		OrigSTAN: 2, OrigAuth: "000001", OrigRRN: "055816000002", Reprint: true,
	}
	var b strings.Builder
	if err := WriteReceipt(&b, r, CardholderCopy); err != nil {
		t.Fatal(err)
	}
	want := `--------------------------------
        POSSDK TEST SHOP
        CARDHOLDER COPY
      DUPLICATE (REPRINT)
--------------------------------
MERCHANT NO.     898100012340001
TERMINAL NO.            12345678
CARD NO.        622588******6780
ENTRY                       CHIP
TXN TYPE                    VOID
BATCH NO.                 000001
TRACE NO.                 000003
REF NO.             055816000003
DATE/TIME    2026-11-21 06:01:00
REFERENCE
 ORIG TRACE NO.           000002
 ORIG AUTH CODE           000001
 ORIG REF NO.       055816000002
--------------------------------
AMOUNT               RMB -128.80
--------------------------------
THE AMOUNT ABOVE WILL BE
CREDITED TO THE CARD ACCOUNT
--------------------------------
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// Each type's name and sign.
	for k, w := range map[iso8583.Kind]string{iso8583.KindRefund: "REFUND", iso8583.KindPreAuth: "PRE-AUTH",
		iso8583.KindPreAuthVoid: "PRE-AUTH VOID", iso8583.KindPreAuthCompletion: "AUTH COMPLETE",
		iso8583.KindPreAuthCompletionVoid: "AUTH COMPLETE VOID"} {
		if got := SlipKind(k); got != w {
			t.Errorf("SlipKind(%v) = %q, want %q", k, got, w)
		}
	}
}
