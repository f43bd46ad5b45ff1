package pinblock

import (
	"bytes"
	"crypto/aes"
	"crypto/des"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// FuzzDecode feeds arbitrary blocks and PANs to Decode for every format. It
// must never panic, every error must wrap a package sentinel, and every
// block it accepts must re-encode, with the same fill, to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, v := range testvec.Load(f, "vectors.txt") {
		if b, ok := v.Get("block"); ok {
			if blk, err := hexBytes(b); err == nil {
				f.Add(uint8(vecFormat(f, v)), blk, v.Field("pan"))
			}
		}
	}
	f.Add(uint8(7), []byte{0x04, 0x12}, "")
	f.Add(uint8(0), make([]byte, 8), "1")
	f.Fuzz(func(t *testing.T, fb uint8, blk []byte, pan string) {
		if len(blk) > 40 || len(pan) > 40 {
			// Lengths are checked first; long inputs only slow the
			// minimizer down (TestLengths covers them).
			return
		}
		fm := Format(fb % 6) // include one invalid format
		p, err := fm.Decode(blk, pan)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %q wraps no sentinel", err)
			}
			return
		}
		if p.Len() < MinPINLen || p.Len() > MaxPINLen {
			t.Fatalf("accepted a PIN of %d digits", p.Len())
		}
		again, err := fm.Encode(p, pan, fillFor(fm, blk, pan))
		if err != nil {
			t.Fatalf("accepted block does not re-encode: %v", err)
		}
		if got := again.AppendBytes(nil); !bytes.Equal(got, blk) {
			t.Fatalf("re-encoded %X, want %X", got, blk)
		}
	})
}

// FuzzDecrypt feeds arbitrary ciphertexts and PANs to Cipher.Decrypt and
// Translate: no panic, only sentinel errors, and what decrypts round-trips.
func FuzzDecrypt(f *testing.F) {
	f.Add(uint8(0), []byte{0x1B, 0x9C, 0x18, 0x45, 0xEB, 0x99, 0x3A, 0x7A}, "4012345678909")
	f.Add(uint8(4), bytes.Repeat([]byte{0xCC}, 16), "432198765432109870")
	f.Add(uint8(3), []byte{1, 2, 3}, "")
	tdes, _ := des.NewTripleDESCipher(bytes.Repeat([]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}, 3))
	aesc, _ := aes.NewCipher(make([]byte, 16))
	f.Fuzz(func(t *testing.T, fb uint8, enc []byte, pan string) {
		if len(enc) > 40 || len(pan) > 40 {
			return // as in FuzzDecode
		}
		fm := Format(fb % 5)
		b := tdes
		if fm == Format4 {
			b = aesc
		}
		c, err := FromBlock(b, fm, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Decrypt(enc, pan)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %q wraps no sentinel", err)
			}
		} else {
			out, err := c.Encrypt(p, pan)
			if err != nil {
				t.Fatal(err)
			}
			back, err := c.Decrypt(out, pan)
			if err != nil || !back.Equal(p) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
		to, _ := FromBlock(aesc, Format4, bytes.NewReader(make([]byte, 64)))
		if _, err := Translate(nil, enc, pan, c, to); err != nil && !isSentinel(err) {
			t.Fatalf("Translate error %q wraps no sentinel", err)
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrFormat, ErrPIN, ErrPAN, ErrMalformed, ErrPANMismatch, ErrKey, ErrTranslation, ErrRandom} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzFormat4Paths: for any PIN digits, PAN and fill, AppendEncrypt's
// written-out format 4 path gives the block (or the error) of the general
// path, Format.Encode then EncryptBlock, and leaves dst as it was on error.
func FuzzFormat4Paths(f *testing.F) {
	f.Add("1234", "4111111111111111", uint64(0))
	f.Add("123456789012", "1234567890123456789", uint64(1))
	f.Add("12", "4", uint64(2))
	f.Add("1234", "41111111111111x1", uint64(3))
	aesc, _ := aes.NewCipher(make([]byte, 16))
	f.Fuzz(func(t *testing.T, pinDigits, pan string, fill uint64) {
		if len(pan) > 40 {
			return
		}
		pin, err := ParsePIN([]byte(pinDigits))
		if err != nil {
			pin = PIN{} // the zero PIN: both paths must refuse it
		}
		seed := binary.BigEndian.AppendUint64(nil, fill)
		fast, _ := FromBlock(aesc, Format4, bytes.NewReader(seed))
		slow, _ := FromBlock(aesc, Format4, nil)
		dst := []byte("dst")
		got, err1 := fast.AppendEncrypt(dst, pin, pan)
		var want []byte
		blk, err2 := Format4.Encode(pin, pan, bytes.NewReader(seed))
		if err2 == nil {
			want, err2 = slow.EncryptBlock(dst, blk, pan)
		}
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if err1 != nil {
			if !isSentinel(err1) || string(got) != "dst" {
				t.Fatalf("error %v, dst %q", err1, got)
			}
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%X, general path %X", got, want)
		}
	})
}
