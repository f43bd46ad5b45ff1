package pinblock

import "fmt"

// Translate is the host's PIN translation: it deciphers enc under from,
// validates it (including the PAN binding of formats 0, 3 and 4), and
// appends the same PIN re-enciphered under to, in to's format, to dst. The
// clear PIN and block never leave the function and are wiped before it
// returns. pan is the PAN of the transaction; formats that bind the PAN use
// it on both sides, so a translation cannot change the PAN.
//
// Translations forbidden by PCI PIN Security Requirement 3-3 (v3.1) are
// refused with ErrTranslation: from format 2 (IC card use only) to
// anything, and from a PAN-bound format (0, 3, 4) to format 1. Translation
// to format 2, for submission to an IC card, is allowed.
//
// Errors say whether the incoming block failed its PAN binding
// (ErrPANMismatch) or is malformed (ErrMalformed); they never contain the
// PIN. On error dst is returned unchanged.
func Translate(dst, enc []byte, pan string, from, to *Cipher) ([]byte, error) {
	if from == nil || to == nil {
		return dst, fmt.Errorf("%w: nil cipher", ErrKey)
	}
	if err := translationAllowed(from.f, to.f); err != nil {
		return dst, err
	}
	var buf [16]byte
	blk := buf[:from.f.Size()]
	defer clear(blk)
	if err := from.decipher(blk, enc, pan); err != nil {
		return dst, err
	}
	pin, err := decode(blk, from.f, pan, true)
	if err != nil {
		return dst, err
	}
	defer pin.Wipe()
	return to.AppendEncrypt(dst, pin, pan)
}

// translationAllowed applies the translation table of PCI PIN Security
// Requirements v3.1, requirement 3-3.
func translationAllowed(from, to Format) error {
	switch {
	case from == Format2:
		return fmt.Errorf("%w: from %s (IC card use only)", ErrTranslation, from)
	case from.BindsPAN() && to == Format1:
		return fmt.Errorf("%w: from %s, which binds the PAN, to %s, which does not", ErrTranslation, from, to)
	}
	return nil
}
