package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/possdk/pos/qr"
)

const (
	promptPay = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
	cpmSpec   = "hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw=="
)

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		out    []string // substrings of stdout
		errOut string   // substring of stderr
		absent string   // must not appear in stdout
	}{
		{name: "no command", code: 2, errOut: "usage: qr <command>"},
		{name: "help", args: []string{"-h"}, out: []string{"usage: qr <command>", "decode", "make"}},
		{name: "decode help", args: []string{"decode", "-h"}, errOut: "usage: qr decode"},
		{name: "make help", args: []string{"make", "-h"}, errOut: "-amount"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errOut: `unknown command "frobnicate"`},
		{name: "bad flag", args: []string{"decode", "-nope"}, code: 2, errOut: "flag provided but not defined"},
		{
			name: "decode PromptPay, auto profile",
			args: []string{"decode", promptPay},
			out:  []string{"00 Payload Format Indicator", "29 Merchant Account Information", "   00 Globally Unique Identifier", "A000000677010111", "CRC ok", "valid under the PromptPay profile"},
		},
		{
			name:   "decode PromptPay under EMVCo lists every problem",
			args:   []string{"decode", "-profile", "emvco", promptPay},
			code:   1,
			out:    []string{"field 52", "field 59", "field 60"},
			errOut: "not valid under the EMVCo profile (3 problem(s) above)",
		},
		{
			// Every field the profiles know is named: 62.05 and 62.07
			// (EMV QRCPS-MPM Table 3.7), Pix 26.25 (BR Code), PromptPay
			// 29.02 (Thai QR), UnionPay's ID 15.
			name: "decode names scheme fields",
			args: []string{"decode", (&qr.MerchantCode{Initiation: qr.Dynamic,
				Accounts: []qr.Object{{ID: 15, Value: "0309998800010000898100012340001"},
					{ID: 26, Sub: []qr.Object{{ID: 0, Value: qr.GUIPix}, {ID: 25, Value: "pix.example.com/qr/9d36"}}},
					{ID: 29, Sub: []qr.Object{{ID: 0, Value: qr.GUIPromptPayTransfer}, {ID: 2, Value: "1234567890123"}}}},
				MCC: "5411", Currency: "156", Amount: "1.00", Country: "CN", Name: "SHOP", City: "SHANGHAI",
				Additional: []qr.Object{{ID: 5, Value: "INV42"}, {ID: 7, Value: "T0001"}, {ID: 60, Value: "x"}}}).String()},
			code: 1, // no single profile accepts three schemes' accounts
			out: []string{"15 Merchant Account Information (UnionPay: acquirer IIN, forwarding IIN, merchant ID)",
				"   25 Location URL of the dynamic charge    pix.example.com/qr/9d36",
				"   02 National ID or tax ID", "   05 Reference Label", "   07 Terminal Label", "   60 Payment System specific template"},
		},
		{name: "decode over 1 MiB", args: []string{"decode"}, stdin: strings.Repeat("0", 1<<20+1), code: 1, errOut: "qr: input is larger than the 1 MiB limit"},
		{name: "decode from stdin", args: []string{"decode"}, stdin: promptPay + "\n", out: []string{"valid under the PromptPay profile"}},
		{
			name: "bad CRC still dumps", args: []string{"decode", promptPay[:len(promptPay)-1] + "8"}, code: 1,
			out: []string{"58 Country Code"}, errOut: "CRC mismatch: payload says 6198, computed 6197",
		},
		{name: "broken structure", args: []string{"decode", "0002010102"}, code: 1, errOut: "ID 01 at offset 6"},
		{name: "empty", args: []string{"decode"}, stdin: " \n", code: 1, errOut: "no payload"},
		{name: "unknown profile", args: []string{"decode", "-profile", "mars", promptPay}, code: 1, errOut: `unknown profile "mars"`},
		{
			name:   "decode CPM masks the PAN",
			args:   []string{"decode", cpmSpec},
			out:    []string{"CPV01, 2 application(s)", "AID A0000000555555", "PAN 123456******3458", "ICC data (field 55): 9F100706010A03"},
			absent: "1234567890123458",
		},
		{name: "decode CPM revealed", args: []string{"decode", "-reveal", cpmSpec}, out: []string{"PAN 1234567890123458"}},
		{name: "decode CPM broken", args: []string{"decode", "hQVDUFYwMg=="}, code: 1, errOut: "CPV02"},
		{name: "decode and show", args: []string{"decode", "-show", promptPay}, out: []string{"valid", "█"}},
		{
			name: "make from a static code",
			args: []string{"make", "-from", promptPay, "-amount", "100.25", "-ref", "INV42"},
			out:  []string{"000201010212", "5406100.25", "0505INV42", "▀"},
		},
		{
			name: "make Pix from fields",
			args: []string{"make", "-account", "26:00=br.gov.bcb.pix,01=loja@example.com", "-mcc", "5812", "-currency", "986",
				"-country", "BR", "-name", "LOJA EXEMPLO", "-city", "SAO PAULO", "-amount", "19.90", "-ref", "PEDIDO42"},
			out: []string{"00020101021226380014br.gov.bcb.pix0116loja@example.com520458125303986540519.905802BR5912LOJA EXEMPLO6009SAO PAULO62120508PEDIDO426304A3C0"},
		},
		{name: "make without amount", args: []string{"make", "-from", promptPay}, code: 1, errOut: "-amount is required"},
		{name: "make with a bad amount", args: []string{"make", "-from", promptPay, "-amount", "1,5"}, code: 1, errOut: "invalid value"},
		{name: "make with nothing", args: []string{"make", "-amount", "1"}, code: 1, errOut: "give -from or at least one -account"},
		{name: "make invalid under profile", args: []string{"make", "-account", "02=4000123412341234", "-amount", "1"}, code: 1, errOut: "field 52"},
		{name: "make bad account flag", args: []string{"make", "-account", "2=x"}, code: 2, errOut: "want two digits"},
		{name: "make bad level", args: []string{"make", "-from", promptPay, "-amount", "1", "-level", "Z"}, code: 2, errOut: "error-correction level"},
		{name: "make from a bad code", args: []string{"make", "-from", "0002010102", "-amount", "1"}, code: 1, errOut: "-from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			if tt.errOut != "" && !strings.Contains(stderr.String(), tt.errOut) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.errOut)
			}
			if tt.absent != "" && strings.Contains(stdout.String(), tt.absent) {
				t.Errorf("stdout shows %q", tt.absent)
			}
			if strings.Contains(stderr.String(), "qr: qr:") {
				t.Errorf("doubled prefix: %q", stderr.String())
			}
		})
	}
}

// TestMakePNG writes a PNG, checks it is one, and that the printed payload
// is a valid dynamic code.
func TestMakePNG(t *testing.T) {
	file := filepath.Join(t.TempDir(), "code.png")
	var stdout, stderr bytes.Buffer
	code := run([]string{"make", "-from", promptPay, "-amount", "5", "-png", file, "-module", "4", "-level", "Q"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	payload, _, _ := strings.Cut(stdout.String(), "\n")
	p, err := qr.Parse(payload)
	if err != nil || !p.Dynamic() || p.Amount() != "5" {
		t.Errorf("payload %q: %v", payload, err)
	}
}
