package link

import (
	"context"
	"sync"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/pinblock"
)

// RCIncorrectPIN is the response code for a wrong PIN (ISO 8583:1987, CUP).
const RCIncorrectPIN iso8583.ResponseCode = "55"

// SimIssuer is an Issuer for tests and simulators. It checks PINs that
// arrive translated to its zone key against a table of PANs, approves
// everything else, and counts what it did.
type SimIssuer struct {
	// ZPK deciphers the translated PIN blocks (the same key as Host.ZPK).
	ZPK *pinblock.Cipher
	// PINs maps PANs to their PINs. A listed card must present its PIN
	// for debits and whenever a PIN block is sent; a card not listed
	// accepts any PIN.
	PINs map[string]string

	mu    sync.Mutex
	stats IssuerStats
}

// IssuerStats counts a SimIssuer's decisions.
type IssuerStats struct {
	Approved, Declined, Reversed int
	// Amount is the net amount debited (debits approved minus reversed,
	// credits subtracted).
	Amount int64
}

// Authorize implements Issuer.
func (s *SimIssuer) Authorize(_ context.Context, t *iso8583.Transaction, pinBlock []byte) (iso8583.ResponseCode, error) {
	rc := iso8583.Approved
	pan := string(cardOf(t))
	needPIN := pinBlock != nil || debit(t.Kind) || t.Kind == iso8583.KindPreAuth
	if want, ok := s.PINs[pan]; ok && needPIN {
		rc = RCIncorrectPIN
		if pinBlock != nil && s.ZPK != nil {
			if got, err := s.ZPK.Decrypt(pinBlock, pan); err == nil {
				w, err := pinblock.ParsePIN([]byte(want))
				if err == nil && got.Equal(w) {
					rc = iso8583.Approved
				}
				w.Wipe()
				got.Wipe()
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc != iso8583.Approved {
		s.stats.Declined++
		return rc, nil
	}
	s.stats.Approved++
	switch {
	case debit(t.Kind) || t.Kind == iso8583.KindPreAuth:
		s.stats.Amount += t.Amount
	case t.Kind == iso8583.KindRefund:
		s.stats.Amount -= t.Amount
	}
	return rc, nil
}

// Reverse implements Issuer.
func (s *SimIssuer) Reverse(_ context.Context, t *iso8583.Transaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Reversed++
	switch {
	case debit(t.Kind) || t.Kind == iso8583.KindPreAuth:
		s.stats.Amount -= t.Amount
	case t.Kind == iso8583.KindRefund:
		s.stats.Amount += t.Amount
	case t.Kind == iso8583.KindVoid || t.Kind == iso8583.KindPreAuthCompletionVoid:
		// Undoing a void puts the voided debit back.
		s.stats.Amount += t.Amount
	}
	return nil
}

// Stats returns the counts so far.
func (s *SimIssuer) Stats() IssuerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
