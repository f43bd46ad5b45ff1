package emv

import (
	"testing"

	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

func TestDictionaryTable(t *testing.T) {
	d := Entries()
	if len(d) < 250 {
		t.Fatalf("%d entries, want at least 250", len(d))
	}
	for i, e := range d {
		if !e.Tag.Valid() {
			t.Errorf("%v %q: malformed tag", e.Tag, e.Name)
		}
		if e.Name == "" || e.Source == 0 {
			t.Errorf("%v: missing name or source", e.Tag)
		}
		if e.MinLen > e.MaxLen || e.MaxLen == 0 {
			t.Errorf("%v %q: length range %d..%d", e.Tag, e.Name, e.MinLen, e.MaxLen)
		}
		if e.Tag.Constructed() && e.Format != tlv.FormatBinary {
			t.Errorf("%v: constructed but format %v", e.Tag, e.Format)
		}
		if i > 0 && d[i-1].Tag == e.Tag && d[i-1].Scheme == e.Scheme {
			t.Errorf("%v: duplicate entry for %v", e.Tag, e.Scheme)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		tag    tlv.Tag
		scheme Scheme
		name   string
		format string
		sens   Sensitivity
	}{
		{0x9F02, SchemeEMV, "Amount, Authorised (Numeric)", "n", SensitivityNone},
		{0x5A, SchemeEMV, "Application Primary Account Number (PAN)", "cn", SensitivityPAN},
		{0x57, SchemeEMV, "Track 2 Equivalent Data", "b", SensitivityTrack},
		{0x5F20, SchemeEMV, "Cardholder Name", "ans", SensitivityName},
		{0x5F55, SchemeEMV, "Issuer Country Code (alpha2 format)", "a", SensitivityNone},
		{0x9F1C, SchemeEMV, "Terminal Identification", "an", SensitivityNone},
		{0xDF8129, SchemeEMV, "Outcome Parameter Set", "b", SensitivityNone},
		{0x9F6E, SchemeMastercard, "Third Party Data", "b", SensitivityNone},
		{0x9F6E, SchemeVisa, "Form Factor Indicator (FFI)", "b", SensitivityNone},
		{0x9F6E, SchemeAmex, "Enhanced Contactless Reader Capabilities", "b", SensitivityNone},
		{0x9F63, SchemeUnionPay, "Card Product Identification Information", "b", SensitivityNone},
		{0x9F74, SchemeUnionPay, "EC Issuer Authorisation Code", "a", SensitivityNone},
		{0x9F79, SchemeUnionPay, "EC Balance", "n", SensitivityNone},
		{0x9F66, SchemeEMV, "Terminal Transaction Qualifiers (TTQ)", "b", SensitivityNone},
		{0x9F66, SchemeMastercard, "PUNATC (Track2)", "b", SensitivityNone},
		{0x9F6C, SchemeVisa, "Card Transaction Qualifiers (CTQ)", "b", SensitivityNone},
		{0xDF31, SchemeUnionPay, "Issuer Script Results", "b", SensitivityNone},
		// No UnionPay entry: falls back to the EMV meaning.
		{0x9F26, SchemeUnionPay, "Application Cryptogram", "b", SensitivityNone},
	}
	for _, tc := range tests {
		e, ok := LookupScheme(tc.tag, tc.scheme)
		if !ok || e.Name != tc.name || e.FormatName() != tc.format || e.Sensitive != tc.sens {
			t.Errorf("%v/%v: %+v (%s)", tc.tag, tc.scheme, e, e.FormatName())
		}
	}
	if e, ok := Lookup(0x9F6E); !ok || e.Scheme != SchemeMastercard {
		t.Errorf("Lookup 9F6E: %+v (no EMV entry: first scheme wins)", e)
	}
	if _, ok := Lookup(0xDF7F); ok {
		t.Error("DF7F should be unknown")
	}
	if Name(0x9F27) != "Cryptogram Information Data (CID)" || Name(0x1F) != "" {
		t.Error("Name")
	}
	for aid, want := range map[string]Scheme{
		"A0000000031010": SchemeVisa, "A0000000041010": SchemeMastercard,
		"A000000333010101": SchemeUnionPay, "A00000002501": SchemeAmex,
		"A0000000651010": SchemeEMV, "A000": SchemeEMV,
	} {
		if got := SchemeOfAID(testvec.Hex(t, aid)); got != want {
			t.Errorf("%s: %v, want %v", aid, got, want)
		}
	}
}
