package hsm

import (
	"context"
	"errors"
	"fmt"

	"github.com/possdk/pos/cvv"
	"github.com/possdk/pos/emv"
)

// VerifyARQC implements CardSecurity with emv.VerifyAC: the card's master
// key and session key come from the IMK by r.Method's profile, the
// cryptogram is recomputed over r.Data and compared in constant time; with
// r.Response, the ARPC is computed under the key the profile names and
// returned with the tag 91 value.
func (s *Software) VerifyARQC(_ context.Context, r ARQCRequest) (*ARQCResult, error) {
	if r.Method == nil {
		return nil, fmt.Errorf("%w: no cryptogram method", ErrInput)
	}
	e, err := s.key(r.IMK, IssuerMasterKeyAC, 'X')
	if err != nil {
		return nil, err
	}
	pan, psn, err := parseCard(r.PAN, r.PSN)
	if err != nil {
		return nil, err
	}
	k, err := emv.VerifyAC(r.Method, e.key, pan, psn, &r.Data, r.ARQC)
	if err != nil {
		if errors.Is(err, emv.ErrCryptogram) {
			return nil, fmt.Errorf("%w: %w", ErrCryptogram, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer k.Zero()
	res := &ARQCResult{}
	if r.Response == nil {
		return res, nil
	}
	p, err := r.Method.Profile()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if res.ARPC, err = p.ARPC(k, r.ARQC, *r.Response); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	res.IssuerAuthenticationData = p.IssuerAuthenticationData(res.ARPC, *r.Response)
	return res, nil
}

// parseCard validates a PAN and a PAN sequence number (see normalizePSN).
func parseCard(pan, psn string) (emv.PAN, string, error) {
	p, err := emv.ParsePAN(pan)
	if err != nil {
		return emv.PAN{}, "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	n, err := normalizePSN(psn)
	if err != nil {
		return emv.PAN{}, "", err
	}
	return p, n, nil
}

// normalizePSN accepts a PAN sequence number as tag 5F34 gives it (2
// digits), as ISO 8583 field 23 carries it (3 digits, "001"), or "" (no
// PSN, derived as 00).
func normalizePSN(s string) (string, error) {
	if len(s) == 3 && s[0] == '0' {
		s = s[1:]
	}
	if s != "" && (len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
		return "", fmt.Errorf("%w: PAN sequence number of %d characters, want 2 digits (5F34) or 3 (field 23, 0nn)", ErrInput, len(s))
	}
	return s, nil
}

// GenerateCardValue implements CardSecurity.
func (s *Software) GenerateCardValue(_ context.Context, r CardValueRequest) (string, error) {
	v, err := s.cardValue(r, 'G', "")
	return v, err
}

// VerifyCardValue implements CardSecurity.
func (s *Software) VerifyCardValue(_ context.Context, r CardValueRequest, value string) error {
	_, err := s.cardValue(r, 'V', value)
	return err
}

func (s *Software) cardValue(r CardValueRequest, op byte, value string) (string, error) {
	var sc string
	switch r.Kind {
	case CVV:
		sc = r.ServiceCode
	case CVV2:
		sc = cvv.ServiceCodeCVV2
	case ICVV:
		sc = cvv.ServiceCodeICVV
	case CVC3, DCVV:
		return s.dynamic(r, op, value)
	default:
		return "", fmt.Errorf("%w: card value kind %d", ErrInput, r.Kind)
	}
	e, err := s.key(r.Key, CardVerificationKey, op)
	if err != nil {
		return "", err
	}
	if op == 'V' {
		return "", cardValueError(cvv.Verify(e.key, r.PAN, r.Expiry, sc, value))
	}
	v, err := cvv.Compute(e.key, r.PAN, r.Expiry, sc, r.Digits)
	return v, cardValueError(err)
}

// dynamic: the card's CVC3 or dCVV key is Option A from the
// dynamic-numbers IMK (Mastercard's KD_CVC3 derivation, Visa's dCVV UDK;
// Option B for PANs over 16 digits is not used by magstripe-mode cards).
func (s *Software) dynamic(r CardValueRequest, op byte, value string) (string, error) {
	e, err := s.key(r.Key, IssuerMasterKeyDN, 'X')
	if err != nil {
		return "", err
	}
	pan, psn, err := parseCard(r.PAN, r.PSN)
	if err != nil {
		return "", err
	}
	kd, err := emv.DeriveICCKeyA(e.key, pan, psn)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer kd.Zero()
	if r.Kind == DCVV {
		if op == 'V' {
			return "", cardValueError(cvv.VerifyDCVV(kd, r.PAN, r.Expiry, r.ServiceCode, r.ATC, value))
		}
		v, err := cvv.DCVV(kd, r.PAN, r.Expiry, r.ServiceCode, r.ATC, r.Digits)
		return v, cardValueError(err)
	}
	if op == 'V' {
		return "", cardValueError(cvv.VerifyCVC3(kd, r.Track, r.ATC, r.UN, value))
	}
	v, err := cvv.CVC3(kd, r.Track, r.ATC, r.UN, r.Digits)
	return v, cardValueError(err)
}

func cardValueError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cvv.ErrMismatch):
		return fmt.Errorf("%w: %w", ErrCardValue, err)
	}
	return fmt.Errorf("%w: %w", ErrInput, err)
}
