package pinblock

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"testing"

	"github.com/possdk/pos/internal/benchab"
	"github.com/possdk/pos/internal/cputime"
	"github.com/possdk/pos/internal/testvec"
)

// The goal (issue 5): PIN block encipherment within 1.5x of the raw block
// cipher calls it needs, measured in the same run. Format 0 needs one TDES
// encryption, format 4 two AES encryptions (plus 8 random bytes).

func benchTDES(b *testing.B) cipher.Block {
	c, err := des.NewTripleDESCipher(testvec.Hex(b, "0123456789ABCDEFFEDCBA98765432100123456789ABCDEF"))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchAES(b *testing.B) cipher.Block {
	c, err := aes.NewCipher(testvec.Hex(b, aesKey))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkRawTDES(b *testing.B) {
	c := benchTDES(b)
	buf := make([]byte, 8)
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		c.Encrypt(buf, buf)
	}
	cpu.Report(b)
}

func BenchmarkFormat0EncryptTDES(b *testing.B) {
	c, err := FromBlock(benchTDES(b), Format0, nil)
	if err != nil {
		b.Fatal(err)
	}
	pin := mustPIN(b, "1234")
	dst := make([]byte, 0, 8)
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		if _, err := c.AppendEncrypt(dst, pin, "4012345678909"); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

func BenchmarkRawAESx2(b *testing.B) {
	c := benchAES(b)
	buf := make([]byte, 16)
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		c.Encrypt(buf, buf)
		c.Encrypt(buf, buf)
	}
	cpu.Report(b)
}

// zeroReader is a random source that costs nothing, to measure the
// package's own work apart from crypto/rand.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func BenchmarkFormat4EncryptAES(b *testing.B) {
	for _, bc := range []struct {
		name string
		r    interface{ Read([]byte) (int, error) }
	}{{"cryptorand", nil}, {"fixedfill", zeroReader{}}} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := FromBlock(benchAES(b), Format4, bc.r)
			if err != nil {
				b.Fatal(err)
			}
			pin := mustPIN(b, "1234")
			dst := make([]byte, 0, 16)
			b.ReportAllocs()
			cpu := cputime.Start()
			for b.Loop() {
				if _, err := c.AppendEncrypt(dst, pin, "4111111111111111"); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report(b)
		})
	}
}

func BenchmarkFormat0DecryptTDES(b *testing.B) {
	c, _ := FromBlock(benchTDES(b), Format0, nil)
	pin := mustPIN(b, "1234")
	enc, _ := c.Encrypt(pin, "4012345678909")
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		if _, err := c.Decrypt(enc, "4012345678909"); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

func BenchmarkTranslate0To4(b *testing.B) {
	from, _ := FromBlock(benchTDES(b), Format0, nil)
	to, _ := FromBlock(benchAES(b), Format4, nil)
	pin := mustPIN(b, "1234")
	enc, _ := from.Encrypt(pin, "4012345678909")
	dst := make([]byte, 0, 16)
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		if _, err := Translate(dst, enc, "4012345678909", from, to); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

// BenchmarkFormat4VsRawAES alternates format 4 encipherment (fixed fill,
// so the random source is not counted) and the two raw AES calls it needs
// in small batches, so both see the same machine load, and reports the
// ratio of the median batch times (issue 17's goal: at most 1.5x).
func BenchmarkFormat4VsRawAES(b *testing.B) {
	raw := benchAES(b)
	c, err := FromBlock(benchAES(b), Format4, zeroReader{})
	if err != nil {
		b.Fatal(err)
	}
	pin := mustPIN(b, "1234")
	dst := make([]byte, 0, 16)
	buf := make([]byte, 16)
	benchab.Run(b, "format4", "raw", 32, 4096, func(n int) {
		for range n {
			raw.Encrypt(buf, buf)
			raw.Encrypt(buf, buf)
		}
	}, func(n int) error {
		for range n {
			if _, err := c.AppendEncrypt(dst, pin, "4111111111111111"); err != nil {
				return err
			}
		}
		return nil
	})
}
