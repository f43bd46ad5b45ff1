package tr31

import (
	"bytes"
	"testing"

	"github.com/possdk/pos/keys"
)

// BenchmarkUnwrap: the TR-31:2018 A.7.4 (D, AES-256 KBPK) and A.7.2.2 (B,
// TDES KBPK) blocks. Most of the time is the KBPK key schedule and the
// CMAC-based derivation of the two binding keys, done per call.
func BenchmarkUnwrap(b *testing.B) {
	for _, c := range []struct {
		name, kbpk, block string
		alg               keys.Algorithm
	}{
		{"D", "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6",
			"D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34", keys.AES256},
		{"B", "DD7515F2BFC17F85CE48F3CA25CB21F6",
			"B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E", keys.TDES2},
	} {
		kbpk, err := keys.FromHex(c.alg, c.kbpk)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := UnwrapBytes(kbpk, c.block); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWrap wraps an AES-128 key under an AES-256 KBPK (version D).
func BenchmarkWrap(b *testing.B) {
	kbpk, _ := keys.FromHex(keys.AES256, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6")
	k, _ := keys.FromHex(keys.AES128, "3F419E1CB7079442AA37474C2EFBF8B8")
	h := Header{Version: VersionD, Usage: "P0", ModeOfUse: 'E', KeyVersion: "00", Exportability: 'E', KeyContext: '0', Reserved: '0'}
	pad := bytes.Repeat([]byte{0x5A}, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Wrap(kbpk, h, k, &Options{Rand: bytes.NewReader(pad)}); err != nil {
			b.Fatal(err)
		}
	}
}
