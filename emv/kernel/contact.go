package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// RunContact runs a contact transaction from application selection to the
// final cryptogram (EMV Book 3 §10 and Book 4 §6): selection through the PSE
// or the list of AIDs, GET PROCESSING OPTIONS, reading the records, offline
// data authentication, processing restrictions, cardholder verification,
// terminal risk management, terminal action analysis, the first GENERATE AC,
// the online step, issuer authentication, issuer scripts and the second
// GENERATE AC. The returned error is Result.Err for failed transactions; a
// decline is not an error.
func (k *Kernel) RunContact(ctx context.Context, card Card, tx Transaction) (*Result, error) {
	return k.runContact(ctx, card, tx, k.hooks)
}

func (k *Kernel) runContact(ctx context.Context, card Card, tx Transaction, hooks Hooks) (*Result, error) {
	t := k.newTxn(ctx, card, tx, hooks)
	cands, ok, err := t.pse()
	if err != nil {
		return t.fail(err)
	}
	if !ok || len(cands) == 0 {
		if cands, err = t.aidList(); err != nil {
			return t.fail(err)
		}
	}
	for {
		fci, err := t.choose(&cands)
		if err != nil {
			return t.fail(err)
		}
		err = t.initiate(fci)
		if errors.Is(err, errGPOConditions) {
			// Book 3 §10.1: GPO answered 6985 — the application is removed
			// from the candidate list and selection starts again with a
			// fresh transaction state.
			chosen := t.res.AID
			cands = slices.DeleteFunc(cands, func(c Candidate) bool { return bytes.Equal(c.AID, chosen) })
			if len(cands) == 0 {
				return t.fail(fmt.Errorf("%w: GET PROCESSING OPTIONS answered 6985 for every candidate", ErrNoApplication))
			}
			t = k.newTxn(ctx, card, tx, hooks)
			continue
		}
		if err != nil {
			return t.fail(err)
		}
		break
	}
	if err := t.readRecords(); err != nil {
		return t.fail(err)
	}
	if err := t.offlineDataAuthentication(); err != nil {
		return t.fail(err)
	}
	t.processingRestrictions()
	if err := t.cardholderVerification(); err != nil {
		return t.fail(err)
	}
	if err := t.terminalRiskManagement(); err != nil {
		return t.fail(err)
	}
	return t.finish()
}

// initiate sends GET PROCESSING OPTIONS with the PDOL data (EMV Book 3
// §10.1) and records AIP and AFL.
func (t *txn) initiate(fci []byte) error {
	if _, err := t.d.AddTLV(fci); err != nil {
		return fmt.Errorf("%w: FCI: %w", ErrCardData, err)
	}
	var pdolData []byte
	if raw, ok := t.d[emv.TagPDOL]; ok {
		pdol, err := tlv.ParseDOL(raw)
		if err != nil {
			return fmt.Errorf("%w: PDOL: %w", ErrCardData, err)
		}
		t.sync()
		pdolData = t.d.FillDOL(nil, pdol, t.scheme)
	}
	t.d[tagPDOLData] = pdolData
	resp, sw, err := t.exchange(emv.GetProcessingOptions(pdolData))
	if err != nil {
		return err
	}
	if sw == 0x6985 {
		return fmt.Errorf("%w: GET PROCESSING OPTIONS: %w", errGPOConditions, emv.StatusWord(sw))
	}
	if sw != emv.SWOK {
		return fmt.Errorf("%w: GET PROCESSING OPTIONS: %w", ErrNoApplication, emv.StatusWord(sw))
	}
	return t.gpoResponse(resp)
}

// errGPOConditions is GPO's 6985 (conditions of use not satisfied): back
// to the candidate list (contact: Book 3 §10.1; contactless: the kernel's
// Select Next outcome, Book C-3 and C-2 GPO processing).
var errGPOConditions = fmt.Errorf("%w: conditions of use not satisfied", ErrSelectNext)

// tagPDOLData is a private tag (never sent) under which the kernel keeps
// the PDOL data it sent, for CDA.
const tagPDOLData tlv.Tag = 0xDFFF01

// gpoResponse parses format 1 (80: AIP || AFL) or format 2 (77).
func (t *txn) gpoResponse(resp []byte) error {
	s := tlv.NewScanner(resp)
	if !s.Next() {
		return fmt.Errorf("%w: GPO response: %v", ErrCardData, s.Err())
	}
	switch s.Tag() {
	case 0x80:
		v := s.Value()
		if len(v) < 2 || (len(v)-2)%4 != 0 {
			return fmt.Errorf("%w: GPO format 1 response of %d bytes", ErrCardData, len(v))
		}
		t.d[emv.TagAIP] = append([]byte(nil), v[:2]...)
		t.d[emv.TagAFL] = append([]byte(nil), v[2:]...)
	case 0x77:
		if dup, err := t.d.AddTLV(s.Value()); err != nil || len(dup) > 0 {
			return fmt.Errorf("%w: GPO response (duplicates %v): %v", ErrCardData, dup, err)
		}
	default:
		return fmt.Errorf("%w: GPO response template %s", ErrCardData, s.Tag())
	}
	aip, err := emv.ParseAIP(t.d[emv.TagAIP])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCardData, err)
	}
	t.aip = aip
	return nil
}

// readRecords reads the AFL's records (EMV Book 3 §10.2) and collects the
// static data to authenticate.
func (t *txn) readRecords() error {
	afl := t.d[emv.TagAFL]
	if len(afl)%4 != 0 {
		return fmt.Errorf("%w: AFL of %d bytes", ErrCardData, len(afl))
	}
	for i := 0; i < len(afl); i += 4 {
		sfi, first, last, nODA := int(afl[i]>>3), int(afl[i+1]), int(afl[i+2]), int(afl[i+3])
		if sfi < 1 || sfi > 30 || first < 1 || last < first || nODA > last-first+1 {
			return fmt.Errorf("%w: AFL entry %X", ErrCardData, afl[i:i+4])
		}
		for rec := first; rec <= last; rec++ {
			cmd, err := emv.ReadRecord(sfi, rec)
			if err != nil {
				return err
			}
			data, sw, err := t.exchange(cmd)
			if err != nil {
				return err
			}
			if sw != emv.SWOK {
				return fmt.Errorf("%w: READ RECORD SFI %d record %d: %w", ErrCardData, sfi, rec, emv.StatusWord(sw))
			}
			s := tlv.NewScanner(data)
			if !s.Next() || s.Tag() != 0x70 || len(s.Rest()) != 0 {
				if sfi <= 10 {
					return fmt.Errorf("%w: SFI %d record %d is not a 70 template", ErrCardData, sfi, rec)
				}
			}
			if rec-first < nODA {
				if sfi <= 10 {
					t.static = append(t.static, s.Value()...)
				} else {
					t.static = append(t.static, data...)
				}
			}
			dup, err := t.d.AddTLV(data)
			if err != nil {
				return fmt.Errorf("%w: SFI %d record %d: %w", ErrCardData, sfi, rec, err)
			}
			if len(dup) > 0 {
				return fmt.Errorf("%w: SFI %d record %d repeats %v", ErrCardData, sfi, rec, dup)
			}
		}
	}
	for _, tag := range []tlv.Tag{0x5A, 0x5F24, 0x8C, 0x8D} {
		if _, ok := t.d[tag]; !ok {
			return fmt.Errorf("%w: mandatory tag %s missing", ErrCardData, tag)
		}
	}
	pan, err := emv.ParsePANBCD(t.d[emv.TagPAN])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCardData, err)
	}
	t.res.PAN = pan
	t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "card read", slog.Any("pan", pan), slog.String("aid", fmt.Sprintf("%X", t.res.AID)))
	return nil
}
