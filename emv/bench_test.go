package emv

import (
	"io"
	"testing"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

// cvn18Vector returns the Visa CVN 18 vector's inputs.
func cvn18Vector(b *testing.B) (*keys.Key, PAN, CryptogramData, []byte) {
	for _, v := range testvec.Load(b, "cryptograms.txt") {
		if v.Field("method") != "18" {
			continue
		}
		var f55 []byte
		for _, tag := range cryptogramTags {
			f55 = tlv.AppendTLV(f55, tag, v.Bytes(b, tag.String()))
		}
		d, err := CryptogramDataFromTLV(f55)
		if err != nil {
			b.Fatal(err)
		}
		return tdesKey(b, v.Bytes(b, "imk")), mustPAN(b, v.Str(b, "pan")), d, v.Bytes(b, "arqc")
	}
	b.Fatal("no CVN 18 vector")
	return nil, PAN{}, CryptogramData{}, nil
}

// BenchmarkVerifyARQC is the issuer's per-authorisation work: Option B
// master key, common session key, AC MAC, constant-time compare.
func BenchmarkVerifyARQC(b *testing.B) {
	imk, pan, d, arqc := cvn18Vector(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VisaCVN18.VerifyARQC(imk, pan, "00", &d, arqc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplicationCryptogram is the MAC alone, with a session key.
func BenchmarkApplicationCryptogram(b *testing.B) {
	sk := tdesKey(b, testvec.Hex(b, "29B33180E567CE38EA4CBC9D753B0E61"))
	data := testvec.Hex(b, "0000000040000000000000000124800004800001241911050152BF45851800001C06011203A0B800")
	buf := make([]byte, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendApplicationCryptogram(buf[:0], sk, data, keys.Padding2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkField55Build builds the M/Chip field 55 from kernel data.
func BenchmarkField55Build(b *testing.B) {
	d := Data{}
	if _, err := d.AddTLV(testvec.Hex(b, sample253)); err != nil {
		b.Fatal(err)
	}
	spec := Field55Mastercard()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := spec.Build(buf[:0], d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribe renders the 253-byte sample.
func BenchmarkDescribe(b *testing.B) {
	raw := testvec.Hex(b, sample253)
	b.ReportAllocs()
	for b.Loop() {
		if err := Describe(io.Discard, raw, DescribeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup is a dictionary lookup of a 3-byte tag.
func BenchmarkLookup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := LookupScheme(0xDF8129, SchemeMastercard); !ok {
			b.Fatal("missing")
		}
	}
}
