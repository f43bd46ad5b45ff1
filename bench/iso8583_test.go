package bench

import (
	"strings"
	"testing"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/moovx"
	"github.com/possdk/pos/keys"
)

// The iso8583 benchmark message: a CUP chip sale 0200 with a 250-byte
// field 55, PIN block, track 2, fields 53 and 60 and a MAC (the same as
// testSale in iso8583/helpers_test.go).
//
//   - possdk_*: Codec.Pack from the typed Transaction (defaults, required
//     fields, 2-byte length + TPDU + header) and Codec.Unpack (typed
//     extraction, constant-time MAC check); MAC CUP ECB or X9.19, or none
//     (the same message without field 64, packed and unpacked as a
//     Message: the codec's own share).
//   - MAC_*: the MAC alone over the sale's MAB (its DES share).
//   - moovOurBCD: moov-io/iso8583 v0.26.1 Message (NewMessage, set the
//     field strings, Pack; NewMessage, Unpack) on moovx.Spec(CUPSpec()),
//     i.e. moov with possdk's BCD encoders: the fair baseline.
//   - moovRaw: the same with moov's own encoding.BCD/LBCD and prefix.BCD,
//     as a user of moov alone has it.
//
// Neither moov variant computes a MAC or frames the message.
func isoSale() *iso8583.Transaction {
	return &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 12345, STAN: 173,
		Expiry: "2612", EntryMode: "051", CardSequence: "001", PINCaptureCode: "12",
		Track2:     "6222021234567890123=26122201234567",
		TerminalID: "50080001", MerchantID: "309310083985008",
		PINBlock: iso8583.PINBlock{1, 2, 3, 4, 5, 6, 7, 8},
		Security: &iso8583.SecurityControl{PINFormat: 2, Algorithm: 6},
		ICC:      iso8583.Hidden(strings.Repeat("\x9f\x26\x08ABCDEFGH", 22) + "\x9f\x36\x02\x00\x01\x95\x01\x00"),
		Field60:  &iso8583.Field60{Batch: 172, Capability: "5", ICCondition: "0"},
	}
}

func isoCodec(b *testing.B, alg iso8583.MACAlgorithm) *iso8583.Codec {
	mak, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		b.Fatal(err)
	}
	m, err := iso8583.NewMAC(alg, mak)
	if err != nil {
		b.Fatal(err)
	}
	return iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(m)
}

var isoEnv = iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 1}}

// isoMessage is the sale as a Message without its MAC field.
func isoMessage(b *testing.B) *iso8583.Message {
	m, err := isoSale().Message()
	if err != nil {
		b.Fatal(err)
	}
	m.Unset(64)
	return m
}

func moovSpec(b *testing.B, raw bool) *moov.MessageSpec {
	s, err := moovx.Spec(iso8583.CUPSpec())
	if err != nil {
		b.Fatal(err)
	}
	if !raw {
		return s
	}
	for _, f := range s.Fields {
		fs := f.Spec()
		switch fs.Enc {
		case iso8583.BCDEncoder():
			fs.Enc = encoding.BCD
		case iso8583.LBCDEncoder():
			fs.Enc = encoding.LBCD
		}
		if fs.Pref != nil {
			if p, ok := map[string]prefix.Prefixer{"BCD.LL": prefix.BCD.LL, "BCD.LLL": prefix.BCD.LLL}[fs.Pref.Inspect()]; ok {
				fs.Pref = p
			}
		}
	}
	return s
}

func BenchmarkISO8583Pack(b *testing.B) {
	for _, alg := range []iso8583.MACAlgorithm{iso8583.MACCUP, iso8583.MACX919} {
		name := map[iso8583.MACAlgorithm]string{iso8583.MACCUP: "possdk_CUPECB", iso8583.MACX919: "possdk_X919"}[alg]
		b.Run(name, func(b *testing.B) {
			c, sale := isoCodec(b, alg), isoSale()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Pack(isoEnv, sale); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("possdk_noMAC", func(b *testing.B) {
		c, m := iso8583.NewCodec(nil, iso8583.Framing{}), isoMessage(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.PackMessage(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, raw := range []bool{false, true} {
		name := map[bool]string{false: "moovOurBCD", true: "moovRaw"}[raw]
		b.Run(name, func(b *testing.B) {
			spec, m := moovSpec(b, raw), isoMessage(b)
			strs, bins := map[int]string{}, map[int][]byte{}
			for _, id := range m.Fields() {
				if _, bin := spec.Fields[id].(*field.Binary); bin {
					bins[id] = m.Bytes(id)
				} else {
					strs[id] = m.Field(id)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				mm := moov.NewMessage(spec)
				for id, v := range strs {
					if id == 0 {
						mm.MTI(v)
					} else if err := mm.Field(id, v); err != nil {
						b.Fatal(err)
					}
				}
				for id, v := range bins {
					if err := mm.BinaryField(id, v); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := mm.Pack(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkISO8583Unpack(b *testing.B) {
	for _, alg := range []iso8583.MACAlgorithm{iso8583.MACCUP, iso8583.MACX919} {
		name := map[iso8583.MACAlgorithm]string{iso8583.MACCUP: "possdk_CUPECB", iso8583.MACX919: "possdk_X919"}[alg]
		b.Run(name, func(b *testing.B) {
			c := isoCodec(b, alg)
			frame, err := c.Pack(isoEnv, isoSale())
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
	c := iso8583.NewCodec(nil, iso8583.Framing{})
	body, err := c.PackMessage(isoMessage(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("possdk_noMAC", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.UnpackMessage(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, raw := range []bool{false, true} {
		name := map[bool]string{false: "moovOurBCD", true: "moovRaw"}[raw]
		b.Run(name, func(b *testing.B) {
			spec := moovSpec(b, raw)
			b.ReportAllocs()
			for b.Loop() {
				mm := moov.NewMessage(spec)
				if err := mm.Unpack(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkISO8583MAC is the MAC alone over the sale's MAB: the DES share
// of possdk_CUPECB and possdk_X919.
func BenchmarkISO8583MAC(b *testing.B) {
	for _, alg := range []iso8583.MACAlgorithm{iso8583.MACCUP, iso8583.MACX919} {
		name := map[iso8583.MACAlgorithm]string{iso8583.MACCUP: "CUPECB", iso8583.MACX919: "X919"}[alg]
		b.Run(name, func(b *testing.B) {
			mak, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
			mac, err := iso8583.NewMAC(alg, mak)
			if err != nil {
				b.Fatal(err)
			}
			body, err := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(mac).PackTransaction(isoSale())
			if err != nil {
				b.Fatal(err)
			}
			mab := body[:len(body)-iso8583.MACSize]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mac.MAC(mab); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
