package cvv

import (
	"crypto/des"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func mustKey(t *testing.T, s string) *keys.Key {
	t.Helper()
	k, err := keys.FromHex(keys.TDES2, s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The Visa CVV test data (13- and 16-digit PANs) and psec's vector; every
// value also verifies, and a value one digit off does not.
func TestCVVVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "cvv.txt"), func(t *testing.T, v testvec.Vector) {
		k := mustKey(t, v.Field("cvk"))
		got, err := Compute(k, v.Field("pan"), v.Field("expiry"), v.Field("sc"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got != v.Field("cvv") {
			t.Fatalf("CVV %s, want %s", got, v.Field("cvv"))
		}
		if err := Verify(k, v.Field("pan"), v.Field("expiry"), v.Field("sc"), v.Field("cvv")); err != nil {
			t.Errorf("Verify: %v", err)
		}
		bad := []byte(v.Field("cvv"))
		bad[2] = '0' + (bad[2]-'0'+1)%10
		if err := Verify(k, v.Field("pan"), v.Field("expiry"), v.Field("sc"), string(bad)); !errors.Is(err, ErrMismatch) {
			t.Errorf("a wrong CVV verifies: %v", err)
		}
	})
}

// CVV2 and iCVV are the CVV algorithm with service codes 000 and 999: they
// differ from the stripe's CVV of the same card.
func TestCVVVariants(t *testing.T) {
	k := mustKey(t, "0123456789ABCDEFFEDCBA9876543210")
	cvv, _ := Compute(k, "4123456789012345", "8701", "101", 3)
	cvv2, _ := Compute(k, "4123456789012345", "8701", ServiceCodeCVV2, 3)
	icvv, _ := Compute(k, "4123456789012345", "8701", ServiceCodeICVV, 3)
	if cvv2 == cvv && icvv == cvv {
		t.Errorf("CVV2 %s and iCVV %s equal the CVV %s", cvv2, icvv, cvv)
	}
	// Five digits: the first three are the three-digit value.
	five, err := Compute(k, "4123456789012345", "8701", "101", 5)
	if err != nil || five[:3] != cvv {
		t.Errorf("5-digit CVV %q (%v) does not extend %q", five, err, cvv)
	}
}

// Bad input is an error naming the field, never the PAN.
func TestCVVInput(t *testing.T) {
	k := mustKey(t, "0123456789ABCDEFFEDCBA9876543210")
	aes, _ := keys.FromHex(keys.AES128, "0123456789ABCDEFFEDCBA9876543210")
	for _, c := range []struct {
		key                 *keys.Key
		pan, exp, sc, value string
	}{
		{k, "41234567890123456789", "8701", "101", "561"},
		{k, "4123A56789012345", "8701", "101", "561"},
		{k, "", "8701", "101", "561"},
		{k, "4123456789012345", "871", "101", "561"},
		{k, "4123456789012345", "8701", "1O1", "561"},
		{aes, "4123456789012345", "8701", "101", "561"},
		{nil, "4123456789012345", "8701", "101", "561"},
		{k, "4123456789012345", "8701", "101", ""},
	} {
		err := Verify(c.key, c.pan, c.exp, c.sc, c.value)
		if !errors.Is(err, ErrInput) {
			t.Errorf("%+v: %v, want ErrInput", c, err)
			continue
		}
		if c.pan != "" && strings.Contains(err.Error(), c.pan) {
			t.Errorf("error shows the PAN: %v", err)
		}
	}
}

// pyemv's CVC3 example (pyemv/cvv.py generate_cvc3 docstring): issuer CVC3
// key 01234567899876543210012345678998, PAN 5123456789012345, PSN 00, so
// the card key is EMV Option A over Y = 2345678901234500 (computed here
// with crypto/des as the oracle); track 2 5123456789012345D35121010000000000000F,
// ATC 005E, UN 00000899: CVC3 29488.
func TestCVC3Vector(t *testing.T) {
	imk, _ := hex.DecodeString("01234567899876543210012345678998")
	tdes, err := des.NewTripleDESCipher(append(imk, imk[:8]...))
	if err != nil {
		t.Fatal(err)
	}
	y, _ := hex.DecodeString("2345678901234500")
	mk := make([]byte, 16)
	tdes.Encrypt(mk[:8], y)
	for i := range y {
		y[i] ^= 0xFF
	}
	tdes.Encrypt(mk[8:], y)
	kd, err := keys.New(keys.TDES2, mk, keys.FixParity())
	if err != nil {
		t.Fatal(err)
	}
	track, _ := hex.DecodeString("5123456789012345D35121010000000000000F")
	got, err := CVC3(kd, track, [2]byte{0x00, 0x5E}, [4]byte{0, 0, 0x08, 0x99}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got != "29488" {
		t.Fatalf("CVC3 %s, want 29488", got)
	}
	if err := VerifyCVC3(kd, track, [2]byte{0x00, 0x5E}, [4]byte{0, 0, 0x08, 0x99}, "488"); err != nil {
		t.Errorf("3 least significant digits: %v", err)
	}
	if err := VerifyCVC3(kd, track, [2]byte{0x00, 0x5F}, [4]byte{0, 0, 0x08, 0x99}, "29488"); !errors.Is(err, ErrMismatch) {
		t.Errorf("next ATC verifies: %v", err)
	}
	if _, err := CVC3(kd, track, [2]byte{}, [4]byte{}, 6); !errors.Is(err, ErrInput) {
		t.Errorf("6 digits: %v", err)
	}
}
