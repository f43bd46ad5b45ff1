package emv

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/internal/testvec"
)

func TestPANMasking(t *testing.T) {
	p := mustPAN(t, "4761739001010010")
	if !p.LuhnValid() {
		t.Error("Visa test PAN 4761739001010010 fails Luhn")
	}
	if mustPAN(t, "4761739001010011").LuhnValid() {
		t.Error("bad check digit passes Luhn")
	}
	want := "476173******0010"
	for _, got := range []string{
		p.String(), fmt.Sprint(p), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x", p, p, p, p, p, p),
	} {
		for _, part := range strings.Split(got, "|") {
			if part != want {
				t.Errorf("printed %q, want %q", part, want)
			}
		}
	}
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "pan", p)
	if strings.Contains(sb.String(), "4761739001010010") || !strings.Contains(sb.String(), want) {
		t.Errorf("slog leaked or lost the PAN: %s", sb.String())
	}
	for digits, masked := range map[string]string{
		"1234567890123":       "123456***0123",
		"123456789012":        "********9012",
		"123456789":           "*********",
		"1234567890123456789": "123456*********6789",
	} {
		if got := mustPAN(t, digits).Masked(); got != masked {
			t.Errorf("%s masked %s, want %s", digits, got, masked)
		}
	}
	for _, bad := range []string{"", "12345678901234567890", "4761 7390"} {
		if _, err := ParsePAN(bad); !errors.Is(err, ErrPAN) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	bcd := p.AppendBCD(nil)
	if fmt.Sprintf("%X", bcd) != "4761739001010010" {
		t.Errorf("BCD % X", bcd)
	}
	odd := mustPAN(t, "476173900101001").AppendBCD(nil)
	if fmt.Sprintf("%X", odd) != "476173900101001F" {
		t.Errorf("odd BCD % X", odd)
	}
	back, err := ParsePANBCD(odd)
	if err != nil || back.Digits() != "476173900101001" {
		t.Errorf("ParsePANBCD: %v %v", back, err)
	}
	for _, bad := range []string{"47F1", "4A", "FF"} {
		if _, err := ParsePANBCD(testvec.Hex(t, bad)); !errors.Is(err, ErrPAN) {
			t.Errorf("5A %s: %v", bad, err)
		}
	}
}

func TestTrack2(t *testing.T) {
	// Tag 57 of the Visa test card "VISA CREDIT" used throughout EMVCo
	// samples: PAN 4761739001010010, expiry 2212, service code 201.
	b := testvec.Hex(t, "4761739001010010D22122011143804400000F")
	tr, err := ParseTag57(b)
	if err != nil {
		t.Fatal(err)
	}
	if tr.PAN.Digits() != "4761739001010010" || tr.Expiry != "2212" || tr.ServiceCode != "201" || tr.Discretionary != "1143804400000" {
		t.Fatalf("parsed %#v / %s / %s / %s", tr.PAN, tr.Expiry, tr.ServiceCode, tr.Discretionary)
	}
	if got := tr.AppendTag57(nil); fmt.Sprintf("%X", got) != fmt.Sprintf("%X", b) {
		t.Errorf("re-encoded %X", got)
	}
	s := fmt.Sprintf("%v %+v %s", tr, tr, tr)
	if strings.Contains(s, "4761739001010010") || strings.Contains(s, "2212") || strings.Contains(s, "1143804400000") {
		t.Errorf("track 2 leaked: %s", s)
	}
	ascii, err := ParseTrack2(";4761739001010010=22122011143804400000?5")
	if err != nil || ascii.Discretionary != tr.Discretionary || ascii.PAN != tr.PAN {
		t.Errorf("ASCII track 2: %v %v", ascii, err)
	}
	exp, err := tr.ExpiryDate()
	if err != nil || exp.Year != 2022 || exp.Month != 12 {
		t.Errorf("expiry %+v %v", exp, err)
	}
	if !exp.Expired(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) || exp.Expired(time.Date(2022, 12, 31, 23, 0, 0, 0, time.UTC)) {
		t.Error("Expired boundary")
	}
	sc := tr.ServiceCode
	if !sc.Chip() || sc.PINRequired() || !sc.CashAllowed() || sc.OnlineRequired() {
		t.Errorf("service code 201 flags")
	}
	if got := sc.Describe(); !slices.Equal(got, []string{"International interchange, use IC (chip) where feasible", "Normal authorisation", "No restrictions"}) {
		t.Errorf("201: %q", got)
	}
	if got := ServiceCode("620").Describe(); got[1] != "Contact issuer via online means" || got[2] != "No restrictions, PIN required" {
		t.Errorf("620: %q", got)
	}
	for _, bad := range []string{"", "4761739001010010", "4761739001010010=2213201", "4761739001010010=22", "47617390A1010010=2212201", "4761739001010010=2212X01"} {
		if _, err := ParseTrack2(bad); !errors.Is(err, ErrTrack) {
			t.Errorf("track 2 %q: %v", bad, err)
		}
	}
	for _, bad := range []string{"4761739001010010D2212201F0", "4761739001010010A2212201", strings.Repeat("11", 20)} {
		if _, err := ParseTag57(testvec.Hex(t, bad)); !errors.Is(err, ErrTrack) {
			t.Errorf("tag 57 %s: %v", bad, err)
		}
	}
}

func TestTrack1(t *testing.T) {
	tr, err := ParseTrack1("%B4761739001010010^CARDHOLDER/TEST^2212201114380440000000000?")
	if err != nil {
		t.Fatal(err)
	}
	if tr.PAN.Digits() != "4761739001010010" || tr.Name != "CARDHOLDER/TEST" || tr.Expiry != "2212" || tr.ServiceCode != "201" {
		t.Fatalf("parsed %v", tr)
	}
	s := fmt.Sprintf("%v|%+v|%s", tr, tr, tr.String())
	if strings.Contains(s, "CARDHOLDER") || strings.Contains(s, "4761739001010010") {
		t.Errorf("track 1 leaked: %s", s)
	}
	// Absent expiry and service code are field separators (ISO/IEC 7813).
	tr, err = ParseTrack1("B4761739001010010^TEST^^^1234")
	if err != nil || tr.Expiry != "" || tr.ServiceCode != "" || tr.Discretionary != "1234" {
		t.Errorf("absent fields: %+v %v", tr, err)
	}
	for _, bad := range []string{"", "A4761739001010010^X^2212201", "B4761739001010010^X", "B47617390^" + strings.Repeat("N", 27) + "^2212201", "B4761739001010010^x~^2212201", "B4761739001010010^X^2213201", "B4761739001010010^X^22", "B4761739001010010^X^2212ab"} {
		if _, err := ParseTrack1(bad); !errors.Is(err, ErrTrack) {
			t.Errorf("track 1 %q: %v", bad, err)
		}
	}
}
