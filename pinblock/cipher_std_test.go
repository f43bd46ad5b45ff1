package pinblock

import (
	"io"
	"testing"
)

// vectorCipher builds the vector's Cipher from the standard library's
// ciphers.
func vectorCipher(t testing.TB, v vector, rand io.Reader) *Cipher {
	t.Helper()
	c, err := FromBlock(stdBlock(t, v.str("alg"), v.hex(t, "key")), v.format(t), rand)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
