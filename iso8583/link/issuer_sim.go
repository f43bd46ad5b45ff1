package link

import (
	"context"
	"sort"
	"sync"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/pinblock"
)

// RCIncorrectPIN is the response code for a wrong PIN (ISO 8583:1987, CUP).
const RCIncorrectPIN iso8583.ResponseCode = "55"

// SimIssuer is an Issuer for tests and simulators with a ledger of its
// own, keyed like the host's records by terminal, batch and STAN, so a
// test can check the host and the terminals against what the issuer
// actually did. It checks PINs that arrive translated to its zone key
// against a table of PANs and approves everything else. Like a real
// issuer it is idempotent: a repeated Authorize gets the first answer, a
// repeated Reverse does nothing, a Reverse of an authorisation it never
// saw is remembered so the late authorisation is declined.
type SimIssuer struct {
	// ZPK deciphers the translated PIN blocks (the same key as Host.ZPK).
	ZPK *pinblock.Cipher
	// PINs maps PANs to their PINs. A listed card must present its PIN
	// for debits and whenever a PIN block is sent; a card not listed
	// accepts any PIN.
	PINs map[string]string
	// Balance is answered in field 54 to a balance inquiry ("" : none).
	Balance string

	mu     sync.Mutex
	stats  IssuerStats
	ledger map[IssuerKey]*IssuerEntry
}

// IssuerKey names an authorisation at the issuer.
type IssuerKey struct {
	TID   string
	Batch uint32
	STAN  uint32
}

// IssuerEntry is one authorisation in a SimIssuer's ledger.
type IssuerEntry struct {
	Kind     iso8583.Kind
	Amount   int64
	RC       iso8583.ResponseCode
	Approved bool
	// Reversed: undone by a reversal or cancelled by a void (for a
	// pre-authorisation: its hold released by a completion).
	Reversed bool
	// Orig: the authorisation a void cancelled or a completion released.
	Orig *IssuerKey
}

// IssuerStats counts a SimIssuer's decisions.
type IssuerStats struct {
	Approved, Declined, Reversed int
	// Amount is the net amount taken from or held on cards: approved
	// debits and open pre-authorisation holds, less refunds, reversals
	// and voids.
	Amount int64
	// Holds is the part of Amount held by open pre-authorisations.
	Holds int64
}

func issuerKey(t *iso8583.Transaction) IssuerKey {
	return IssuerKey{t.TerminalID, batchOf(t), t.STAN}
}

func origKey(t *iso8583.Transaction) *IssuerKey {
	if t.Field61 == nil {
		return nil
	}
	return &IssuerKey{t.TerminalID, t.Field61.Batch, t.Field61.STAN}
}

// voidKind reports kinds that cancel an earlier authorisation.
func voidKind(k iso8583.Kind) bool {
	return k == iso8583.KindVoid || k == iso8583.KindPreAuthVoid || k == iso8583.KindPreAuthCompletionVoid
}

// Authorize implements Issuer. A void cancels the authorisation its
// field 61 names; a completion releases the pre-authorisation its field
// 61 names and debits its own amount.
func (s *SimIssuer) Authorize(_ context.Context, t *iso8583.Transaction, pinBlock []byte) (IssuerResult, error) {
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
	if t.Kind == iso8583.KindBalance {
		if rc != iso8583.Approved {
			s.stats.Declined++
			return IssuerResult{RC: rc}, nil
		}
		s.stats.Approved++
		return IssuerResult{RC: rc, Balance: s.Balance}, nil
	}
	if s.ledger == nil {
		s.ledger = make(map[IssuerKey]*IssuerEntry)
	}
	k := issuerKey(t)
	if e := s.ledger[k]; e != nil {
		// A repeat: the first answer again. An authorisation whose
		// reversal came first is declined.
		if e.RC == "" {
			return IssuerResult{RC: RCAlreadyVoided}, nil
		}
		return IssuerResult{RC: e.RC}, nil
	}
	e := &IssuerEntry{Kind: t.Kind, Amount: t.Amount, RC: rc}
	if rc == iso8583.Approved && (voidKind(t.Kind) || t.Kind == iso8583.KindPreAuthCompletion || t.Kind == iso8583.KindPreAuthCompletionAdvice) {
		o := origKey(t)
		var orig *IssuerEntry
		if o != nil {
			orig = s.ledger[*o]
		}
		switch {
		case orig == nil || !orig.Approved:
			rc = RCNotFound
		case orig.Reversed:
			rc = RCAlreadyVoided
		default:
			orig.Reversed = true
			s.unbook(orig)
			e.Orig = o
		}
		e.RC = rc
	}
	if rc != iso8583.Approved {
		s.stats.Declined++
		s.ledger[k] = e
		return IssuerResult{RC: rc}, nil
	}
	e.Approved = true
	s.ledger[k] = e
	s.stats.Approved++
	s.book(e)
	return IssuerResult{RC: rc}, nil
}

// book applies an approved entry's money.
func (s *SimIssuer) book(e *IssuerEntry) {
	switch {
	case e.Kind == iso8583.KindPreAuth:
		s.stats.Amount += e.Amount
		s.stats.Holds += e.Amount
	case debit(e.Kind):
		s.stats.Amount += e.Amount
	case e.Kind == iso8583.KindRefund:
		s.stats.Amount -= e.Amount
	}
}

// unbook takes an entry's money back.
func (s *SimIssuer) unbook(e *IssuerEntry) {
	switch {
	case e.Kind == iso8583.KindPreAuth:
		s.stats.Amount -= e.Amount
		s.stats.Holds -= e.Amount
	case debit(e.Kind):
		s.stats.Amount -= e.Amount
	case e.Kind == iso8583.KindRefund:
		s.stats.Amount += e.Amount
	}
}

// Reverse implements Issuer: it undoes the authorisation with t's
// terminal, batch and STAN. Reversing a void puts back what it cancelled;
// reversing a completion restores the pre-authorisation's hold.
func (s *SimIssuer) Reverse(_ context.Context, t *iso8583.Transaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ledger == nil {
		s.ledger = make(map[IssuerKey]*IssuerEntry)
	}
	k := issuerKey(t)
	e := s.ledger[k]
	if e == nil {
		// The reversal came first: remember it, decline the original.
		s.ledger[k] = &IssuerEntry{Kind: t.Kind, Amount: t.Amount, Reversed: true}
		return nil
	}
	if e.Reversed || !e.Approved {
		return nil
	}
	e.Reversed = true
	s.stats.Reversed++
	s.unbook(e)
	if e.Orig != nil {
		if o := s.ledger[*e.Orig]; o != nil && o.Reversed {
			o.Reversed = false
			s.book(o)
		}
	}
	return nil
}

// Clear drops the ledger lines of a terminal's batch once it has settled
// (the issuer's clearing): a repeat or reversal after that is treated as
// unknown. The stats keep their totals.
func (s *SimIssuer) Clear(tid string, batch uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.ledger {
		if k.TID == tid && k.Batch == batch {
			delete(s.ledger, k)
		}
	}
}

// Stats returns the counts so far.
func (s *SimIssuer) Stats() IssuerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Ledger returns a copy of the issuer's ledger, sorted by key.
func (s *SimIssuer) Ledger() []IssuerLedgerLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IssuerLedgerLine, 0, len(s.ledger))
	for k, e := range s.ledger {
		c := *e
		out = append(out, IssuerLedgerLine{Key: k, Entry: c})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Key, out[j].Key
		if a.TID != b.TID {
			return a.TID < b.TID
		}
		if a.Batch != b.Batch {
			return a.Batch < b.Batch
		}
		return a.STAN < b.STAN
	})
	return out
}

// IssuerLedgerLine is one line of SimIssuer.Ledger.
type IssuerLedgerLine struct {
	Key   IssuerKey
	Entry IssuerEntry
}
