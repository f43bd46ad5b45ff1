package terminal

import (
	"strings"
	"testing"
	"time"
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
