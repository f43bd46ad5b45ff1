package pinblock

import (
	"crypto/subtle"
	"fmt"

	"github.com/possdk/pos/keys"
)

// IBM3624 is the IBM 3624 PIN calculation (IBM CCA "IBM-PIN" and
// "IBM-PINO", payShield "IBM 3624 offset"): ValidationData, padded on the
// right with Pad to 16 hex digits, is enciphered under PVK; each hex digit
// of the result is mapped through DecimalizationTable; the leftmost digits
// are the natural PIN, and a customer's own PIN is kept as its offset,
// digit by digit (PIN - natural PIN) mod 10. The offset has the PIN's
// length (4 to 12 digits).
type IBM3624 struct {
	// PVK is the PIN verification key: DES (built with keys.Legacy) or
	// TDES.
	PVK *keys.Key
	// DecimalizationTable maps the hex digits 0-F to decimal digits: 16
	// digits, e.g. "0123456789012345".
	DecimalizationTable string
	// ValidationData is 1 to 16 hex digits of account data the issuer
	// chooses (often PAN digits).
	ValidationData string
	// Pad fills ValidationData to 16 digits: a hex digit, 'F' when 0.
	Pad byte
}

// Offset returns the offset of pin.
func (p *IBM3624) Offset(pin PIN) (string, error) {
	if !pin.valid() {
		return "", fmt.Errorf("%w: no PIN", ErrPIN)
	}
	var nat [16]byte
	if err := p.natural(&nat); err != nil {
		return "", err
	}
	defer clear(nat[:])
	out := make([]byte, pin.Len())
	for i := range out {
		out[i] = '0' + (pin.digit(i)+10-nat[i])%10
	}
	return string(out), nil
}

// Verify checks pin against its offset in constant time; a mismatch (or an
// offset of another length than the PIN) wraps ErrVerification.
func (p *IBM3624) Verify(pin PIN, offset string) error {
	if !pin.valid() {
		return fmt.Errorf("%w: no PIN", ErrPIN)
	}
	if len(offset) < MinPINLen || len(offset) > MaxPINLen || !allDigits(offset) {
		return fmt.Errorf("%w: an offset is %d to %d digits", ErrVerification, MinPINLen, MaxPINLen)
	}
	var nat [16]byte
	if err := p.natural(&nat); err != nil {
		return err
	}
	defer clear(nat[:])
	diff := subtle.ConstantTimeEq(int32(len(offset)), int32(pin.Len()))
	for i := range min(len(offset), pin.Len()) {
		want := (nat[i] + offset[i] - '0') % 10
		diff &= subtle.ConstantTimeByteEq(want, pin.digit(i))
	}
	if diff != 1 {
		return fmt.Errorf("%w: IBM 3624 offset", ErrVerification)
	}
	return nil
}

// PIN returns the PIN an offset stands for (for PIN mailers): natural PIN
// plus offset, digit by digit, mod 10.
func (p *IBM3624) PIN(offset string) (PIN, error) {
	if len(offset) < MinPINLen || len(offset) > MaxPINLen || !allDigits(offset) {
		return PIN{}, fmt.Errorf("%w: an offset is %d to %d digits", ErrPIN, MinPINLen, MaxPINLen)
	}
	var nat [16]byte
	if err := p.natural(&nat); err != nil {
		return PIN{}, err
	}
	defer clear(nat[:])
	return newPIN(len(offset), func(i int) byte { return (nat[i] + offset[i] - '0') % 10 }), nil
}

// natural fills nat with the 16 decimalized digits (values 0-9).
func (p *IBM3624) natural(nat *[16]byte) error {
	t := p.DecimalizationTable
	if len(t) != 16 || !allDigits(t) {
		return fmt.Errorf("%w: the decimalization table must be 16 digits", ErrKey)
	}
	v := p.ValidationData
	if len(v) < 1 || len(v) > 16 {
		return fmt.Errorf("%w: validation data of %d digits, want 1 to 16", ErrPAN, len(v))
	}
	pad := p.Pad
	if pad == 0 {
		pad = 'F'
	}
	b, err := pvkBlock(p.PVK)
	if err != nil {
		return err
	}
	var blk [8]byte
	for i := range 16 {
		c := pad
		if i < len(v) {
			c = v[i]
		}
		n, ok := hexValue(c)
		if !ok {
			return fmt.Errorf("%w: validation data or pad character at position %d is not a hex digit", ErrPAN, i)
		}
		blk[i/2] |= n << (4 * (1 - i%2))
	}
	b.Encrypt(blk[:], blk[:])
	for i := range 16 {
		nat[i] = t[blk[i/2]>>(4*(1-i%2))&0x0F] - '0'
	}
	clear(blk[:])
	return nil
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
