package qr

import "testing"

func benchDecode(b *testing.B, s string) {
	var p Payload
	if err := p.Decode(s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if err := p.Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecodeEncode(b *testing.B, s string) {
	var p Payload
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if err := p.Decode(s); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSpecExample(b *testing.B)       { benchDecode(b, specExample) }
func BenchmarkDecodePix(b *testing.B)               { benchDecode(b, pixExample) }
func BenchmarkDecodeEncodeSpecExample(b *testing.B) { benchDecodeEncode(b, specExample) }
func BenchmarkDecodeEncodePix(b *testing.B)         { benchDecodeEncode(b, pixExample) }

func BenchmarkValidateSpecExample(b *testing.B) {
	p, err := Parse(specExample)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Validate(EMVCo)
	}
}

func BenchmarkMerchantCode(b *testing.B) {
	c := MerchantCode{
		Initiation: Dynamic,
		Accounts:   []Object{{ID: 26, Sub: []Object{{ID: 0, Value: GUIPix}, {ID: 1, Value: "loja@example.com"}}}},
		MCC:        "5812", Currency: "986", Amount: "19.90", Country: "BR",
		Name: "LOJA EXEMPLO", City: "SAO PAULO",
		Additional: []Object{{ID: 5, Value: "PEDIDO42"}},
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCRC256(b *testing.B) {
	data := make([]byte, 256)
	b.ReportAllocs()
	b.SetBytes(256)
	for b.Loop() {
		_ = CRC(data)
	}
}

func BenchmarkCPMDecode(b *testing.B) {
	s := cpmFromHex(b, cpmSpecHex)
	var c CPM
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}
