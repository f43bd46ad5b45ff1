package pinblock

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// Visa PVV and IBM 3624 offsets against psec's published tests: each PVV
// and offset is computed and verifies; the PIN one digit off, or another
// PVKI, does not; an IBM 3624 offset gives its PIN back.
func TestPINVerificationVectors(t *testing.T) {
	kinds := map[string]int{}
	testvec.Run(t, testvec.Load(t, "pinverify.txt"), func(t *testing.T, v testvec.Vector) {
		pvk, err := keys.FromHex(keys.TDES2, v.Field("pvk"))
		if err != nil {
			t.Fatal(err)
		}
		pin := vecPIN(t, v)
		other := otherPIN(t, v.Field("pin"))
		kinds[v.Field("kind")]++
		switch v.Field("kind") {
		case "pvv":
			pvki, _ := strconv.Atoi(v.Field("pvki"))
			got, err := PVV(pvk, v.Field("pan"), pvki, pin)
			if err != nil || got != v.Field("pvv") {
				t.Fatalf("PVV %q (%v), want %s", got, err, v.Field("pvv"))
			}
			if err := VerifyPVV(pvk, v.Field("pan"), pvki, pin, v.Field("pvv")); err != nil {
				t.Errorf("VerifyPVV: %v", err)
			}
			if err := VerifyPVV(pvk, v.Field("pan"), pvki, other, v.Field("pvv")); !errors.Is(err, ErrVerification) {
				t.Errorf("wrong PIN verifies: %v", err)
			}
			if err := VerifyPVV(pvk, v.Field("pan"), pvki%6+1, pin, v.Field("pvv")); !errors.Is(err, ErrVerification) {
				t.Errorf("another PVKI verifies: %v", err)
			}
		case "ibm3624":
			p := &IBM3624{PVK: pvk, DecimalizationTable: v.Field("table"), ValidationData: v.Field("data"), Pad: v.Field("pad")[0]}
			off, err := p.Offset(pin)
			if err != nil || off != v.Field("offset") {
				t.Fatalf("offset %q (%v), want %s", off, err, v.Field("offset"))
			}
			if err := p.Verify(pin, v.Field("offset")); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := p.Verify(other, v.Field("offset")); !errors.Is(err, ErrVerification) {
				t.Errorf("wrong PIN verifies: %v", err)
			}
			back, err := p.PIN(v.Field("offset"))
			if err != nil || !back.Equal(pin) {
				t.Errorf("PIN from offset differs (%v)", err)
			}
		default:
			t.Fatalf("kind %q", v.Field("kind"))
		}
	})
	if kinds["pvv"] == 0 || kinds["ibm3624"] == 0 {
		t.Fatalf("kinds run: %v", kinds)
	}
}

// otherPIN is the PIN with its last digit changed.
func otherPIN(t *testing.T, s string) PIN {
	b := []byte(s)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	p, err := ParsePIN(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A longer PIN: the offset has the PIN's length; a 4-digit offset does not
// verify a 6-digit PIN; bad tables and data are errors without digits.
func TestIBM3624Lengths(t *testing.T) {
	pvk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	p := &IBM3624{PVK: pvk, DecimalizationTable: "0123456789012345", ValidationData: "4123456789012"}
	pin, _ := ParsePIN([]byte("123456"))
	off, err := p.Offset(pin)
	if err != nil || len(off) != 6 {
		t.Fatalf("offset %q (%v)", off, err)
	}
	if err := p.Verify(pin, off[:4]); !errors.Is(err, ErrVerification) {
		t.Errorf("short offset verifies: %v", err)
	}
	for _, bad := range []*IBM3624{
		{PVK: pvk, DecimalizationTable: "012345678901234", ValidationData: "1"},
		{PVK: pvk, DecimalizationTable: "0123456789012345", ValidationData: "12345678901234567"},
		{PVK: pvk, DecimalizationTable: "0123456789012345", ValidationData: "12G4"},
		{DecimalizationTable: "0123456789012345", ValidationData: "1234"},
	} {
		_, err := bad.Offset(pin)
		if err == nil || strings.Contains(err.Error(), "123456") {
			t.Errorf("%+v: %v", bad.ValidationData, err)
		}
	}
	if _, err := PVV(pvk, "41234567890", 1, pin); !errors.Is(err, ErrPAN) {
		t.Errorf("11-digit PAN: %v", err)
	}
}
