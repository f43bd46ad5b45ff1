package link

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/tlv"
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
	// ZPK deciphers the translated PIN blocks (the same key as HostConfig.ZPK).
	ZPK *pinblock.Cipher
	// PINs maps PANs to their PINs. A listed card must present its PIN
	// for debits and whenever a PIN block is sent; a card not listed
	// accepts any PIN.
	PINs map[string]string
	// Balance is answered in field 54 to a balance inquiry ("" : none).
	Balance string
	// HSM and IMK (the issuer master key for application cryptograms, a
	// key block of class hsm.IssuerMasterKeyAC under HSM's LMK), when set,
	// make the issuer authenticate chip cards: a request whose field 55
	// has an ARQC (9F26) is verified with HSM.VerifyARQC (the method from
	// Method, PAN and PSN from fields 2/35 and 23 or tag 5F34) and
	// declined 05 when it does not verify; otherwise field 55 of the
	// answer carries the ARPC (tag 91, issuer authentication data) over
	// the response code, which the card checks in its second GENERATE AC
	// (EMV Book 2 §8.2, Book 3 §10.9).
	HSM hsm.CardSecurity
	IMK hsm.KeyBlock
	// Method picks the cryptogram method from the AID (84 or 4F) and the
	// IAD (9F10) (nil: emv.ACMethodOf).
	Method func(aid, iad []byte) (emv.ACMethod, error)

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
// 61 names and debits its own amount. With HSM and IMK, a chip request's
// ARQC is verified first and the answer carries the ARPC.
func (s *SimIssuer) Authorize(ctx context.Context, t *iso8583.Transaction, pinBlock []byte) (IssuerResult, error) {
	var chip *arqcCheck
	if s.HSM != nil && s.IMK != "" && len(t.ICC) > 0 {
		var err error
		if chip, err = s.verifyARQC(ctx, t); err != nil {
			return IssuerResult{}, err
		}
	}
	res := s.authorize(t, pinBlock, chip == nil || chip.ok)
	if chip != nil && chip.ok {
		in := emv.ARPCInput{ARC: [2]byte{res.RC[0], res.RC[1]}}
		r := chip.req
		r.Response = &in
		out, err := s.HSM.VerifyARQC(ctx, r)
		if err != nil {
			return IssuerResult{}, fmt.Errorf("link: issuer: ARPC: %w", err)
		}
		res.ICC = tlv.AppendTLV(nil, 0x91, out.IssuerAuthenticationData)
	}
	return res, nil
}

// arqcCheck is the outcome of a chip request's ARQC verification.
type arqcCheck struct {
	req hsm.ARQCRequest
	ok  bool
}

// verifyARQC checks the ARQC of t's field 55 (nil: no ARQC, not a chip
// authorisation). Card data that cannot be verified (no method for the
// card, missing tags) or a cryptogram that does not verify is a failed
// check, answered 05; an HSM that cannot do the operation (key block,
// usage) is an error, answered 96 by the host.
func (s *SimIssuer) verifyARQC(ctx context.Context, t *iso8583.Transaction) (*arqcCheck, error) {
	arqc, ok, _ := tlv.Find(t.ICC, 0x9F26)
	if !ok {
		return nil, nil
	}
	c := &arqcCheck{}
	d, err := emv.CryptogramDataFromTLV(t.ICC)
	if err != nil {
		return c, nil
	}
	aid, ok, _ := tlv.Find(t.ICC, 0x84)
	if !ok {
		aid, _, _ = tlv.Find(t.ICC, 0x4F)
	}
	pick := s.Method
	if pick == nil {
		pick = emv.ACMethodOf
	}
	m, err := pick(aid, d.IAD)
	if err != nil {
		return c, nil
	}
	c.req = hsm.ARQCRequest{IMK: s.IMK, Method: m, PAN: string(cardOf(t)), PSN: psnOf(t), Data: d, ARQC: arqc}
	_, err = s.HSM.VerifyARQC(ctx, c.req)
	switch {
	case err == nil:
		c.ok = true
	case errors.Is(err, hsm.ErrCryptogram), errors.Is(err, hsm.ErrInput):
	default:
		return nil, fmt.Errorf("link: issuer: ARQC: %w", err)
	}
	return c, nil
}

// psnOf is the PAN sequence number: field 23 ("001"), else tag 5F34, else
// "" (none).
func psnOf(t *iso8583.Transaction) string {
	if p, err := emv.PSN(t.CardSequence); err == nil {
		return p
	}
	if v, ok, _ := tlv.Find(t.ICC, 0x5F34); ok && len(v) == 1 && v[0]>>4 < 10 && v[0]&15 < 10 {
		return fmt.Sprintf("%02X", v[0])
	}
	return ""
}

func (s *SimIssuer) authorize(t *iso8583.Transaction, pinBlock []byte, cryptogramOK bool) IssuerResult {
	rc := iso8583.Approved
	if !cryptogramOK {
		rc = RCDoNotHonour
	}
	pan := string(cardOf(t))
	needPIN := pinBlock != nil || debit(t.Kind) || t.Kind == iso8583.KindPreAuth
	if want, ok := s.PINs[pan]; ok && needPIN && rc == iso8583.Approved {
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
			return IssuerResult{RC: rc}
		}
		s.stats.Approved++
		return IssuerResult{RC: rc, Balance: s.Balance}
	}
	if s.ledger == nil {
		s.ledger = make(map[IssuerKey]*IssuerEntry)
	}
	k := issuerKey(t)
	if e := s.ledger[k]; e != nil {
		// A repeat: the first answer again. An authorisation whose
		// reversal came first is declined.
		if e.RC == "" {
			return IssuerResult{RC: RCAlreadyVoided}
		}
		return IssuerResult{RC: e.RC}
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
		return IssuerResult{RC: rc}
	}
	e.Approved = true
	s.ledger[k] = e
	s.stats.Approved++
	s.book(e)
	return IssuerResult{RC: rc}
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
