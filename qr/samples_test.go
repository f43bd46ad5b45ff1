package qr

import (
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// TestMPMSamples: every published payload decodes with a correct CRC,
// passes its profile, is recognised as that profile, and encodes back byte
// for byte.
func TestMPMSamples(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "mpm_samples.txt"), func(t *testing.T, s testvec.Vector) {
		if err := VerifyCRC(s.Str(t, "payload")); err != nil {
			t.Fatalf("VerifyCRC: %v", err)
		}
		p, err := Parse(s.Str(t, "payload"))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		prof, err := ParseProfile(s.Str(t, "profile"))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(prof); err != nil {
			t.Errorf("Validate(%s): %v", prof, err)
		}
		for _, pr := range p.Problems(prof) {
			t.Logf("warning: %v", pr)
		}
		if got := p.Profile(); got != prof {
			t.Errorf("Profile() = %s, want %s", got, prof)
		}
		out, err := Encode(p.Objects)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if out != s.Str(t, "payload") {
			t.Errorf("re-encoded\n got %s\nwant %s", out, s.Str(t, "payload"))
		}
		if p.String() != s.Str(t, "payload") {
			t.Errorf("String() differs from the payload")
		}
	})
}

// TestSpecExampleStructure checks the decoded shape of the EMVCo example
// object by object: order kept (54 and 53 after 64), character-counted
// UTF-8 lengths, nested templates.
func TestSpecExampleStructure(t *testing.T) {
	s := testvec.Load(t, "mpm_samples.txt")[0]
	p, err := Parse(s.Str(t, "payload"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range p.Objects {
		ids = append(ids, o.ID.String())
	}
	if got, want := strings.Join(ids, " "), "00 01 29 31 52 58 59 60 64 54 53 55 62 91 63"; got != want {
		t.Errorf("root IDs %s, want %s", got, want)
	}
	checks := []struct{ got, want string }{
		{p.MerchantName(), "BEST TRANSPORT"},
		{p.MerchantCity(), "BEIJING"},
		{p.Amount(), "23.72"},
		{p.Currency(), "156"},
		{p.Country(), "CN"},
		{p.MCC(), "4111"},
		{p.Value(IDTipIndicator), "01"},
		{p.Sub(29, 0), "D15600000000"},
		{p.Sub(29, 5), "A93FO3230Q"},
		{p.Sub(31, 3), "12345678"},
		{p.Sub(62, 3), "1234"},
		{p.Sub(62, 6), "***"},
		{p.Sub(62, 7), "A6008667"},
		{p.Sub(62, 9), "ME"},
		{p.Sub(91, 0), "A011223344998877"},
		{p.Language().Preference, "ZH"},
		{p.Language().Name, "最佳运输"},
		{p.Language().City, "北京"},
		{p.Value(IDCRC), "A13A"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	if !p.Dynamic() {
		t.Error("Dynamic() = false for 01 = 12")
	}
	n := 0
	for o := range p.Accounts() {
		if o.ID != 29 && o.ID != 31 {
			t.Errorf("Accounts yielded ID %s", o.ID)
		}
		n++
	}
	if n != 2 {
		t.Errorf("Accounts yielded %d objects, want 2", n)
	}
	if a, err := ParseAmount(p.Amount(), 2); err != nil || a != 2372 {
		t.Errorf("ParseAmount = %d, %v", a, err)
	}
}

func TestSchemeAccessors(t *testing.T) {
	byName := map[string]*Payload{}
	for _, s := range testvec.Load(t, "mpm_samples.txt") {
		p, err := Parse(s.Str(t, "payload"))
		if err != nil {
			t.Fatal(err)
		}
		byName[s.Name] = p
	}
	if pix, ok := byName["pix-static-email"].Pix(); !ok || pix != (PixAccount{Key: "thalesog@me.com", Info: "Pedido 123", TxID: "***"}) {
		t.Errorf("Pix() = %+v, %v", pix, ok)
	}
	if pp, ok := byName["promptpay-mobile"].PromptPay(); !ok || pp != (PromptPayAccount{ID: 29, Mobile: "0066801234567"}) {
		t.Errorf("PromptPay() = %+v, %v", pp, ok)
	}
	if v, ok := byName["vietqr-vietinbank"].VietQR(); !ok || v != (VietQRAccount{BIN: "970415", Account: "0011001932418", Service: "QRIBFTTA"}) {
		t.Errorf("VietQR() = %+v, %v", v, ok)
	}
	if pn, ok := byName["paynow-uen"].PayNow(); !ok || pn != (PayNowAccount{ProxyType: "2", Proxy: "200002150HWCF", Editable: true}) {
		t.Errorf("PayNow() = %+v, %v", pn, ok)
	}
	if u, ok := byName["unionpay-hk-fps"].UnionPay(); !ok || u != "4798034447980344598034493990063" {
		t.Errorf("UnionPay() = %q, %v", u, ok)
	}
	if _, ok := byName["emvco-spec-appendix"].Pix(); ok {
		t.Error("Pix() found an account in the EMVCo example")
	}
	if got := byName["hk-fps-mobile"].ReferenceLabel(); got != "INV/TEST/0001" {
		t.Errorf("ReferenceLabel() = %q", got)
	}
}
