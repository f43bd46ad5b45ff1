package keys

import (
	"crypto/subtle"
	"fmt"
)

// Component is one clear key component of a key ceremony: the bytes one
// custodian holds and, optionally, the check value printed with them.
type Component struct {
	Bytes []byte
	// CheckValue, when not empty, is verified against Bytes taken as a key
	// of the target algorithm (default method: legacy for DES, TDES and SM4,
	// CMAC for AES; its length is len(CheckValue)).
	CheckValue []byte
}

// FromComponents builds a key by XORing 2 or 3 clear components, as in a
// split-knowledge key ceremony (X9.24-1 / PCI PIN 18-3 key components).
// Each component's check value, when given, is verified first, so a mistyped
// component is reported by its position. The combined DES-family key gets
// odd parity (the XOR of two odd-parity components has even parity; DES
// ignores parity bits, so this changes no result). opts apply to the
// combined key; component check values are computed with single-DES
// strength allowed, since a component is not a key in use.
func FromComponents(alg Algorithm, comps []Component, opts ...Option) (*Key, error) {
	if !alg.valid() {
		return nil, fmt.Errorf("%w: %s", ErrAlgorithm, alg)
	}
	if len(comps) < 2 || len(comps) > 3 {
		return nil, fmt.Errorf("%w: need 2 or 3 components, got %d", ErrComponents, len(comps))
	}
	n := alg.KeyLen()
	sum := make([]byte, n)
	defer clear(sum)
	for i, c := range comps {
		if len(c.Bytes) != n {
			return nil, fmt.Errorf("%w: component %d is %d bytes, %s needs %d", ErrComponents, i+1, len(c.Bytes), alg, n)
		}
		if len(c.CheckValue) > 0 {
			ck, err := New(alg, c.Bytes, Legacy())
			if err != nil {
				return nil, fmt.Errorf("component %d: %w", i+1, err)
			}
			err = ck.VerifyCheckValue(KCVDefault, c.CheckValue)
			ck.Zero()
			if err != nil {
				return nil, fmt.Errorf("component %d: %w", i+1, err)
			}
		}
		subtle.XORBytes(sum, sum, c.Bytes)
	}
	if alg.IsDES() {
		AdjustParity(sum)
	}
	return New(alg, sum, opts...)
}
