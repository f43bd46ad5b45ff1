package terminal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// The working keys of the last sign-in are kept in the state directory as
// the host sent them (field 62: each key encrypted under the TMK, with its
// check value) inside a journal sealed with the storage key, which is
// itself derived from the TMK: without the terminal's key hierarchy the
// file is noise. A terminal signs in when the operator says so, when it
// has no keys, or when the host answers A0 or 99 (请重新签到).
const workingKeysID = 1

type savedKeys struct {
	Mode keys.KeyMode
	F62  []byte // under the TMK
}

func (t *Terminal) saveKeys() error {
	mode, f62, err := t.client.WorkingKeysUnderTMK()
	if err != nil {
		return err
	}
	b, err := json.Marshal(savedKeys{Mode: mode, F62: f62})
	if err != nil {
		return err
	}
	return t.keys.Put(workingKeysID, b)
}

// resume loads the kept working keys; false when there are none (or they
// no longer decrypt under the TMK, e.g. after a TMK change).
func (t *Terminal) resume() bool {
	b, ok := t.keys.Get(workingKeysID)
	if !ok {
		return false
	}
	var v savedKeys
	if err := json.Unmarshal(b, &v); err != nil {
		t.cfg.Logger.Warn("terminal: kept working keys unreadable; signing in", "err", err)
		return false
	}
	if err := t.client.ResumeWorkingKeys(v.Mode, v.F62); err != nil {
		t.cfg.Logger.Warn("terminal: kept working keys do not load; signing in", "err", err)
		return false
	}
	t.say("working keys of the last sign-in loaded (check values verified under TMK %s); batch %06d", t.cfg.TMK, t.counters.Batch())
	return true
}

// Ready makes sure the terminal holds working keys: those of the last
// sign-in, kept sealed in the state directory, or, without them, a new
// sign-in.
func (t *Terminal) Ready(ctx context.Context) error {
	if t.client.SignedIn() || t.resume() {
		return nil
	}
	return t.SignIn(ctx)
}

// hostAsks runs one request; when the host answers that the terminal must
// sign in again (A0, 99: link.SignInRequired) or the terminal has no keys,
// it signs in and sends the request once more.
func (t *Terminal) hostAsks(ctx context.Context, send func() (*link.Result, error)) (*link.Result, error) {
	res, err := send()
	switch {
	case errors.Is(err, link.ErrNotSignedIn):
		t.say("  not signed in: signing in first")
	case err == nil && link.SignInRequired(res.Response.ResponseCode):
		t.say("  ← host: %s: the host asks for a new sign-in", res.Response.ResponseCode)
	default:
		return res, err
	}
	if err := t.SignIn(ctx); err != nil {
		return nil, err
	}
	return send()
}

// approved prints the slips of an approved transaction and keeps it for
// a later void, refund, completion or reprint.
func (t *Terminal) approved(s *Sale) {
	if s.Kind != iso8583.KindBalance {
		t.printReceipts(s)
	}
	if err := t.remember(s); err != nil {
		// The money moved; only a later reprint or void by trace misses it.
		t.say("  warning: the transaction could not be kept for a reprint: %v", err)
	}
}

// remember keeps an approved transaction as the last slip and, for the
// kinds that can be voided, refunded or completed, by its trace number.
func (t *Terminal) remember(s *Sale) error {
	if !s.Approved || s.Link == nil || s.Kind == iso8583.KindBalance {
		return nil
	}
	if err := t.ecrPut(ecrSlipID, saveSale(s)); err != nil {
		return err
	}
	stan := uint64(s.Link.Request.STAN)
	switch s.Kind {
	case iso8583.KindSale, iso8583.KindPreAuth, iso8583.KindPreAuthCompletion:
		if err := t.ecrPut(ecrSaleIDBase+stan, saveSale(s)); err != nil {
			return err
		}
	case iso8583.KindVoid, iso8583.KindPreAuthVoid, iso8583.KindPreAuthCompletionVoid:
		if err := t.ecr.Delete(ecrSaleIDBase + uint64(s.OrigSTAN)); err != nil {
			return err
		}
	}
	if s.Kind == iso8583.KindPreAuthCompletion {
		// A completed pre-authorisation cannot be completed or voided again.
		return t.ecr.Delete(ecrSaleIDBase + uint64(s.OrigSTAN))
	}
	return nil
}

// ByTrace returns the approved transaction of the current batch with trace
// number trace (a sale, pre-authorisation or completion not yet voided),
// or an error saying why there is none.
func (t *Terminal) ByTrace(trace string) (*Sale, error) {
	n, err := strconv.ParseUint(trace, 10, 32)
	if err != nil || len(trace) > 6 {
		return nil, fmt.Errorf("trace number %q is not up to six digits", trace)
	}
	s, err := t.saleByTrace(strconv.FormatUint(n, 10))
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("no approved transaction with trace %06d in batch %06d (voided, settled or never approved)", n, t.Batch())
	}
	return s, nil
}

// Reprint prints the slips of the last approved transaction (trace "") or
// of the one with that trace number, marked as a reprint.
func (t *Terminal) Reprint(trace string) error {
	var s *Sale
	var err error
	if trace == "" {
		if s, err = t.lastSlip(); err == nil && s == nil {
			err = errors.New("nothing to reprint: no approved transaction yet")
		}
	} else {
		s, err = t.ByTrace(trace)
	}
	if err != nil {
		return err
	}
	r := t.receipt(s)
	r.Reprint = true
	for _, c := range []Copy{MerchantCopy, CardholderCopy} {
		if err := WriteReceipt(t.cfg.Receipts, r, c); err != nil {
			return err
		}
	}
	return nil
}

// PreAuth (预授权) holds amount on the card.
func (t *Terminal) PreAuth(ctx context.Context, entry Entry, card kernel.Card, amount int64, pad PINPad) (*Sale, error) {
	return t.cardSale(ctx, iso8583.KindPreAuth, entry, card, amount, pad, nil)
}

// Balance (余额查询) asks the issuer for the card's balance.
func (t *Terminal) Balance(ctx context.Context, entry Entry, card kernel.Card, pad PINPad) (*Sale, error) {
	s, err := t.cardSale(ctx, iso8583.KindBalance, entry, card, 0, pad, nil)
	if err != nil || s.Link == nil || !s.Link.Approved() {
		return s, err
	}
	s.Approved, s.Why = true, ""
	s.Balance = BalanceWords(s.Link.Response.AdditionalAmounts)
	t.say("BALANCE %s", s.Balance)
	return s, nil
}

// BalanceWords reads field 54 (ISO 8583 additional amounts: 20 characters
// each, account type n2, amount type n2, currency n3, sign C/D, amount
// n12) as "RMB 1234.56 available".
func BalanceWords(f54 string) string {
	if len(f54) < 20 {
		if f54 == "" {
			return "not given by the issuer"
		}
		return "unreadable answer " + strconv.Quote(f54)
	}
	a := f54[:20]
	n, err := strconv.ParseInt(a[8:20], 10, 64)
	if err != nil {
		return "unreadable answer " + strconv.Quote(f54)
	}
	if a[7] == 'D' {
		n = -n
	}
	kind := "balance"
	switch a[2:4] {
	case "01":
		kind = "ledger balance"
	case "02":
		kind = "available"
	}
	cur := a[4:7]
	if cur == "156" {
		cur = "RMB"
	}
	return fmt.Sprintf("%s %s %s", cur, money(n), kind)
}

// PendingReversal is a reversal the host has not acknowledged.
type PendingReversal struct {
	Trace  uint32
	Kind   iso8583.Kind
	Amount int64
	Reason iso8583.ResponseCode
	State  link.TxnState
}

// Reversals lists the reversals still owed to the host, oldest first.
func (t *Terminal) Reversals() ([]PendingReversal, error) {
	recs, err := t.client.Records()
	if err != nil {
		return nil, err
	}
	var out []PendingReversal
	for _, r := range recs {
		if r.Reversal == nil || r.State == link.StateApproved {
			continue
		}
		out = append(out, PendingReversal{Trace: r.Reversal.STAN, Kind: r.Reversal.Original, Amount: r.Reversal.Amount,
			Reason: r.Reversal.ResponseCode, State: r.State})
	}
	return out, nil
}

// SendReversals delivers the pending reversals now.
func (t *Terminal) SendReversals(ctx context.Context) error {
	if err := t.Ready(ctx); err != nil {
		return err
	}
	return t.client.DrainReversals(ctx)
}
