package qr

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// fields lists "field:sentinel" for each problem, sorted, warnings marked.
func fields(probs []Problem) string {
	var out []string
	for _, p := range probs {
		s := p.Field() + ":" + strings.TrimPrefix(p.Err.Error(), "qr: ")
		if p.Warning {
			s += "(w)"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func mustParse(t *testing.T, s string) *Payload {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return p
}

// TestPromptPayUnderEMVCo: the Thai sample omits 52, 59 and 60; EMVCo strict
// reports all three at once, the PromptPay profile none.
func TestPromptPayUnderEMVCo(t *testing.T) {
	p := mustParse(t, "00020101021129370016A000000677010111011300668012345675802TH530376463046197")
	err := p.Validate(EMVCo)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate(EMVCo) = %v", err)
	}
	if got, want := fields(ve.Problems), "52:mandatory data object missing 59:mandatory data object missing 60:mandatory data object missing"; got != want {
		t.Errorf("problems %s, want %s", got, want)
	}
	if !errors.Is(err, ErrMissing) || errors.Is(err, ErrFormat) {
		t.Errorf("errors.Is through ValidationError is wrong: %v", err)
	}
	if !strings.Contains(err.Error(), "field 59: merchant name is mandatory under the EMVCo profile") {
		t.Errorf("message: %v", err)
	}
	if err := p.Validate(PromptPay); err != nil {
		t.Errorf("Validate(PromptPay) = %v", err)
	}
}

// o encodes one data object, counting characters, for building test
// payloads by hand.
func o(id, value string) string {
	n := utf8.RuneCountInString(value)
	return id + string(rune('0'+n/10)) + string(rune('0'+n%10)) + value
}

// TestValidateRules builds payloads that break one rule each (or several at
// once) and checks that every problem is reported with its field.
func TestValidateRules(t *testing.T) {
	var (
		head   = o("00", "01") + o("01", "11")
		tail   = o("52", "5812") + o("53", "702") + o("58", "SG") + o("59", "SOBA") + o("60", "Singapore")
		good   = head + o("02", "1234") + tail
		pixAcc = o("00", "br.gov.bcb.pix") + o("01", "+5561999999999")
		pixOK  = o("00", "01") + o("26", pixAcc) + o("52", "0000") + o("53", "986") + o("58", "BR") + o("59", "X") + o("60", "Y") + o("62", o("05", "***"))
		vnOK   = o("00", "01") + o("01", "12") + o("38", o("00", GUIVietQR)+o("01", o("00", "970418")+o("01", "2170347751"))+o("02", "QRIBFTTA")) + o("53", "704") + o("58", "VN")
		ppHead = o("00", "01") + o("01", "11")
		ppTail = o("53", "764") + o("58", "TH")
		pnTail = o("52", "0000") + o("53", "702") + o("58", "SG") + o("59", "ME") + o("60", "Singapore")
	)
	cases := []struct {
		name string
		prof Profile
		body string // without the CRC
		want string
	}{
		{"clean", EMVCo, good, ""},
		{"00 not first", EMVCo, o("01", "11") + o("00", "01") + o("02", "1234") + tail, "00:data object out of order"},
		{"00 and 01 wrong values", EMVCo, o("00", "02") + o("01", "13") + o("02", "1234") + tail, "00:invalid value 01:invalid value"},
		{"no account, no name, bad MCC and country", EMVCo,
			o("00", "01") + o("52", "58") + o("53", "702") + o("58", "sg") + o("60", "Singapore"),
			"02:mandatory data object missing 52:invalid value 58:invalid value 59:mandatory data object missing"},
		{"name and city too long", EMVCo,
			head + o("02", "1234") + o("52", "5812") + o("53", "702") + o("58", "SG") + o("59", strings.Repeat("N", 26)) + o("60", strings.Repeat("C", 16)),
			"59:invalid value 60:invalid value"},
		{"name with UTF-8", EMVCo, head + o("02", "1234") + o("52", "5812") + o("53", "702") + o("58", "SG") + o("59", "SÖBA") + o("60", "Singapore"), "59:invalid value"},
		{"bad amount", EMVCo, good + o("54", "1,00"), "54:invalid value"},
		{"tip 02 without fee", EMVCo, good + o("55", "02"), "56:mandatory data object missing"},
		{"tip 03 with fixed fee", EMVCo, good + o("55", "03") + o("56", "1.0"), "56:conflicting data objects 57:mandatory data object missing"},
		{"fee without tip", EMVCo, good + o("57", "1."), "57:conflicting data objects"},
		{"tip 04", EMVCo, good + o("55", "04"), "55:invalid value"},
		{"percentage too long", EMVCo, good + o("55", "03") + o("57", "10.125"), "57:invalid value"},
		{"template without GUI", EMVCo, good + o("26", o("01", "ABCD")), "26.00:mandatory data object missing"},
		{"unreserved template without GUI", EMVCo, good + o("80", o("01", "ABCD")), "80.00:mandatory data object missing"},
		{"additional data too long", EMVCo, good + o("62", o("01", strings.Repeat("B", 26))), "62.01:invalid value"},
		{"consumer data request", EMVCo, good + o("62", o("09", "AAM")), "62.09:invalid value"},
		{"62/50 template without GUI", EMVCo, good + o("62", o("50", o("01", "AB"))), "62.50:mandatory data object missing"},
		{"62/50 template broken", EMVCo, good + o("62", o("50", "01AB")), "62.50:invalid value"},
		{"62/00 RFU", EMVCo, good + o("62", o("00", "AB")), "62.00:reserved data object(w)"},
		{"language template", EMVCo, good + o("64", o("00", "ZHX")+o("02", "x")), "64.00:invalid value 64.01:mandatory data object missing"},
		{"language template RFU", EMVCo, good + o("64", o("00", "ZH")+o("01", "名字")+o("03", "xx")), "64.03:reserved data object(w)"},
		{"alternate name too long", EMVCo, good + o("64", o("00", "ZH")+o("01", strings.Repeat("名", 26))), "64.01:invalid value"},
		{"RFU 65", EMVCo, good + o("65", "XX"), "65:reserved data object(w)"},
		{"lower-case CRC", EMVCo, "", "63:invalid value(w)"},

		{"pix clean", Pix, pixOK, ""},
		{"pix upper-case GUI", Pix, strings.Replace(pixOK, GUIPix, "BR.GOV.BCB.PIX", 1), "26.00:invalid value(w)"},
		{"pix without txid, wrong currency", Pix, strings.Replace(strings.TrimSuffix(pixOK, o("62", o("05", "***"))), o("53", "986"), o("53", "840"), 1),
			"53:invalid value 62.05:mandatory data object missing"},
		{"pix key and URL", Pix, strings.Replace(pixOK, o("26", pixAcc), o("26", pixAcc+o("25", "pix.example.com/qr/v2/9d36")), 1), "26.25:conflicting data objects"},
		{"pix neither key nor URL", Pix, strings.Replace(pixOK, o("26", pixAcc), o("26", o("00", GUIPix)+o("02", "hi")), 1), "26.01:mandatory data object missing"},
		{"pix bad txid", Pix, strings.Replace(pixOK, o("05", "***"), o("05", "a-b"), 1), "62.05:invalid value"},
		{"pix missing account", Pix, strings.Replace(pixOK, GUIPix, "br.gov.bcb.pox", 1), "26.00:mandatory data object missing"},

		{"promptpay two proxies", PromptPay, ppHead + o("29", o("00", GUIPromptPayTransfer)+o("01", "0066801234567")+o("02", "123456789012345")) + ppTail,
			"29.01:conflicting data objects 29.02:invalid value"},
		{"promptpay in the wrong ID", PromptPay, ppHead + o("27", o("00", GUIPromptPayTransfer)+o("01", "0066801234567")) + ppTail, "27.00:invalid value"},
		{"promptpay bill without ref1", PromptPay, ppHead + o("30", o("00", GUIPromptPayBill)+o("01", "010753600031508")) + ppTail, "30.02:mandatory data object missing"},
		{"promptpay bill", PromptPay, ppHead + o("30", o("00", GUIPromptPayBill)+o("01", "010753600031508")+o("02", "CUST0001")) + ppTail, ""},
		{"promptpay none", PromptPay, ppHead + o("02", "1234") + ppTail, "29.00:mandatory data object missing"},

		{"vietqr clean", VietQR, vnOK, ""},
		{"vietqr bad BIN and service", VietQR, strings.Replace(strings.Replace(vnOK, "970418", "97041X", 1), "QRIBFTTA", "QRIBFTTX", 1),
			"38.01:invalid value 38.02:invalid value"},
		{"vietqr wrong country", VietQR, strings.Replace(vnOK, o("58", "VN"), o("58", "TH"), 1), "58:invalid value"},
		{"vietqr no account", VietQR, strings.Replace(vnOK, GUIVietQR, "A000000775", 1), "38.00:mandatory data object missing"},

		{"paynow bad proxy, editable, expiry", SGQR,
			head + o("26", o("00", GUIPayNow)+o("01", "0")+o("02", "+651234567")+o("03", "2")+o("04", "20300230")) + pnTail,
			"26.02:invalid value 26.03:invalid value 26.04:invalid value"},
		{"paynow proxy type 5", SGQR, head + o("26", o("00", GUIPayNow)+o("01", "5")+o("02", "X")) + pnTail, "26.01:invalid value"},
		{"sgqr identity without ID number", SGQR, head + o("51", o("00", GUISGQR)+o("02", "01.0001")) + pnTail, "51.01:mandatory data object missing"},
		{"sgqr no scheme", SGQR, good, "26.00:mandatory data object missing"},

		{"unionpay missing", UnionPay, good, "15:mandatory data object missing"},
		{"unionpay short", UnionPay, head + o("15", "1234") + tail, "15:invalid value"},
		{"unionpay 16", UnionPay, head + o("16", "47980344479803445980344939900") + tail, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := withCRC(c.body)
			if c.body == "" { // the lower-case CRC case
				s = withCRC(good)
				s = s[:len(s)-4] + strings.ToLower(s[len(s)-4:])
			}
			p := mustParse(t, s)
			if got := fields(p.Problems(c.prof)); got != c.want {
				t.Errorf("problems\n got %s\nwant %s", got, c.want)
			}
			hasErr := strings.Count(c.want, ":") > strings.Count(c.want, "(w)")
			if err := p.Validate(c.prof); (err != nil) != hasErr {
				t.Errorf("Validate = %v, want error: %v", err, hasErr)
			}
		})
	}
}

func TestProblemFormatting(t *testing.T) {
	p := Problem{ID: 62, Sub: 5, Err: ErrMissing, Detail: "txid"}
	if got, want := p.Error(), "qr: mandatory data object missing: field 62.05: txid"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	p = Problem{ID: 63, Sub: -1, Warning: true, Err: ErrFormat, Detail: "lower case"}
	if got, want := p.Error(), "qr: invalid value (warning): field 63: lower case"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(p, ErrFormat) {
		t.Error("errors.Is(Problem, ErrFormat) = false")
	}
}

func TestParseProfile(t *testing.T) {
	for prof := EMVCo; prof < numProfiles; prof++ {
		got, err := ParseProfile(strings.ToLower(prof.String()))
		if err != nil || got != prof {
			t.Errorf("ParseProfile(%s) = %v, %v", prof, got, err)
		}
	}
	if _, err := ParseProfile("klingon"); err == nil {
		t.Error("ParseProfile accepted an unknown name")
	}
	if s := Profile(200).String(); s != "Profile(200)" {
		t.Errorf("String() = %q", s)
	}
}
