package pinblock

import (
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/possdk/pos/keys"
)

// Issuer PIN verification: the Visa PIN verification value (PVV) and the
// IBM 3624 PIN offset. Both encipher account data under a PIN verification
// key (PVK) and turn the ciphertext into decimal digits; the PIN itself
// never leaves the PIN type, and the results (a PVV, an offset) are not
// secrets in the same way but are compared in constant time.

// ErrVerification: a PIN that does not match its PVV or offset.
var ErrVerification = errors.New("pinblock: PIN does not verify")

// pvkBlock returns the cipher of a PIN verification key: single DES (built
// with keys.Legacy), double- or triple-length TDES.
func pvkBlock(pvk *keys.Key) (cipher.Block, error) {
	if pvk.IsZeroed() || !pvk.Algorithm().IsDES() {
		return nil, fmt.Errorf("%w: a PIN verification key must be DES or TDES", ErrKey)
	}
	b, err := pvk.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return b, nil
}

// PVV returns the Visa PIN verification value of pin (Visa PIN
// Verification Value algorithm, as in IBM's CSNBPGN "VISA-PVV"): the
// transformed security parameter is the 11 rightmost PAN digits before the
// check digit, the PVK index pvki (0-9; Visa uses 1-6) and the 4 leftmost
// PIN digits; it is TDES-enciphered under pvk, and the PVV is the first 4
// decimal digits of the result, completed if need be by its A-F digits
// minus 10.
func PVV(pvk *keys.Key, pan string, pvki int, pin PIN) (string, error) {
	var out [4]byte
	if err := pvv(&out, pvk, pan, pvki, pin); err != nil {
		return "", err
	}
	return string(out[:]), nil
}

// VerifyPVV checks pin against a 4-digit PVV in constant time; a mismatch
// wraps ErrVerification.
func VerifyPVV(pvk *keys.Key, pan string, pvki int, pin PIN, want string) error {
	if len(want) != 4 || !allDigits(want) {
		return fmt.Errorf("%w: a PVV is 4 digits", ErrVerification)
	}
	var got [4]byte
	if err := pvv(&got, pvk, pan, pvki, pin); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got[:], []byte(want)) != 1 {
		return fmt.Errorf("%w: PVV", ErrVerification)
	}
	return nil
}

func pvv(out *[4]byte, pvk *keys.Key, pan string, pvki int, pin PIN) error {
	if len(pan) < 12 || len(pan) > maxPANLen || !allDigits(pan) {
		return fmt.Errorf("%w: the PVV needs a PAN of 12 to 19 digits", ErrPAN)
	}
	if pvki < 0 || pvki > 9 {
		return fmt.Errorf("%w: PVK index %d is not one digit", ErrKey, pvki)
	}
	if !pin.valid() {
		return fmt.Errorf("%w: no PIN", ErrPIN)
	}
	b, err := pvkBlock(pvk)
	if err != nil {
		return err
	}
	var tsp [8]byte
	acct := pan[len(pan)-12 : len(pan)-1]
	var d [16]byte
	for i := range 11 {
		d[i] = acct[i] - '0'
	}
	d[11] = byte(pvki)
	for i := range 4 {
		d[12+i] = pin.digit(i)
	}
	for i := range tsp {
		tsp[i] = d[2*i]<<4 | d[2*i+1]
	}
	clear(d[:])
	b.Encrypt(tsp[:], tsp[:])
	v := keys.AppendDecimalized(out[:0], tsp[:], 4)
	clear(tsp[:])
	if len(v) != 4 {
		return fmt.Errorf("%w: PVV", ErrVerification)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
