package cvv

import (
	"bufio"
	"crypto/des"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

type vector struct {
	name string
	f    map[string]string
}

// loadVectors reads testdata/<file>: "field: value" blocks with a name and
// a source each.
func loadVectors(t *testing.T, file string) []vector {
	t.Helper()
	fh, err := os.Open("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []vector
	cur := vector{f: map[string]string{}}
	flush := func() {
		if cur.name != "" {
			if cur.f["source"] == "" {
				t.Fatalf("%s: %q has no source", file, cur.name)
			}
			out = append(out, cur)
		}
		cur = vector{f: map[string]string{}}
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			flush()
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad line %q", file, line)
		}
		if k == "name" {
			cur.name = strings.TrimSpace(v)
		}
		cur.f[k] = strings.TrimSpace(v)
	}
	flush()
	return out
}

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
	for _, v := range loadVectors(t, "cvv.txt") {
		t.Run(v.name, func(t *testing.T) {
			k := mustKey(t, v.f["cvk"])
			got, err := Compute(k, v.f["pan"], v.f["expiry"], v.f["sc"], 0)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.f["cvv"] {
				t.Fatalf("CVV %s, want %s", got, v.f["cvv"])
			}
			if err := Verify(k, v.f["pan"], v.f["expiry"], v.f["sc"], v.f["cvv"]); err != nil {
				t.Errorf("Verify: %v", err)
			}
			bad := []byte(v.f["cvv"])
			bad[2] = '0' + (bad[2]-'0'+1)%10
			if err := Verify(k, v.f["pan"], v.f["expiry"], v.f["sc"], string(bad)); !errors.Is(err, ErrMismatch) {
				t.Errorf("a wrong CVV verifies: %v", err)
			}
		})
	}
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
