package qr

import (
	"errors"
	"strings"
	"testing"
)

// TestMerchantCodeRebuildsSamples: the typed builder reproduces published
// payloads byte for byte (Pix static, VietQR dynamic with a nested 38/01).
func TestMerchantCodeRebuildsSamples(t *testing.T) {
	cases := []struct {
		name string
		code MerchantCode
		want string
	}{
		{"pix-static-email", MerchantCode{
			Accounts: []Object{{ID: 26, Sub: []Object{{ID: 0, Value: GUIPix}, {ID: 1, Value: "thalesog@me.com"}, {ID: 2, Value: "Pedido 123"}}}},
			MCC:      "0000", Currency: "986", Amount: "10.00", Country: "BR",
			Name: "THALES OGLIARI", City: "SAO MIGUEL DO O",
			Additional: []Object{{ID: 5, Value: "***"}},
		}, pixExample},
		{"vietqr-vietinbank", MerchantCode{
			Initiation: Dynamic,
			Accounts: []Object{{ID: 38, Sub: []Object{
				{ID: 0, Value: GUIVietQR},
				{ID: 1, Sub: []Object{{ID: 0, Value: "970415"}, {ID: 1, Value: "0011001932418"}}},
				{ID: 2, Value: "QRIBFTTA"},
			}}},
			Currency: "704", Amount: "120000", Country: "VN",
			Additional: []Object{{ID: 8, Value: "ung ho lu lut"}},
		}, "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.code.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if c.code.String() != c.want {
				t.Error("String() differs from Append")
			}
		})
	}
}

// TestMerchantCodeAllFields: every typed field lands in its ID, in spec
// order, and the result passes EMVCo validation.
func TestMerchantCodeAllFields(t *testing.T) {
	amount, err := FormatAmount(2372, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := MerchantCode{
		Initiation: Dynamic,
		Accounts:   []Object{{ID: 2, Value: "4000123456789012"}},
		MCC:        "5812", Currency: "156", Amount: amount,
		Tip: TipPercentage, ConvenienceFee: "3.5",
		Country: "CN", Name: "BEST TRANSPORT", City: "BEIJING", PostalCode: "100000",
		Additional: []Object{{ID: 7, Value: "T001"}},
		Language:   Language{Preference: "ZH", Name: "最佳运输", City: "北京"},
		Extra:      []Object{{ID: 80, Sub: []Object{{ID: 0, Value: "com.example"}, {ID: 1, Value: "x"}}}},
	}
	s := c.String()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	var ids []string
	for _, o := range p.Objects {
		ids = append(ids, o.ID.String())
	}
	if got, want := strings.Join(ids, " "), "00 01 02 52 53 54 55 57 58 59 60 61 62 64 80 63"; got != want {
		t.Errorf("IDs %s, want %s", got, want)
	}
	if err := p.Validate(EMVCo); err != nil {
		t.Error(err)
	}
	if p.Language() != c.Language || p.Value(57) != "3.5" || p.Sub(62, 7) != "T001" {
		t.Errorf("fields did not round-trip: %s", s)
	}
	c.Tip, c.ConvenienceFee = TipFixed, "1.00"
	if p := mustParse(t, c.String()); p.Value(56) != "1.00" {
		t.Errorf("fixed fee not in ID 56: %s", c.String())
	}
}

func TestEncodeErrors(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name string
		objs []Object
		want error
		msg  string
	}{
		{"empty value", []Object{{ID: 0, Value: "01"}, {ID: 59}}, ErrLength, "ID 59 has 0 characters"},
		{"value over 99", []Object{{ID: 59, Value: long}}, ErrLength, "100 characters"},
		{"nested value over 99", []Object{{ID: 62, Sub: []Object{{ID: 1, Value: long}}}}, ErrLength, "ID 01 in template 62"},
		{"template over 99", []Object{{ID: 62, Sub: []Object{{ID: 1, Value: long[:50]}, {ID: 2, Value: long[:50]}}}}, ErrLength, "ID 62 has 108"},
		{"ID over 99", []Object{{ID: 100, Value: "x"}}, ErrSyntax, "over 99"},
		{"invalid UTF-8", []Object{{ID: 59, Value: "\xff"}}, ErrSyntax, "UTF-8"},
		{"63 not last", []Object{{ID: 63, Value: "ABCD"}, {ID: 59, Value: "x"}}, ErrCRCMissing, "object 1 of 2"},
		{"over 512", []Object{{ID: 2, Value: long[:99]}, {ID: 3, Value: long[:99]}, {ID: 4, Value: long[:99]}, {ID: 5, Value: long[:99]}, {ID: 6, Value: long[:99]}}, ErrTooLong, "523"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte("prefix")
			out, err := Append(dst, c.objs)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Append = %v, want %v with %q", err, c.want, c.msg)
			}
			if string(out) != "prefix" {
				t.Errorf("Append left %q in dst on error", out)
			}
		})
	}
	bad := MerchantCode{Tip: TipPrompt, ConvenienceFee: "1"}
	if _, err := bad.Append(nil); !errors.Is(err, ErrConflict) {
		t.Errorf("fee with tip 01: %v", err)
	}
	bad = MerchantCode{Extra: []Object{{ID: 63, Value: "0000"}}}
	if _, err := bad.Append(nil); !errors.Is(err, ErrCRCMissing) {
		t.Errorf("ID 63 in Extra: %v", err)
	}
	if bad.String() != "" {
		t.Error("String() of a bad code is not empty")
	}
}

// TestAppendReplacesCRC: a trailing ID 63 is replaced by the fresh CRC.
func TestAppendReplacesCRC(t *testing.T) {
	a, err := Encode([]Object{{ID: 0, Value: "01"}, {ID: 63, Value: "zzzz"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Encode([]Object{{ID: 0, Value: "01"}})
	if a != b || VerifyCRC(a) != nil {
		t.Errorf("%s vs %s", a, b)
	}
}

func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		minor int64
		exp   int
		want  string
	}{{2372, 2, "23.72"}, {5, 2, "0.05"}, {0, 2, "0.00"}, {500, 0, "500"}, {1234567, 3, "1234.567"}, {9999999999, 2, "99999999.99"}} {
		got, err := FormatAmount(c.minor, c.exp)
		if err != nil || got != c.want {
			t.Errorf("FormatAmount(%d, %d) = %q, %v, want %q", c.minor, c.exp, got, err, c.want)
		}
		back, err := ParseAmount(got, c.exp)
		if err != nil || back != c.minor {
			t.Errorf("ParseAmount(%q, %d) = %d, %v", got, c.exp, back, err)
		}
	}
	for _, c := range []struct {
		minor int64
		exp   int
	}{{-1, 2}, {1, -1}, {1, 7}, {100000000000000, 2}} {
		if _, err := FormatAmount(c.minor, c.exp); !errors.Is(err, ErrFormat) {
			t.Errorf("FormatAmount(%d, %d): %v", c.minor, c.exp, err)
		}
	}
	for _, c := range []struct {
		s    string
		exp  int
		want int64
	}{{"10", 2, 1000}, {"10.5", 2, 1050}, {"10.", 2, 1000}, {".5", 2, 50}} {
		if got, err := ParseAmount(c.s, c.exp); err != nil || got != c.want {
			t.Errorf("ParseAmount(%q) = %d, %v, want %d", c.s, got, err, c.want)
		}
	}
	for _, s := range []string{"", ".", "1.2.3", "-1", "1,00", "10.123", "12345678901234", "1e5"} {
		if _, err := ParseAmount(s, 2); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseAmount(%q) accepted", s)
		}
	}
}
