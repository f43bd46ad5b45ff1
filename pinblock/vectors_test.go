package pinblock

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// vecFormat is the vector's format field.
func vecFormat(t testing.TB, v testvec.Vector) Format {
	t.Helper()
	return Format(v.Int(t, "format"))
}

// vecPIN is the vector's pin field, parsed.
func vecPIN(t testing.TB, v testvec.Vector) PIN {
	t.Helper()
	p, err := ParsePIN([]byte(v.Field("pin")))
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	return p
}

// vecRand returns a reader over the vector's fill bytes, or one that fails the
// test if the encoder reads at all.
func vecRand(t testing.TB, v testvec.Vector) io.Reader {
	if s, ok := v.Get("rand"); ok {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b)
	}
	return noRand{t}
}

type noRand struct{ t testing.TB }

func (r noRand) Read([]byte) (int, error) {
	r.t.Helper()
	r.t.Error("encoder read random bytes where the format has none")
	return 0, io.ErrUnexpectedEOF
}

// stdBlock builds the block cipher with the standard library only.
func stdBlock(t testing.TB, alg string, key []byte) cipher.Block {
	t.Helper()
	var b cipher.Block
	var err error
	switch alg {
	case "TDES2":
		b, err = des.NewTripleDESCipher(append(append([]byte{}, key...), key[:8]...))
	case "AES128", "AES192", "AES256":
		b, err = aes.NewCipher(key)
	default:
		t.Fatalf("unknown alg %q", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantErr checks err against the vector's error field.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", want)
	}
	sentinels := map[string]error{
		"pin": ErrPIN, "pan": ErrPAN, "format": ErrFormat,
		"malformed": ErrMalformed, "panmismatch": ErrPANMismatch,
	}
	wanted := map[error]bool{}
	for _, w := range strings.Split(want, "+") {
		s, ok := sentinels[w]
		if !ok {
			t.Fatalf("unknown error kind %q", w)
		}
		wanted[s] = true
	}
	for _, s := range sentinels {
		if errors.Is(err, s) != wanted[s] {
			t.Errorf("errors.Is(%q, %v) = %v, want %v", err, s, !wanted[s], wanted[s])
		}
	}
}

// fillFor returns the random bytes Encode would have to read to produce
// the clear block b exactly. Together with Encode it checks that every
// block Decode accepts re-encodes to the same bytes.
func fillFor(f Format, b []byte, pan string) io.Reader {
	switch f {
	case Format1:
		return bytes.NewReader(b[:8])
	case Format4:
		return bytes.NewReader(b[8:16])
	case Format3:
		pf, _ := panField0(pan)
		v := binary.BigEndian.Uint64(b) ^ pf
		n := int(v>>56) & 0xF
		var u uint64
		for i := range 14 - n {
			d := (v >> (52 - 4*(n+i))) & 0xF
			u |= (d - 0xA) << (61 - 3*i)
		}
		return bytes.NewReader(binary.BigEndian.AppendUint64(nil, u))
	}
	return bytes.NewReader(nil)
}

func TestVectors(t *testing.T) {
	kinds := map[string]int{}
	for _, v := range testvec.Load(t, "vectors.txt") {
		kind := v.Field("kind")
		kinds[kind]++
		t.Run(v.Name, func(t *testing.T) {
			switch kind {
			case "encode":
				testEncodeVector(t, v)
			case "decode":
				testDecodeVector(t, v)
			case "decode_error":
				_, err := vecFormat(t, v).Decode(v.Bytes(t, "block"), v.Field("pan"))
				wantErr(t, err, v.Field("error"))
			case "encode_error":
				p, err := ParsePIN([]byte(v.Field("pin")))
				if err == nil {
					_, err = vecFormat(t, v).Encode(p, v.Field("pan"), noRand{t})
				}
				wantErr(t, err, v.Field("error"))
			case "panfield4":
				hi, lo, err := panField4(v.Field("pan"))
				if err != nil {
					t.Fatal(err)
				}
				pf := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, hi), lo)
				if want := v.Bytes(t, "field"); !bytes.Equal(pf, want) {
					t.Fatalf("PAN field %X, want %X", pf, want)
				}
			case "encrypt":
				testEncryptVector(t, v)
			case "decrypt":
				c := vectorCipher(t, v, nil)
				p, err := c.Decrypt(v.Bytes(t, "encrypted"), v.Field("pan"))
				if err != nil {
					t.Fatal(err)
				}
				if want := vecPIN(t, v); !p.Equal(want) {
					t.Fatal("decrypted PIN differs from the vector's")
				}
			case "encrypt_error":
				c := vectorCipher(t, v, bytes.NewReader(make([]byte, 64)))
				_, err := c.Encrypt(vecPIN(t, v), v.Field("pan"))
				wantErr(t, err, v.Field("error"))
			case "decrypt_error":
				c := vectorCipher(t, v, nil)
				_, err := c.Decrypt(v.Bytes(t, "encrypted"), v.Field("pan"))
				wantErr(t, err, v.Field("error"))
			case "dukpt_tdes", "dukpt_aes":
				testDUKPTVector(t, v)
			default:
				t.Fatalf("unknown kind %q", kind)
			}
		})
	}
	for _, k := range []string{"encode", "decode", "decode_error", "encode_error", "encrypt", "decrypt", "decrypt_error", "dukpt_tdes", "dukpt_aes"} {
		if kinds[k] == 0 {
			t.Errorf("no %s vectors", k)
		}
	}
}

func testEncodeVector(t *testing.T, v testvec.Vector) {
	f, pin, pan, want := vecFormat(t, v), vecPIN(t, v), v.Field("pan"), v.Bytes(t, "block")
	b, err := f.Encode(pin, pan, vecRand(t, v))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.AppendBytes(nil); !bytes.Equal(got, want) {
		t.Fatalf("Encode = %X, want %X", got, want)
	}
	back, err := f.Decode(want, pan)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(pin) {
		t.Fatal("Decode does not give the PIN back")
	}
	if p2, err := b.PIN(pan); err != nil || !p2.Equal(pin) {
		t.Fatalf("Block.PIN: %v", err)
	}
}

func testDecodeVector(t *testing.T, v testvec.Vector) {
	f, pan, blk := vecFormat(t, v), v.Field("pan"), v.Bytes(t, "block")
	p, err := f.Decode(blk, pan)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Equal(vecPIN(t, v)) {
		t.Fatal("decoded PIN differs from the vector's")
	}
	b, err := f.Encode(p, pan, fillFor(f, blk, pan))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.AppendBytes(nil); !bytes.Equal(got, blk) {
		t.Fatalf("re-encoded %X, want %X", got, blk)
	}
}

func testEncryptVector(t *testing.T, v testvec.Vector) {
	for _, build := range []func(testing.TB, testvec.Vector, io.Reader) *Cipher{vectorCipher, vectorStdCipher} {
		c := build(t, v, vecRand(t, v))
		pin, pan, want := vecPIN(t, v), v.Field("pan"), v.Bytes(t, "encrypted")
		got, err := c.Encrypt(pin, pan)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v: Encrypt = %X, want %X", c, got, want)
		}
		back, err := c.Decrypt(want, pan)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(pin) {
			t.Fatal("Decrypt does not give the PIN back")
		}
	}
}

func hexBytes(s string) ([]byte, error) { return hex.DecodeString(s) }
