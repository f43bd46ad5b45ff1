package emv

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// Bit words follow the tables of EMV 4.4 Book 3 Annex C and Book 4 Annex A;
// the hex inputs are values seen in real field 55 data (the 253-byte sample
// of the tlv notes) and hand-built single-bit values.

func TestTVRDescribe(t *testing.T) {
	tests := []struct {
		hex  string
		want []string
	}{
		{"0000000000", nil},
		{"8000000000", []string{"Offline data authentication was not performed"}},
		// byte 2 80: different application versions; byte 3 24: PIN Try
		// Limit exceeded, online PIN entered; byte 4 80: floor limit.
		{"0080248000", []string{
			"ICC and terminal have different application versions",
			"PIN Try Limit exceeded",
			"Online PIN entered",
			"Transaction exceeds floor limit",
		}},
		{"0000000002", []string{"Relay resistance protocol performed"}},
		{"0000000001", []string{"Relay resistance protocol not performed"}},
		{"0007000000", []string{"byte 2 b3: RFU bit set", "byte 2 b2: RFU bit set", "byte 2 b1: RFU bit set"}},
	}
	for _, tc := range tests {
		tvr, err := ParseTVR(testvec.Hex(t, tc.hex))
		if err != nil {
			t.Fatal(err)
		}
		if got := tvr.Describe(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("TVR %s:\n got %q\nwant %q", tc.hex, got, tc.want)
		}
		if tvr.String() != tc.hex {
			t.Errorf("String %s, want %s", tvr, tc.hex)
		}
	}
	if _, err := ParseTVR([]byte{1, 2, 3, 4}); !errors.Is(err, ErrValue) {
		t.Errorf("4-byte TVR: %v", err)
	}
}

func TestTVRSetters(t *testing.T) {
	var tvr TVR
	tvr.Set(TVRICCDataMissing)
	tvr.Set(TVRExpiredApplication)
	tvr.Set(TVRMerchantForcedOnline)
	tvr.Set(TVRRelayPerformed)
	if got := tvr.String(); got != "2040000802" {
		t.Fatalf("TVR %s, want 2040000802", got)
	}
	if !tvr.Has(TVRICCDataMissing) || tvr.Has(TVRSDAFailed) || tvr.Has(TVRRelayNotPerformed) {
		t.Error("Has disagrees with Set")
	}
	tvr.Set(TVRRelayNotPerformed) // a two-bit field: replaces 10 by 01
	if tvr[4] != 0x01 || !tvr.Has(TVRRelayNotPerformed) || tvr.Has(TVRRelayPerformed) {
		t.Errorf("relay field %02X", tvr[4])
	}
	tvr.Clear(TVRICCDataMissing)
	if tvr.Has(TVRICCDataMissing) {
		t.Error("Clear did not clear")
	}
	want := []TVRFlag{TVRExpiredApplication, TVRMerchantForcedOnline, TVRRelayNotPerformed}
	if got := tvr.Flags(); !slices.Equal(got, want) {
		t.Errorf("Flags %v, want %v", got, want)
	}
	if TVRNewCard.String() != "New card" {
		t.Errorf("flag String %q", TVRNewCard.String())
	}

	var tsi TSI
	tsi.Set(TSIOfflineDataAuthPerformed)
	tsi.Set(TSITerminalRiskMgmtPerformed)
	if tsi.String() != "8800" {
		t.Errorf("TSI %s, want 8800", tsi)
	}
	if got := tsi.Describe(); !slices.Equal(got, []string{"Offline data authentication was performed", "Terminal risk management was performed"}) {
		t.Errorf("TSI words %q", got)
	}
	tsi.Clear(TSIOfflineDataAuthPerformed)
	if tsi.Has(TSIOfflineDataAuthPerformed) || !tsi.Has(TSITerminalRiskMgmtPerformed) {
		t.Error("TSI Clear")
	}
}

func TestRegisterDecoders(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		desc func(b []byte) ([]string, error)
		want []string
	}{
		{"AIP 3900 (sample)", "3900", func(b []byte) ([]string, error) { a, err := ParseAIP(b); return a.Describe(), err },
			[]string{"DDA supported", "Cardholder verification is supported", "Terminal risk management is to be performed", "CDA supported"}},
		{"AIP 1980 contactless", "1980", func(b []byte) ([]string, error) { a, err := ParseAIP(b); return a.Describe(), err },
			[]string{"Cardholder verification is supported", "Terminal risk management is to be performed", "CDA supported", "EMV mode is supported (Kernel 2) / MSD supported (Kernel 3)"}},
		{"AUC FF00", "FF00", func(b []byte) ([]string, error) { a, err := ParseAUC(b); return a.Describe(), err },
			[]string{"Valid for domestic cash transactions", "Valid for international cash transactions", "Valid for domestic goods", "Valid for international goods", "Valid for domestic services", "Valid for international services", "Valid at ATMs", "Valid at terminals other than ATMs"}},
		{"AUC cashback", "00C0", func(b []byte) ([]string, error) { a, err := ParseAUC(b); return a.Describe(), err },
			[]string{"Domestic cashback allowed", "International cashback allowed"}},
		{"9F33 E0F9C8 (sample)", "E0F9C8", func(b []byte) ([]string, error) { c, err := ParseTerminalCapabilities(b); return c.Describe(), err },
			[]string{"Manual key entry", "Magnetic stripe", "IC with contacts", "Plaintext PIN for ICC verification", "Enciphered PIN for online verification", "Signature (paper)", "Enciphered PIN for offline verification", "No CVM required", "SDA", "DDA", "CDA", "byte 2 b1: RFU bit set"}},
		{"9F40 F000F0A001 (sample)", "F000F0A001", func(b []byte) ([]string, error) { c, err := ParseAdditionalCapabilities(b); return c.Describe(), err },
			[]string{"Cash", "Goods", "Services", "Cashback", "Numeric keys", "Alphabetic and special characters keys", "Command keys", "Function keys", "Print, attendant", "Display, attendant", "Code table 1"}},
		{"TTQ 36004000", "36004000", func(b []byte) ([]string, error) { c, err := ParseTTQ(b); return c.Describe(), err },
			[]string{"EMV mode supported", "EMV contact chip supported", "Online PIN supported", "Signature supported", "Consumer Device CVM supported"}},
		{"CTQ 8080", "8080", func(b []byte) ([]string, error) { c, err := ParseCTQ(b); return c.Describe(), err },
			[]string{"Online PIN required", "Consumer Device CVM performed"}},
		{"CID 80", "80", func(b []byte) ([]string, error) { c, err := ParseCID(b); return c.Describe(), err }, []string{"ARQC"}},
		{"CID 0B", "0B", func(b []byte) ([]string, error) { c, err := ParseCID(b); return c.Describe(), err },
			[]string{"AAC", "Advice required", "Issuer authentication failed"}},
		{"CID 40", "40", func(b []byte) ([]string, error) { c, err := ParseCID(b); return c.Describe(), err }, []string{"TC"}},
		{"CVM results 420300 (sample)", "420300", func(b []byte) ([]string, error) { c, err := ParseCVMResults(b); return c.Describe(), err },
			[]string{"Enciphered PIN verified online", "If terminal supports the CVM", "Result: Unknown"}},
		{"CVM results 3F0000", "3F0000", func(b []byte) ([]string, error) { c, err := ParseCVMResults(b); return c.Describe(), err },
			[]string{"No CVM performed", "Always", "Result: Unknown"}},
		{"CVM results 1E0302", "1E0302", func(b []byte) ([]string, error) { c, err := ParseCVMResults(b); return c.Describe(), err },
			[]string{"Signature (paper)", "If terminal supports the CVM", "Result: Successful"}},
	}
	for _, tc := range tests {
		got, err := tc.desc(testvec.Hex(t, tc.hex))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestRegisterLengths(t *testing.T) {
	short := []byte{1}
	for name, err := range map[string]error{
		"AIP":  func() error { _, err := ParseAIP(short); return err }(),
		"AUC":  func() error { _, err := ParseAUC(short); return err }(),
		"TSI":  func() error { _, err := ParseTSI(short); return err }(),
		"9F33": func() error { _, err := ParseTerminalCapabilities(short); return err }(),
		"9F40": func() error { _, err := ParseAdditionalCapabilities(short); return err }(),
		"TTQ":  func() error { _, err := ParseTTQ(short); return err }(),
		"CTQ":  func() error { _, err := ParseCTQ(short); return err }(),
		"CID":  func() error { _, err := ParseCID(nil); return err }(),
		"9F34": func() error { _, err := ParseCVMResults(short); return err }(),
	} {
		if !errors.Is(err, ErrValue) {
			t.Errorf("%s: %v, want ErrValue", name, err)
		}
	}
	c, _ := ParseAdditionalCapabilities(testvec.Hex(t, "F000F0A001"))
	if !c.CodeTable(1) || c.CodeTable(2) || c.CodeTable(0) || c.CodeTable(11) {
		t.Error("CodeTable")
	}
}

func TestCVMList(t *testing.T) {
	// A typical list: X=1000 Y=0; online PIN if supported (next rule on
	// failure), signature if supported, no CVM if supported.
	b := testvec.Hex(t, "000003E80000000042031E031F03")
	l, err := ParseCVMList(b)
	if err != nil {
		t.Fatal(err)
	}
	want := CVMList{X: 1000, Rules: []CVMRule{
		{Method: CVMEncipheredPINOnline, ApplyNext: true, Condition: CVMIfTerminalSupports},
		{Method: CVMSignature, Condition: CVMIfTerminalSupports},
		{Method: CVMNoCVM, Condition: CVMIfTerminalSupports},
	}}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("got %+v, want %+v", l, want)
	}
	if got := l.Append(nil); !slices.Equal(got, b) {
		t.Errorf("Append % X, want % X", got, b)
	}
	wantDesc := []string{
		"X=1000 Y=0",
		"rule 1: Enciphered PIN verified online, If terminal supports the CVM, apply succeeding rule if unsuccessful",
		"rule 2: Signature (paper), If terminal supports the CVM, fail cardholder verification if unsuccessful",
		"rule 3: No CVM required, If terminal supports the CVM, fail cardholder verification if unsuccessful",
	}
	if got := l.Describe(); !slices.Equal(got, wantDesc) {
		t.Errorf("Describe\n got %q\nwant %q", got, wantDesc)
	}
	for _, bad := range []string{"", "00000000000000", "000000000000000042"} {
		if _, err := ParseCVMList(testvec.Hex(t, bad)); !errors.Is(err, ErrValue) {
			t.Errorf("%q: %v, want ErrValue", bad, err)
		}
	}
	for m, w := range map[CVMMethod]string{0x06: "RFU method 06", 0x25: "Payment system-specific method 25", 0x30: "Issuer-specific method 30"} {
		if m.String() != w {
			t.Errorf("method %02X: %q", byte(m), m.String())
		}
	}
	for c, w := range map[CVMCondition]string{0x0A: "RFU condition 0A", 0x80: "Payment system-specific condition 80", CVMIfOverY: "If transaction is in the application currency and is over Y value"} {
		if c.String() != w {
			t.Errorf("condition %02X: %q", byte(c), c.String())
		}
	}
}
