package oda

import (
	"bytes"
	"fmt"
	"math/big"
	"time"
)

// IssuerPublicKey is the key recovered from the Issuer Public Key Certificate
// (tag 90) under a CA key.
type IssuerPublicKey struct {
	IssuerID []byte // leftmost 3–8 PAN digits, BCD, F-padded (4 bytes)
	Expiry   []byte // MMYY, BCD
	Serial   []byte // 3 bytes
	Modulus  []byte
	Exponent []byte
}

// ICCPublicKey is the key recovered from the ICC Public Key Certificate (tag
// 9F46) under the issuer key.
type ICCPublicKey struct {
	PAN      []byte // 10 bytes, BCD, F-padded
	Expiry   []byte // MMYY, BCD
	Serial   []byte
	Modulus  []byte
	Exponent []byte
}

func newPublicKey(mod, exp []byte) publicKey {
	return publicKey{n: new(big.Int).SetBytes(mod), e: new(big.Int).SetBytes(exp), size: len(mod)}
}

// RecoverIssuerKey recovers and checks the issuer public key (EMV Book 2
// §5.3 steps 1–11, §6.3): certificate length, header, trailer, format 02,
// hash over the certificate data, remainder (92) and exponent (9F32), issuer
// identifier against the PAN (5A), expiry against today, and algorithm
// indicators. remainder may be nil when the key fits the certificate.
func RecoverIssuerKey(ca *CAPublicKey, cert, remainder, exponent, pan []byte, today time.Time) (*IssuerPublicKey, error) {
	if ca == nil || len(cert) == 0 || len(exponent) == 0 || len(pan) == 0 {
		return nil, fmt.Errorf("%w: issuer certificate (90), exponent (9F32) and PAN (5A) are needed", ErrMissingData)
	}
	const what = "issuer certificate"
	m, err := ca.publicKey().recover(cert, 0x02, what)
	if err != nil {
		return nil, err
	}
	nCA := len(m)
	if nCA < 36+1 {
		return nil, fmt.Errorf("%w: %s too short", ErrCertificate, what)
	}
	if err := checkHash(m, what, remainder, exponent); err != nil {
		return nil, err
	}
	if m[11] != 0x01 || m[12] != 0x01 {
		return nil, fmt.Errorf("%w: %s: hash algorithm %02X / key algorithm %02X, want 01/01", ErrCertificate, what, m[11], m[12])
	}
	k := &IssuerPublicKey{
		IssuerID: clone(m[2:6]),
		Expiry:   clone(m[6:8]),
		Serial:   clone(m[8:11]),
		Exponent: clone(exponent),
	}
	if int(m[14]) != len(exponent) {
		return nil, fmt.Errorf("%w: %s: exponent length %d, 9F32 is %d bytes", ErrCertificate, what, m[14], len(exponent))
	}
	if k.Modulus, err = modulus(m[15:nCA-21], remainder, int(m[13]), what); err != nil {
		return nil, err
	}
	if !panHasPrefix(pan, k.IssuerID, 3) {
		return nil, fmt.Errorf("%w: issuer identifier %X", ErrPANMismatch, k.IssuerID)
	}
	if err := checkExpiry(k.Expiry, today, what); err != nil {
		return nil, err
	}
	return k, nil
}

// RecoverICCKey recovers and checks the ICC public key (EMV Book 2 §6.4):
// format 04, hash over the certificate data, remainder (9F48), exponent
// (9F47) and the static data to be authenticated, the PAN, expiry and
// algorithm indicators.
func RecoverICCKey(issuer *IssuerPublicKey, cert, remainder, exponent, staticData, pan []byte, today time.Time) (*ICCPublicKey, error) {
	if issuer == nil || len(cert) == 0 || len(exponent) == 0 || len(pan) == 0 {
		return nil, fmt.Errorf("%w: ICC certificate (9F46), exponent (9F47) and PAN (5A) are needed", ErrMissingData)
	}
	const what = "ICC certificate"
	m, err := newPublicKey(issuer.Modulus, issuer.Exponent).recover(cert, 0x04, what)
	if err != nil {
		return nil, err
	}
	nI := len(m)
	if nI < 42+1 {
		return nil, fmt.Errorf("%w: %s too short", ErrCertificate, what)
	}
	if err := checkHash(m, what, remainder, exponent, staticData); err != nil {
		return nil, err
	}
	if m[17] != 0x01 || m[18] != 0x01 {
		return nil, fmt.Errorf("%w: %s: hash algorithm %02X / key algorithm %02X, want 01/01", ErrCertificate, what, m[17], m[18])
	}
	k := &ICCPublicKey{
		PAN:      clone(m[2:12]),
		Expiry:   clone(m[12:14]),
		Serial:   clone(m[14:17]),
		Exponent: clone(exponent),
	}
	if int(m[20]) != len(exponent) {
		return nil, fmt.Errorf("%w: %s: exponent length %d, 9F47 is %d bytes", ErrCertificate, what, m[20], len(exponent))
	}
	if k.Modulus, err = modulus(m[21:nI-21], remainder, int(m[19]), what); err != nil {
		return nil, err
	}
	if !panEqual(k.PAN, pan) {
		return nil, fmt.Errorf("%w: ICC certificate PAN differs from 5A", ErrPANMismatch)
	}
	if err := checkExpiry(k.Expiry, today, what); err != nil {
		return nil, err
	}
	return k, nil
}

// modulus joins the leftmost digits in the certificate with the remainder.
func modulus(leftmost, remainder []byte, n int, what string) ([]byte, error) {
	switch {
	case n <= len(leftmost):
		if len(remainder) != 0 {
			return nil, fmt.Errorf("%w: %s: a remainder is present but the key fits the certificate", ErrCertificate, what)
		}
		for _, b := range leftmost[n:] {
			if b != 0xBB {
				return nil, fmt.Errorf("%w: %s: padding is not BB", ErrCertificate, what)
			}
		}
		return clone(leftmost[:n]), nil
	case n == len(leftmost)+len(remainder):
		return append(clone(leftmost), remainder...), nil
	default:
		return nil, fmt.Errorf("%w: %s: key of %d bytes, certificate holds %d and the remainder %d", ErrMissingData, what, n, len(leftmost), len(remainder))
	}
}

// panDigits returns the BCD digits of b up to the first F.
func panDigits(b []byte) []byte {
	d := make([]byte, 0, 2*len(b))
	for _, x := range b {
		for _, nib := range [2]byte{x >> 4, x & 0x0F} {
			if nib == 0x0F {
				return d
			}
			d = append(d, nib)
		}
	}
	return d
}

// panHasPrefix reports whether the F-padded identifier id (at least min
// digits) is a prefix of pan.
func panHasPrefix(pan, id []byte, min int) bool {
	p, i := panDigits(pan), panDigits(id)
	return len(i) >= min && bytes.HasPrefix(p, i)
}

func panEqual(certPAN, pan []byte) bool {
	a, b := panDigits(certPAN), panDigits(pan)
	return len(a) > 0 && bytes.Equal(a, b)
}

// checkExpiry: a certificate expiring MMYY is valid through the last day of
// that month (EMV Book 2 §5.3 step 11).
func checkExpiry(mmyy []byte, today time.Time, what string) error {
	mm, ok1 := bcd(mmyy[0])
	yy, ok2 := bcd(mmyy[1])
	if !ok1 || !ok2 || mm < 1 || mm > 12 {
		return fmt.Errorf("%w: %s: expiry %X is not MMYY", ErrCertificate, what, mmyy)
	}
	end := time.Date(2000+yy, time.Month(mm)+1, 1, 0, 0, 0, 0, time.UTC)
	if !today.Before(end) {
		return fmt.Errorf("%w: %s expired %02d/%02d", ErrExpired, what, mm, yy)
	}
	return nil
}

func bcd(b byte) (int, bool) {
	hi, lo := b>>4, b&0x0F
	return int(hi)*10 + int(lo), hi <= 9 && lo <= 9
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
