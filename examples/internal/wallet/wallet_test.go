package wallet

import (
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/tlv"
)

// The code's cryptogram verifies as the issuer verifies an ARQC, over the
// data the code carries; a different master key does not.
func TestPaymentCodeVerifies(t *testing.T) {
	imk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	w := Demo(imk)
	code, err := w.PaymentCode(2350, [4]byte{1, 2, 3, 4}, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c, err := qr.ParseCPM(code)
	if err != nil {
		t.Fatal(err)
	}
	icc := c.AppendICCData(nil, 0)
	d, err := emv.CryptogramDataFromTLV(icc)
	if err != nil {
		t.Fatal(err)
	}
	if d.ATC != [2]byte{0, 8} || d.AmountAuthorised != [6]byte{0, 0, 0, 0, 0x23, 0x50} || d.Date != [3]byte{0x26, 0x11, 0x21} {
		t.Errorf("data %+v", d)
	}
	arqc, _, _ := tlv.Find(icc, 0x9F26)
	pan, _ := emv.ParsePAN(c.PAN(0).Digits())
	if _, err := emv.CCD.VerifyARQC(imk, pan, "01", &d, arqc); err != nil {
		t.Errorf("ARQC does not verify: %v", err)
	}
	other, _ := keys.FromHex(keys.TDES2, "00112233445566778899AABBCCDDEEFF")
	if _, err := emv.CCD.VerifyARQC(other, pan, "01", &d, arqc); err == nil {
		t.Error("ARQC verifies under another key")
	}
	if c.Label(0) != "UnionPay QuickPass" || c.Track2(0).String() != "track2(12 bytes, PAN 625094******0014)" {
		t.Errorf("label %q, track 2 %s", c.Label(0), c.Track2(0))
	}
}

func TestPaymentCodeErrors(t *testing.T) {
	imk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	w := Demo(imk)
	w.PSN = "1"
	if _, err := w.PaymentCode(1, [4]byte{}, time.Now()); err == nil {
		t.Error("one-digit PSN accepted")
	}
	w = Demo(imk)
	w.PAN = "62509470000000X4"
	if _, err := w.PaymentCode(1, [4]byte{}, time.Now()); err == nil {
		t.Error("bad PAN accepted")
	}
}
