package link

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
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
func hostSignIn(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	if limit := h.cfg.SignInLimit; limit >= 0 {
		if limit == 0 {
			limit = 30
		}
		locked, newly, n, until := h.signIns.fail(r.Txn.TerminalID, h.now(), limit+1, time.Minute, time.Minute)
		if newly {
			a := HostAlarm{Kind: AlarmSignInRate, Terminal: r.Txn.TerminalID, Remote: remoteIP(ctx), Count: n, Until: until}
			h.logger().Error("link: host: ALARM: sign-in flood", "terminal", a.Terminal, "remote", a.Remote, "count", a.Count, "until", a.Until.Format(time.RFC3339))
			if h.cfg.Alarm != nil {
				h.cfg.Alarm(a)
			}
		}
		if locked {
			return nil, fmt.Errorf("%w: sign-in rate of %s", errNoAnswer, r.Txn.TerminalID)
		}
	}
	mode, err := r.Txn.KeyMode()
	if err != nil {
		mode = h.cfg.KeyMode
		if mode == 0 {
			mode = keys.ModeTDES
		}
	}
	if r.KeyBlocks.TMK == "" {
		return nil, fmt.Errorf("%w: terminal %s has no TMK", ErrUnknownTerminal, r.Txn.TerminalID)
	}
	// The HSM draws the keys and returns them under the TMK (field 62,
	// with check values) and under its LMK (for the key store).
	w, err := h.hsm.GenerateWorkingKeys(ctx, r.KeyBlocks.TMK, mode)
	if err != nil {
		return nil, err
	}
	resp, err := r.Txn.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	f60 := iso8583.Field60{Type: "00"}
	if resp.Field60 != nil {
		f60 = *resp.Field60
	}
	f60.NetMgmt = mode.String()
	resp.Field60, resp.Field62 = &f60, iso8583.Hidden(w.Field62)
	if err := h.terminals.SetWorkingKeyBlocks(r.Txn.TerminalID, w); err != nil {
		return nil, err
	}
	return resp, nil
}

// saleMTI is the request MTI of the originals voids, refunds and
// completion voids refer to (sale and completion: 0200).
const saleMTI = "0200"

// original returns the key of the original a refund, void or completion
// void names in field 61 (61.1 batch, 61.2 STAN, same terminal).
func original(t *iso8583.Transaction) (TxnKey, bool) {
	if t.Field61 == nil || t.Field61.STAN == 0 {
		return TxnKey{}, false
	}
	return TxnKey{TID: t.TerminalID, Batch: t.Field61.Batch, STAN: t.Field61.STAN, MTI: saleMTI}, true
}

// findHold finds the open pre-authorisation a completion or pre-auth void
// names: CUP zero-fills 61.1/61.2 in these and locates the original by its
// authorisation code (38) and date (61.3). amount is checked against the
// hold plus tolerance (completions) or must equal it (voids, amount != 0).
func (h *Host) findHold(ctx context.Context, t *iso8583.Transaction, completion bool) (*HostTxn, iso8583.ResponseCode, error) {
	if t.AuthCode == "" {
		return nil, RCNotFound, nil
	}
	cands, err := h.store.FindAuth(ctx, t.TerminalID, t.AuthCode)
	if err != nil {
		return nil, "", err
	}
	date := ""
	if t.Field61 != nil && t.Field61.Date != "" && t.Field61.Date != "0000" {
		date = t.Field61.Date
	}
	rc := RCNotFound
	for i := range cands {
		o := &cands[i]
		switch {
		case o.Kind != iso8583.KindPreAuth || !o.Approved || o.State != HostAnswered:
			continue
		case date != "" && o.Answer.LocalDate != "" && o.Answer.LocalDate != date:
			continue
		case o.Reversed || o.Voided || o.Completed != 0:
			rc = RCAlreadyVoided
			continue
		case !sameCard(h, t, o.CardHash):
			rc = RCInvalidCard
			continue
		}
		if completion {
			tol := h.cfg.CompletionTolerance
			if tol == 0 {
				tol = 15
			}
			if tol < 0 {
				tol = 0
			}
			// Integer arithmetic: amount ≤ hold × (100 + tol) / 100.
			if t.Amount*100 > o.Amount*int64(100+tol) {
				rc = RCWrongAmount
				continue
			}
		} else if t.Amount != 0 && t.Amount != o.Amount {
			rc = RCWrongAmount
			continue
		}
		return o, "", nil
	}
	return nil, rc, nil
}

// atcOf reads the ATC (9F36) and PAN sequence number from field 55.
func atcOf(t *iso8583.Transaction) (uint32, string, bool) {
	if len(t.ICC) == 0 {
		return 0, "", false
	}
	v, ok, err := tlv.Find(t.ICC, 0x9F36)
	if err != nil || !ok || len(v) != 2 {
		return 0, "", false
	}
	psn := t.CardSequence
	if psn == "" {
		if p, ok, _ := tlv.Find(t.ICC, 0x5F34); ok && len(p) == 1 {
			psn = fmt.Sprintf("%03d", p[0])
		}
	}
	return uint32(v[0])<<8 | uint32(v[1]), psn, true
}

// hostAuthorize runs the replay and risk checks, reserves a refund against
// its original or a completion against its hold, asks the issuer, and
// records the answer with its effect, atomically.
func hostAuthorize(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	if h.cfg.Issuer == nil {
		return nil, fmt.Errorf("link: host has no Issuer")
	}
	recovered := r.claim != nil && r.claim.recovered
	if !h.cfg.AllowATCReplay && !recovered {
		// EMV Book 2 §8.1 / issuer practice: a cryptogram is good once. An
		// ATC not above the card's last one is a replay or a clone.
		if atc, psn, ok := atcOf(t); ok {
			fresh, err := h.store.AdvanceATC(ctx, h.cardHash(cardOf(t)+iso8583.PAN("/"+psn)), atc)
			if err != nil {
				h.metrics.StoreError("atc")
				return nil, err
			}
			if !fresh {
				h.logger().Warn("link: host: ATC not above the card's last one; replayed cryptogram refused", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "atc", atc)
				return t.Response(RCDoNotHonour)
			}
		}
	}
	view := *t // what the issuer sees: field 61 names the original
	var orig *TxnKey
	switch t.Kind {
	case iso8583.KindRefund:
		ok, found := original(t)
		if !found {
			return t.Response(RCNotFound)
		}
		orig = &ok
	case iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionAdvice:
		hold, rc, err := h.findHold(ctx, t, true)
		if err != nil {
			return nil, err
		}
		if hold == nil {
			return t.Response(rc)
		}
		orig = &hold.Key
	}
	if orig != nil {
		view.Field61 = &iso8583.Field61{Batch: orig.Batch, STAN: orig.STAN}
		if rc, err := h.reserve(ctx, r, *orig); err != nil || rc != "" {
			if err != nil {
				return nil, err
			}
			return t.Response(rc)
		}
	}
	isDebit := debit(t.Kind) || t.Kind == iso8583.KindPreAuth
	if isDebit && h.cfg.Risk != nil && !recovered {
		if rc := h.cfg.Risk.Check(t); rc != iso8583.Approved {
			return h.decline(ctx, r, rc, orig)
		}
	}
	res, err := h.authorize(ctx, &view, r.PIN)
	if err != nil {
		return h.issuerFailed(r, &view, orig, err)
	}
	if !res.RC.Approved() {
		if isDebit && h.cfg.Risk != nil {
			h.cfg.Risk.Undo(t)
		}
		return h.decline(ctx, r, res.RC, orig)
	}
	resp, err := t.Response(res.RC)
	if err != nil {
		return nil, err
	}
	resp.AuthCode, resp.AdditionalAmounts, resp.ICC = res.AuthCode, res.Balance, res.ICC
	if t.Kind != iso8583.KindBalance && resp.AuthCode == "" {
		n, err := h.store.Next(ctx, SeqAuth)
		if err != nil {
			return nil, errors.Join(errNoAnswer, err)
		}
		resp.AuthCode = fmt.Sprintf("%06d", n%1_000_000)
	}
	h.stamp(ctx, resp)
	money := t.Kind != iso8583.KindBalance
	if err := h.commit(ctx, r, answerOf(resp), money, nil, nil); err != nil {
		h.metrics.StoreError("commit")
		return nil, errors.Join(errNoAnswer, err)
	}
	return resp, nil
}

// reserve marks r's request as a refund of, or completion against, orig:
// the refund total may not exceed the original; a hold is completed once.
// It is recorded in r's own record (Orig), so a host that takes the
// request over does not reserve twice.
func (h *Host) reserve(ctx context.Context, r *Request, orig TxnKey) (iso8583.ResponseCode, error) {
	t := r.Txn
	var rc iso8583.ResponseCode
	err := h.store.Update(ctx, []TxnKey{r.claim.key, orig}, func(recs []*HostTxn) error {
		rc = ""
		self, o := recs[0], recs[1]
		if self == nil || self.State != HostPending || self.Owner != r.claim.owner {
			return ErrLeaseLost
		}
		if self.Orig != nil {
			return nil // reserved before this host took over
		}
		switch {
		case o == nil || o.State != HostAnswered || !o.Approved || o.Reversed:
			rc = RCNotFound
		case o.Voided:
			rc = RCAlreadyVoided
		case !sameCard(h, t, o.CardHash):
			rc = RCInvalidCard
		case t.Kind == iso8583.KindRefund && !debit(o.Kind):
			rc = RCNotFound
		case t.Kind == iso8583.KindRefund && t.RRN != "" && o.Answer.RRN != "" && t.RRN != o.Answer.RRN:
			rc = RCNotFound
		case t.Kind == iso8583.KindRefund && o.Refunded+t.Amount > o.Amount:
			// Refunds against one sale may not exceed it in total.
			rc = RCInvalidAmount
		case t.Kind != iso8583.KindRefund && o.Completed != 0:
			rc = RCAlreadyVoided
		}
		if rc != "" {
			return nil
		}
		if t.Kind == iso8583.KindRefund {
			o.Refunded += t.Amount
		} else {
			o.Completed = t.Amount
		}
		k := orig
		self.Orig = &k
		return nil
	})
	if errors.Is(err, ErrLeaseLost) {
		return "", errors.Join(errNoAnswer, err)
	}
	return rc, err
}

// unreserve undoes reserve's effect on orig (inside a commit).
func unreserve(self *HostTxn, o *HostTxn) {
	if o == nil || self.Orig == nil {
		return
	}
	if self.Kind == iso8583.KindRefund {
		o.Refunded = max(o.Refunded-self.Amount, 0)
	} else {
		o.Completed = 0
	}
	self.Orig = nil
}

// decline records a decline and gives back a reservation.
func (h *Host) decline(ctx context.Context, r *Request, rc iso8583.ResponseCode, orig *TxnKey) (*iso8583.Transaction, error) {
	resp, err := r.Txn.Response(rc)
	if err != nil {
		return nil, err
	}
	if transient(rc) {
		if orig != nil {
			// Give the reservation back before the retransmission.
			_ = h.commitNothing(ctx, r, *orig)
		}
		return resp, nil
	}
	h.stamp(ctx, resp)
	var others []TxnKey
	if orig != nil {
		others = []TxnKey{*orig}
	}
	err = h.commit(ctx, r, answerOf(resp), false, others, func(self *HostTxn, o []*HostTxn) error {
		if len(o) == 1 {
			unreserve(self, o[0])
		}
		return nil
	})
	if err != nil {
		h.metrics.StoreError("commit")
		return nil, errors.Join(errNoAnswer, err)
	}
	return resp, nil
}

// commitNothing gives back a reservation and leaves the claim to be
// released (a transient answer).
func (h *Host) commitNothing(ctx context.Context, r *Request, orig TxnKey) error {
	return h.store.Update(ctx, []TxnKey{r.claim.key, orig}, func(recs []*HostTxn) error {
		if s := recs[0]; s != nil && s.State == HostPending && s.Owner == r.claim.owner {
			unreserve(s, recs[1])
		}
		return nil
	})
}

// issuerFailed handles an issuer call that failed: the issuer may or may
// not have approved. The host reverses it at the issuer (stand-in
// reversal) and answers 96; if even that fails it answers nothing, so the
// terminal reverses.
func (h *Host) issuerFailed(r *Request, view *iso8583.Transaction, orig *TxnKey, cause error) (*iso8583.Transaction, error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout())
	defer cancel()
	h.logger().Error("link: host: issuer call failed; reversing it at the issuer", "terminal", view.TerminalID, "stan", fmt.Sprintf("%06d", view.STAN), "kind", view.Kind.String(), "err", cause)
	if err := h.reverse(ctx, view); err != nil {
		h.release(r)
		return nil, errors.Join(errNoAnswer, cause, err)
	}
	// The issuer now declines a repeat of it; record that as the answer.
	resp, err := r.Txn.Response(RCAlreadyVoided)
	if err != nil {
		return nil, err
	}
	resp.ResponseCode = RCSystemError
	h.stamp(ctx, resp)
	a := answerOf(resp)
	var others []TxnKey
	if orig != nil {
		others = []TxnKey{*orig}
	}
	if err := h.commit(ctx, r, a, false, others, func(self *HostTxn, o []*HostTxn) error {
		self.Reversed = true
		if len(o) == 1 {
			unreserve(self, o[0])
		}
		return nil
	}); err != nil {
		return nil, errors.Join(errNoAnswer, err)
	}
	return resp, nil
}

// hostVoid cancels an approved original: a sale (void) or completion
// (completion void) named by 61.1/61.2, a pre-authorisation (pre-auth
// void) by 38 + 61.3. The void must carry the original's card, amount and
// RRN (when it has one); the issuer decides, and only its approval marks
// the original voided.
func hostVoid(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	if h.cfg.Issuer == nil {
		return nil, fmt.Errorf("link: host has no Issuer")
	}
	var ok TxnKey
	if t.Kind == iso8583.KindPreAuthVoid {
		hold, rc, err := h.findHold(ctx, t, false)
		if err != nil {
			return nil, err
		}
		if hold == nil {
			return h.decline(ctx, r, rc, nil)
		}
		ok = hold.Key
	} else {
		k, found := original(t)
		if !found {
			return h.decline(ctx, r, RCNotFound, nil)
		}
		ok = k
	}
	want := iso8583.KindSale
	switch t.Kind {
	case iso8583.KindPreAuthVoid:
		want = iso8583.KindPreAuth
	case iso8583.KindPreAuthCompletionVoid:
		want = iso8583.KindPreAuthCompletion
	}
	o, err := h.store.Get(ctx, ok)
	if err != nil {
		return nil, err
	}
	var rc iso8583.ResponseCode
	switch {
	case o == nil || o.State != HostAnswered || !o.Approved || o.Reversed:
		rc = RCNotFound
	case o.Kind != want && !(want == iso8583.KindPreAuthCompletion && o.Kind == iso8583.KindPreAuthCompletionAdvice):
		rc = RCNotFound
	case o.Voided:
		rc = RCAlreadyVoided
	case o.Refunded != 0 || o.Completed != 0:
		rc = RCAlreadyVoided // partly refunded or completed: no longer voidable
	case !sameCard(h, t, o.CardHash):
		rc = RCInvalidCard
	case t.Amount != 0 && t.Amount != o.Amount:
		rc = RCWrongAmount
	case t.RRN != "" && o.Answer.RRN != "" && t.RRN != o.Answer.RRN:
		rc = RCNotFound
	}
	if rc != "" {
		return h.decline(ctx, r, rc, nil)
	}
	view := *t
	view.Field61 = &iso8583.Field61{Batch: ok.Batch, STAN: ok.STAN}
	res, err := h.authorize(ctx, &view, r.PIN)
	if err != nil {
		return h.issuerFailed(r, &view, nil, err)
	}
	if !res.RC.Approved() {
		return h.decline(ctx, r, res.RC, nil)
	}
	if h.cfg.Risk != nil && o.Kind != iso8583.KindPreAuthCompletion {
		h.cfg.Risk.Undo(&iso8583.Transaction{TerminalID: t.TerminalID, PAN: cardOf(t), Amount: o.Amount})
	}
	resp, err := t.Response(res.RC)
	if err != nil {
		return nil, err
	}
	resp.AuthCode, resp.ICC = res.AuthCode, res.ICC
	h.stamp(ctx, resp)
	err = h.commit(ctx, r, answerOf(resp), true, []TxnKey{ok}, func(self *HostTxn, others []*HostTxn) error {
		self.Orig = &ok
		if others[0] != nil {
			others[0].Voided = true
		}
		return nil
	})
	if err != nil {
		h.metrics.StoreError("commit")
		return nil, errors.Join(errNoAnswer, err)
	}
	return resp, nil
}

// hostReversal undoes the original (same terminal, batch and STAN, the
// MTI of 60.1's kind) and acknowledges. A reversal that overtakes its
// original leaves a tombstone, so the late original is declined 12
// (UnionPay practice: the acquirer acknowledges a reversal it cannot match
// and refuses the original after it). A reversal of an original another
// host is still working on waits for its answer; of one whose host died,
// reverses it at the issuer. Reversing a voided sale gives nothing back
// twice; reversing a void reinstates the sale only if the issuer agrees;
// reversing a reversal is a no-op (a reversal is not itself reversible).
func hostReversal(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	if !t.Original.Financial() {
		// Reversal of a reversal (or of something that moves no money).
		return t.Response(iso8583.Approved)
	}
	ok := TxnKey{TID: t.TerminalID, Batch: batchOf(t), STAN: t.STAN, MTI: t.Original.MTI()}
	const (
		none = iota
		wait
		undo
		cleanup
	)
	waited := false
	defer func() {
		if waited {
			h.metrics.ReversalWait(-1)
		}
	}()
	delay := 5 * time.Millisecond
	for {
		action := none
		var o HostTxn
		now := h.now()
		ch := h.cardHash(cardOf(t))
		err := h.store.Update(ctx, []TxnKey{r.claim.key, ok}, func(recs []*HostTxn) error {
			action = none
			self, orig := recs[0], recs[1]
			if self == nil || self.State != HostPending || self.Owner != r.claim.owner {
				return ErrLeaseLost
			}
			switch {
			case orig == nil:
				// Not seen here (it overtook its original, or a host
				// lost its memory): reverse at the issuer anyway, which
				// then declines a late original too, and leave a
				// tombstone.
				action = cleanup
				o = HostTxn{Key: ok, Kind: t.Original, Amount: t.Amount}
				return nil
			case orig.State == HostTombstone:
			case orig.State == HostPending && !now.After(orig.Lease):
				action = wait
				return nil
			case orig.State == HostPending:
				action = cleanup
				o = orig.clone()
				return nil
			case !orig.Approved || orig.Reversed:
			case orig.Voided:
				// The void already gave the money back.
				orig.Reversed = true
			default:
				action = undo
				o = orig.clone()
				return nil
			}
			self.State, self.Approved = HostAnswered, true
			self.Answer = Answer{RC: iso8583.Approved, LocalTime: now.Format("150405"), LocalDate: now.Format("0102")}
			return nil
		})
		if errors.Is(err, ErrLeaseLost) {
			return nil, errors.Join(errNoAnswer, err)
		}
		if err != nil {
			return nil, err
		}
		switch action {
		case none:
			r.claim.done = true
			resp, err := t.Response(iso8583.Approved)
			if err != nil {
				return nil, err
			}
			resp.LocalTime, resp.LocalDate = now.Format("150405"), now.Format("0102")
			return resp, nil
		case wait:
			if !waited {
				waited = true
				h.metrics.ReversalWait(1)
			}
			select {
			case <-ctx.Done():
				return t.Response(RCSystemError)
			case <-time.After(delay):
			}
			delay = min(2*delay, 100*time.Millisecond)
			continue
		}
		// undo or cleanup: the issuer first (idempotent), then the books.
		view := *t
		view.Kind, view.MTI = o.Kind, ""
		if o.Orig != nil {
			view.Field61 = &iso8583.Field61{Batch: o.Orig.Batch, STAN: o.Orig.STAN}
		}
		if err := h.reverse(ctx, &view); err != nil {
			return nil, err
		}
		keys := []TxnKey{r.claim.key, ok}
		if o.Orig != nil {
			keys = append(keys, *o.Orig)
		}
		err = h.store.Update(ctx, keys, func(recs []*HostTxn) error {
			self, orig := recs[0], recs[1]
			if self == nil || self.State != HostPending || self.Owner != r.claim.owner {
				return ErrLeaseLost
			}
			if orig == nil {
				recs[1] = &HostTxn{Key: ok, Kind: t.Original, State: HostTombstone, Amount: t.Amount,
					CardHash: ch, CardMasked: maskPAN(cardOf(t)), Reversed: true, Created: now}
			} else if !orig.Reversed {
				if orig.State == HostPending {
					// Its host's answer is no longer recorded: that
					// host stays silent and the terminal reverses.
					orig.State = HostTombstone
				}
				orig.Reversed = true
				if len(recs) == 3 && recs[2] != nil {
					switch {
					case voidKind(orig.Kind):
						recs[2].Voided = false // the issuer reinstated it
					case orig.Kind == iso8583.KindRefund:
						recs[2].Refunded = max(recs[2].Refunded-orig.Amount, 0)
					default:
						recs[2].Completed = 0 // the hold is back
					}
				}
			}
			self.State, self.Approved = HostAnswered, true
			self.Answer = Answer{RC: iso8583.Approved, LocalTime: now.Format("150405"), LocalDate: now.Format("0102")}
			return nil
		})
		if err != nil {
			return nil, errors.Join(errNoAnswer, err)
		}
		r.claim.done = true
		if h.cfg.Risk != nil && (debit(o.Kind) || o.Kind == iso8583.KindPreAuth) {
			h.cfg.Risk.Undo(&iso8583.Transaction{TerminalID: t.TerminalID, PAN: cardOf(t), Amount: o.Amount})
		}
		resp, err := t.Response(iso8583.Approved)
		if err != nil {
			return nil, err
		}
		resp.LocalTime, resp.LocalDate = now.Format("150405"), now.Format("0102")
		return resp, nil
	}
}

// hostSettle compares the terminal's domestic totals with the store's,
// archives the batch (a batch number used again starts empty) and answers
// with the host's totals and 1 (balanced) or 2 (not balanced) as the
// reconciliation code.
func hostSettle(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	theirs, err := iso8583.ParseSettlementTotals(t.AdditionalData)
	if err != nil {
		return t.Response(RCFormatError)
	}
	ours, err := h.store.Settle(ctx, t.TerminalID, batchOf(t))
	if err != nil {
		return nil, err
	}
	ours.Result = 2
	d := theirs.Domestic
	same := func(o iso8583.Totals) bool {
		return d.DebitAmount == o.DebitAmount && d.DebitCount == o.DebitCount &&
			d.CreditAmount == o.CreditAmount && d.CreditCount == o.CreditCount
	}
	if same(ours) {
		ours.Result = 1
	} else if ours == (iso8583.Totals{Result: 2}) {
		// Nothing open: a terminal that lost the answer to its settlement
		// (power failure) settles again under a new STAN. If what it
		// claims is what the batch settled as, it is balanced.
		if _, settled, err := h.store.Totals(ctx, t.TerminalID, batchOf(t)); err == nil && same(settled) {
			settled.Result = 1
			ours = settled
		}
	}
	resp, err := t.Response(iso8583.Approved)
	if err != nil {
		return nil, err
	}
	resp.AdditionalData = formatTotals(ours) + formatTotals(iso8583.Totals{Result: theirs.Foreign.Result})
	word := "balanced"
	if ours.Result != 1 {
		word = "NOT balanced"
	}
	h.logger().Info("link: host: settlement "+word, "terminal", t.TerminalID, "batch", batchOf(t),
		"debits", fmt.Sprintf("%d/%d", ours.DebitCount, ours.DebitAmount), "credits", fmt.Sprintf("%d/%d", ours.CreditCount, ours.CreditAmount),
		"terminal_debits", fmt.Sprintf("%d/%d", d.DebitCount, d.DebitAmount), "terminal_credits", fmt.Sprintf("%d/%d", d.CreditCount, d.CreditAmount))
	return resp, nil
}

// formatTotals writes one 31-digit group of settlement field 48.
func formatTotals(t iso8583.Totals) string {
	return fmt.Sprintf("%012d%03d%012d%03d%d", t.DebitAmount, t.DebitCount, t.CreditAmount, t.CreditCount, t.Result)
}

// hostBatchUpload counts the detail records of a magnetic-stripe batch
// upload (field 48: N2 count, then 40 digits per record).
func hostBatchUpload(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
	t := r.Txn
	s := t.AdditionalData
	if len(s) < 2 {
		return t.Response(RCFormatError)
	}
	n, err := strconv.Atoi(s[:2])
	if err != nil || len(s) != 2+40*n {
		return t.Response(RCFormatError)
	}
	if _, err := h.store.AddUploaded(ctx, t.TerminalID, batchOf(t), n); err != nil {
		return nil, err
	}
	return t.Response(iso8583.Approved)
}

// sameCard reports whether every PAN t carries (field 2 and the card read
// again, track 2) is the original's.
func sameCard(h *Host, t *iso8583.Transaction, want [32]byte) bool {
	n := 0
	if t.PAN != "" {
		if h.cardHash(t.PAN) != want {
			return false
		}
		n++
	}
	if i := strings.IndexByte(string(t.Track2), '='); i > 0 {
		if h.cardHash(iso8583.PAN(t.Track2[:i])) != want {
			return false
		}
		n++
	}
	return n > 0
}
