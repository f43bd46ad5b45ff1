package emv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/keys"
)

// PSN takes tag 5F34's two digits or ISO 8583 field 23 (n3, "001": the
// CUP POS spec's form of the card sequence number).
func TestPSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"001", "01"}, {"000", "00"}, {"099", "99"}, {"01", "01"}, {"42", "42"}} {
		if got, err := PSN(c.in); err != nil || got != c.want {
			t.Errorf("PSN(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "100", "1", "0001", "0a1", "ab"} {
		if _, err := PSN(bad); !errors.Is(err, ErrValue) {
			t.Errorf("PSN(%q): %v, want ErrValue", bad, err)
		}
	}
}

// A key derivation given field 23 ("001") derives the same ICC master key
// as with tag 5F34's "01" (EMV Book 2 A1.4.1 uses the one-byte PSN).
func TestDeriveWithField23(t *testing.T) {
	imk, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	pan, err := ParsePAN("6222021234567890123")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(*keys.Key, PAN, string) (*keys.Key, error){DeriveICCKeyA, DeriveICCKeyB} {
		a, err1 := f(imk, pan, "01")
		b, err2 := f(imk, pan, "001")
		if err1 != nil || err2 != nil || !a.Equal(b) {
			t.Fatalf("field 23 and 5F34 derive different keys (%v, %v)", err1, err2)
		}
	}
}
