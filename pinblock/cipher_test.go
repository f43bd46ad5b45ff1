package pinblock

import (
	"bytes"
	"crypto/aes"
	"crypto/des"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func mustPIN(t testing.TB, s string) PIN {
	t.Helper()
	p, err := ParsePIN([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustKey(t testing.TB, alg keys.Algorithm, h string, opts ...keys.Option) *keys.Key {
	t.Helper()
	k, err := keys.New(alg, testvec.Hex(t, h), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCipher(t testing.TB, k *keys.Key, f Format) *Cipher {
	t.Helper()
	c, err := NewCipher(k, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	tdesKey = "0123456789ABCDEFFEDCBA9876543210"
	aesKey  = "00112233445566778899AABBCCDDEEFF"
)

func TestNewCipherRefuses(t *testing.T) {
	tdes := mustKey(t, keys.TDES2, tdesKey)
	aes128 := mustKey(t, keys.AES128, aesKey)
	mac := mustKey(t, keys.TDES2, tdesKey, keys.WithUsage(keys.UsageMAC))
	zeroed := mustKey(t, keys.TDES2, tdesKey)
	zeroed.Zero()
	for _, tc := range []struct {
		name string
		k    *keys.Key
		f    Format
	}{
		{"AES key, format 0", aes128, Format0},
		{"TDES key, format 4", tdes, Format4},
		{"MAC key", mac, Format0},
		{"zeroed key", zeroed, Format0},
		{"nil key", nil, Format0},
	} {
		if _, err := NewCipher(tc.k, tc.f, nil); !errors.Is(err, ErrKey) {
			t.Errorf("%s: err = %v, want ErrKey", tc.name, err)
		}
	}
	if _, err := NewCipher(tdes, Format(9), nil); !errors.Is(err, ErrFormat) {
		t.Errorf("format 9: err = %v, want ErrFormat", err)
	}
	aesb, _ := aes.NewCipher(make([]byte, 16))
	if _, err := FromBlock(aesb, Format3, nil); !errors.Is(err, ErrKey) {
		t.Errorf("FromBlock(AES, format 3): err = %v, want ErrKey", err)
	}
	if _, err := FromBlock(nil, Format3, nil); !errors.Is(err, ErrKey) {
		t.Errorf("FromBlock(nil): err = %v, want ErrKey", err)
	}
}

// TestRoundTrip encrypts and decrypts every PIN length in every format,
// under TDES-2, TDES-3, AES-128/192/256 and SM4.
func TestRoundTrip(t *testing.T) {
	ciphers := []*Cipher{}
	for _, f := range []Format{Format0, Format1, Format2, Format3} {
		ciphers = append(ciphers,
			mustCipher(t, mustKey(t, keys.TDES2, tdesKey), f),
			mustCipher(t, mustKey(t, keys.TDES3, tdesKey+"89ABCDEF01234567"), f))
	}
	for _, k := range []*keys.Key{
		mustKey(t, keys.AES128, aesKey),
		mustKey(t, keys.AES192, aesKey+"0011223344556677"),
		mustKey(t, keys.AES256, aesKey+aesKey),
		mustKey(t, keys.SM4, aesKey),
	} {
		ciphers = append(ciphers, mustCipher(t, k, Format4))
	}
	pans := []string{"1", "42", "4012345678909", "5555555551234567", "1234567890123456789"}
	for _, c := range ciphers {
		for n := MinPINLen; n <= MaxPINLen; n++ {
			pin := mustPIN(t, "908172635445"[:n])
			for _, pan := range pans {
				if pan == "1" && (c.f == Format0 || c.f == Format3) {
					continue // needs a check digit and one more
				}
				enc, err := c.Encrypt(pin, pan)
				if err != nil {
					t.Fatalf("%v n=%d: %v", c, n, err)
				}
				back, err := c.Decrypt(enc, pan)
				if err != nil || !back.Equal(pin) {
					t.Fatalf("%v n=%d PAN %d digits: round trip failed: %v", c, n, len(pan), err)
				}
				blk, err := c.DecryptBlock(enc, pan)
				if err != nil {
					t.Fatal(err)
				}
				again, err := c.EncryptBlock(nil, blk, pan)
				if err != nil || !bytes.Equal(again, enc) {
					t.Fatalf("%v: EncryptBlock(DecryptBlock(x)) != x: %v", c, err)
				}
			}
		}
	}
}

func TestAppendEncrypt(t *testing.T) {
	c := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format0)
	pin := mustPIN(t, "1234")
	dst := []byte("hdr:")
	out, err := c.AppendEncrypt(dst, pin, "4012345678909")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("hdr:")) || len(out) != 12 {
		t.Fatalf("AppendEncrypt = %X", out)
	}
	// On error dst comes back unchanged and its spare capacity holds no
	// trace of the PIN.
	buf := make([]byte, 2, 64)
	got, err := c.AppendEncrypt(buf, pin, "12A4")
	if !errors.Is(err, ErrPAN) || len(got) != 2 {
		t.Fatalf("got %d bytes, err %v", len(got), err)
	}
	if !bytes.Equal(buf[:cap(buf)][2:10], make([]byte, 8)) {
		t.Fatal("spare capacity not wiped after an error")
	}
	allocs := testing.AllocsPerRun(100, func() {
		out, err = c.AppendEncrypt(out[:0], pin, "4012345678909")
	})
	if err != nil || allocs != 0 {
		t.Fatalf("AppendEncrypt allocates %v times (err %v)", allocs, err)
	}
}

func TestEncryptBlockFormatMismatch(t *testing.T) {
	c := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format0)
	b, _ := Format2.Encode(mustPIN(t, "1234"), "", nil)
	if _, err := c.EncryptBlock(nil, b, ""); !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
}

func TestLengths(t *testing.T) {
	for _, f := range []Format{Format0, Format1, Format2, Format3, Format4} {
		for _, n := range []int{0, 7, 9, 15, 17, 1000} {
			if n == f.Size() {
				continue
			}
			if _, err := f.Decode(make([]byte, n), "4012345678909"); !errors.Is(err, ErrFormat) {
				t.Errorf("%s Decode of %d bytes: err = %v", f, n, err)
			}
		}
	}
	tdes, _ := des.NewTripleDESCipher(make([]byte, 24))
	c, _ := FromBlock(tdes, Format0, nil)
	if _, err := c.Decrypt(make([]byte, 16), "4012345678909"); !errors.Is(err, ErrFormat) {
		t.Errorf("Decrypt of 16 bytes for ISO-0: err = %v", err)
	}
	if _, err := Format(5).Encode(mustPIN(t, "1234"), "", nil); !errors.Is(err, ErrFormat) {
		t.Errorf("Format(5).Encode: err = %v", err)
	}
	if Format(5).String() != "Format(5)" || Format(5).Size() != 0 {
		t.Error("unknown format")
	}
}

// TestShortPAN: formats 0 and 3 left-pad a PAN shorter than 12 digits
// before the check digit with zeros (ISO 9564-1, formats 0 and 3), so PAN "42"
// contributes just the digit 4.
func TestShortPAN(t *testing.T) {
	b, err := Format0.Encode(mustPIN(t, "1234"), "42", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.AppendBytes(nil), testvec.Hex(t, "041234FFFFFFFFFB"); !bytes.Equal(got, want) {
		t.Fatalf("got %X, want %X", got, want)
	}
	for _, pan := range []string{"", "4", "12345678901234567890"} {
		if _, err := Format0.Encode(mustPIN(t, "1234"), pan, nil); !errors.Is(err, ErrPAN) {
			t.Errorf("PAN of %d digits: err = %v", len(pan), err)
		}
	}
}

// TestErrorsNameNoSecret: errors from a wrong PAN, a malformed block and a
// wrong key never contain the PIN, the block or the PAN.
func TestErrorsNameNoSecret(t *testing.T) {
	pin := mustPIN(t, "987654")
	pan := "4761739001010119"
	c := mustCipher(t, mustKey(t, keys.TDES2, tdesKey), Format0)
	enc, _ := c.Encrypt(pin, pan)
	other := mustCipher(t, mustKey(t, keys.TDES2, "FEDCBA98765432100123456789ABCDEF"), Format0)
	var errs []error
	_, err := c.Decrypt(enc, "4012345678909")
	errs = append(errs, err)
	_, err = other.Decrypt(enc, pan)
	errs = append(errs, err)
	_, err = Format0.Decode(testvec.Hex(t, "0698765FFFFFFFFF"), pan)
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("no error")
		}
		for _, s := range []string{"987654", "4761739", "0119", hex.EncodeToString(enc), strings.ToUpper(hex.EncodeToString(enc))} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains %q", err, s)
			}
		}
	}
}

// TestFormat4PathsAgree: AppendEncrypt's written-out format 4 path and the
// general one (Format.Encode, then EncryptBlock) give the same block for
// the same fill, for every PIN and PAN length, and the same errors in the
// same order (a bad PIN is reported before a bad PAN).
func TestFormat4PathsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	b := benchAES(&testing.B{})
	seed := make([]byte, 8)
	for n := 0; n <= maxPANLen+1; n++ {
		for pinLen := MinPINLen; pinLen <= MaxPINLen; pinLen++ {
			pan := make([]byte, n)
			for i := range pan {
				pan[i] = byte('0' + r.IntN(10))
			}
			pin := make([]byte, pinLen)
			for i := range pin {
				pin[i] = byte('0' + r.IntN(10))
			}
			binary.BigEndian.PutUint64(seed, r.Uint64())
			fast, _ := FromBlock(b, Format4, bytes.NewReader(seed))
			slow, _ := FromBlock(b, Format4, nil)
			p := mustPIN(t, string(pin))
			got, err1 := fast.AppendEncrypt([]byte("x"), p, string(pan))
			blk, err2 := Format4.Encode(p, string(pan), bytes.NewReader(seed))
			var want []byte
			if err2 == nil {
				want, err2 = slow.EncryptBlock([]byte("x"), blk, string(pan))
			}
			if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
				t.Fatalf("PAN %d digits, PIN %d: errors %v / %v", n, pinLen, err1, err2)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("PAN %d digits, PIN %d: %X, general path %X", n, pinLen, got, want)
			}
		}
	}
	// Bad PIN and bad PAN: the PIN is reported, as encode does.
	fast, _ := FromBlock(b, Format4, nil)
	if _, err := fast.AppendEncrypt(nil, PIN{}, "12A4"); !errors.Is(err, ErrPIN) {
		t.Fatalf("zero PIN, bad PAN: %v, want ErrPIN", err)
	}
}
