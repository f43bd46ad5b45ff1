package emv

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestParseIAD(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		scheme Scheme
		format IADFormat
		cvn    byte
		cvr    string
		words  []string // expected among Describe's lines
	}{
		{"Visa CVN 10 (pyemv vector)", "06010A03A06010", SchemeEMV, IADVisa, 0x0A, "03A06010",
			[]string{"CVR: Second GENERATE AC not requested", "CVR: First GENERATE AC returned ARQC", "CVR: PIN Try Limit exceeded", "CVR: Exceeded velocity checking counters", "CVR: 1 issuer script commands processed"}},
		{"Visa CVN 18 (pyemv vector)", "06011203A0B800", SchemeVisa, IADVisa, 0x12, "03A0B800",
			[]string{"CVN 12 (18)", "CVR: Last online transaction not completed", "CVR: New card", "CVR: Issuer authentication failure on last online transaction"}},
		{"PBOC with discretionary data", "07010103A0A000010A010000000000", SchemeUnionPay, IADVisa, 0x01, "03A0A000",
			[]string{"issuer discretionary data 010A010000000000"}},
		{"Visa format 2 (VSDC guide H.1)", "1F220103" + strings.Repeat("00", 28), SchemeVisa, IADVisa2, 0x22, "0300000000", nil},
		{"M/Chip (253-byte sample)", "0110A040002A0400000000000000000000FF", SchemeMastercard, IADMChip, 0x10, "A040002A0400",
			[]string{"CVR: First GENERATE AC returned ARQC", "CVR: PIN Try Counter (low nibble) 4", "DAC/IDN 0000"}},
		{"CCD format A, cryptogram version 5", "0FA501A03000000000000000000000000F" + strings.Repeat("00", 15), SchemeUnionPay, IADCCD, 0x05, "A030000000",
			[]string{"CCI A5 (cryptogram version 5)", "CVR: Second GENERATE AC not requested", "CVR: First GENERATE AC returned ARQC", "CVR: PIN Try Counter (low nibble) 3"}},
		{"proprietary", "0102", SchemeEMV, IADUnknown, 0, "", []string{"format: unknown"}},
	}
	for _, tc := range tests {
		iad, err := ParseIAD(testvec.Hex(t, tc.hex), tc.scheme)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if iad.Format != tc.format || iad.CVN != tc.cvn || hx(iad.CVR) != tc.cvr {
			t.Errorf("%s: format %v CVN %02X CVR %s", tc.name, iad.Format, iad.CVN, hx(iad.CVR))
		}
		d := iad.Describe()
		for _, w := range tc.words {
			if !slices.Contains(d, w) {
				t.Errorf("%s: missing %q in %q", tc.name, w, d)
			}
		}
	}
	if _, err := ParseIAD(make([]byte, 33), SchemeEMV); !errors.Is(err, ErrValue) {
		t.Errorf("33 bytes: %v", err)
	}
}

// TestCCDRoundTrip checks the CCD wiring end to end: a card-side AC over a
// CCD IAD verifies on the issuer side and a changed IAD does not. (The
// primitives are pinned by the HSM vectors; no public CCD vector exists.)
func TestCCDRoundTrip(t *testing.T) {
	imk := tdesKey(t, testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	pan := mustPAN(t, "6212345678901234567")
	d := CryptogramData{
		AmountAuthorised: [6]byte{0, 0, 0, 0, 0x10, 0}, TerminalCountry: [2]byte{0x01, 0x56},
		CurrencyCode: [2]byte{0x01, 0x56}, Date: [3]byte{0x24, 0x01, 0x31}, UN: [4]byte{1, 2, 3, 4},
		AIP: AIP{0x7C, 0x00}, ATC: [2]byte{0, 7},
		IAD: testvec.Hex(t, "0FA501A03000000000000000000000000F"+strings.Repeat("00", 15)),
	}
	mk, err := CCD.MasterKey(imk, pan, "01")
	if err != nil {
		t.Fatal(err)
	}
	sk, err := CCD.SessionKey(mk, d.ATC)
	if err != nil {
		t.Fatal(err)
	}
	arqc, err := CCD.Cryptogram(sk, &d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CCD.VerifyARQC(imk, pan, "01", &d, arqc); err != nil {
		t.Fatal(err)
	}
	d.IAD[4] ^= 0x10
	if _, err := CCD.VerifyARQC(imk, pan, "01", &d, arqc); !errors.Is(err, ErrCryptogram) {
		t.Errorf("changed CVR verifies: %v", err)
	}
}
