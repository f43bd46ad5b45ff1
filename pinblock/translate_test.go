package pinblock

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

func TestTranslate(t *testing.T) {
	pin := mustPIN(t, "123456789012")
	pan := "4012345678909"
	tpk := mustKey(t, keys.TDES2, tdesKey)
	zpk := mustKey(t, keys.AES256, aesKey+aesKey)
	in := map[Format]*Cipher{}
	out := map[Format]*Cipher{}
	for _, f := range []Format{Format0, Format1, Format2, Format3} {
		in[f] = mustCipher(t, tpk, f)
	}
	for _, f := range []Format{Format0, Format1, Format2, Format3} {
		out[f] = mustCipher(t, mustKey(t, keys.TDES3, tdesKey+"89ABCDEF01234567"), f)
	}
	in[Format4] = mustCipher(t, mustKey(t, keys.AES128, aesKey), Format4)
	out[Format4] = mustCipher(t, zpk, Format4)
	for ff, from := range in {
		for tf, to := range out {
			enc, err := from.Encrypt(pin, pan)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Translate([]byte{0xEE}, enc, pan, from, to)
			allowed := ff != Format2 && (tf != Format1 || ff == Format1)
			if !allowed {
				if !errors.Is(err, ErrTranslation) {
					t.Errorf("%s -> %s: err = %v, want ErrTranslation", ff, tf, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s -> %s: %v", ff, tf, err)
			}
			if got[0] != 0xEE || len(got) != 1+tf.Size() {
				t.Fatalf("%s -> %s: output %X", ff, tf, got)
			}
			back, err := to.Decrypt(got[1:], pan)
			if err != nil || !back.Equal(pin) {
				t.Fatalf("%s -> %s: translated block does not decrypt to the PIN: %v", ff, tf, err)
			}
		}
	}
}

// TestTranslateErrors: a PAN mismatch and a malformed block are told apart.
func TestTranslateErrors(t *testing.T) {
	pin := mustPIN(t, "1234")
	pan := "4012345678909"
	from := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format0)
	to := mustCipher(t, mustKey(t, keys.AES128, aesKey), Format4)
	enc, _ := from.Encrypt(pin, pan)

	dst := []byte{1, 2}
	got, err := Translate(dst, enc, "5555555551234567", from, to)
	if !errors.Is(err, ErrPANMismatch) || errors.Is(err, ErrMalformed) {
		t.Errorf("wrong PAN: err = %v, want ErrPANMismatch only", err)
	}
	// No position detail after decryption: it would help a PAN-modification
	// oracle.
	if strings.Contains(err.Error(), "digit") || strings.Contains(err.Error(), "nibble") {
		t.Errorf("PAN mismatch error %q says where", err)
	}
	if !bytes.Equal(got, dst) {
		t.Error("dst changed on error")
	}

	// A block whose control field is wrong: encipher a format 2 block
	// under the format 0 key.
	f2 := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format2)
	bad, _ := f2.Encrypt(pin, "")
	if _, err := Translate(nil, bad, pan, from, to); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrPANMismatch) {
		t.Errorf("malformed block: err = %v, want ErrMalformed only", err)
	}

	// Format 4: a wrong PAN garbles the whole field, so both match.
	enc4, _ := to.Encrypt(pin, pan)
	back := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format0)
	if _, err := Translate(nil, enc4, "5555555551234567", to, back); !errors.Is(err, ErrPANMismatch) || !errors.Is(err, ErrMalformed) {
		t.Errorf("format 4 wrong PAN: err = %v", err)
	}
	if _, err := Translate(nil, enc4, pan, nil, back); !errors.Is(err, ErrKey) {
		t.Errorf("nil cipher: err = %v", err)
	}
	if _, err := Translate(nil, enc4[:8], pan, to, back); !errors.Is(err, ErrFormat) {
		t.Errorf("short block: err = %v", err)
	}
}
