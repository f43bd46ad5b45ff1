package oda

import (
	"crypto/sha1"
	"crypto/subtle"
	"fmt"
	"math/big"
)

// publicKey is an RSA key used the EMV way: "recovery" is the raw public
// operation, with no PKCS#1 padding (EMV Book 2 Annex A2.1).
type publicKey struct {
	n, e *big.Int
	size int // modulus length in bytes
}

// recover applies the public key to a signature of exactly the modulus
// length and checks the header (6A) and trailer (BC) and the format byte.
func (k publicKey) recover(sig []byte, format byte, what string) ([]byte, error) {
	if len(sig) != k.size {
		return nil, fmt.Errorf("%w: %s is %d bytes, the key's modulus %d", ErrCertificate, what, len(sig), k.size)
	}
	c := new(big.Int).SetBytes(sig)
	if c.Cmp(k.n) >= 0 {
		return nil, fmt.Errorf("%w: %s is not smaller than the modulus", ErrCertificate, what)
	}
	m := new(big.Int).Exp(c, k.e, k.n).FillBytes(make([]byte, k.size))
	switch {
	case m[len(m)-1] != 0xBC:
		return nil, fmt.Errorf("%w: %s: recovered data trailer %02X, want BC", ErrCertificate, what, m[len(m)-1])
	case m[0] != 0x6A:
		return nil, fmt.Errorf("%w: %s: recovered data header %02X, want 6A", ErrCertificate, what, m[0])
	case m[1] != format:
		return nil, fmt.Errorf("%w: %s: format %02X, want %02X", ErrCertificate, what, m[1], format)
	}
	return m, nil
}

// checkHash compares the SHA-1 in a recovered block (the 20 bytes before the
// trailer) with the hash of the block's data (from the format byte to the
// hash) followed by extra, in constant time.
func checkHash(m []byte, what string, extra ...[]byte) error {
	h := sha1.New()
	h.Write(m[1 : len(m)-21])
	for _, x := range extra {
		h.Write(x)
	}
	if subtle.ConstantTimeCompare(h.Sum(nil), m[len(m)-21:len(m)-1]) != 1 {
		return fmt.Errorf("%w: %s: hash mismatch", ErrSignature, what)
	}
	return nil
}
