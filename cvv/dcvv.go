package cvv

import (
	"crypto/subtle"
	"fmt"

	"github.com/possdk/pos/keys"
)

// DCVV returns Visa's dynamic CVV (dCVV, contactless magnetic-stripe
// mode): the n-digit (3 when n is 0) CVV algorithm of Compute, under the
// card's unique derived key udk (the ICC master key of EMV Book 2 A1.4.1
// option A from the issuer's dCVV master key, PAN and PAN sequence number:
// emv.DeriveICCKeyA), over an alternate PAN — the ATC as four hexadecimal
// digits in place of the PAN's first four digits — the expiry date (YYMM)
// and the service code.
//
// Visa's specification is not public. The layout is the one an open
// implementation uses and the parameters AWS Payment Cryptography's dCVV
// operation takes (ATC, expiry, PAN sequence number, service code);
// testdata/dcvv.txt cross-checks it with pyemv's option-A derivation and
// psec's CVV run on the alternate PAN (for ATCs written with digits only:
// psec takes no hexadecimal letters).
func DCVV(udk *keys.Key, pan, expiry, serviceCode string, atc [2]byte, n int) (string, error) {
	var out [16]byte
	v, err := dcvv(&out, udk, pan, expiry, serviceCode, atc, n)
	if err != nil {
		return "", err
	}
	return string(v), nil
}

// VerifyDCVV recomputes the dCVV and compares it with value in constant
// time; a mismatch wraps ErrMismatch.
func VerifyDCVV(udk *keys.Key, pan, expiry, serviceCode string, atc [2]byte, value string) error {
	if len(value) < 1 || len(value) > 16 {
		return fmt.Errorf("%w: value of %d digits", ErrInput, len(value))
	}
	var out [16]byte
	v, err := dcvv(&out, udk, pan, expiry, serviceCode, atc, len(value))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(v, []byte(value)) != 1 {
		return fmt.Errorf("%w: %d-digit dCVV", ErrMismatch, len(value))
	}
	return nil
}

func dcvv(out *[16]byte, udk *keys.Key, pan, expiry, serviceCode string, atc [2]byte, n int) ([]byte, error) {
	if len(pan) < 5 || len(pan) > 19 || !digits(pan) {
		return nil, fmt.Errorf("%w: PAN must be 5 to 19 digits (got %d characters)", ErrInput, len(pan))
	}
	const hexDigits = "0123456789ABCDEF"
	alt := make([]byte, len(pan))
	alt[0], alt[1], alt[2], alt[3] = hexDigits[atc[0]>>4], hexDigits[atc[0]&15], hexDigits[atc[1]>>4], hexDigits[atc[1]&15]
	copy(alt[4:], pan[4:])
	v, err := computeNibbles(out, udk, alt, expiry, serviceCode, n)
	clear(alt)
	return v, err
}
