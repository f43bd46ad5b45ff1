package cvv

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/internal/testvec"
	"github.com/possdk/pos/keys"
)

// dCVV against values computed by independent libraries (pyemv's option-A
// derivation, psec's CVV over the alternate PAN; testdata/dcvv.txt says
// why there is no Visa vector): the UDK derived here matches pyemv's,
// the dCVV matches, verifies, and a value one digit off or another ATC
// does not.
func TestDCVVVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "dcvv.txt"), func(t *testing.T, v testvec.Vector) {
		// The sample MDK has equal halves (single-DES strength): accepted
		// only as a legacy key.
		mdk, err := keys.FromHex(keys.TDES2, v.Field("mdk"), keys.Legacy())
		if err != nil {
			t.Fatal(err)
		}
		pan, err := emv.ParsePAN(v.Field("pan"))
		if err != nil {
			t.Fatal(err)
		}
		udk, err := emv.DeriveICCKeyA(mdk, pan, v.Field("psn"))
		if err != nil {
			t.Fatal(err)
		}
		if want := mustKey(t, v.Field("udk")); !udk.Equal(want) {
			t.Fatalf("UDK %s, want %s", udk, want)
		}
		b, err := hex.DecodeString(v.Field("atc"))
		if err != nil || len(b) != 2 {
			t.Fatalf("atc %q", v.Field("atc"))
		}
		atc := [2]byte{b[0], b[1]}
		got, err := DCVV(udk, v.Field("pan"), v.Field("expiry"), v.Field("sc"), atc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got != v.Field("dcvv") {
			t.Fatalf("dCVV %s, want %s", got, v.Field("dcvv"))
		}
		if err := VerifyDCVV(udk, v.Field("pan"), v.Field("expiry"), v.Field("sc"), atc, got); err != nil {
			t.Errorf("VerifyDCVV: %v", err)
		}
		bad := []byte(got)
		bad[0] = '0' + (bad[0]-'0'+1)%10
		if err := VerifyDCVV(udk, v.Field("pan"), v.Field("expiry"), v.Field("sc"), atc, string(bad)); !errors.Is(err, ErrMismatch) {
			t.Errorf("a wrong dCVV verifies: %v", err)
		}
	})
}

// The ATC is written in hexadecimal: ATC 0x000A is "000A", not "0010"
// (whose dCVV is that of ATC 0x0010). No independent library takes the
// hex letters, so this checks only the layout against our CVV of the
// alternate PAN with digits (ATC 0x0010 ↔ "0010").
func TestDCVVATCInHex(t *testing.T) {
	udk := mustKey(t, "1375FB0ECD3E26E089B640543137F189")
	pan := "4761739001010010"
	d16, _ := DCVV(udk, pan, "1220", "000", [2]byte{0x00, 0x10}, 3)
	c16, _ := Compute(udk, "0010"+pan[4:], "1220", "000", 3)
	d10, _ := DCVV(udk, pan, "1220", "000", [2]byte{0x00, 0x0A}, 3)
	if d16 != c16 {
		t.Fatalf("ATC 0x0010: dCVV %s, CVV of the alternate PAN %s", d16, c16)
	}
	if d10 == "" || d10 == d16 {
		t.Fatalf("ATC 0x000A gives %q, the same as 0x0010", d10)
	}
}

func TestDCVVErrors(t *testing.T) {
	udk := mustKey(t, "1375FB0ECD3E26E089B640543137F189")
	aes, _ := keys.FromHex(keys.AES128, "000102030405060708090A0B0C0D0E0F")
	for _, c := range []struct {
		udk               *keys.Key
		pan, exp, sc, val string
	}{
		{udk, "4761", "1220", "000", "123"},
		{udk, "47617390010100X0", "1220", "000", "123"},
		{udk, "4761739001010010", "122", "000", "123"},
		{udk, "4761739001010010", "1220", "00", "123"},
		{aes, "4761739001010010", "1220", "000", "123"},
		{nil, "4761739001010010", "1220", "000", "123"},
		{udk, "4761739001010010", "1220", "000", ""},
	} {
		if err := VerifyDCVV(c.udk, c.pan, c.exp, c.sc, [2]byte{0, 1}, c.val); !errors.Is(err, ErrInput) {
			t.Errorf("%+v: %v", c, err)
		} else if len(c.pan) > 12 && strings.Contains(err.Error(), c.pan) {
			t.Errorf("error shows the PAN: %v", err)
		}
	}
}
