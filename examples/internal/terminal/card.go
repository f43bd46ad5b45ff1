package terminal

import (
	"context"
	"errors"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/link/ecr"
)

// Entry is how the card was read.
type Entry uint8

// Entry modes.
const (
	Chip Entry = iota + 1
	Contactless
	QR
)

func (e Entry) String() string {
	switch e {
	case Chip:
		return "CHIP"
	case Contactless:
		return "CONTACTLESS"
	case QR:
		return "QR CODE"
	}
	return "UNKNOWN"
}

// field22 is the CUP POS entry mode (n3): 05 IC card, 07 contactless IC,
// 03 scanned code; the third digit says whether a PIN can be entered
// (iso8583.Transaction.SetPIN sets it when one is).
func (e Entry) field22() string {
	switch e {
	case Contactless:
		return "072"
	case QR:
		return "032"
	}
	return "052"
}

// Sale is the outcome of one card or QR transaction.
type Sale struct {
	Kind     iso8583.Kind
	Entry    Entry
	Amount   int64
	Approved bool
	// Why says in words why it was not approved.
	Why string
	// Link is the host exchange (nil when the host was not reached).
	Link *link.Result
	// Kernel is the EMV result (nil for QR and voids).
	Kernel *kernel.Result
	// LinkErr is the error of the host exchange, if any.
	LinkErr error
	// Receipt data.
	PAN        string // masked
	AID, Label string
	Cryptogram string // e.g. "TC 1A2B..." or "ARQC ..."
	CVM        string
	// The original of a void, refund or completion: its trace (STAN),
	// authorisation code and reference number, printed on the slip.
	OrigSTAN          uint32
	OrigAuth, OrigRRN string
	// Balance is a balance inquiry's answer (field 54), in words.
	Balance string
}

// PINPad answers the kernel's PIN requests with scripted digits: a test
// PIN pad. An empty PIN bypasses.
type PINPad struct {
	PIN string
}

// txState is one card transaction's link to the PIN pad and the host,
// filled by the kernel's PIN hooks and by the online step.
type txState struct {
	kind    iso8583.Kind // KindSale, KindPreAuth or KindBalance
	entry   Entry
	pad     PINPad
	pin     pinblock.PIN // online PIN, enciphered by the link under the PIK
	result  *link.Result
	linkErr error
	// progress tells a cash register what is happening (nil: nobody).
	progress func(ecr.StatusCode)
}

func (st *txState) report(c ecr.StatusCode) {
	if st.progress != nil {
		st.progress(c)
	}
}

// hooks connects the kernel to the PIN pad. The host is not a hook: the
// kernel stops at an Online Request and cardSale resumes it with the
// host's answer (the outcome API, EMV Book A §6.2).
func (t *Terminal) hooks(st *txState) kernel.Hooks {
	return kernel.Hooks{
		PIN: func(_ context.Context, kind kernel.PINKind, tries int) (string, error) {
			if st.pad.PIN == "" {
				return "", kernel.ErrPINBypass
			}
			st.report(ecr.StatusWaitPIN)
			t.say("  PIN pad: offline PIN entered (%d tries left), checked by the card", tries)
			return st.pad.PIN, nil
		},
		// The kernel never holds an online PIN: the PIN pad keeps it, and
		// the link enciphers it under the PIK from sign-in (ISO 9564
		// format 0) when it builds field 52.
		OnlinePIN: func(_ context.Context, pan emv.PAN) ([]byte, error) {
			if st.pad.PIN == "" {
				return nil, kernel.ErrPINBypass
			}
			st.report(ecr.StatusWaitPIN)
			digits := []byte(st.pad.PIN)
			pin, err := pinblock.ParsePIN(digits)
			clear(digits)
			if err != nil {
				return nil, err
			}
			st.pin = pin
			t.say("  PIN pad: online PIN entered for %s, enciphered under the PIK", pan)
			return []byte{}, nil
		},
	}
}

// online sends the kernel's authorisation request as a CUP sale.
func (t *Terminal) online(ctx context.Context, st *txState, req *kernel.OnlineRequest) (*kernel.OnlineResponse, error) {
	card := link.Card{
		PAN: iso8583.PAN(req.PAN.Digits()), Expiry: req.Expiry, EntryMode: st.entry.field22(),
		CardSequence: psn3(req.PSN), ICC: req.Field55,
	}
	if t2, err := emv.ParseTag57(req.Track2); err == nil && len(req.Track2) > 0 {
		card.Track2 = track2(t2)
	}
	kind := st.kind
	if kind == 0 {
		kind = iso8583.KindSale
	}
	t.say("  → host: %s %s, field 55 of %d bytes with the ARQC", kind, money(req.Amount), len(req.Field55))
	res, err := t.hostAsks(ctx, func() (*link.Result, error) {
		switch kind {
		case iso8583.KindPreAuth:
			return t.client.PreAuth(ctx, card, req.Amount, st.pin)
		case iso8583.KindBalance:
			return t.client.Balance(ctx, card, st.pin)
		}
		return t.client.Sale(ctx, card, req.Amount, st.pin)
	})
	st.pin.Wipe()
	if err != nil {
		st.linkErr = err
		t.say("  ✗ host: %v", err)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, link.ErrPendingReversal) || t.client.Pending() == 0 {
			t.reportReversal()
		}
		return nil, err
	}
	st.result = res
	r := res.Response
	t.say("  ← host: %s, auth code %q, RRN %s, field 55 of %d bytes (ARPC)", r.ResponseCode, r.AuthCode, r.RRN, len(r.ICC))
	arc := [2]byte{'0', '5'}
	if len(r.ResponseCode) == 2 {
		arc = [2]byte{r.ResponseCode[0], r.ResponseCode[1]}
	}
	return &kernel.OnlineResponse{Approved: r.ResponseCode.Approved(), ARC: arc, AuthCode: r.AuthCode, Field55: r.ICC}, nil
}

func (t *Terminal) reportReversal() {
	if n := t.client.Pending(); n > 0 {
		t.say("  reversal (0400) stored and pending: %d", n)
	} else {
		t.say("  reversal (0400) sent at once and acknowledged by the host (0410)")
	}
}

// ChipSale runs a contact EMV sale with the card and PIN pad.
func (t *Terminal) ChipSale(ctx context.Context, card kernel.Card, amount int64, pad PINPad) (*Sale, error) {
	return t.cardSale(ctx, iso8583.KindSale, Chip, card, amount, pad, nil)
}

// ContactlessSale runs a contactless (tap) sale.
func (t *Terminal) ContactlessSale(ctx context.Context, card kernel.Card, amount int64, pad PINPad) (*Sale, error) {
	return t.cardSale(ctx, iso8583.KindSale, Contactless, card, amount, pad, nil)
}

func (t *Terminal) cardSale(ctx context.Context, kind iso8583.Kind, entry Entry, card kernel.Card, amount int64, pad PINPad, progress func(ecr.StatusCode)) (*Sale, error) {
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	st := &txState{kind: kind, entry: entry, pad: pad, progress: progress}
	st.report(ecr.StatusReading)
	// EMV Book 1 §9.3: GET RESPONSE and Le resend for T=0 cards, which
	// no PC/SC stack does for the application.
	if rc, ok := card.(reader.Card); ok {
		card = reader.NewTransport(rc, reader.TransportOptions{})
	}
	kc := *t.cfg.Kernel
	kc.Hooks, kc.Logger = t.hooks(st), t.cfg.Logger
	k, err := kernel.New(kc)
	if err != nil {
		return nil, err
	}
	tx := kernel.Transaction{Amount: amount, Time: t.cfg.Now()}
	switch kind {
	case iso8583.KindPreAuth:
		// 9C 03 and online only: a hold needs the issuer (CUP 预授权).
		tx.Type, tx.ForceOnline = 0x03, true
		t.say("%s pre-authorisation of %s", entry, money(amount))
	case iso8583.KindBalance:
		// 9C 31 (EMV Book 3 Annex A: balance inquiry), online only.
		tx.Type, tx.ForceOnline = 0x31, true
		t.say("%s balance inquiry", entry)
	default:
		t.say("%s sale of %s", entry, money(amount))
	}
	var sess *kernel.Session
	var step kernel.Step
	if entry == Contactless {
		sess, step = k.StartContactless(ctx, card, tx)
	} else {
		sess, step = k.StartContact(ctx, card, tx)
	}
	if step.Outcome == kernel.OutcomeOnlineRequest {
		// Online Request: send the authorisation, then resume the card
		// with the issuer's answer, or with none (unable to go online:
		// EMV Book 3 §10.7, the card and the default action codes decide;
		// a timed-out request's reversal is the link's, sent above).
		st.report(ecr.StatusOnline)
		resp, err := t.online(ctx, st, step.Online)
		if err != nil {
			resp = nil
		}
		step = sess.Resume(resp)
	}
	res := step.Result
	if res == nil {
		return nil, step.Err
	}
	s := &Sale{Kind: kind, Entry: entry, Amount: amount, Kernel: res, Link: st.result, LinkErr: st.linkErr,
		PAN: res.PAN.String(), AID: fmt.Sprintf("%X", res.AID), Label: res.Label, CVM: cvmWords(res)}
	if len(res.Cryptogram) > 0 {
		s.Cryptogram = fmt.Sprintf("%s %X", res.CID.Type(), res.Cryptogram)
	}
	t.say("  kernel: %s, %s, TVR %s, TSI %s, CVM %s", step.Outcome, s.Cryptogram, res.TVR, res.TSI, s.CVM)
	switch {
	case step.Outcome == kernel.OutcomeApproved && st.result != nil && st.result.Approved():
		s.Approved = true
	case step.Outcome == kernel.OutcomeApproved:
		s.Why = "approved offline by the card (no host record in this demo)"
	case step.ReversalRequired && st.result != nil:
		// The issuer approved and the card did not complete (it declined
		// at the second GENERATE AC, or the card failed or went away):
		// the cardholder would be charged for a sale that did not happen
		// unless the approval is reversed (CUP reversal, reason 06).
		if step.Outcome == kernel.OutcomeDeclined {
			s.Why = "the card declined after the host approved"
		} else {
			s.Why = "the card failed after the host approved: " + errText(step.Err)
		}
		if err := t.client.Reverse(ctx, st.result); err != nil {
			t.say("  reversal pending: %v", err)
		} else {
			t.reportReversal()
		}
	case st.linkErr != nil:
		s.Why = "no answer from the host: " + st.linkErr.Error()
	case res.Err != nil:
		s.Why = res.Err.Error()
	default:
		s.Why = res.Outcome.String()
	}
	if s.Approved {
		t.approved(s)
	}
	return s, nil
}

func errText(err error) string {
	if err == nil {
		return "no reason given"
	}
	return err.Error()
}

// Void cancels an approved sale, pre-authorisation or completion of the
// current batch (消费撤销, 预授权撤销, 预授权完成撤销).
func (t *Terminal) Void(ctx context.Context, orig *Sale) (*Sale, error) {
	if orig == nil || orig.Link == nil || !orig.Approved {
		return nil, errors.New("terminal: only an approved transaction can be voided")
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	o := orig.Link.Request
	t.say("VOID of the %s %s %s (trace %06d, auth code %s, RRN %s)", orig.Entry, orig.Kind, money(orig.Amount), o.STAN, o.AuthCode, o.RRN)
	s := derived(orig, iso8583.KindVoid, orig.Amount)
	switch orig.Kind {
	case iso8583.KindPreAuth:
		s.Kind = iso8583.KindPreAuthVoid
	case iso8583.KindPreAuthCompletion:
		s.Kind = iso8583.KindPreAuthCompletionVoid
	}
	res, err := t.hostAsks(ctx, func() (*link.Result, error) {
		return t.client.Void(ctx, o, link.Card{EntryMode: orig.Entry.field22()}, pinblock.PIN{})
	})
	return t.finish(s, res, err)
}

// Refund (退货) returns amount of an approved sale or completion of the
// current batch.
func (t *Terminal) Refund(ctx context.Context, orig *Sale, amount int64) (*Sale, error) {
	if orig == nil || orig.Link == nil || !orig.Approved {
		return nil, errors.New("terminal: only an approved sale can be refunded")
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	o := orig.Link.Request
	t.say("REFUND of %s of the %s %s (trace %06d, RRN %s)", money(amount), orig.Kind, money(orig.Amount), o.STAN, o.RRN)
	s := derived(orig, iso8583.KindRefund, amount)
	res, err := t.hostAsks(ctx, func() (*link.Result, error) {
		return t.client.Refund(ctx, o, link.Card{EntryMode: orig.Entry.field22()}, amount, pinblock.PIN{})
	})
	return t.finish(s, res, err)
}

// Complete (预授权完成) completes an approved pre-authorisation for amount;
// the cardholder enters the PIN on pad (a completion debits the card).
func (t *Terminal) Complete(ctx context.Context, orig *Sale, amount int64, pad PINPad) (*Sale, error) {
	if orig == nil || orig.Link == nil || !orig.Approved || orig.Kind != iso8583.KindPreAuth {
		return nil, errors.New("terminal: only an approved pre-authorisation can be completed")
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	o := orig.Link.Request
	t.say("PRE-AUTH COMPLETION of %s (pre-authorisation trace %06d, auth code %s, held %s)", money(amount), o.STAN, o.AuthCode, money(orig.Amount))
	s := derived(orig, iso8583.KindPreAuthCompletion, amount)
	var pin pinblock.PIN
	if pad.PIN != "" {
		digits := []byte(pad.PIN)
		p, err := pinblock.ParsePIN(digits)
		clear(digits)
		if err != nil {
			return nil, err
		}
		pin = p
		defer pin.Wipe()
		t.say("  PIN pad: online PIN entered for %s, enciphered under the PIK", orig.PAN)
	}
	res, err := t.hostAsks(ctx, func() (*link.Result, error) {
		return t.client.Complete(ctx, o, link.Card{EntryMode: orig.Entry.field22()}, amount, pin)
	})
	return t.finish(s, res, err)
}

// derived starts the Sale of a transaction that refers to orig.
func derived(orig *Sale, kind iso8583.Kind, amount int64) *Sale {
	o := orig.Link.Request
	return &Sale{Kind: kind, Entry: orig.Entry, Amount: amount, PAN: orig.PAN, AID: orig.AID, Label: orig.Label,
		OrigSTAN: o.STAN, OrigAuth: o.AuthCode, OrigRRN: o.RRN}
}

// finish records the host's answer to a void, refund or completion.
func (t *Terminal) finish(s *Sale, res *link.Result, err error) (*Sale, error) {
	if err != nil {
		s.LinkErr, s.Why = err, err.Error()
		t.say("  ✗ host: %v", err)
		if t.client.Pending() > 0 {
			t.reportReversal()
		}
		return s, nil
	}
	s.Link = res
	r := res.Response
	t.say("  ← host: %s, auth code %q, RRN %s", r.ResponseCode, r.AuthCode, r.RRN)
	s.Approved = res.Approved()
	if !s.Approved {
		s.Why = r.ResponseCode.String()
		return s, nil
	}
	t.approved(s)
	return s, nil
}

// psn3 makes field 23 (n3) of the two-digit PAN sequence number.
func psn3(psn string) string {
	if psn == "" {
		return ""
	}
	return "0" + psn
}

// track2 writes tag 57 as field 35 text: PAN, '=', expiry, service code,
// discretionary data.
func track2(t emv.Track2) iso8583.Track {
	return iso8583.Track(t.PAN.Digits() + "=" + t.Expiry + string(t.ServiceCode) + t.Discretionary)
}

// cvmWords says how the cardholder was verified.
func cvmWords(r *kernel.Result) string {
	switch {
	case r.Contactless && r.CVMResults[0] == 0x01:
		return "consumer device (phone)"
	case r.SignatureNeeded:
		return "signature"
	case r.OnlinePINBlock != nil:
		return "online PIN"
	}
	switch emv.CVMMethod(r.CVMResults[0] & 0x3F) {
	case emv.CVMPlaintextPIN, emv.CVMEncipheredPIN:
		return "offline PIN"
	case emv.CVMNoCVM:
		return "none"
	}
	return fmt.Sprintf("%X", r.CVMResults)
}
