package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"errors"
	"strconv"
	"testing"

	"github.com/emmansun/gmsm/sm4"

	"github.com/possdk/pos/internal/testvec"
)

// vectorBlock builds the cipher named by a vector's "cipher" field.
func vectorBlock(t *testing.T, name string, key []byte) cipher.Block {
	t.Helper()
	var b cipher.Block
	var err error
	switch name {
	case "DES":
		b, err = des.NewCipher(key)
	case "TDES2":
		b, err = des.NewTripleDESCipher(append(append([]byte(nil), key...), key[:8]...))
	case "TDES3":
		b, err = des.NewTripleDESCipher(key)
	case "AES128", "AES256":
		b, err = aes.NewCipher(key)
	case "SM4":
		b, err = sm4.NewCipher(key)
	default:
		t.Fatalf("unknown cipher %q", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMACVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "mac.txt"), func(t *testing.T, v testvec.Vector) {
		key, data, want := v.Bytes(t, "key"), v.Bytes(t, "data"), v.Bytes(t, "expect")
		ciph := v.Text(t, "cipher")
		var pad Padding
		if v.Has("padding") {
			p, err := strconv.Atoi(v.Text(t, "padding"))
			if err != nil {
				t.Fatal(err)
			}
			pad = Padding(p)
		}
		var got []byte
		var err error
		switch v.Text(t, "mac") {
		case "alg1":
			got, err = CBCMAC(vectorBlock(t, ciph, key), data, pad, len(want))
		case "alg3":
			var k, k2 cipher.Block
			if v.Has("key2") {
				k, k2 = vectorBlock(t, ciph, key), vectorBlock(t, ciph, v.Bytes(t, "key2"))
			} else {
				kk, err := New(TDES2, key)
				if err != nil {
					t.Fatal(err)
				}
				if k, k2, err = kk.DESParts(); err != nil {
					t.Fatal(err)
				}
			}
			got, err = RetailMAC(k, k2, data, pad, len(want))
			if v.Has("expect_full_computed_by_possdk") {
				full, _ := RetailMAC(k, k2, data, pad, 0)
				if !bytes.Equal(full, v.Bytes(t, "expect_full_computed_by_possdk")) {
					t.Errorf("full MAC %X, want %X", full, v.Bytes(t, "expect_full_computed_by_possdk"))
				}
			}
		case "cmac":
			got, err = CMAC(vectorBlock(t, ciph, key), data, len(want))
		case "cup":
			got, err = CUPMAC(vectorBlock(t, ciph, key), data)
		case "pboc":
			kk, kerr := New(algByName[ciph], key)
			if kerr != nil {
				t.Fatal(kerr)
			}
			got, err = PBOCMAC(kk, data, len(want))
		default:
			t.Fatalf("unknown mac %q", v.Text(t, "mac"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("MAC = %X, want %X", got, want)
		}
		if v.Text(t, "mac") == "alg1" && v.Has("expect_full_computed_by_possdk") {
			full, _ := CBCMAC(vectorBlock(t, ciph, key), data, pad, 0)
			if !bytes.Equal(full, v.Bytes(t, "expect_full_computed_by_possdk")) {
				t.Errorf("full MAC %X, want %X", full, v.Bytes(t, "expect_full_computed_by_possdk"))
			}
		}
	})
}

func TestCMACSubkeys(t *testing.T) {
	// RFC 4493 §4 'Subkey Generation' (= SP 800-38B D.1).
	b, _ := aes.NewCipher(testvec.Hex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
	k1, k2 := make([]byte, 16), make([]byte, 16)
	cmacSubkey(b, k1, true)
	cmacSubkey(b, k2, false)
	if !bytes.Equal(k1, testvec.Hex(t, "FBEED618357133667C85E08F7236A8DE")) || !bytes.Equal(k2, testvec.Hex(t, "F7DDAC306AE266CCF90BC11EE46D513B")) {
		t.Errorf("K1 %X K2 %X", k1, k2)
	}
}

// The CUP worked example also publishes every intermediate value; check the
// algorithm step by step, not only the end result.
func TestCUPMACIntermediates(t *testing.T) {
	b, _ := des.NewCipher(testvec.Hex(t, "2222222222222222"))
	h := []byte("B9F9B96AA4FDB57F")
	e1 := make([]byte, 8)
	b.Encrypt(e1, h[:8])
	if !bytes.Equal(e1, testvec.Hex(t, "9FDE90A34CF73B2E")) {
		t.Errorf("first encryption %X", e1)
	}
	mac, err := CUPMAC(b, testvec.Hex(t, "1234567890ABCDEFABCDEF1234567890"))
	if err != nil || string(mac) != "E267B6E2" {
		t.Errorf("CUPMAC = %q, %v", mac, err)
	}
	// Zero padding: trailing zero bytes do not change the MAC, a cut does.
	m2, _ := CUPMAC(b, testvec.Hex(t, "1234567890ABCDEFABCDEF123456789000"))
	if !bytes.Equal(m2, mac) {
		t.Error("trailing zero changed CUP MAC")
	}
	m3, _ := CUPMAC(b, testvec.Hex(t, "1234567890ABCDEFABCDEF12345678"))
	if bytes.Equal(m3, mac) {
		t.Error("truncated MAB gave the same MAC")
	}
}

// The blog example of the TAK download (vectors/crypto.md) publishes the
// first XOR steps of a CUP MAC over a real 0200 MAB; check the prefix XORs.
func TestCUPMABXorPrefix(t *testing.T) {
	mab := testvec.Hex(t, "0200302004C020C0981100000000000000005100183402100006324392260009")
	var r [8]byte
	for off := 0; off < len(mab); off += 8 {
		for i := range 8 {
			r[i] ^= mab[off+i]
		}
	}
	if !bytes.Equal(r[:], testvec.Hex(t, "9A1753638ED222D9")) {
		t.Errorf("M1^M2^M3^M4 = %X", r)
	}
}

func TestCUPMACVariants(t *testing.T) {
	mab := []byte("0200 example message block, MTI through field 63")
	// TDES with K1 = K2 equals single DES: the two CUP variants agree.
	d, _ := des.NewCipher(testvec.Hex(t, "0123456789ABCDEF"))
	tk, _ := New(TDES2, testvec.Hex(t, "0123456789ABCDEF0123456789ABCDEF"), Legacy())
	tb, _ := tk.Block()
	m1, _ := CUPMAC(d, mab)
	m2, _ := CUPMAC(tb, mab)
	if !bytes.Equal(m1, m2) {
		t.Errorf("DES %s != TDES(K,K) %s", m1, m2)
	}
	// SM4 variant: 16-byte blocks, and the output is still 8 hex characters.
	s, _ := sm4.NewCipher(testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	m3, err := CUPMAC(s, mab)
	if err != nil || len(m3) != CUPMACSize {
		t.Fatalf("SM4 CUPMAC = %q, %v", m3, err)
	}
	for _, c := range m3 {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			t.Errorf("non-hex output %q", m3)
		}
	}
	// Hand computation of the SM4 steps.
	var r [16]byte
	padded := append(append([]byte(nil), mab...), make([]byte, (16-len(mab)%16)%16)...)
	for off := 0; off < len(padded); off += 16 {
		for i := range 16 {
			r[i] ^= padded[off+i]
		}
	}
	h := []byte(hexUpper(r[:]))
	e := make([]byte, 16)
	s.Encrypt(e, h[:16])
	for i := range 16 {
		e[i] ^= h[16+i]
	}
	s.Encrypt(e, e)
	if want := hexUpper(e)[:8]; string(m3) != want {
		t.Errorf("SM4 CUPMAC = %s, hand computation %s", m3, want)
	}
	if _, err := CUPMAC(fakeBlock(4), mab); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("odd block size: %v", err)
	}
}

func hexUpper(b []byte) string {
	out := make([]byte, 2*len(b))
	upperHex(out, b)
	return string(out)
}

// fakeBlock is a cipher.Block with an unusual block size, for error paths.
type fakeBlock int

func (f fakeBlock) BlockSize() int          { return int(f) }
func (f fakeBlock) Encrypt(dst, src []byte) { copy(dst, src) }
func (f fakeBlock) Decrypt(dst, src []byte) { copy(dst, src) }

// Padding edge cases, checked against a straightforward reference: pad the
// message explicitly, then run CBC from crypto/cipher.
func TestPaddingAgainstReference(t *testing.T) {
	d, _ := des.NewCipher(testvec.Hex(t, "0123456789ABCDEF"))
	a, _ := aes.NewCipher(testvec.Hex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
	for _, b := range []cipher.Block{d, a} {
		bs := b.BlockSize()
		for n := 0; n <= 3*bs; n++ {
			msg := bytes.Repeat([]byte{0xA5}, n)
			for _, p := range []Padding{Padding1, Padding2, Padding3} {
				got, err := CBCMAC(b, msg, p, 0)
				if err != nil {
					t.Fatal(err)
				}
				want := referenceCBCMAC(b, refPad(msg, p, bs))
				if !bytes.Equal(got, want) {
					t.Errorf("bs %d len %d pad %d: %X, want %X", bs, n, p, got, want)
				}
			}
		}
	}
}

func refPad(msg []byte, p Padding, bs int) []byte {
	var out []byte
	if p == Padding3 {
		lb := make([]byte, bs)
		bits := uint64(len(msg)) * 8
		for i := 0; i < 8; i++ {
			lb[bs-1-i] = byte(bits >> (8 * i))
		}
		out = append(out, lb...)
	}
	out = append(out, msg...)
	if p == Padding2 {
		out = append(out, 0x80)
	}
	for len(out)%bs != 0 {
		out = append(out, 0)
	}
	if len(out) == 0 { // Padding1 of empty data: one zero block
		out = make([]byte, bs)
	}
	return out
}

func referenceCBCMAC(b cipher.Block, padded []byte) []byte {
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(b, make([]byte, b.BlockSize())).CryptBlocks(out, padded)
	return out[len(out)-b.BlockSize():]
}

func TestMACErrors(t *testing.T) {
	d, _ := des.NewCipher(testvec.Hex(t, "0123456789ABCDEF"))
	a, _ := aes.NewCipher(testvec.Hex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
	msg := []byte("message")
	for _, tt := range []struct {
		name string
		err  error
		want error
	}{
		{"padding 0", second(CBCMAC(d, msg, 0, 8)), ErrPadding},
		{"padding 4", second(RetailMAC(d, d, msg, 4, 8)), ErrPadding},
		{"length 9 on DES", second(CBCMAC(d, msg, Padding1, 9)), ErrMACLength},
		{"negative length", second(CMAC(a, msg, -1)), ErrMACLength},
		{"mixed block sizes", second(RetailMAC(d, a, msg, Padding1, 8)), ErrAlgorithm},
		{"CMAC odd block", second(CMAC(fakeBlock(4), msg, 0)), ErrAlgorithm},
		{"CBCMAC odd block", second(CBCMAC(fakeBlock(32), msg, Padding1, 0)), ErrAlgorithm},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	ak, _ := New(AES128, testvec.Hex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
	if _, err := PBOCMAC(ak, msg, 4); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("PBOCMAC with AES: %v", err)
	}
}

func second(_ []byte, err error) error { return err }

func TestEqualVerify(t *testing.T) {
	a, b := []byte("E267B6E2"), []byte("E267B6E2")
	if !Equal(a, b) || Equal(a, b[:7]) || Equal(a, []byte("E267B6E3")) {
		t.Error("Equal wrong")
	}
	if err := Verify(a, b); err != nil {
		t.Error(err)
	}
	if err := Verify(a, []byte("E267B6E3")); !errors.Is(err, ErrMAC) {
		t.Errorf("Verify mismatch: %v", err)
	}
	if err := Verify(nil, nil); !errors.Is(err, ErrMAC) {
		t.Errorf("Verify empty: %v", err)
	}
}

func TestAppendMACNoAlloc(t *testing.T) {
	k, _ := New(TDES2, testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	l, r, _ := k.DESParts()
	a, _ := aes.NewCipher(testvec.Hex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
	msg := make([]byte, 256)
	buf := make([]byte, 0, 32)
	for name, f := range map[string]func(){
		"RetailMAC": func() { _, _ = AppendRetailMAC(buf[:0], l, r, msg, Padding1, 8) },
		"CBCMAC":    func() { _, _ = AppendCBCMAC(buf[:0], l, msg, Padding2, 8) },
		"CMAC":      func() { _, _ = AppendCMAC(buf[:0], a, msg, 16) },
		"CUPMAC":    func() { _, _ = AppendCUPMAC(buf[:0], l, msg) },
	} {
		if n := testing.AllocsPerRun(20, f); n != 0 {
			t.Errorf("%s allocates %.0f times", name, n)
		}
	}
}
