package iso8583

import (
	"testing"

	moov "github.com/moov-io/iso8583"
	"github.com/possdk/pos/keys"
)

// The benchmark message: a CUP chip sale 0200 with a 250-byte field 55,
// PIN block, track 2 and MAC (testSale). The "Moov" benchmarks do the same
// work with moov-io alone (same spec, same field values, no typed layer,
// no MAC, no framing); the goal is that ours adds at most 30%. Raw moov
// runs with moov's own BCD encoders (withMoovBCD), as a user of moov alone
// would; the "ourBCD" variants show moov with this package's encoders.

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

// moovFields is the sale as moov field strings, prepared once.
func moovFields(b *testing.B) (map[int]string, map[int][]byte) {
	d := testSale().withDefaults()
	m, _, err := d.message(CUPSpec(), true)
	if err != nil {
		b.Fatal(err)
	}
	strs, bins := map[int]string{}, map[int][]byte{}
	for id, f := range m.GetFields() {
		if id == 1 {
			continue
		}
		if bf, ok := f.(interface{ Value() []byte }); ok {
			bins[id] = bf.Value()
		} else {
			s, _ := f.String()
			strs[id] = s
		}
	}
	return strs, bins
}

func moovSpecs() []struct {
	name string
	spec *moov.MessageSpec
} {
	return []struct {
		name string
		spec *moov.MessageSpec
	}{{"moovBCD", withMoovBCD(CUPSpec())}, {"ourBCD", CUPSpec()}}
}

func BenchmarkMoovPack(b *testing.B) {
	strs, bins := moovFields(b)
	for _, s := range moovSpecs() {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := moov.NewMessage(s.spec)
				for id, v := range strs {
					if id == 0 {
						m.MTI(v)
					} else if err := m.Field(id, v); err != nil {
						b.Fatal(err)
					}
				}
				for id, v := range bins {
					m.BinaryField(id, v)
				}
				if _, err := m.Pack(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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

func BenchmarkMoovUnpack(b *testing.B) {
	c := benchCodec(b, MACCUP)
	frame, err := c.Pack(env0, testSale())
	if err != nil {
		b.Fatal(err)
	}
	body := frame[2+TPDULen+HeaderLen:]
	for _, s := range moovSpecs() {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := moov.NewMessage(s.spec)
				if err := m.Unpack(body); err != nil {
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
