package hsm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"
)

// FuzzKeyBlock: any string handed to the HSM as a key block is either a
// block this LMK made (then it works) or refused with ErrKeyBlock; never a
// panic, never another error kind, never a key usable outside its class.
func FuzzKeyBlock(f *testing.F) {
	s := newSoftware(f)
	mak := wrapHex(f, s, MACKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	f.Add(mak.Text())
	f.Add("D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34")
	f.Add("")
	f.Add("D0016")
	f.Fuzz(func(t *testing.T, blk string) {
		_, err := s.GenerateMAC(ctx, MACRequest{Key: KeyBlock(blk), Algorithm: MACX919, Data: []byte("x")})
		switch {
		case blk == mak.Text():
			if err != nil {
				t.Fatalf("own block refused: %v", err)
			}
		case err == nil:
			// Only a block made under this LMK can work.
			if _, err := s.open(KeyBlock(blk)); err != nil {
				t.Fatalf("MAC computed under a block that does not open: %v", err)
			}
		case !errors.Is(err, ErrKeyBlock) && !errors.Is(err, ErrKeyUsage):
			t.Fatalf("error %v wraps neither ErrKeyBlock nor ErrKeyUsage", err)
		}
		_ = KeyBlock(blk).String()
		_ = KeyBlock(blk).CheckValue()
	})
}

// FuzzOpenLMK: a sealed LMK file that is not exactly what SealLMK wrote
// under this passphrase is refused with ErrLMK, never a panic and never a
// key.
func FuzzOpenLMK(f *testing.F) {
	lmk, _ := keys.FromHex(keys.AES256, testLMK)
	// A fixed salt and nonce: the fuzz workers rebuild the seed and must
	// get the same bytes.
	fixed := bytes.NewReader(bytes.Repeat([]byte{0x5A}, 40))
	sealed, err := SealLMK(lmk, []byte("fuzz passphrase"), SealParams{Time: 1, MemoryKiB: 8, Threads: 1}, fixed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add([]byte("POSLMK01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 16 && string(b[:8]) == lmkMagic {
			// Keep each run cheap: skip inputs asking the KDF for more
			// than 2 passes or 64 KiB (OpenLMK's own limits are wider).
			passes := uint32(b[8])<<24 | uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
			m := uint32(b[12])<<24 | uint32(b[13])<<16 | uint32(b[14])<<8 | uint32(b[15])
			if passes > 2 || m > 64 {
				return
			}
		}
		k, err := OpenLMK(b, []byte("fuzz passphrase"))
		if err == nil {
			if string(b) != string(sealed) || !k.Equal(lmk) {
				t.Fatalf("a changed file opened: %d/%d equal=%v", len(b), len(sealed), k.Equal(lmk))
			}
			return
		}
		if !errors.Is(err, ErrLMK) {
			t.Fatalf("error %v does not wrap ErrLMK", err)
		}
	})
}
