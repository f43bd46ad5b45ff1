package tr31_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
)

// Unwrap the TR-31:2018 A.7.4 example: a PIN key under an AES-256 KBPK.
func ExampleUnwrap() {
	kbpk, _ := keys.FromHex(keys.AES256, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6")
	block := "D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34"
	h, k, err := tr31.Unwrap(kbpk, block)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Usage, string(h.ModeOfUse), k.Usage())
	fmt.Println(k) // a keys.Key prints its check value, never its bytes
	// Output:
	// P0 E PIN
	// AES-128 KCV 08793E25AB
}

// Wrap a TDES BDK with a key set ID block under a TDES KBPK (version B).
// The padding comes from Options.Rand; here the TR-31:2018 A.7.3.2 example's
// padding re-creates that example byte for byte.
func ExampleWrap() {
	kbpk, _ := keys.FromHex(keys.TDES2, "1D22BF32387C600AD97F9B97A51311AC")
	bdk, _ := keys.FromHex(keys.TDES2, "E8BC63E5479455E26577F715D587FE68")
	h := tr31.Header{
		Version: tr31.VersionB, Usage: "B0", ModeOfUse: 'X', KeyVersion: "12", Exportability: 'S',
		Blocks: []tr31.OptionalBlock{{ID: "KS", Data: "00604B120F9292800000"}},
	}
	pad := []byte{0x30, 0x11, 0x1D, 0x18, 0xCC, 0x4C} // from the published block
	block, err := tr31.Wrap(kbpk, h, bdk, &tr31.Options{Rand: bytes.NewReader(pad)})
	fmt.Println(block, err)
	// Output:
	// B0104B0TX12S0100KS1800604B120F9292800000BB68BE8680A400D9191AD4ECE45B6E6C0D21C4738A52190E248719E24B433627 <nil>
}

// An AES KBPK cannot protect a version B block; the error says so.
func ExampleUnwrapBytes_wrongVersion() {
	aesKBPK, _ := keys.FromHex(keys.AES128, "DD7515F2BFC17F85CE48F3CA25CB21F6")
	_, _, err := tr31.UnwrapBytes(aesKBPK, "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E")
	fmt.Println(errors.Is(err, tr31.ErrKBPK))
	fmt.Println(err)
	// Output:
	// true
	// tr31: key block protection key does not fit the version: version B needs a double- or triple-length TDES KBPK, got AES-128; AES KBPKs need version D
}
