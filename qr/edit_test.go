package qr

import (
	"errors"
	"testing"
)

// TestSetMakesDynamicCode turns the static PromptPay sample into a dynamic
// code with an amount and a reference, and checks the text and the CRC.
func TestSetMakesDynamicCode(t *testing.T) {
	p := mustParse(t, "00020101021129370016A000000677010111011300668012345675802TH530376463046197")
	steps := []error{
		p.Set(IDInitiation, Dynamic),
		p.Set(IDAmount, "100.25"),
		p.SetSub(IDAdditionalData, 5, "INV42"),
		p.SetSub(IDAdditionalData, 1, "B7"),
		p.SetSub(IDAdditionalData, 7, "T1"),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// 54 goes before the first higher ID (58, which this payload puts
	// before 53), 62 before the CRC; nested IDs ascend.
	want := withCRC("000201010212" + "29370016A00000067701011101130066801234567" + "5406100.25" + "5802TH5303764" + "6221" + "0102B7" + "0505INV42" + "0702T1")
	got := p.String()
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if err := mustParse(t, got).Validate(PromptPay); err != nil {
		t.Error(err)
	}
	// Removing.
	if err := p.SetSub(IDAdditionalData, 1, ""); err != nil {
		t.Fatal(err)
	}
	_ = p.SetSub(IDAdditionalData, 5, "")
	_ = p.SetSub(IDAdditionalData, 7, "")
	_ = p.Set(IDAmount, "")
	if _, ok := p.Get(IDAdditionalData); ok {
		t.Error("empty template 62 kept")
	}
	if _, ok := p.Get(IDAmount); ok {
		t.Error("54 kept")
	}
	if err := p.Set(IDCRC, "0000"); !errors.Is(err, ErrSyntax) {
		t.Errorf("Set(63): %v", err)
	}
	if err := p.SetSub(IDMerchantName, 1, "x"); !errors.Is(err, ErrSyntax) {
		t.Errorf("SetSub on a primitive: %v", err)
	}
}

// TestSetSubDoesNotAlias: editing one template leaves the decoded pool (and
// so the other templates) alone.
func TestSetSubDoesNotAlias(t *testing.T) {
	p := mustParse(t, specExample)
	before := p.Sub(31, 3)
	if err := p.SetSub(29, 0, "X"); err != nil {
		t.Fatal(err)
	}
	if p.Sub(31, 3) != before || p.Sub(29, 0) != "X" || p.Sub(29, 5) != "A93FO3230Q" {
		t.Errorf("31/03 %q, 29/00 %q, 29/05 %q", p.Sub(31, 3), p.Sub(29, 0), p.Sub(29, 5))
	}
}
