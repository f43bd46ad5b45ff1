package pinblock

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// vector is one block of testdata/vectors.txt.
type vector struct {
	name, source string
	f            map[string]string
}

func loadVectors(t testing.TB) []vector { return loadVectorFile(t, "vectors.txt") }

// loadVectorFile reads testdata/<file>: blocks of "field: value" lines
// separated by blank lines, each with a name and a source.
func loadVectorFile(t testing.TB, file string) []vector {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []vector
	cur := vector{f: map[string]string{}}
	flush := func() {
		if cur.name != "" {
			if cur.source == "" {
				t.Fatalf("vector %q has no source", cur.name)
			}
			out = append(out, cur)
		}
		cur = vector{f: map[string]string{}}
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if line == "" {
			flush()
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "name":
			cur.name = v
		case "source":
			cur.source = v
		default:
			cur.f[k] = v
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no vectors")
	}
	return out
}

func (v vector) str(k string) string { return v.f[k] }

func (v vector) hex(t testing.TB, k string) []byte {
	t.Helper()
	s, ok := v.f[k]
	if !ok {
		t.Fatalf("%s: no field %q", v.name, k)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: field %s: %v", v.name, k, err)
	}
	return b
}

func (v vector) format(t testing.TB) Format {
	t.Helper()
	n, err := strconv.Atoi(v.f["format"])
	if err != nil {
		t.Fatalf("%s: format: %v", v.name, err)
	}
	return Format(n)
}

func (v vector) pin(t testing.TB) PIN {
	t.Helper()
	p, err := ParsePIN([]byte(v.f["pin"]))
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	return p
}

// rand returns a reader over the vector's fill bytes, or one that fails the
// test if the encoder reads at all.
func (v vector) rand(t testing.TB) io.Reader {
	if s, ok := v.f["rand"]; ok {
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
	for _, v := range loadVectors(t) {
		kind := v.str("kind")
		kinds[kind]++
		t.Run(v.name, func(t *testing.T) {
			switch kind {
			case "encode":
				testEncodeVector(t, v)
			case "decode":
				testDecodeVector(t, v)
			case "decode_error":
				_, err := v.format(t).Decode(v.hex(t, "block"), v.str("pan"))
				wantErr(t, err, v.str("error"))
			case "encode_error":
				p, err := ParsePIN([]byte(v.str("pin")))
				if err == nil {
					_, err = v.format(t).Encode(p, v.str("pan"), noRand{t})
				}
				wantErr(t, err, v.str("error"))
			case "panfield4":
				hi, lo, err := panField4(v.str("pan"))
				if err != nil {
					t.Fatal(err)
				}
				pf := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, hi), lo)
				if want := v.hex(t, "field"); !bytes.Equal(pf, want) {
					t.Fatalf("PAN field %X, want %X", pf, want)
				}
			case "encrypt":
				testEncryptVector(t, v)
			case "decrypt":
				c := vectorCipher(t, v, nil)
				p, err := c.Decrypt(v.hex(t, "encrypted"), v.str("pan"))
				if err != nil {
					t.Fatal(err)
				}
				if want := v.pin(t); !p.Equal(want) {
					t.Fatal("decrypted PIN differs from the vector's")
				}
			case "encrypt_error":
				c := vectorCipher(t, v, bytes.NewReader(make([]byte, 64)))
				_, err := c.Encrypt(v.pin(t), v.str("pan"))
				wantErr(t, err, v.str("error"))
			case "decrypt_error":
				c := vectorCipher(t, v, nil)
				_, err := c.Decrypt(v.hex(t, "encrypted"), v.str("pan"))
				wantErr(t, err, v.str("error"))
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

func testEncodeVector(t *testing.T, v vector) {
	f, pin, pan, want := v.format(t), v.pin(t), v.str("pan"), v.hex(t, "block")
	b, err := f.Encode(pin, pan, v.rand(t))
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

func testDecodeVector(t *testing.T, v vector) {
	f, pan, blk := v.format(t), v.str("pan"), v.hex(t, "block")
	p, err := f.Decode(blk, pan)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Equal(v.pin(t)) {
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

func testEncryptVector(t *testing.T, v vector) {
	for _, build := range []func(testing.TB, vector, io.Reader) *Cipher{vectorCipher, vectorStdCipher} {
		c := build(t, v, v.rand(t))
		pin, pan, want := v.pin(t), v.str("pan"), v.hex(t, "encrypted")
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
