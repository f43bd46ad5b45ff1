package pinblock

import (
	"io"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

var algByName = map[string]keys.Algorithm{
	"TDES2": keys.TDES2, "AES128": keys.AES128, "AES192": keys.AES192, "AES256": keys.AES256, "SM4": keys.SM4,
}

// vectorCipher builds the vector's Cipher through keys.Key and NewCipher.
func vectorCipher(t testing.TB, v testvec.Vector, rand io.Reader) *Cipher {
	t.Helper()
	alg, ok := algByName[v.Field("alg")]
	if !ok {
		t.Fatalf("unknown alg %q", v.Field("alg"))
	}
	k, err := keys.New(alg, v.Bytes(t, "key"), keys.WithUsage(keys.UsagePIN))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCipher(k, vecFormat(t, v), rand)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// vectorStdCipher builds the vector's Cipher with FromBlock over the
// standard library's cipher, without package keys.
func vectorStdCipher(t testing.TB, v testvec.Vector, rand io.Reader) *Cipher {
	t.Helper()
	c, err := FromBlock(stdBlock(t, v.Field("alg"), v.Bytes(t, "key")), vecFormat(t, v), rand)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
