package tr31

import (
	"bytes"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

// FuzzUnwrap feeds arbitrary text to the parser and the MAC check under a
// TDES and an AES KBPK: no panic, and anything that unwraps must re-wrap to
// the same block (hex digits may come back upper-case).
func FuzzUnwrap(f *testing.F) {
	for _, s := range []string{
		"A0072P0TE00E0000F5161ED902807AF26F1D62263644BD24192FDB3193C730301CEE8701",
		"B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E",
		"C0096B0TX12S0100KS1800604B120F9292800000BFB9B689CB567E66FC3FEE5AD5F52161FC6545B9D60989015D02155C",
		"D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34",
		"B0056K0TB00E0200KS0400100004" + "000000000000000000000000000000000000000000",
		"D0044K0AB00E010000000000",
		"",
	} {
		f.Add(s)
	}
	tdesKBPK, err := keys.FromHex(keys.TDES2, "89E88CF7931444F334BD7547FC3F380C")
	if err != nil {
		f.Fatal(err)
	}
	aesKBPK, err := keys.FromHex(keys.AES256, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, block string) {
		_, _ = ParseHeader(block)
		for _, kbpk := range []*keys.Key{tdesKBPK, aesKBPK} {
			h, field, err := open(kbpk, block)
			if err != nil {
				continue
			}
			_, key, err := UnwrapBytes(kbpk, block)
			if err != nil {
				continue
			}
			pad := field[2+len(key):]
			again, err := WrapBytes(kbpk, *stripPB(h), key, &Options{Rand: bytes.NewReader(pad)})
			if err == nil && !strings.EqualFold(again, block) && len(again) == len(block) {
				t.Fatalf("re-wrap differs:\n%s\n%s", again, block)
			}
		}
	})
}

// FuzzRoundTrip wraps arbitrary keys and optional block data and checks
// they come back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), "00604B120F9292800000", byte('B'), 0)
	f.Add([]byte{1}, "", byte('D'), 32)
	f.Add(bytes.Repeat([]byte{7}, 40), "x y z", byte('A'), 48)
	tdesKBPK, _ := keys.FromHex(keys.TDES3, "89E88CF7931444F334BD7547FC3F380C0123456789ABCDEF")
	aesKBPK, _ := keys.FromHex(keys.AES192, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01")
	f.Fuzz(func(t *testing.T, key []byte, data string, version byte, mask int) {
		kbpk := tdesKBPK
		if Version(version) == VersionD {
			kbpk = aesKBPK
		}
		h := Header{Version: Version(version), Usage: "D0", Algorithm: 'H', ModeOfUse: 'B', KeyVersion: "00",
			Exportability: 'N', KeyContext: '0', Reserved: '0', Blocks: []OptionalBlock{{"10", data}}}
		blk, err := WrapBytes(kbpk, h, key, &Options{MaskedKeyLength: mask})
		if err != nil {
			return
		}
		gh, got, err := UnwrapBytes(kbpk, blk)
		if err != nil {
			t.Fatalf("unwrap of own block: %v\n%s", err, blk)
		}
		if !bytes.Equal(got, key) || gh.Blocks[0] != h.Blocks[0] {
			t.Fatalf("round trip: key %X block %q", got, gh.Blocks[0].Data)
		}
	})
}
