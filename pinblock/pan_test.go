package pinblock

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refPANField4 builds the format 4 PAN field the slow way, as text, from
// the rules of ISO 9564-1:2017 format 4.
func refPANField4(pan string) string {
	m := max(len(pan)-12, 0)
	digits := strings.Repeat("0", max(12-len(pan), 0)) + pan
	s := fmt.Sprintf("%X", m) + digits
	return s + strings.Repeat("0", 32-len(s))
}

// refPANField0 builds the format 0/3 account number field as text.
func refPANField0(pan string) string {
	body := pan[:len(pan)-1]
	if len(body) > 12 {
		body = body[len(body)-12:]
	}
	return "0000" + strings.Repeat("0", 12-len(body)) + body
}

func TestPANFields(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= maxPANLen; n++ {
		for range 50 {
			var sb strings.Builder
			for range n {
				sb.WriteByte(byte('0' + r.IntN(10)))
			}
			pan := sb.String()
			hi, lo, err := panField4(pan)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%016X%016X", hi, lo)
			if want := refPANField4(pan); got != want {
				t.Fatalf("panField4(%s) = %s, want %s", pan, got, want)
			}
			if n < 2 {
				continue
			}
			v, err := panField0(pan)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprintf("%016X", v), refPANField0(pan); got != want {
				t.Fatalf("panField0(%s) = %s, want %s", pan, got, want)
			}
		}
	}
	// A bad character anywhere, of any kind, is refused and located.
	for n := 2; n <= maxPANLen; n++ {
		for pos := range n {
			for _, bad := range []byte{'/', ':', 'A', ' ', 0, 0xFF, '0' + 10, '0' - 1} {
				pan := []byte(strings.Repeat("9", n))
				pan[pos] = bad
				_, _, err4 := panField4(string(pan))
				_, err0 := panField0(string(pan))
				want := fmt.Sprintf("character %d is", pos+1)
				for _, err := range []error{err4, err0} {
					if !errors.Is(err, ErrPAN) || !strings.Contains(err.Error(), want) {
						t.Fatalf("PAN %q: err = %v", pan, err)
					}
				}
			}
		}
	}
}

// FuzzPANField compares the word-at-a-time PAN packing with the text
// reference for arbitrary strings.
func FuzzPANField(f *testing.F) {
	f.Add("1")
	f.Add("4012345678909")
	f.Add("1234567890123456789")
	f.Add("12345678/0123")
	f.Fuzz(func(t *testing.T, pan string) {
		if len(pan) > 40 {
			return
		}
		valid := len(pan) >= 1 && len(pan) <= maxPANLen && strings.Trim(pan, "0123456789") == ""
		hi, lo, err := panField4(pan)
		if (err == nil) != valid {
			t.Fatalf("panField4(%q): err = %v, valid = %v", pan, err, valid)
		}
		if err != nil {
			return
		}
		b := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, hi), lo)
		if got, want := strings.ToUpper(hex.EncodeToString(b)), refPANField4(pan); got != want {
			t.Fatalf("panField4(%q) = %s, want %s", pan, got, want)
		}
	})
}
