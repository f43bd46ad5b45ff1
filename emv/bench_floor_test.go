package emv

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"testing"

	"github.com/possdk/pos/internal/benchab"
)

// The floor of an ARQC verification (issue 17): the crypto/des calls a
// hand-written verification of the same Visa CVN 18 vector makes, with the
// issuer master key's schedule built once outside the loop. The card's
// master key and the session key depend on the PAN and the ATC, so their
// schedules are built per verification in the floor too; the data block is
// assembled outside the loop. BenchmarkVerifyARQCBlocksOnly is the block
// operations alone (every schedule prebuilt), for scale: no verification
// can reach it, since the session key changes with every ATC.

type arqcFloor struct {
	imk    cipher.Block
	y      [8]byte // Option A input: rightmost 16 digits of PAN || PSN
	r      [8]byte // ATC || 00..00
	data   []byte  // Table 26 elements || IAD
	arqc   []byte
	mk, sk [16]byte
}

func newARQCFloor(b *testing.B) *arqcFloor {
	imk, pan, d, arqc := cvn18Vector(b)
	f := &arqcFloor{arqc: arqc}
	k := imk.ClearBytes()
	var k3 [24]byte
	copy(k3[:], k)
	copy(k3[16:], k[:8])
	var err error
	if f.imk, err = des.NewTripleDESCipher(k3[:]); err != nil {
		b.Fatal(err)
	}
	digitsToBCD(f.y[:], pan.Digits()+"00")
	f.r = SessionR(uint16(d.ATC[0])<<8|uint16(d.ATC[1]), [4]byte{})
	if f.data, err = VisaCVN18.AppendData(nil, &d); err != nil {
		b.Fatal(err)
	}
	return f
}

// verify is the floor: MK (2 TDES), MK schedule, SK (2 TDES), SK halves'
// schedules, CBC-MAC with padding method 2, output transformation,
// constant-time compare.
func (f *arqcFloor) verify() bool {
	f.imk.Encrypt(f.mk[:8], f.y[:])
	var ny [8]byte
	for i := range ny {
		ny[i] = ^f.y[i]
	}
	f.imk.Encrypt(f.mk[8:], ny[:])
	var k3 [24]byte
	copy(k3[:], f.mk[:])
	copy(k3[16:], f.mk[:8])
	mk, _ := des.NewTripleDESCipher(k3[:])
	r := f.r
	r[2] = 0xF0
	mk.Encrypt(f.sk[:8], r[:])
	r[2] = 0x0F
	mk.Encrypt(f.sk[8:], r[:])
	kl, _ := des.NewCipher(f.sk[:8])
	kr, _ := des.NewCipher(f.sk[8:])
	return f.mac(kl, kr)
}

func (f *arqcFloor) mac(kl, kr cipher.Block) bool {
	var x [8]byte
	data := f.data
	for len(data) >= 8 {
		subtle.XORBytes(x[:], x[:], data[:8])
		kl.Encrypt(x[:], x[:])
		data = data[8:]
	}
	subtle.XORBytes(x[:len(data)], x[:len(data)], data)
	x[len(data)] ^= 0x80
	kl.Encrypt(x[:], x[:])
	kr.Decrypt(x[:], x[:])
	kl.Encrypt(x[:], x[:])
	return subtle.ConstantTimeCompare(x[:], f.arqc) == 1
}

func BenchmarkVerifyARQCFloor(b *testing.B) {
	f := newARQCFloor(b)
	if !f.verify() {
		b.Fatal("floor does not verify the vector")
	}
	b.ReportAllocs()
	for b.Loop() {
		f.verify()
	}
}

func BenchmarkVerifyARQCBlocksOnly(b *testing.B) {
	f := newARQCFloor(b)
	f.verify()
	var k3 [24]byte
	copy(k3[:], f.mk[:])
	copy(k3[16:], f.mk[:8])
	mk, _ := des.NewTripleDESCipher(k3[:])
	kl, _ := des.NewCipher(f.sk[:8])
	kr, _ := des.NewCipher(f.sk[8:])
	var out [8]byte
	b.ReportAllocs()
	for b.Loop() {
		f.imk.Encrypt(out[:], f.y[:])
		f.imk.Encrypt(out[:], f.y[:])
		mk.Encrypt(out[:], f.r[:])
		mk.Encrypt(out[:], f.r[:])
		if !f.mac(kl, kr) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerifyARQCVsFloor alternates VisaCVN18.VerifyARQC and the floor
// in small batches so both see the same machine load, and reports the
// ratio of the median batch times.
func BenchmarkVerifyARQCVsFloor(b *testing.B) {
	imk, pan, d, arqc := cvn18Vector(b)
	verify := func() error {
		_, err := VisaCVN18.VerifyARQC(imk, pan, "00", &d, arqc)
		return err
	}
	benchVsFloor(b, verify)
}

// BenchmarkVerifyACVsFloor is the same for VerifyAC, the path of every
// ACMethod and of package hsm.
func BenchmarkVerifyACVsFloor(b *testing.B) {
	imk, pan, d, arqc := cvn18Vector(b)
	verify := func() error {
		_, err := VerifyAC(VisaCVN18, imk, pan, "00", &d, arqc)
		return err
	}
	benchVsFloor(b, verify)
}

func benchVsFloor(b *testing.B, verify func() error) {
	f := newARQCFloor(b)
	benchab.Run(b, "verify", "floor", 4, 4096, func(n int) {
		for range n {
			f.verify()
		}
	}, func(n int) error {
		for range n {
			if err := verify(); err != nil {
				return err
			}
		}
		return nil
	})
}
