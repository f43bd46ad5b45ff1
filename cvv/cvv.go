package cvv

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/possdk/pos/keys"
)

// Sentinel errors.
var (
	// ErrInput: a PAN, expiry date, service code, key or length that the
	// algorithm cannot take.
	ErrInput = errors.New("cvv: invalid input")
	// ErrMismatch: a value that does not verify.
	ErrMismatch = errors.New("cvv: value does not verify")
)

// Fixed service codes of the CVV variants.
const (
	ServiceCodeCVV2 = "000" // CVV2 / CVC2, printed on the card
	ServiceCodeICVV = "999" // iCVV, in the chip's track 2 equivalent data
)

// Compute returns the n-digit (3 when n is 0) card verification value of
// a PAN (up to 19 digits), an expiry date (YYMM) and a service code under
// the card verification key pair cvk (double-length TDES: key A || key B).
// The algorithm (Visa Payment Technology Standards Manual, "Computing the
// CVV"; the same for Mastercard's CVC): PAN || expiry || service code,
// zero-filled on the right to 32 digits, is two blocks; block 1 is
// DES-encrypted under key A, XORed with block 2, TDES-encrypted under the
// pair; the result's decimal digits, then its A-F digits minus 10, give the
// value.
func Compute(cvk *keys.Key, pan, expiry, serviceCode string, n int) (string, error) {
	var out [16]byte
	v, err := compute(&out, cvk, pan, expiry, serviceCode, n)
	if err != nil {
		return "", err
	}
	return string(v), nil
}

// Verify recomputes the value and compares it with value in constant time;
// a mismatch wraps ErrMismatch. The length of value is the length computed.
func Verify(cvk *keys.Key, pan, expiry, serviceCode, value string) error {
	if len(value) < 1 || len(value) > 16 {
		return fmt.Errorf("%w: value of %d digits", ErrInput, len(value))
	}
	var out [16]byte
	v, err := compute(&out, cvk, pan, expiry, serviceCode, len(value))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(v, []byte(value)) != 1 {
		return fmt.Errorf("%w: %d-digit card verification value", ErrMismatch, len(value))
	}
	return nil
}

func compute(out *[16]byte, cvk *keys.Key, pan, expiry, serviceCode string, n int) ([]byte, error) {
	if len(pan) < 1 || len(pan) > 19 || !digits(pan) {
		return nil, fmt.Errorf("%w: PAN must be 1 to 19 digits (got %d characters)", ErrInput, len(pan))
	}
	return computeNibbles(out, cvk, pan, expiry, serviceCode, n)
}

// computeNibbles is compute over a PAN field that may hold hexadecimal
// digits (dCVV's alternate PAN, a cleared byte slice), checked by the
// caller. It takes the PAN as it comes (string or bytes), so the CVV path
// does not copy it.
func computeNibbles[P string | []byte](out *[16]byte, cvk *keys.Key, pan P, expiry, serviceCode string, n int) ([]byte, error) {
	if n == 0 {
		n = 3
	}
	switch {
	case n < 1 || n > 16:
		return nil, fmt.Errorf("%w: %d digits requested", ErrInput, n)
	case len(expiry) != 4 || !digits(expiry):
		return nil, fmt.Errorf("%w: expiry date must be 4 digits (YYMM)", ErrInput)
	case len(serviceCode) != 3 || !digits(serviceCode):
		return nil, fmt.Errorf("%w: service code must be 3 digits", ErrInput)
	}
	if cvk == nil || cvk.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: the card verification key must be a double-length TDES key (key A || key B)", ErrInput)
	}
	a, _, err := cvk.DESParts()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	pair, err := cvk.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var data [32]byte
	for i := range data {
		data[i] = '0'
	}
	off := copy(data[:], pan)
	off += copy(data[off:], expiry)
	copy(data[off:], serviceCode)
	var blk [16]byte
	packDigits(blk[:], data[:])
	clear(data[:])
	a.Encrypt(blk[:8], blk[:8])
	for i := range 8 {
		blk[i] ^= blk[8+i]
	}
	pair.Encrypt(blk[:8], blk[:8])
	v := keys.AppendDecimalized(out[:0], blk[:8], n)
	clear(blk[:])
	return v, nil
}

// packDigits packs ASCII digits (and upper-case hexadecimal digits) two
// per byte.
func packDigits(dst []byte, s []byte) {
	nib := func(c byte) byte {
		if c >= 'A' {
			return c - 'A' + 10
		}
		return c - '0'
	}
	for i := 0; i+1 < len(s) && i/2 < len(dst); i += 2 {
		dst[i/2] = nib(s[i])<<4 | nib(s[i+1])
	}
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
