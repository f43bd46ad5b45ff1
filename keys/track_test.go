package keys

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestTrackRoundTrip(t *testing.T) {
	tdk, _ := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210", WithUsage(UsageData))
	sm4k, _ := FromHex(SM4, "0123456789ABCDEFFEDCBA9876543210", WithUsage(UsageData))
	for _, tc := range []struct {
		name  string
		key   *Key
		track string // packed hex, D for '=', F pad
	}{
		{"TDES odd length (37 digits)", tdk, "6222021234567890123D49121011234567890F"},
		{"TDES even length (36 digits)", tdk, "6222021234567890123D4912101123456789"},
		{"TDES shortest (10 bytes)", tdk, "4761739001010119D22F"},
		{"SM4 odd length", sm4k, "6222021234567890123D49121011234567890F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := tc.key.Block()
			orig := testvec.Hex(t, tc.track)
			tr := append([]byte(nil), orig...)
			if err := EncryptTrack(b, tr); err != nil {
				t.Fatal(err)
			}
			bs := b.BlockSize()
			end := len(tr) - 1
			// Only the block before the last byte changes, and it is the
			// ECB encryption of the clear block.
			if !bytes.Equal(tr[:end-bs], orig[:end-bs]) || tr[end] != orig[end] {
				t.Errorf("bytes outside the TDB changed: %X", tr)
			}
			want := make([]byte, bs)
			b.Encrypt(want, orig[end-bs:end])
			if !bytes.Equal(tr[end-bs:end], want) {
				t.Errorf("TDB %X, want %X", tr[end-bs:end], want)
			}
			if err := DecryptTrack(b, tr); err != nil || !bytes.Equal(tr, orig) {
				t.Errorf("round trip: %X, %v", tr, err)
			}
		})
	}
	b, _ := tdk.Block()
	if err := EncryptTrack(b, make([]byte, 8)); !errors.Is(err, ErrTrack) {
		t.Errorf("8-byte track: %v", err)
	}
	if err := DecryptTrack(b, nil); !errors.Is(err, ErrTrack) {
		t.Errorf("empty track: %v", err)
	}
}
