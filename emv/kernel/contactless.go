package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

// RunContactless runs a contactless transaction through the Entry Point
// (EMV Contactless Book B): pre-processing of every configured combination
// before the card is touched (§3.1.1), PPSE and combination selection by
// AID and Requested Kernel ID (§3.3), final selection, then the kernel
// that serves the chosen combination (§3.4, see clKernels). The qVSDC-style
// kernel (Book C-3, also run for UnionPay's Kernel 7) does GET PROCESSING
// OPTIONS with the TTQ in the PDOL returning the cryptogram, reads records
// for fDDA, verifies fDDA of an offline approval, and applies the CVM the
// card asks for in its CTQ. An ARQC goes online through Hooks.Online (or
// stops with an Online Request in a Session); there is no second GENERATE
// AC.
func (k *Kernel) RunContactless(ctx context.Context, card Card, tx Transaction) (*Result, error) {
	return k.runContactless(ctx, card, tx, k.hooks)
}

func (k *Kernel) runContactless(ctx context.Context, card Card, tx Transaction, hooks Hooks) (*Result, error) {
	// Contactless takes the highest priority application, with no
	// cardholder confirmation (Book B §3.3.3): no Choose hook.
	hooks.Choose = nil
	t := k.newTxn(ctx, card, tx, hooks)
	t.res.Contactless = true
	combos := k.preProcess(tx)
	allowed := 0
	for _, c := range combos {
		if !c.notAllowed {
			allowed++
		}
	}
	if allowed == 0 {
		// Book B §3.1.1: contactless not allowed for every combination
		// (e.g. amount at or over each transaction limit): Try Another
		// Interface, before any command to the card.
		return t.fail(fmt.Errorf("%w: contactless not allowed for this transaction (amount at or over the contactless transaction limit, or no contactless combination)", ErrTryAnother))
	}
	fci, sw, err := t.exchange(emv.Select([]byte("2PAY.SYS.DDF01"), false))
	if err != nil {
		return t.fail(err)
	}
	if sw != emv.SWOK {
		return t.fail(fmt.Errorf("%w: PPSE: %w", ErrTryAnother, emv.StatusWord(sw)))
	}
	var cands []Candidate
	if dir, ok, _ := tlv.FindPath(fci, 0x6F, 0xA5, 0xBF0C); ok {
		for s := tlv.NewScanner(dir); s.Next(); {
			if s.Tag() != 0x61 {
				continue
			}
			// Book B §3.3.2: an entry is a candidate when it matches an
			// allowed combination: the reader's AID (exact, or partial
			// when configured) and the kernel it requests (9F2A, or the
			// RID's default). An unknown kernel is no candidate, so a card
			// offering only such entries gets Try Another Interface rather
			// than a card-data error from the wrong kernel.
			c := entryCandidate(s.Descend())
			if c.AID == nil {
				continue
			}
			if combo := matchCombination(combos, c); combo != nil {
				c.config, c.combo = combo.cfg, combo
				cands = append(cands, c)
			}
		}
	}
	order(cands)
	if len(cands) == 0 {
		return t.fail(fmt.Errorf("%w: %w", ErrTryAnother, ErrNoApplication))
	}
	// An application that fails SELECT is dropped and the next tried
	// (Book B §3.3.3).
	for {
		afci, err := t.choose(&cands)
		if err != nil {
			return t.fail(err)
		}
		combo := t.combo
		res, err := clKernels[combo.kernel].run(t, combo, afci)
		if !errors.Is(err, ErrSelectNext) {
			return res, err
		}
		// Select Next (Book B §3.4.2, e.g. GPO answered 6985): the
		// combination leaves the candidate list and Final Combination
		// Selection starts again (§3.3.3) with a fresh transaction state;
		// the pre-processing indicators (TTQ) are the combination's own.
		cands = slices.DeleteFunc(cands, func(c Candidate) bool { return c.combo == combo && bytes.Equal(c.AID, t.res.AID) })
		if len(cands) == 0 {
			return t.fail(fmt.Errorf("%w: %w: every candidate ended in Select Next", ErrTryAnother, ErrNoApplication))
		}
		t = k.newTxn(ctx, card, tx, hooks)
		t.res.Contactless = true
	}
}

// combination is one reader combination (Book B §3.1: AID and kernel)
// with its pre-processing indicators for this transaction.
type combination struct {
	cfg    *AIDConfig
	kernel byte
	// notAllowed: "contactless application not allowed" (amount ≥ the
	// reader contactless transaction limit).
	notAllowed bool
	// overCVM: amount ≥ the reader CVM required limit.
	overCVM bool
	// ttq is the TTQ for this combination, per-transaction bits set
	// afresh.
	ttq emv.TTQ
}

// clKernel is a contactless kernel (a Book C kernel) the Entry Point
// routes a selected combination to: run takes over after final selection
// with the FCI of the selected application.
type clKernel interface {
	run(t *txn, c *combination, fci []byte) (*Result, error)
}

// clKernels are the kernels this reader runs, by short kernel ID. A new
// kernel (Mastercard C-2 next) is a new type and one line here; the Entry
// Point and the other kernels do not change.
var clKernels = map[byte]clKernel{
	KernelMastercard: kernel2{},
	KernelVisa:       qvsdcKernel{},
	KernelUnionPay:   kernel7{},
}

// configuredKernel is a kernel that runs for an AID only when the AID
// carries its settings (Kernel 2: limits, relay resistance timings).
type configuredKernel interface{ configured(a *AIDConfig) bool }

// preProcess runs Book B §3.1.1 pre-processing for every combination the
// reader has: each AID with a contactless kernel this reader runs (its
// configured kernel_id, else the RID's default).
func (k *Kernel) preProcess(tx Transaction) []*combination {
	var out []*combination
	for i := range k.cfg.AIDs {
		a := &k.cfg.AIDs[i]
		kid := mustHex(a.KernelID)
		if len(kid) == 0 {
			kid = defaultKernel(mustHex(a.AID))
		}
		if len(kid) != 1 {
			continue
		}
		if ck, ok := clKernels[kid[0]]; !ok {
			continue
		} else if c, ok := ck.(configuredKernel); ok && !c.configured(a) {
			continue
		}
		c := &combination{cfg: a, kernel: kid[0]}
		amt := tx.Amount
		limit, cvmLimit, clFloor := a.limitsFor(tx.Type)
		// Amount ≥ Reader Contactless Transaction Limit: contactless not
		// allowed (absent limit: no limit).
		c.notAllowed = limit != nil && amt >= *limit
		// The TTQ starts from the configured value with its
		// per-transaction bits (byte 2: b8 online cryptogram required, b7
		// CVM required) cleared.
		copy(c.ttq[:], mustHex(a.TTQ))
		c.ttq[1] &^= 0xC0
		// Book B §3.1.1: the Reader Contactless Floor Limit, else
		// (absent) the Terminal Floor Limit 9F1B; with neither, no floor
		// indicator.
		floor := a.FloorLimit
		if clFloor != nil {
			floor = clFloor
		}
		// Amount > floor limit, or a zero amount (C-3: zero amount needs
		// an online cryptogram), or forced online.
		if tx.ForceOnline || (floor != nil && amt > *floor) || amt == 0 {
			c.ttq.Set(emv.TTQOnlineCryptogramRequired)
		}
		// Amount ≥ Reader CVM Required Limit.
		if c.overCVM = cvmLimit != nil && amt >= *cvmLimit; c.overCVM {
			c.ttq.Set(emv.TTQCVMRequired)
		}
		out = append(out, c)
	}
	return out
}

// matchCombination finds the allowed combination a PPSE entry matches
// (Book B §3.3.2.5): same AID (or a partial-selection prefix) and the
// entry's Requested Kernel ID equal to the combination's kernel.
func matchCombination(combos []*combination, c Candidate) *combination {
	req := requestedKernel(c)
	if len(req) != 1 {
		return nil
	}
	for _, combo := range combos {
		if combo.notAllowed || combo.kernel != req[0] {
			continue
		}
		t := mustHex(combo.cfg.AID)
		if bytes.Equal(t, c.AID) || (combo.cfg.PartialSelection && len(c.AID) > len(t) && bytes.HasPrefix(c.AID, t)) {
			return combo
		}
	}
	return nil
}

// qvsdcKernel is the qVSDC-style kernel (Book C-3; UnionPay's Kernel 7
// follows the same one-tap flow).
type qvsdcKernel struct{}

func (qvsdcKernel) run(t *txn, combo *combination, afci []byte) (*Result, error) {
	ttq, overCVM := combo.ttq, combo.overCVM
	t.d[emv.TagTTQ] = ttq[:]
	if err := t.initiate(afci); err != nil {
		return t.fail(err)
	}
	// The card's cryptogram covers the TVR sent in the PDOL: field 55 must
	// carry that one, whatever the kernel notes afterwards.
	t.frozenTVR = true
	if _, ok := t.d[emv.TagApplicationCryptogram]; !ok {
		return t.fail(fmt.Errorf("%w: the card did not return a cryptogram (not qVSDC)", ErrCardData))
	}
	var ctq emv.CTQ
	_, hasCTQ := t.d[emv.TagCardTransactionQualifiers]
	copy(ctq[:], t.d[emv.TagCardTransactionQualifiers])
	if err := ctqSwitchInterface(ctq, ttq, t.tx.Type); err != nil {
		return t.fail(err)
	}
	if err := t.clRecordsAndPAN(); err != nil {
		return t.fail(err)
	}
	cid, err := emv.ParseCID(t.d[emv.TagCryptogramInformationData])
	if err != nil {
		return t.fail(fmt.Errorf("%w: %w", ErrCardData, err))
	}
	t.res.CID = cid
	t.res.Cryptogram = append([]byte(nil), t.d[emv.TagApplicationCryptogram]...)
	tc := cid.Type() == emv.TC
	if cid.Type() == emv.AAC {
		return t.done(Declined, nil)
	}
	if tc && ttq.Has(emv.TTQOnlineCryptogramRequired) {
		// The reader asked for an online cryptogram (over the floor
		// limit, zero amount, forced online): a TC is not an answer to
		// that and never an offline approval (Book 3 §9.3 applied to
		// C-3; the card may only decline offline).
		return t.fail(fmt.Errorf("%w: TC returned when the TTQ asked for an online cryptogram", ErrCard))
	}
	// Processing restrictions (Book C-3 §5, Book 3 §10.4): an offline
	// approval of an expired, not yet effective or (by its AUC) not
	// allowed application is declined; with an ARQC the TVR notes them
	// for the issuer. Book C-3 Annex A.2, CTQ byte 1 b4 "Go Online if
	// Application Expired": an offline approval whose only failed check
	// is the expiry goes online instead (the reader being online capable),
	// carrying the card's cryptogram to the issuer.
	online := !tc // the transaction goes to the issuer
	if t.contactlessRestrictions() && tc {
		expiredOnly := t.res.TVR.Has(emv.TVRExpiredApplication) && !t.res.TVR.Has(emv.TVRAppNotYetEffective) &&
			!t.res.TVR.Has(emv.TVRServiceNotAllowed) && !t.res.TVR.Has(emv.TVRCardOnExceptionFile)
		if !(expiredOnly && hasCTQ && ctq.Has(emv.CTQGoOnlineIfExpired) && t.readerOnline(ttq)) {
			return t.done(Declined, nil)
		}
		online = true
	}
	ok, err := t.contactlessCVM(overCVM, !online)
	if err != nil {
		return t.fail(err)
	}
	if !ok {
		return t.done(Declined, nil)
	}
	if tc && !online {
		if err := t.fdda(); err != nil {
			// Book C-3 Annex A.2, CTQ byte 1 b6 "Go Online if Offline
			// Data Authentication Fails and Reader is online capable" and
			// b5 "Switch Interface if Offline Data Authentication fails
			// and Reader supports contact chip"; neither: declined.
			t.tvr(emv.TVRDDAFailed)
			switch {
			case hasCTQ && ctq.Has(emv.CTQGoOnlineIfODAFails) && t.readerOnline(ttq):
				t.tsi(emv.TSIOfflineDataAuthPerformed)
				online = true
			case hasCTQ && ctq.Has(emv.CTQSwitchInterfaceIfODAFails) && ttq.Has(emv.TTQContactChip):
				return t.fail(fmt.Errorf("%w: fDDA failed and the card asks to switch interface (CTQ byte 1 b5): %w", ErrTryAnother, err))
			default:
				return t.done(Declined, err)
			}
		} else {
			t.tsi(emv.TSIOfflineDataAuthPerformed)
			return t.done(Approved, nil)
		}
	}
	if !t.res.TSI.Has(emv.TSIOfflineDataAuthPerformed) {
		t.tvr(emv.TVROfflineDataAuthNotPerformed)
	}
	return t.clOnline()
}

// readerOnline: the reader can go online for this transaction — the
// terminal is online capable and the TTQ does not say "offline-only
// reader" (byte 1 b4).
func (t *txn) readerOnline(ttq emv.TTQ) bool {
	return t.k.cfg.OnlineCapable && !ttq.Has(emv.TTQOfflineOnly)
}

// ctqSwitchInterface applies Book C-3 Annex A.2, CTQ byte 1 b3 "Switch
// Interface for Cash Transactions" and b2 "Switch Interface for Cashback
// Transactions": a cash (9C 01) or cashback (9C 09) transaction on a
// reader that supports contact chip (TTQ byte 1 b5) ends with Try Another
// Interface before any record is read.
func ctqSwitchInterface(ctq emv.CTQ, ttq emv.TTQ, txType byte) error {
	if !ttq.Has(emv.TTQContactChip) {
		return nil
	}
	switch {
	case txType == 0x01 && ctq.Has(emv.CTQSwitchInterfaceForCash):
		return fmt.Errorf("%w: the card asks for another interface for cash (CTQ byte 1 b3)", ErrTryAnother)
	case txType == 0x09 && ctq.Has(emv.CTQSwitchInterfaceForCashback):
		return fmt.Errorf("%w: the card asks for another interface for cashback (CTQ byte 1 b2)", ErrTryAnother)
	}
	return nil
}

// readRecordsContactless reads the AFL's records without the contact
// kernel's mandatory-data rules (a qVSDC card may hold only certificates).
func (t *txn) readRecordsContactless() error {
	afl := t.d[emv.TagAFL]
	for i := 0; i+4 <= len(afl); i += 4 {
		sfi := int(afl[i] >> 3)
		for rec := int(afl[i+1]); rec <= int(afl[i+2]) && rec > 0; rec++ {
			cmd, err := emv.ReadRecord(sfi, rec)
			if err != nil {
				return fmt.Errorf("%w: AFL entry %X", ErrCardData, afl[i:i+4])
			}
			data, sw, err := t.exchange(cmd)
			if err != nil {
				return err
			}
			if sw != emv.SWOK {
				return fmt.Errorf("%w: READ RECORD: %w", ErrCardData, emv.StatusWord(sw))
			}
			if rec-int(afl[i+1]) < int(afl[i+3]) {
				if v, ok, _ := tlv.FindPath(data, 0x70); ok {
					t.static = append(t.static, v...)
				}
			}
			if _, err := t.d.AddTLV(data); err != nil {
				return fmt.Errorf("%w: %w", ErrCardData, err)
			}
		}
	}
	return nil
}

// fdda verifies the offline approval's signature over the unpredictable
// number, amount, currency and card authentication related data.
func (t *txn) fdda() error {
	icc, err := t.clICCKey()
	if err != nil {
		return err
	}
	_, err = oda.VerifyFDDA(icc, t.d[emv.TagSignedDynamicApplicationData], t.d[emv.TagUnpredictableNumber], t.d[emv.TagAmountAuthorised], t.d[emv.TagTransactionCurrencyCode], t.d[emv.TagVisaCardAuthenticationRelatedData])
	return err
}

// contactlessRestrictions checks the application's dates and usage
// control (Book C-3 §5 processing restrictions, with Book 3 §10.4's rules
// for the AUC) and the exception file, and reports whether any check failed. The TVR sent to the
// card is frozen, so the bits go to the result only.
func (t *txn) contactlessRestrictions() bool {
	today := t.d[emv.TagTransactionDate]
	failed := false
	if exp := t.d[emv.TagApplicationExpirationDate]; len(exp) == 3 && yymmddAfter(today, exp) {
		t.tvr(emv.TVRExpiredApplication)
		failed = true
	}
	if eff := t.d[emv.TagApplicationEffectiveDate]; len(eff) == 3 && yymmddAfter(eff, today) {
		t.tvr(emv.TVRAppNotYetEffective)
		failed = true
	}
	if raw, ok := t.d[emv.TagApplicationUsageControl]; ok {
		if auc, err := emv.ParseAUC(raw); err == nil && !t.usageAllowed(auc) {
			t.tvr(emv.TVRServiceNotAllowed)
			failed = true
		}
	}
	// A hot-listed card is never approved offline either.
	if t.exceptionFile(); t.res.TVR.Has(emv.TVRCardOnExceptionFile) {
		failed = true
	}
	return failed
}

// contactlessCVM applies the CVM the card's CTQ asks for (Book C-3 §5
// cardholder verification) and reports whether the transaction may go
// on; false means Declined. The CTQ is honoured whatever the amount: the
// card built it knowing whether the reader asked for a CVM (TTQ byte 2
// b7), and may ask for one on its own account. When the reader asked for
// a CVM and the card names none, the reader's choice is a signature. It
// runs once the cryptogram type is known (tc: the card approved offline),
// so that no PIN is collected for a transaction that cannot carry it.
func (t *txn) contactlessCVM(overCVM, tc bool) (bool, error) {
	t.res.CVMResults = [3]byte{byte(emv.CVMNoCVM), 0x00, byte(emv.CVMResultSuccessful)}
	var ctq emv.CTQ
	copy(ctq[:], t.d[emv.TagCardTransactionQualifiers])
	switch {
	case ctq.Has(emv.CTQConsumerDeviceCVMPerformed):
		// The phone says it verified the cardholder (CDCVM). 9F6C alone
		// is not covered by anything the card signs or MACs, so a relay
		// can set the bit (the phone-wallet CDCVM bypass). Book C-3: when
		// the card returns Card Authentication Related Data (9F69, signed
		// by fDDA), its copy of the CTQ (bytes 6-7) must also say CDCVM
		// performed, else the transaction is declined; without 9F69 only
		// an ARQC may rely on it (the issuer checks the CVM in the IAD the
		// cryptogram covers) and an offline approval is declined.
		if cad, ok := t.d[emv.TagVisaCardAuthenticationRelatedData]; ok {
			var signed emv.CTQ
			if len(cad) >= 7 {
				copy(signed[:], cad[5:7])
			}
			if !signed.Has(emv.CTQConsumerDeviceCVMPerformed) {
				t.tvr(emv.TVRCVMNotSuccessful)
				t.res.CVMResults = [3]byte{0x3F, 0x00, byte(emv.CVMResultFailed)}
				return false, nil
			}
		} else if tc {
			t.tvr(emv.TVRCVMNotSuccessful)
			t.res.CVMResults = [3]byte{0x3F, 0x00, byte(emv.CVMResultFailed)}
			return false, nil
		}
		t.res.CVMResults = [3]byte{0x01, 0x00, byte(emv.CVMResultSuccessful)}
	case ctq.Has(emv.CTQOnlinePINRequired):
		// An offline approval cannot carry an online PIN: declined, no
		// PIN asked (clsteps.go).
		return t.clOnlinePIN(tc)
	case ctq.Has(emv.CTQSignatureRequired) || overCVM:
		// Signature required, or a CVM required and none named: signature.
		t.res.SignatureNeeded = true
		t.res.CVMResults = [3]byte{byte(emv.CVMSignature), 0x00, byte(emv.CVMResultUnknown)}
	}
	return true, nil
}
