package iso8583

import (
	"testing"

	"github.com/possdk/pos/keys"
)

// The benchmark message: a CUP chip sale 0200 with a 250-byte field 55,
// PIN block, track 2 and MAC (testSale). BenchmarkMAC is the MAC alone
// over the same MAB, so the codec's own share is Pack/Unpack minus it.
// The moov-io comparisons (raw moov, moov with our BCD encoders) are in
// the bench module (bench/iso8583_test.go), with peers.

func benchCodec(b *testing.B, alg MACAlgorithm) *Codec {
	mak, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMAC(alg, mak)
	if err != nil {
		b.Fatal(err)
	}
	return NewCodec(nil, Framing{}).WithMAC(m)
}

func BenchmarkPackMAC(b *testing.B) {
	for _, alg := range []MACAlgorithm{MACCUP, MACX919} {
		b.Run(alg.String(), func(b *testing.B) {
			c := benchCodec(b, alg)
			sale := testSale()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Pack(env0, sale); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnpackVerify(b *testing.B) {
	for _, alg := range []MACAlgorithm{MACCUP, MACX919} {
		b.Run(alg.String(), func(b *testing.B) {
			c := benchCodec(b, alg)
			frame, err := c.Pack(env0, testSale())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Unpack(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMAC is the MAC of the benchmark sale's MAB alone: the part of
// PackMAC and UnpackVerify that is DES, not codec.
func BenchmarkMAC(b *testing.B) {
	for _, alg := range []MACAlgorithm{MACCUP, MACX919} {
		b.Run(alg.String(), func(b *testing.B) {
			c := benchCodec(b, alg)
			body, err := c.PackTransaction(testSale())
			if err != nil {
				b.Fatal(err)
			}
			mab := body[:len(body)-MACSize]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.mac.MAC(mab); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
