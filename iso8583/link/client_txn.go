package link

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/tlv"
)

// Card is the card data of a financial request, as read by the terminal.
type Card struct {
	PAN          iso8583.PAN   // field 2 (chip, manual entry)
	Track2       iso8583.Track // field 35 (swipe)
	Track3       iso8583.Track // field 36
	Expiry       string        // field 14, YYMM
	EntryMode    string        // field 22, e.g. "021" swiped, "051" chip; the PIN digit is set for you
	CardSequence string        // field 23
	ICC          []byte        // field 55
}

func (cd Card) apply(t *iso8583.Transaction) {
	if cd.PAN != "" {
		t.PAN = cd.PAN
	}
	t.Track2, t.Track3 = cd.Track2, cd.Track3
	if cd.Expiry != "" {
		t.Expiry = cd.Expiry
	}
	if cd.EntryMode != "" {
		t.EntryMode = cd.EntryMode
	}
	if t.EntryMode == "" {
		t.EntryMode = "022" // swiped, no PIN
	}
	if cd.CardSequence != "" {
		t.CardSequence = cd.CardSequence
	}
	if cd.ICC != nil {
		t.ICC = cd.ICC
	}
}

// Result is a completed exchange: the request, with what the host
// assigned applied (RRN, authorisation code, dates: ready to be the
// original of a void or refund), and the host's response.
type Result struct {
	Request  *iso8583.Transaction
	Response *iso8583.Transaction
}

// Approved reports whether the host approved.
func (r *Result) Approved() bool { return r != nil && r.Response.ResponseCode.Approved() }

// reversible reports whether a kind needs a reversal record before it is
// sent: every kind that moves money. CUP POS reverses consumption-type
// transactions and their cancellations; refunds are reversed here too (a
// refund whose answer was lost would otherwise be credited at the issuer
// and missing from the batch: the fault matrix finds it), and the host
// undoes a refund's reversal like any other.
func reversible(k iso8583.Kind) bool {
	switch k {
	case iso8583.KindSale, iso8583.KindVoid, iso8583.KindPreAuth, iso8583.KindPreAuthVoid,
		iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionVoid, iso8583.KindRefund:
		return true
	}
	return false
}

// inBatch reports whether an approved kind is kept for settlement.
func inBatch(k iso8583.Kind) bool {
	return debit(k) || k == iso8583.KindRefund || k == iso8583.KindVoid ||
		k == iso8583.KindPreAuthCompletionVoid
}

// recordID names a transaction in the journals: batch and STAN.
func recordID(t *iso8583.Transaction) uint64 {
	return uint64(batchOf(t))<<32 | uint64(t.STAN)
}

// stored is the copy of a transaction the journals hold (encoded with its
// record as JSON; the copy shares t's unchanged slices). Track data, PIN block and ICC data are removed first (PCI DSS 3.2:
// no sensitive authentication data after authorisation); the PAN stays,
// since reversal and batch upload need it.
func stored(t *iso8583.Transaction) *iso8583.Transaction {
	c := *t
	c.PAN = cardOf(t)
	icc := c.ICC
	c.Track2, c.Track3, c.PINBlock, c.ICC, c.KSN = "", "", nil, nil, nil
	if c.Kind == iso8583.KindReversal && len(icc) > 0 {
		// A chip reversal carries the ICC data UnionPay asks for in a
		// 0400's field 55 (TVR, IAD, ATC, IFD serial, script results),
		// never the track-equivalent data (57) or the cryptogram inputs
		// beyond these.
		c.ICC = reversalICC(icc)
	} else if len(icc) > 0 {
		// An approved chip transaction keeps its cryptogram data for the
		// batch upload, without card data (PAN, track equivalent, name).
		c.ICC = uploadICC(icc)
	}
	if c.Security != nil {
		sc := *c.Security
		sc.TrackEncrypted = false
		c.Security = &sc
	}
	return &c
}

// reversalTags are the field-55 tags a CUP chip reversal repeats from the
// original request: 95 TVR, 9F10 IAD, 9F36 ATC, 9F1E IFD serial number
// and DF31 issuer script results (when scripts ran).
var reversalTags = []tlv.Tag{emv.TagTVR, emv.TagIssuerApplicationData, emv.TagATC, emv.TagIFDSerialNumber, emv.TagIssuerScriptResults}

// cardDataTags never stay on disk after authorisation (PCI DSS 3.2 / 3.4):
// track 2 equivalent (57), PAN (5A), cardholder name (5F20), track 1 and
// track 2 discretionary and mag-stripe data (56, 9F1F, 9F20, 9F6B).
var cardDataTags = map[tlv.Tag]bool{
	emv.TagTrack2EquivalentData: true, emv.TagPAN: true, emv.TagCardholderName: true,
	emv.TagTrack1Data: true, emv.TagTrack1DiscretionaryData: true,
	emv.TagTrack2DiscretionaryData: true, emv.TagMastercardTrack2Data: true,
}

// uploadICC is field 55 without the card data.
func uploadICC(icc []byte) []byte {
	var out []byte
	s := tlv.NewScanner(icc)
	for s.Next() {
		if !cardDataTags[s.Tag()] {
			out = tlv.AppendTLV(out, s.Tag(), s.Value())
		}
	}
	if s.Err() != nil {
		return nil
	}
	return out
}

func reversalICC(icc []byte) []byte {
	var out []byte
	for _, tag := range reversalTags {
		if v, ok, err := tlv.Find(icc, tag); err == nil && ok {
			out = tlv.AppendTLV(out, tag, v)
		}
	}
	return out
}

// Sale (消费) debits amount fen from the card. pin may be the zero PIN
// for no PIN.
func (c *Client) Sale(ctx context.Context, card Card, amount int64, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, 0, func(stan, batch uint32) (*iso8583.Transaction, error) {
		t := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: amount, STAN: stan,
			Field60: &iso8583.Field60{Batch: batch}}
		card.apply(t)
		return t, nil
	})
}

// Void (消费撤销) cancels orig, an approved sale of the current batch
// (Result.Request). card is the card read again.
func (c *Client) Void(ctx context.Context, orig *iso8583.Transaction, card Card, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, 0, func(stan, _ uint32) (*iso8583.Transaction, error) {
		t, err := orig.Void(stan)
		if err != nil {
			return nil, err
		}
		card.apply(t)
		return t, nil
	})
}

// Refund (退货) returns amount fen of orig, an approved sale.
func (c *Client) Refund(ctx context.Context, orig *iso8583.Transaction, card Card, amount int64, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, 0, func(stan, batch uint32) (*iso8583.Transaction, error) {
		t, err := orig.Refund(stan, amount)
		if err != nil {
			return nil, err
		}
		t.Field60.Batch = batch
		card.apply(t)
		return t, nil
	})
}

// PreAuth (预授权) holds amount fen on the card; complete it with Complete
// or cancel it with a pre-authorisation void. The approved pre-auth is kept
// (not in the batch: it settles through its completion).
func (c *Client) PreAuth(ctx context.Context, card Card, amount int64, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, 0, func(stan, batch uint32) (*iso8583.Transaction, error) {
		t := &iso8583.Transaction{Kind: iso8583.KindPreAuth, Amount: amount, STAN: stan,
			Field60: &iso8583.Field60{Batch: batch}}
		card.apply(t)
		return t, nil
	})
}

// Complete (预授权完成) completes orig, an approved pre-authorisation
// (Result.Request, carrying its authorisation code), for amount fen; the
// host releases the hold and debits the completion, which goes in the
// batch.
func (c *Client) Complete(ctx context.Context, orig *iso8583.Transaction, card Card, amount int64, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, recordID(orig), func(stan, batch uint32) (*iso8583.Transaction, error) {
		t, err := orig.Complete(stan, amount, false)
		if err != nil {
			return nil, err
		}
		if t.Field60 == nil {
			t.Field60 = &iso8583.Field60{}
		}
		t.Field60.Batch = batch
		card.apply(t)
		return t, nil
	})
}

// financial runs one financial exchange: pending reversals first, then
// STAN, PIN, the transaction record (synced), the request, and the
// recording of the answer. Each step's crash meaning is in TxnState.
//
// orig, when not 0, is the record of the transaction this one completes
// (a pre-authorisation), kept in the record so settlement can tell an open
// hold from a completed one.
// readyLocked is the prologue of every request that moves money, under
// c.mu: the working keys are loaded, and the reversals owed go first (CUP
// POS: a pending reversal is sent before the next financial request).
func (c *Client) readyLocked(ctx context.Context) error {
	if c.codec == nil {
		return ErrNotSignedIn
	}
	return c.drainLocked(ctx)
}

// beginLocked is readyLocked, then the request's STAN.
func (c *Client) beginLocked(ctx context.Context) (uint32, error) {
	if err := c.readyLocked(ctx); err != nil {
		return 0, err
	}
	return c.cfg.Counters.NextSTAN()
}

func (c *Client) financial(ctx context.Context, pin pinblock.PIN, orig uint64, build func(stan, batch uint32) (*iso8583.Transaction, error)) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stan, err := c.beginLocked(ctx)
	if err != nil {
		return nil, err
	}
	t, err := build(stan, c.cfg.Counters.Batch())
	if err != nil {
		return nil, err
	}
	t.TerminalID, t.MerchantID = c.cfg.Terminal.TerminalID, c.cfg.Terminal.MerchantID
	if !pin.IsZero() {
		if err := c.setPIN(t, pin); err != nil {
			return nil, err
		}
	}
	id := recordID(t)
	if reversible(t.Kind) {
		rev, err := t.Reversal(iso8583.ReasonNoResponse)
		if err != nil {
			return nil, err
		}
		// The record, with its reversal, is on disk before a byte of the
		// request leaves.
		if err := c.putRecord(id, txnRecord{State: StatePrepared, Rev: rev}); err != nil {
			return nil, fmt.Errorf("link: recording %s: %w", t.Kind, err)
		}
	}
	resp, err := c.roundTripLocked(ctx, t)
	if err == nil {
		err = c.checkAnswer(t, resp)
	}
	if err != nil {
		if reversible(t.Kind) {
			reason := iso8583.ReasonNoResponse
			switch {
			case errors.Is(err, iso8583.ErrMAC):
				reason = iso8583.ReasonMACError
			case errors.Is(err, ErrMismatch):
				reason = iso8583.ReasonOther
			}
			c.reverseNowLocked(ctx, id, reason)
		}
		return nil, fmt.Errorf("link: %s: %w", t.Kind, err)
	}
	if !resp.ResponseCode.Approved() {
		if reversible(t.Kind) {
			if err := c.deleteRecord(id); err != nil {
				// A restart sends the reversal of a declined request: the
				// host finds nothing to undo (25). Harmless either way.
				c.cfg.Logger.Error("link: dropping the record of a declined request", "txn", t, "err", err)
			}
		}
		return &Result{Request: t, Response: resp}, nil
	}
	t.ApplyResponse(resp)
	if resp.ResponseCode == c.cfg.Policy.PartialApproval && resp.Amount > 0 {
		// Partial approval: the host approved resp.Amount of the amount
		// asked for; the batch and any reversal use it.
		t.Amount = resp.Amount
	}
	if reversible(t.Kind) || inBatch(t.Kind) {
		if err := c.putRecord(id, txnRecord{State: StateApproved, Txn: t, Orig: orig}); err != nil {
			// Approved by the host but not recorded: undo it rather than
			// leave the batch out of balance. Should even that write fail,
			// the record is still "prepared", which a restart reverses.
			c.reverseNowLocked(ctx, id, iso8583.ReasonOther)
			return nil, fmt.Errorf("link: recording approved %s: %w", t.Kind, err)
		}
	}
	return &Result{Request: t, Response: resp}, nil
}

// checkAnswer verifies that resp answers t (the match key already agreed
// on terminal, STAN and MTI). A partial approval may carry a smaller
// amount than asked for; any other amount difference is a mismatch.
func (c *Client) checkAnswer(t, resp *iso8583.Transaction) error {
	if resp.Amount == 0 || t.Amount == 0 || resp.Amount == t.Amount {
		return nil
	}
	if resp.ResponseCode == c.cfg.Policy.PartialApproval && resp.Amount > 0 && resp.Amount < t.Amount {
		return nil
	}
	return fmt.Errorf("%w: amount %d answers a request for %d", ErrMismatch, resp.Amount, t.Amount)
}

// reverseNowLocked records the decision to reverse id with reason (one
// write: the record becomes StateReversing) and makes one attempt to
// deliver the reversal within the caller's context. If it cannot be
// delivered it stays pending: the next request, SignIn or DrainReversals
// sends it.
func (c *Client) reverseNowLocked(ctx context.Context, id uint64, reason iso8583.ResponseCode) {
	r, ok, err := c.record(id)
	if err == nil && ok {
		rev := *r.Rev
		rev.ResponseCode = reason
		err = c.putRecord(id, txnRecord{State: StateReversing, Rev: &rev})
	}
	if err != nil || !ok {
		// The decision is not on disk: act on nothing a restart would not
		// know about. The record stays "prepared" (a restart reverses it
		// with reason 98) or "approved" (the approval stands).
		c.cfg.Logger.Error("link: recording a reversal decision; not sending it now", "err", err)
		return
	}
	if ctx.Err() != nil {
		c.cfg.Logger.Warn("link: reversal pending (caller's context ended)", "err", ctx.Err())
		return
	}
	if err := c.drainLocked(ctx); err != nil {
		c.cfg.Logger.Warn("link: reversal pending", "err", err)
	}
}

// Reverse reverses an approved transaction that the terminal cannot
// complete (for example, the card declined it after host approval): its
// record becomes "reversal pending" with reason 06 — one synced write that
// also takes it out of the batch — and the reversal is sent.
func (c *Client) Reverse(ctx context.Context, r *Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !reversible(r.Request.Kind) {
		return fmt.Errorf("link: a %s is not reversed", r.Request.Kind)
	}
	rev, err := r.Request.Reversal(iso8583.ReasonOther)
	if err != nil {
		return err
	}
	if err := c.putRecord(recordID(r.Request), txnRecord{State: StateReversing, Rev: rev}); err != nil {
		return err
	}
	if c.codec == nil {
		return fmt.Errorf("%w: %w", ErrPendingReversal, ErrNotSignedIn)
	}
	return c.drainLocked(ctx)
}

// DrainReversals sends the pending reversals until none is left, up to
// Config.ReversalAttempts rounds with doubling backoff between them. The
// client's lock is released while it waits, so other calls are not held
// up; it returns early when ctx ends. It reports ErrPendingReversal if
// some are still pending.
func (c *Client) DrainReversals(ctx context.Context) error {
	wait := c.cfg.ReversalBackoff
	var err error
	for a := 0; a < c.cfg.ReversalAttempts; a++ {
		if a > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			}
			wait *= 2
		}
		c.mu.Lock()
		err = c.drainLocked(ctx)
		c.mu.Unlock()
		if err == nil {
			return nil
		}
	}
	return err
}

// drainLocked makes one attempt to send every pending reversal, oldest
// first. It returns an error wrapping ErrPendingReversal if one is still
// pending.
func (c *Client) drainLocked(ctx context.Context) error {
	ids, err := c.pendingRecords()
	if err != nil {
		return err
	}
	for _, id := range ids {
		b, ok := c.cfg.Journal.Get(id)
		if !ok {
			continue
		}
		r, err := decodeRecord(id, b)
		if err != nil {
			return err
		}
		if !r.pending() {
			continue
		}
		if c.codec == nil {
			return fmt.Errorf("%w: %w", ErrPendingReversal, ErrNotSignedIn)
		}
		if r.Rev.Kind == iso8583.KindScanRefund {
			// A refund is not undone but finished: the same message again.
			if _, err := c.sendScanRefundLocked(ctx, id, r.Rev); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrPendingReversal, r.Rev, err)
			}
			continue
		}
		send := c.sendReversalLocked
		if r.Rev.Kind == iso8583.KindScanCancel {
			send = func(ctx context.Context, rev *iso8583.Transaction) error {
				_, err := c.sendCancelLocked(ctx, rev)
				return err
			}
		}
		if err := send(ctx, r.Rev); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrPendingReversal, r.Rev, err)
		}
		if err := c.deleteRecord(id); err != nil {
			return err
		}
	}
	return nil
}

// sendReversalLocked makes one attempt to deliver rev. Only a 0410 with a
// verified MAC and a response code the policy names finishes it.
func (c *Client) sendReversalLocked(ctx context.Context, rev *iso8583.Transaction) error {
	resp, err := c.roundTripLocked(ctx, rev)
	if err != nil {
		return err
	}
	if !c.cfg.Policy.reversalDone(resp) {
		c.cfg.Logger.Warn("link: reversal not acknowledged", "txn", rev, "rc", resp.ResponseCode, "mac", resp.MACVerified)
		return fmt.Errorf("%w: host answered %s (MAC verified: %v)", ErrReversalRefused, resp.ResponseCode, resp.MACVerified)
	}
	c.cfg.Logger.Info("link: reversal acknowledged", "txn", rev, "rc", resp.ResponseCode)
	return nil
}
