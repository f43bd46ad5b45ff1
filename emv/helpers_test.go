package emv

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

func tdesKey(t testing.TB, b []byte) *keys.Key {
	t.Helper()
	k, err := keys.New(keys.TDES2, b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPAN(t testing.TB, s string) PAN {
	t.Helper()
	p, err := ParsePAN(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kcv2 is the 2-byte legacy check value pyemv's HSM tests publish.
func kcv2(t testing.TB, k *keys.Key) string {
	t.Helper()
	b, err := k.CheckValueWith(keys.KCVLegacy, 2)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func keyHex(k *keys.Key) string {
	b := k.ClearBytes()
	defer clear(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
