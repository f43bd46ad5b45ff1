package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"

	"github.com/emmansun/gmsm/sm4"

	"github.com/possdk/pos/internal/benchab"
	"github.com/possdk/pos/internal/testvec"
)

// The X9.19 goal is stated against raw DES-CBC over the same 256 bytes in
// the same run: X9.19 is 32 single-DES block operations plus one decrypt
// and one encrypt, so ~1.06x is the floor.

var benchMsg = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

func benchTDES(b *testing.B) (*Key, cipher.Block, cipher.Block) {
	k, err := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		b.Fatal(err)
	}
	l, r, err := k.DESParts()
	if err != nil {
		b.Fatal(err)
	}
	return k, l, r
}

func BenchmarkDESCBC256(b *testing.B) {
	_, l, _ := benchTDES(b)
	cbc := cipher.NewCBCEncrypter(l, make([]byte, 8))
	out := make([]byte, len(benchMsg))
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		cbc.CryptBlocks(out, benchMsg)
	}
}

func BenchmarkX919MAC256(b *testing.B) {
	_, l, r := benchTDES(b)
	buf := make([]byte, 0, 16)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendRetailMAC(buf[:0], l, r, benchMsg, Padding1, 8); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCMACAES256(b *testing.B) {
	a, _ := aes.NewCipher(testvec.Hex(b, "2B7E151628AED2A6ABF7158809CF4F3C"))
	buf := make([]byte, 0, 32)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendCMAC(buf[:0], a, benchMsg, 16); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCUPMAC256(b *testing.B) {
	_, l, _ := benchTDES(b)
	s, _ := sm4.NewCipher(testvec.Hex(b, "0123456789ABCDEFFEDCBA9876543210"))
	for _, tc := range []struct {
		name string
		b    cipher.Block
	}{{"DES", l}, {"SM4", s}} {
		b.Run(tc.name, func(b *testing.B) {
			buf := make([]byte, 0, 32)
			b.SetBytes(int64(len(benchMsg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := AppendCUPMAC(buf[:0], tc.b, benchMsg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeField62(b *testing.B) {
	tmk, _ := FromHex(TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923")
	w, _ := NewWorkingKeys(&detReader{seed: "bench"}, ModeTDESTrack)
	f62, _ := EncodeField62(tmk, w)
	b.ReportAllocs()
	for b.Loop() {
		w, err := DecodeField62(tmk, ModeTDESTrack, f62)
		if err != nil {
			b.Fatal(err)
		}
		w.Zero()
	}
}

// BenchmarkX919VsDESCBC interleaves X9.19 and raw DES-CBC over the same 256
// bytes, timing each in small alternating batches so both see the same
// machine load, and reports the ratio of the median batch times (goal: at
// most 1.2). Medians keep scheduler preemptions on a busy machine out of
// the ratio.
func BenchmarkX919VsDESCBC(b *testing.B) {
	_, l, r := benchTDES(b)
	cbc := cipher.NewCBCEncrypter(l, make([]byte, 8))
	out := make([]byte, len(benchMsg))
	buf := make([]byte, 0, 16)
	benchab.Run(b, "x919", "descbc", 4, 4096, func(n int) {
		for range n {
			cbc.CryptBlocks(out, benchMsg)
		}
	}, func(n int) error {
		for range n {
			if _, err := AppendRetailMAC(buf[:0], l, r, benchMsg, Padding1, 8); err != nil {
				return err
			}
		}
		return nil
	})
}
