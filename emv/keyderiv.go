package emv

import (
	"crypto/cipher"
	"crypto/sha1"
	"encoding/hex"
	"fmt"

	"github.com/possdk/pos/keys"
)

// The issuer-side key hierarchy of EMV Book 2 Annex A1.3-A1.4 for double
// length TDES keys: issuer master key (IMK) -> ICC master key (MK) ->
// session key (SK). Keys are 16-byte slices (K1 || K2, used as K1 K2 K1);
// derived keys are returned with odd parity, as HSMs and the published
// vectors have them.

// tdesBlock checks that k is a double-length TDES key and returns its cipher.
func tdesBlock(k *keys.Key, what string) (cipher.Block, error) {
	if k == nil || k.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: %s must be a double-length TDES key", ErrKey, what)
	}
	return k.Block()
}

// newDerived wraps derived bytes as a key with odd parity and wipes them.
func newDerived(b []byte, u keys.Usage) (*keys.Key, error) {
	defer clear(b)
	return keys.New(keys.TDES2, b, keys.FixParity(), keys.WithUsage(u))
}

// psnDigits checks a PAN sequence number: "" means absent and is "00"
// (EMV Book 2 A1.4.1); ISO 8583 field 23 ("001") is accepted too.
func psnDigits(psn string) (string, error) {
	if psn == "" {
		return "00", nil
	}
	return PSN(psn)
}

// PSN returns the two-digit PAN sequence number of tag 5F34 from its
// forms in the wild: tag 5F34's two digits ("01") or ISO 8583 field 23,
// n3 with a leading zero ("001"). Tag 5F34 is one BCD byte, so a field 23
// above 099 is an error, as is anything but digits; "" is an error too
// (pass "" to the key derivations for "no PSN", which they read as 00).
func PSN(s string) (string, error) {
	switch {
	case len(s) == 3 && s[0] == '0' && allDigits(s):
		return s[1:], nil
	case len(s) == 2 && allDigits(s):
		return s, nil
	}
	return "", fmt.Errorf("%w: PAN sequence number %q is neither 2 digits (5F34) nor field 23's 0nn", ErrValue, s)
}

// deriveFromY encrypts Y and its complement under the IMK (Book 2 A1.4.1).
func deriveFromY(imk *keys.Key, y [8]byte) (*keys.Key, error) {
	b, err := tdesBlock(imk, "issuer master key")
	if err != nil {
		return nil, err
	}
	mk := make([]byte, 16)
	b.Encrypt(mk[:8], y[:])
	for i := range y {
		y[i] ^= 0xFF
	}
	b.Encrypt(mk[8:], y[:])
	return newDerived(mk, keys.UsageDerivation)
}

// DeriveICCKeyA derives an ICC master key from an issuer master key with
// Option A (EMV Book 2 A1.4.1): Y is the rightmost 16 digits of PAN || PSN,
// zero-padded on the left; MK = TDES(IMK, Y) || TDES(IMK, Y xor FF..FF).
// psn is the two-digit PAN sequence number (tag 5F34), "" when the card has
// none.
func DeriveICCKeyA(imk *keys.Key, pan PAN, psn string) (*keys.Key, error) {
	if pan.IsZero() {
		return nil, fmt.Errorf("%w: empty PAN", ErrPAN)
	}
	p, err := psnDigits(psn)
	if err != nil {
		return nil, err
	}
	x := pan.Digits() + p
	if len(x) > 16 {
		x = x[len(x)-16:]
	}
	var y [8]byte
	digitsToBCD(y[:], x)
	return deriveFromY(imk, y)
}

// DeriveICCKeyB derives an ICC master key with Option B (EMV Book 2
// A1.4.2), meant for PANs longer than 16 digits; shorter PANs use Option A.
// X = PAN || PSN (a leading 0 making it even), hashed with SHA-1; Y is the
// first 16 decimal digits of the hash's hex, completed if need be by its
// letters decimalised a..f -> 0..5.
func DeriveICCKeyB(imk *keys.Key, pan PAN, psn string) (*keys.Key, error) {
	if pan.Len() <= 16 {
		return DeriveICCKeyA(imk, pan, psn)
	}
	p, err := psnDigits(psn)
	if err != nil {
		return nil, err
	}
	x := pan.Digits() + p
	if len(x)%2 != 0 {
		x = "0" + x
	}
	xb := make([]byte, len(x)/2)
	digitsToBCD(xb, x)
	sum := sha1.Sum(xb)
	hx := hex.EncodeToString(sum[:])
	yd := make([]byte, 0, 16)
	for i := 0; i < len(hx) && len(yd) < 16; i++ {
		if c := hx[i]; c <= '9' {
			yd = append(yd, c)
		}
	}
	for i := 0; i < len(hx) && len(yd) < 16; i++ {
		if c := hx[i]; c >= 'a' {
			yd = append(yd, '0'+c-'a')
		}
	}
	var y [8]byte
	digitsToBCD(y[:], string(yd))
	return deriveFromY(imk, y)
}

// digitsToBCD writes decimal digits into dst right-justified, zero-padded on
// the left. The callers have validated the digits.
func digitsToBCD(dst []byte, digits string) {
	clear(dst)
	n := 2 * len(dst)
	if len(digits) > n {
		digits = digits[len(digits)-n:]
	}
	off := n - len(digits)
	for i := 0; i < len(digits); i++ {
		pos := off + i
		v := (digits[i] - '0') & 0x0F
		if pos%2 == 0 {
			dst[pos/2] |= v << 4
		} else {
			dst[pos/2] |= v
		}
	}
}

// CommonSessionKey derives a session key with the EMV Common Session Key
// Derivation Option (EMV Book 2 A1.3.1): SK = TDES(MK, R0 R1 F0 R3..R7) ||
// TDES(MK, R0 R1 0F R3..R7). For application cryptograms R is
// ATC || 00 00 00 00 00 00 (CCD, Visa CVN 18/22) or ATC || 00 00 || UN
// (M/Chip); see SessionR.
func CommonSessionKey(mk *keys.Key, r [8]byte) (*keys.Key, error) {
	b, err := tdesBlock(mk, "ICC master key")
	if err != nil {
		return nil, err
	}
	sk := make([]byte, 16)
	r[2] = 0xF0
	b.Encrypt(sk[:8], r[:])
	r[2] = 0x0F
	b.Encrypt(sk[8:], r[:])
	return newDerived(sk, keys.UsageMAC)
}

// SessionR builds the diversification value R = ATC || 00 00 || UN; pass a
// zero un for the ATC || 00..00 form.
func SessionR(atc uint16, un [4]byte) [8]byte {
	return [8]byte{byte(atc >> 8), byte(atc), 0, 0, un[0], un[1], un[2], un[3]}
}

// VisaSessionKey derives the Visa session key used for secure messaging
// (issuer script MAC and encipherment) in VIS: the ATC is XORed into the
// last two bytes of the left half and its complement into the right half
// of the ICC master key (VIS 1.5 Appendix B; as in pyemv derive_visa_sm_sk).
func VisaSessionKey(mk *keys.Key, atc uint16) (*keys.Key, error) {
	if _, err := tdesBlock(mk, "ICC master key"); err != nil {
		return nil, err
	}
	sk := mk.ClearBytes()
	sk[6] ^= byte(atc >> 8)
	sk[7] ^= byte(atc)
	sk[14] ^= ^byte(atc >> 8)
	sk[15] ^= ^byte(atc)
	return newDerived(sk, keys.UsageMAC)
}
