package hsm

import (
	"context"
	"errors"
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// TranslatePIN implements PINSecurity with pinblock.Translate: the block is
// deciphered under From (a PIN key, or the DUKPT PIN key of From.KSN under
// the BDK From.Key), validated against the PAN, and re-enciphered under To
// in To.Format. Translations PCI PIN requirement 3-3 forbids are refused.
func (s *Software) TranslatePIN(_ context.Context, r PINTranslation) ([]byte, error) {
	from, err := s.pinCipher(r.From, 'D')
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	to, err := s.pinCipher(r.To, 'E')
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	out, err := pinblock.Translate(make([]byte, 0, 16), r.Block, r.PAN, from, to)
	if err != nil {
		return nil, pinError(err)
	}
	return out, nil
}

// pinError classifies a pinblock error: input problems are ErrInput, a
// block that does not decode (wrong key, wrong PAN, altered) is ErrPIN.
func pinError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pinblock.ErrMalformed), errors.Is(err, pinblock.ErrPANMismatch), errors.Is(err, pinblock.ErrVerification):
		return fmt.Errorf("%w: %w", ErrPIN, err)
	case errors.Is(err, pinblock.ErrTranslation), errors.Is(err, pinblock.ErrKey):
		return fmt.Errorf("%w: %w", ErrKeyUsage, err)
	}
	return fmt.Errorf("%w: %w", ErrInput, err)
}

// pinCipher returns the pinblock.Cipher of a PIN key reference used for op
// ('D' decipher, 'E' encipher).
func (s *Software) pinCipher(ref PINKeyRef, op byte) (*pinblock.Cipher, error) {
	if len(ref.KSN) > 0 {
		return s.dukptPINCipher(ref)
	}
	e, err := s.key(ref.Key, PINKey, op)
	if err != nil {
		return nil, err
	}
	f := int(ref.Format)
	if f >= 0 && f < len(e.pin) {
		if c := e.pin[f].Load(); c != nil {
			return c, nil
		}
	}
	c, err := pinblock.NewCipher(e.key, ref.Format, s.rand)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyUsage, err)
	}
	e.pin[f].Store(c)
	return c, nil
}

func (s *Software) dukptPINCipher(ref PINKeyRef) (*pinblock.Cipher, error) {
	tk, ak, err := s.dukptKey(ref.Key, ref.KSN)
	if err != nil {
		return nil, err
	}
	if tk != nil {
		defer tk.Zero()
		return pinblock.TDESDUKPT(tk, ref.Format, s.rand)
	}
	defer ak.Zero()
	alg := ref.DUKPTKey
	if alg == 0 {
		alg = keys.TDES2
		if ref.Format == pinblock.Format4 {
			alg = keys.AES128
		}
	}
	return pinblock.AESDUKPT(ak, ref.Format, alg, s.rand)
}

// VerifyPIN implements PINSecurity.
func (s *Software) VerifyPIN(_ context.Context, r PINVerification) error {
	_, err := s.pinVerification(r, true)
	return err
}

// GeneratePINVerification implements PINSecurity.
func (s *Software) GeneratePINVerification(_ context.Context, r PINVerification) (string, error) {
	return s.pinVerification(r, false)
}

func (s *Software) pinVerification(r PINVerification, verify bool) (string, error) {
	pin, err := s.clearPIN(PINBlockRef{Key: r.PIN, Block: r.Block}, r.PAN)
	if err != nil {
		return "", err
	}
	defer pin.Wipe()
	op := byte('G')
	if verify {
		op = 'V'
	}
	switch r.Method {
	case VisaPVV:
		e, err := s.key(r.PVK, PINVerificationKeyVisa, op)
		if err != nil {
			return "", err
		}
		if verify {
			return "", pinError(pinblock.VerifyPVV(e.key, r.PAN, r.PVKI, pin, r.PVV))
		}
		v, err := pinblock.PVV(e.key, r.PAN, r.PVKI, pin)
		if err != nil {
			return "", pinError(err)
		}
		return v, nil
	case IBM3624:
		e, err := s.key(r.PVK, PINVerificationKeyIBM, op)
		if err != nil {
			return "", err
		}
		p := &pinblock.IBM3624{PVK: e.key, DecimalizationTable: r.DecimalizationTable, ValidationData: r.ValidationData, Pad: r.Pad}
		if verify {
			return "", pinError(p.Verify(pin, r.Offset))
		}
		v, err := p.Offset(pin)
		if err != nil {
			return "", pinError(err)
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: PIN verification method %d", ErrInput, r.Method)
}
