package bench

import (
	"encoding/hex"
	"testing"

	"github.com/moov-io/bertlv"
	"github.com/possdk/pos/tlv"
)

// field55 is the 253-byte contactless field 55 (32 primitive tags) of the tlv
// issue; see tlv/testdata/objects.txt (id field55) for its source.
var field55, _ = hex.DecodeString("9F26087BCB3647E84652A29F2701809F10120110A040002A0400000000000000000000FF9F370451271F779F360201E3950500802480009A032009179C01009F02060000000010005F2A020566820239009F1A0205669F34034203009F3303E0F9C89F3501229F1E0831323334353637388407A00000000410109F090200009F03060000000000005F3401004F07A00000000410109F0607A00000000410109F4104000001239F5301529F7C200102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F209F0702FF009F0D05B4508480009F0E0500000000009F0F05B4708480009F21031234569F4005F000F0A0019F08020002")

func BenchmarkTLVScan_possdk(b *testing.B) {
	b.SetBytes(int64(len(field55)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		s := tlv.NewScanner(field55)
		for s.Next() {
			n++
		}
		if n != 32 || s.Err() != nil {
			b.Fatal(n, s.Err())
		}
	}
}

func BenchmarkTLVDecode_possdk(b *testing.B) {
	b.SetBytes(int64(len(field55)))
	b.ReportAllocs()
	for b.Loop() {
		if t, err := tlv.Decode(field55); err != nil || len(t) != 32 {
			b.Fatal(err)
		}
	}
}

func BenchmarkTLVDecode_bertlv(b *testing.B) {
	b.SetBytes(int64(len(field55)))
	b.ReportAllocs()
	for b.Loop() {
		if t, err := bertlv.Decode(field55); err != nil || len(t) != 32 {
			b.Fatal(err)
		}
	}
}

func BenchmarkTLVEncode_possdk(b *testing.B) {
	t, _ := tlv.Decode(field55)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tlv.Encode(t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTLVEncode_bertlv(b *testing.B) {
	t, _ := tlv.Decode(field55)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bertlv.Encode(t); err != nil {
			b.Fatal(err)
		}
	}
}
