package iso8583

import (
	"fmt"
	"strconv"

	"github.com/possdk/pos/keys"
)

// Terminal identifies the card acceptor in every request.
type Terminal struct {
	TerminalID string // field 41
	MerchantID string // field 42
	Operator   string // 63.1 operator code (操作员号), e.g. "001"
}

func (term Terminal) base(k Kind, stan, batch uint32) *Transaction {
	return &Transaction{Kind: k, STAN: stan, TerminalID: term.TerminalID, MerchantID: term.MerchantID,
		Field60: &Field60{Batch: batch}}
}

// SignIn builds a sign-in request (0800) asking for working keys in mode
// (60.3: keys.ModeSingleDES 001, ModeTDES 003, ModeTDESTrack 004, ModeSM4
// 006).
func (term Terminal) SignIn(stan, batch uint32, mode keys.KeyMode) *Transaction {
	t := term.base(KindSignIn, stan, batch)
	t.Field60.NetMgmt = mode.String()
	if term.Operator != "" {
		t.Field63 = &Field63{Code: term.Operator}
	}
	return t
}

// SignOff builds a sign-off request (0820).
func (term Terminal) SignOff(stan, batch uint32) *Transaction {
	return term.base(KindSignOff, stan, batch)
}

// Settlement builds a settlement request (0500) with the terminal's totals.
func (term Terminal) Settlement(stan, batch uint32, totals SettlementTotals) (*Transaction, error) {
	s, err := totals.encode()
	if err != nil {
		return nil, err
	}
	t := term.base(KindSettlement, stan, batch)
	t.AdditionalData = s
	if term.Operator != "" {
		t.Field63 = &Field63{Code: term.Operator}
	}
	return t, nil
}

// BatchUploadEnd builds the message that ends a batch upload (0320):
// field 48 carries the number of detail messages sent, and 60.3 says
// whether the settlement had balanced (207) or not (202).
func (term Terminal) BatchUploadEnd(stan, batch uint32, uploaded int, balanced bool) (*Transaction, error) {
	if uploaded < 0 || uploaded > 9999 {
		return nil, fmt.Errorf("%w: batch upload count %d exceeds 4 digits", ErrInvalidField, uploaded)
	}
	t := term.base(KindBatchUploadEnd, stan, batch)
	t.AdditionalData = fmt.Sprintf("%04d", uploaded)
	if balanced {
		t.Field60.NetMgmt = nmiBatchEndBal
	}
	return t, nil
}

// ApplyResponse copies what the host assigned in resp (times and dates,
// settlement date, acquirer, RRN, authorisation code, response code, field
// 44) into t, so that t then describes the completed transaction and can
// be the original of a void, refund or completion.
func (t *Transaction) ApplyResponse(resp *Transaction) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&t.LocalTime, resp.LocalTime)
	set(&t.LocalDate, resp.LocalDate)
	set(&t.SettlementDate, resp.SettlementDate)
	set(&t.AcquirerID, resp.AcquirerID)
	set(&t.RRN, resp.RRN)
	set(&t.AuthCode, resp.AuthCode)
	set(&t.AdditionalResponse, resp.AdditionalResponse)
	t.ResponseCode = resp.ResponseCode
}

// Reversal builds the reversal (0400) of any financial request t, with the
// same STAN, card, amount and the original's field 3, 25 and 60, and the
// reason in field 39 (ReasonNoResponse, ReasonMACError, ReasonOther). It is
// what a terminal stores before sending t.
func (t *Transaction) Reversal(reason ResponseCode) (*Transaction, error) {
	d := t.withDefaults()
	if !t.Kind.Financial() {
		return nil, fmt.Errorf("%w: a %s cannot be reversed", ErrInvalidField, t.Kind)
	}
	if d.IsResponse() {
		return nil, fmt.Errorf("%w: reverse the request, not the %s response", ErrInvalidField, d.MTI)
	}
	// Field list of a CUP sale reversal (CUP POS spec; C's CUPPackager):
	// 2, 3, 4, 11, 14, 22, 23, 25, 38, 39, 41, 42, 49, 55, 60, 61, 64.
	// Track data and the PIN block are not repeated.
	r := &Transaction{
		Kind: KindReversal, Original: t.Kind,
		PAN: d.PAN, ProcessingCode: d.ProcessingCode, Amount: d.Amount, STAN: d.STAN,
		Expiry: d.Expiry, EntryMode: d.EntryMode, CardSequence: d.CardSequence,
		ConditionCode: d.ConditionCode, AuthCode: d.AuthCode, ResponseCode: reason,
		TerminalID: d.TerminalID, MerchantID: d.MerchantID, Currency: d.Currency,
		ICC: d.ICC, Field60: d.Field60, Field61: d.Field61,
	}
	if r.PAN == "" {
		// A swiped card's PAN lives in track 2; the reversal has no track.
		r.PAN = panFromTrack(string(d.Track2))
	}
	return r, nil
}

func panFromTrack(tr string) PAN {
	for i := 0; i < len(tr); i++ {
		if tr[i] == '=' {
			return PAN(tr[:i])
		}
	}
	return ""
}

// derive starts a transaction that refers back to t through field 61.
func (t *Transaction) derive(k Kind, stan uint32) (*Transaction, error) {
	d := t.withDefaults()
	if d.IsResponse() {
		return nil, fmt.Errorf("%w: derive from the request (with ApplyResponse), not the %s response", ErrInvalidField, d.MTI)
	}
	batch := t.batch()
	n := &Transaction{
		Kind: k, PAN: d.PAN, Amount: d.Amount, STAN: stan, Expiry: d.Expiry,
		EntryMode: d.EntryMode, CardSequence: d.CardSequence, RRN: d.RRN, AuthCode: d.AuthCode,
		TerminalID: d.TerminalID, MerchantID: d.MerchantID, Currency: d.Currency,
		Field61: &Field61{Batch: batch, STAN: d.STAN, Date: d.LocalDate},
	}
	if n.PAN == "" {
		n.PAN = panFromTrack(string(d.Track2))
	}
	f60 := Field60{Batch: batch}
	if d.Field60 != nil {
		f60.Capability, f60.ICCondition = d.Field60.Capability, d.Field60.ICCondition
	}
	n.Field60 = &f60
	return n, nil
}

// Void builds the cancellation of t: a sale becomes a void (消费撤销), a
// pre-authorisation a pre-authorisation cancel, a completion a completion
// cancel. t should carry the host's RRN and authorisation code (see
// ApplyResponse). The void keeps t's batch; set its card data (track or
// chip) and PIN as read again.
func (t *Transaction) Void(stan uint32) (*Transaction, error) {
	var k Kind
	switch t.Kind {
	case KindSale:
		k = KindVoid
	case KindPreAuth:
		k = KindPreAuthVoid
	case KindPreAuthCompletion:
		k = KindPreAuthCompletionVoid
	default:
		return nil, fmt.Errorf("%w: a %s cannot be voided", ErrInvalidField, t.Kind)
	}
	return t.derive(k, stan)
}

// Refund builds a refund (退货, 0220) of amount fen against the sale t,
// which should carry the host's RRN (see ApplyResponse).
func (t *Transaction) Refund(stan uint32, amount int64) (*Transaction, error) {
	if t.Kind != KindSale && t.Kind != KindPreAuthCompletion {
		return nil, fmt.Errorf("%w: a %s cannot be refunded", ErrInvalidField, t.Kind)
	}
	if amount <= 0 || amount > t.Amount {
		return nil, fmt.Errorf("%w: refund amount %d outside 1..%d", ErrInvalidField, amount, t.Amount)
	}
	r, err := t.derive(KindRefund, stan)
	if err != nil {
		return nil, err
	}
	r.Amount = amount
	return r, nil
}

// Complete builds the completion (预授权完成) of the pre-authorisation t
// for amount fen; advice selects the completion advice (0220) instead of
// the online request (0200). t should carry the authorisation code.
func (t *Transaction) Complete(stan uint32, amount int64, advice bool) (*Transaction, error) {
	if t.Kind != KindPreAuth {
		return nil, fmt.Errorf("%w: a %s cannot be completed", ErrInvalidField, t.Kind)
	}
	k := KindPreAuthCompletion
	if advice {
		k = KindPreAuthCompletionAdvice
	}
	c, err := t.derive(k, stan)
	if err != nil {
		return nil, err
	}
	c.Amount = amount
	return c, nil
}

// Response builds the skeleton of the host's answer to the request t: the
// response MTI, the request's processing code, amount, STAN, condition
// code, terminal, merchant, currency and field 60 echoed, and rc in field
// 39. The host then sets what it assigns (RRN, authorisation code, times,
// field 62 keys ...).
func (t *Transaction) Response(rc ResponseCode) (*Transaction, error) {
	d := t.withDefaults()
	if d.IsResponse() || len(d.MTI) != 4 || !allDigits(d.MTI) {
		return nil, fmt.Errorf("%w: %q is not a request MTI", ErrInvalidField, d.MTI)
	}
	mti := d.MTI[:2] + strconv.Itoa(int(d.MTI[2]-'0')+1) + d.MTI[3:]
	return &Transaction{
		Kind: t.Kind, Original: t.Original, MTI: mti,
		PAN: d.PAN, ProcessingCode: d.ProcessingCode, Amount: d.Amount, STAN: d.STAN,
		ConditionCode: d.ConditionCode, ResponseCode: rc,
		TerminalID: d.TerminalID, MerchantID: d.MerchantID, Currency: d.Currency,
		Field60: d.Field60, AdditionalData: settlementEcho(d),
	}, nil
}

func settlementEcho(d Transaction) string {
	if d.Kind == KindSettlement {
		return d.AdditionalData
	}
	return ""
}
