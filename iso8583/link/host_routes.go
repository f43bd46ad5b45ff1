package link

import (
	"context"
	"fmt"
	"strconv"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

var builtinRoutes = map[iso8583.Kind]TxnHandler{
	iso8583.KindSignIn:                  hostSignIn,
	iso8583.KindSignOff:                 hostApprove,
	iso8583.KindSale:                    hostAuthorize,
	iso8583.KindBalance:                 hostAuthorize,
	iso8583.KindPreAuth:                 hostAuthorize,
	iso8583.KindPreAuthCompletion:       hostAuthorize,
	iso8583.KindPreAuthCompletionAdvice: hostAuthorize,
	iso8583.KindRefund:                  hostAuthorize,
	iso8583.KindVoid:                    hostVoid,
	iso8583.KindPreAuthVoid:             hostVoid,
	iso8583.KindPreAuthCompletionVoid:   hostVoid,
	iso8583.KindReversal:                hostReversal,
	iso8583.KindSettlement:              hostSettle,
	iso8583.KindBatchUpload:             hostBatchUpload,
	iso8583.KindBatchUploadEnd:          hostApprove,
}

func hostApprove(_ context.Context, _ *Host, r *Request) (*iso8583.Transaction, error) {
	return r.Txn.Response(iso8583.Approved)
}

// hostSignIn issues fresh working keys under the terminal's TMK (CUP POS
// sign-in, field 62) and records them; the response's 60.2 keeps the
// terminal's batch.
func hostSignIn(_ context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	mode, err := r.Txn.KeyMode()
	if err != nil {
		mode = h.KeyMode
		if mode == 0 {
			mode = keys.ModeTDES
		}
	}
	w, err := keys.NewWorkingKeys(h.rand(), mode)
	if err != nil {
		return nil, err
	}
	resp, err := r.Txn.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	if err := resp.SetWorkingKeys(r.Keys.TMK, w); err != nil {
		return nil, err
	}
	if err := h.Keys.SetWorkingKeys(r.Txn.TerminalID, w); err != nil {
		return nil, err
	}
	return resp, nil
}

// hostAuthorize runs the risk check on debits, asks the issuer, and
// records an approval in the ledger.
func hostAuthorize(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	if t.Kind != iso8583.KindBalance {
		if resp, done, err := h.knownRequest(t); done {
			return resp, err
		}
	}
	isDebit := debit(t.Kind) || t.Kind == iso8583.KindPreAuth
	if isDebit && h.Risk != nil {
		if rc := h.Risk.Check(t); rc != iso8583.Approved {
			return t.Response(rc)
		}
	}
	if h.Issuer == nil {
		return nil, fmt.Errorf("link: host has no Issuer")
	}
	var hold *ledgerEntry
	if t.Kind == iso8583.KindPreAuthCompletion {
		// A completion names its pre-authorisation by the authorisation
		// code (38); it may not exceed the hold, and it releases it.
		if hold = h.findHold(t); hold == nil {
			if isDebit && h.Risk != nil {
				h.Risk.Undo(t)
			}
			return t.Response(RCNotFound)
		}
	}
	rc, err := h.Issuer.Authorize(ctx, t, r.PIN)
	if err != nil || !rc.Approved() {
		if isDebit && h.Risk != nil {
			h.Risk.Undo(t)
		}
		if err != nil {
			return nil, err
		}
		return t.Response(rc)
	}
	if hold != nil {
		if err := h.Issuer.Reverse(ctx, hold.txn); err != nil {
			h.logger().Error("link: releasing the pre-authorisation hold", "terminal", t.TerminalID, "stan", t.STAN, "err", err)
		} else {
			h.ledger.mu.Lock()
			hold.completed = true
			h.ledger.mu.Unlock()
		}
	}
	resp, err := t.Response(rc)
	if err != nil {
		return nil, err
	}
	if t.Kind != iso8583.KindBalance {
		resp.AuthCode = fmt.Sprintf("%06d", h.seq.Add(1)%1000000)
		h.stamp(resp)
		rec := *t
		rec.ApplyResponse(resp)
		h.ledger.mu.Lock()
		h.ledger.m[keyOf(t)] = &ledgerEntry{txn: &rec, approved: true}
		h.ledger.mu.Unlock()
	}
	return resp, nil
}

// hostVoid cancels the original named in field 61 if the host approved it.
func hostVoid(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	if t.Field61 == nil {
		return t.Response(RCNotFound)
	}
	ok := ledgerKey{t.TerminalID, t.Field61.Batch, t.Field61.STAN}
	h.ledger.mu.Lock()
	orig := h.ledger.m[ok]
	var rc iso8583.ResponseCode = iso8583.Approved
	switch {
	case orig == nil || !orig.approved || orig.reversed:
		rc = RCNotFound
	case orig.voided:
		rc = RCAlreadyVoided
	case t.Amount != 0 && t.Amount != orig.txn.Amount:
		rc = "64" // original amount incorrect
	default:
		orig.voided = true
	}
	h.ledger.mu.Unlock()
	if rc != iso8583.Approved {
		return t.Response(rc)
	}
	if err := h.Issuer.Reverse(ctx, orig.txn); err != nil {
		h.ledger.mu.Lock()
		orig.voided = false
		h.ledger.mu.Unlock()
		return nil, err
	}
	if h.Risk != nil {
		h.Risk.Undo(orig.txn)
	}
	resp, err := t.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	h.stamp(resp)
	rec := *t
	rec.ApplyResponse(resp)
	h.ledger.mu.Lock()
	h.ledger.m[keyOf(t)] = &ledgerEntry{txn: &rec, approved: true, voidOf: &ok}
	h.ledger.mu.Unlock()
	return resp, nil
}

// hostReversal undoes the original (same terminal, batch and STAN) if it
// was approved and not yet reversed, and always approves: a terminal
// retries a reversal until it is answered, so "not found" must not keep
// it retrying. A reversal that overtakes its original (the terminal timed
// out while the host was still working) waits for the original's answer
// first, so the undo cannot be missed.
func hostReversal(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	h.dup.wait(ctx, dupKey{tid: t.TerminalID, batch: batchOf(t), stan: t.STAN, mti: t.Original.MTI()})
	k := keyOf(t)
	h.ledger.mu.Lock()
	orig := h.ledger.m[k]
	if orig == nil {
		// The reversal overtook its original (or the original never
		// arrived): record a tombstone, so that a late original is
		// declined instead of authorised and left standing.
		h.ledger.m[k] = &ledgerEntry{txn: t, tombstone: true, reversed: true}
		h.ledger.mu.Unlock()
		h.logger().Info("link: host: reversal before its original; tombstone kept", "terminal", t.TerminalID, "stan", t.STAN)
		return t.Response(iso8583.Approved)
	}
	undo := orig.approved && !orig.reversed
	if undo {
		orig.reversed = true
	}
	if undo && orig.voided {
		// A sale already voided: the void gave the money back; reversing
		// the sale now must not credit the card a second time.
		undo = false
	}
	h.ledger.mu.Unlock()
	if undo {
		if err := h.undo(ctx, orig); err != nil {
			h.ledger.mu.Lock()
			orig.reversed = false
			h.ledger.mu.Unlock()
			return nil, err
		}
	}
	return t.Response(iso8583.Approved)
}

func (h *Host) undo(ctx context.Context, e *ledgerEntry) error {
	if e.voidOf != nil {
		// Reversing a void reinstates the sale: the issuer is asked to
		// undo the void (a reversal, not a new authorisation: no PIN,
		// no new limits), and only when it does is the sale live again
		// in the host's books.
		if err := h.Issuer.Reverse(ctx, e.txn); err != nil {
			return err
		}
		h.ledger.mu.Lock()
		if sale := h.ledger.m[*e.voidOf]; sale != nil {
			sale.voided = false
		}
		h.ledger.mu.Unlock()
		return nil
	}
	if err := h.Issuer.Reverse(ctx, e.txn); err != nil {
		return err
	}
	if h.Risk != nil && (debit(e.txn.Kind) || e.txn.Kind == iso8583.KindPreAuth) {
		h.Risk.Undo(e.txn)
	}
	return nil
}

// hostSettle compares the terminal's domestic totals with the ledger's and
// answers with the host's totals and 1 (balanced) or 2 (not balanced) as
// the reconciliation code.
func hostSettle(_ context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	theirs, err := iso8583.ParseSettlementTotals(t.AdditionalData)
	if err != nil {
		return t.Response(RCFormatError)
	}
	ours := h.ledger.totals(t.TerminalID, batchOf(t))
	ours.Result = 2
	d := theirs.Domestic
	if d.DebitAmount == ours.DebitAmount && d.DebitCount == ours.DebitCount &&
		d.CreditAmount == ours.CreditAmount && d.CreditCount == ours.CreditCount {
		ours.Result = 1
	}
	resp, err := t.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	resp.AdditionalData = formatTotals(ours) + formatTotals(iso8583.Totals{Result: theirs.Foreign.Result})
	return resp, nil
}

// formatTotals writes one 31-digit group of settlement field 48.
func formatTotals(t iso8583.Totals) string {
	return fmt.Sprintf("%012d%03d%012d%03d%d", t.DebitAmount, t.DebitCount, t.CreditAmount, t.CreditCount, t.Result)
}

// hostBatchUpload counts the detail records of a magnetic-stripe batch
// upload (field 48: N2 count, then 40 digits per record).
func hostBatchUpload(_ context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	s := t.AdditionalData
	if len(s) < 2 {
		return t.Response(RCFormatError)
	}
	n, err := strconv.Atoi(s[:2])
	if err != nil || len(s) != 2+40*n {
		return t.Response(RCFormatError)
	}
	h.ledger.mu.Lock()
	h.ledger.uploaded[batchKey{t.TerminalID, batchOf(t)}] += n
	h.ledger.mu.Unlock()
	return t.Response(iso8583.Approved)
}

// findHold returns the approved, open pre-authorisation of the same
// terminal with t's authorisation code and an amount of at least t's.
func (h *Host) findHold(t *iso8583.Transaction) *ledgerEntry {
	h.ledger.mu.Lock()
	defer h.ledger.mu.Unlock()
	for k, e := range h.ledger.m {
		if k.tid == t.TerminalID && e.txn.Kind == iso8583.KindPreAuth && e.approved && !e.reversed && !e.completed &&
			e.txn.AuthCode != "" && e.txn.AuthCode == t.AuthCode && t.Amount <= e.txn.Amount {
			return e
		}
	}
	return nil
}

// knownRequest answers a financial request the ledger already holds under
// its terminal, batch and STAN, whatever the duplicate cache remembers:
// the late original of a reversal (tombstone) is declined 12 and never
// reaches the issuer; a retransmission of an approved request gets the
// same approval again (never a second authorisation); the same key with
// other content is 94.
func (h *Host) knownRequest(t *iso8583.Transaction) (*iso8583.Transaction, bool, error) {
	h.ledger.mu.Lock()
	e := h.ledger.m[keyOf(t)]
	var tomb, approved bool
	var prev iso8583.Transaction
	if e != nil {
		tomb, approved = e.tombstone, e.approved
		prev = *e.txn
	}
	h.ledger.mu.Unlock()
	switch {
	case e == nil:
		return nil, false, nil
	case tomb:
		h.logger().Warn("link: host: original after its reversal; declined", "terminal", t.TerminalID, "stan", t.STAN, "amount", t.Amount)
		resp, err := t.Response(RCAlreadyVoided)
		return resp, true, err
	case prev.Kind != t.Kind || prev.Amount != t.Amount || cardOf(&prev) != cardOf(t):
		resp, err := t.Response(RCDuplicate)
		return resp, true, err
	case approved:
		resp, err := t.Response(iso8583.Approved)
		if err != nil {
			return nil, true, err
		}
		resp.AuthCode, resp.RRN = prev.AuthCode, prev.RRN
		resp.LocalTime, resp.LocalDate = prev.LocalTime, prev.LocalDate
		return resp, true, nil
	}
	return nil, false, nil
}
