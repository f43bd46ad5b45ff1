package kernel

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// Card is what the kernel needs of a card: reader.Card (and so a PC/SC
// card, a serial reader, the software card) satisfies it. Wrap a raw PC/SC
// card in reader.Transport so T=0 GET RESPONSE rules are applied.
type Card interface {
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
}

// Sentinel errors.
var (
	ErrConfig        = errors.New("kernel: bad configuration")
	ErrNoApplication = errors.New("kernel: no supported application on the card")
	ErrCardBlocked   = errors.New("kernel: card blocked")
	ErrCardData      = errors.New("kernel: card data error")
	ErrCard          = errors.New("kernel: card error")
	ErrTryAnother    = errors.New("kernel: try another interface")
	ErrPINBypass     = errors.New("kernel: PIN entry bypassed")
	ErrRevoked       = errors.New("kernel: issuer certificate on the CA revocation list")
	ErrOffline       = errors.New("kernel: unable to go online")
)

// Outcome is how a transaction ended.
type Outcome uint8

// Outcomes.
const (
	// Failed: the transaction was terminated (card error, card removed,
	// cancelled, no application); Result.Err says why.
	Failed Outcome = iota
	// Approved: offline (TC from the first GENERATE AC) or online (host
	// approved and the card gave a TC).
	Approved
	// Declined: the card or the terminal declined offline, or the card
	// declined after the host approved (Result.ReversalRequired).
	Declined
	// OnlineDeclined: the host declined.
	OnlineDeclined
)

func (o Outcome) String() string {
	return [...]string{"failed", "approved", "declined", "online-declined"}[o]
}

// PINKind says which PIN the kernel asks for.
type PINKind uint8

// PIN kinds.
const (
	PINOfflinePlaintext PINKind = iota + 1
	PINOfflineEnciphered
)

// Transaction is what the merchant asked for.
type Transaction struct {
	Amount      int64 // minor units
	AmountOther int64 // cashback
	Type        byte  // 9C: 00 goods and services, 01 cash, 09 cashback, 20 refund
	Time        time.Time
	ForceOnline bool
	Sequence    uint32 // 9F41
}

// Hooks connect the kernel to the terminal's user interface and host link.
// A nil hook takes the default named.
type Hooks struct {
	// Choose picks one of several candidate applications (cardholder
	// confirmation). Default: the first, in priority order.
	Choose func(ctx context.Context, c []Candidate) (int, error)
	// PINPad reads offline PINs and builds the VERIFY commands itself, so
	// that the kernel never holds a PIN (see PINPad). It takes precedence
	// over PIN.
	PINPad PINPad
	// PIN reads an offline PIN as a string; return ErrPINBypass if the
	// cardholder bypasses it. Kept for existing callers: prefer PINPad.
	// Default (both nil): no PIN pad, which sets "PIN entry required and
	// PIN pad not present or not working".
	PIN func(ctx context.Context, kind PINKind, triesLeft int) (string, error)
	// OnlinePIN reads a PIN for the host and returns it encrypted (the
	// kernel never holds it). Default (nil): no PIN pad, as for PIN.
	OnlinePIN func(ctx context.Context, pan emv.PAN) ([]byte, error)
	// Online sends the authorisation request; return ErrOffline (or any
	// error) when the host cannot be reached. Default: unable to go online.
	Online func(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error)
}

// Candidate is an application the card and terminal both support.
type Candidate struct {
	AID   []byte
	Label string
	// PreferredName (9F12) and CodeTable (its Issuer Code Table Index
	// 9F11), when the directory entry or FCI gives them. Display is what
	// to show the cardholder: PreferredName when the terminal supports its
	// code table (9F40), else Label (Book 1 §12.4, Book 4 §11.3).
	PreferredName string
	CodeTable     int
	Display       string
	Priority      int // 1 highest, 0 none
	Confirm       bool
	// KernelID is the Kernel Identifier (9F2A) of a PPSE entry, as the
	// card gave it (nil when absent).
	KernelID []byte
	config   *AIDConfig
	combo    *combination // contactless: the matched combination
}

// OnlineRequest is what the host needs for an authorisation.
type OnlineRequest struct {
	Field55  []byte // ICC data, tags per the scheme's Field55Spec
	PAN      emv.PAN
	PSN      string
	Track2   []byte // tag 57 value
	Expiry   string // YYMM
	PINBlock []byte // encrypted online PIN, nil when none
	Amount   int64
	Data     emv.Data // everything the kernel holds; read-only
}

// OnlineResponse is the host's answer.
type OnlineResponse struct {
	Approved bool
	ARC      [2]byte // 8A, e.g. "00" or "05"
	AuthCode string  // 89
	// Field55 holds 91 (issuer authentication data), 71 and 72 (scripts).
	Field55 []byte
}

// Result is everything a terminal needs after a transaction.
type Result struct {
	Outcome     Outcome
	Err         error // why the transaction failed or was declined offline, if known
	Contactless bool
	AID         []byte
	Label       string
	// Display is the selected application's name to show (see
	// Candidate.Display); Language the language for cardholder messages
	// (ISO 639-1): the first of the card's Language Preference (5F2D) the
	// terminal supports, else the terminal's first (Book 4 §11.1).
	Display          string
	Language         string
	PAN              emv.PAN
	CID              emv.CID
	Cryptogram       []byte // final 9F26
	TVR              emv.TVR
	TSI              emv.TSI
	CVMResults       [3]byte
	SignatureNeeded  bool
	OnlinePINBlock   []byte
	WentOnline       bool
	HostResponse     *OnlineResponse
	ReversalRequired bool // the host approved, the card declined
	ScriptsSent      int
	// Field55 is the final ICC data: the authorisation request's for an
	// online transaction, the TC's for clearing.
	Field55 []byte
	Data    emv.Data
}

// Kernel runs transactions with one configuration. It is safe for
// concurrent use; each transaction has its own state.
type Kernel struct {
	cfg   *Config // the kernel's own copy, checked by New
	hooks Hooks
	log   *slog.Logger
	rand  io.Reader
	now   func() time.Time
	// k2 is Kernel 2's state across transactions (torn transaction log,
	// relay resistance clock; kernel2.go).
	k2 *k2State
}

// New checks cfg and returns a kernel that runs with it. The kernel keeps
// its own copy of cfg (and of its AID list): changing cfg afterwards does
// not change the kernel; build a new one instead. Defaults: a nil Logger
// discards logs, a nil Rand is crypto/rand, a nil Clock is time.Now.
func New(cfg Config) (*Kernel, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.AIDs = slices.Clone(cfg.AIDs)
	k := &Kernel{cfg: &cfg, hooks: cfg.Hooks, log: cfg.Logger, rand: cfg.Rand, now: cfg.Clock}
	if k.log == nil {
		k.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if k.rand == nil {
		k.rand = rand.Reader
	}
	if k.now == nil {
		k.now = time.Now
	}
	k.k2 = newK2State(k.now)
	return k, nil
}

// pinPad is the PIN pad of the hooks, nil when there is none.
func (k *Kernel) pinPad() PINPad {
	if k.hooks.PINPad != nil {
		return k.hooks.PINPad
	}
	if k.hooks.PIN != nil {
		return hookPad{fn: k.hooks.PIN, rnd: k.rand}
	}
	return nil
}

// txn is one transaction's state.
type txn struct {
	// scriptResults is 9F5B as it grows, 5 bytes per script processed.
	scriptResults []byte
	// cdaFailed: a GENERATE AC's CDA signature did not verify.
	cdaFailed bool
	k         *Kernel
	// hooks are the kernel's, or a Session's with its Online hook: per
	// transaction, so that no kernel is copied to change one.
	hooks  Hooks
	ctx    context.Context
	card   Card
	tx     Transaction
	d      emv.Data
	res    *Result
	aid    *AIDConfig
	scheme emv.Scheme
	aip    emv.AIP
	static []byte // records to authenticate
	cda    bool   // CDA to be requested
	icc    any    // *oda.ICCPublicKey once recovered
	// frozenTVR keeps tag 95 as sent to a contactless card.
	frozenTVR bool
	// combo is the selected contactless combination.
	combo *combination
	// tcHashNeeded: 0 not yet known, 1 a CDOL asks for 98, 2 none does.
	tcHashNeeded uint8
}

func (t *txn) tvr(f emv.TVRFlag) { t.res.TVR.Set(f) }
func (t *txn) tsi(f emv.TSIFlag) { t.res.TSI.Set(f) }

// exchange sends one command and returns data and status word. Every
// exchange is logged with the command's name, status and the tags of the
// response, never values.
func (t *txn) exchange(cmd emv.Command) ([]byte, emv.StatusWord, error) {
	apdu, err := cmd.Bytes()
	if err != nil {
		return nil, 0, err
	}
	if err := t.ctx.Err(); err != nil {
		return nil, 0, err
	}
	resp, err := t.card.Transmit(t.ctx, apdu)
	if err != nil {
		t.k.log.LogAttrs(t.ctx, slog.LevelWarn, "apdu", slog.String("cmd", cmd.Name()), slog.String("err", err.Error()))
		return nil, 0, fmt.Errorf("%w: %s: %w", ErrCard, cmd.Name(), err)
	}
	r, err := emv.ParseResponse(resp)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %w", ErrCard, cmd.Name(), err)
	}
	if t.k.log.Enabled(t.ctx, slog.LevelDebug) {
		// Checked first: the tag list and status text cost more than the
		// rest of an exchange with a software card when nobody reads them.
		t.k.log.LogAttrs(t.ctx, slog.LevelDebug, "apdu", slog.String("cmd", cmd.Name()), slog.Int("lc", len(cmd.Data)),
			slog.String("sw", fmt.Sprintf("%04X", uint16(r.SW))), slog.String("tags", tagList(r.Data)))
	}
	return r.Data, r.SW, nil
}

// tagList names the tags of a response, so logs show structure, not data.
func tagList(b []byte) string {
	var sb strings.Builder
	var walk func(s tlv.Scanner)
	walk = func(s tlv.Scanner) {
		for s.Next() {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(s.Tag().String())
			if s.Constructed() {
				walk(s.Descend())
			}
		}
	}
	walk(tlv.NewScanner(b))
	return sb.String()
}

// bcdAmount encodes minor units as n12 (6 bytes BCD).
func bcdAmount(v int64) []byte {
	out := make([]byte, 6)
	if v < 0 {
		v = 0
	}
	for i := 5; i >= 0; i-- {
		out[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	return out
}

func bcdDate(t time.Time) (date, tim []byte) {
	b := func(n int) byte { return byte(n/10)<<4 | byte(n%10) }
	return []byte{b(t.Year() % 100), b(int(t.Month())), b(t.Day())}, []byte{b(t.Hour()), b(t.Minute()), b(t.Second())}
}

func (t *txn) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(t.k.rand, b); err != nil {
		// crypto/rand does not fail; a test reader that runs dry gets zeros.
		clear(b)
	}
	return b
}

// terminalData fills the terminal's data objects.
func (t *txn) terminalData() {
	c := t.k.cfg
	d := t.d
	d[emv.TagAmountAuthorised] = bcdAmount(t.tx.Amount)
	d[emv.TagAmountOther] = bcdAmount(t.tx.AmountOther)
	d[emv.TagTerminalCountryCode] = mustHex(c.Country)
	d[emv.TagTransactionCurrencyCode] = mustHex(c.Currency)
	d[emv.TagTransactionCurrencyExponent] = []byte{byte(c.CurrencyExp)}
	date, tim := bcdDate(t.tx.Time)
	d[emv.TagTransactionDate], d[emv.TagTransactionTime] = date, tim
	d[emv.TagTransactionType] = []byte{t.tx.Type}
	d[emv.TagUnpredictableNumber] = t.random(4)
	d[emv.TagTerminalType] = mustHex(c.TerminalType)
	d[emv.TagTerminalCapabilities] = mustHex(c.Capabilities)
	d[emv.TagAdditionalTerminalCapabilities] = mustHex(c.AddCapabilities)
	if c.IFDSerial != "" {
		d[emv.TagIFDSerialNumber] = []byte(c.IFDSerial)
	}
	if c.TerminalID != "" {
		d[emv.TagTerminalIdentification] = []byte(c.TerminalID)
	}
	if c.MerchantID != "" {
		d[emv.TagMerchantIdentifier] = []byte(c.MerchantID)
	}
	if c.MerchantCategoryCode != "" {
		d[emv.TagMerchantCategoryCode] = bcdDigits(c.MerchantCategoryCode, 2)
	}
	if c.MerchantNameLocation != "" {
		d[emv.TagMerchantNameAndLocation] = []byte(c.MerchantNameLocation)
	}
	if c.AcquirerID != "" {
		d[emv.TagAcquirerIdentifier] = bcdDigits(c.AcquirerID, 6)
	}
	seq := t.tx.Sequence
	d[emv.TagTransactionSequenceCounter] = []byte{byte(seq >> 24), byte(seq >> 16), byte(seq >> 8), byte(seq)}
	d[emv.TagTVR] = t.res.TVR[:]
	d[emv.TagTSI] = t.res.TSI[:]
	d[emv.TagCVMResults] = t.res.CVMResults[:]
}

// tcHash sets the TC Hash Value (98) when CDOL1 or CDOL2 asks for it (EMV
// Book 3 §5.4): SHA-1 over the data the card's TDOL (97) names, else the
// AID's default TDOL — which sets "Default TDOL used" (TVR byte 5 b8) —
// else over no data. Recomputed at each GENERATE AC, after the TVR bit.
func (t *txn) tcHash() {
	if t.tcHashNeeded == 0 {
		if _, ok := t.d[emv.TagCDOL1]; !ok {
			return // CDOL1 not read yet
		}
		t.tcHashNeeded = 2
		for _, tag := range []tlv.Tag{0x8C, 0x8D} {
			dol, _ := tlv.ParseDOL(t.d[tag])
			for _, e := range dol {
				if e.Tag == 0x98 {
					t.tcHashNeeded = 1
				}
			}
		}
	}
	if t.tcHashNeeded != 1 {
		return
	}
	raw, ok := t.d[emv.TagTDOL]
	if !ok && t.aid != nil && t.aid.DefaultTDOL != "" {
		raw = mustHex(t.aid.DefaultTDOL)
		t.tvr(emv.TVRDefaultTDOLUsed)
	}
	var data []byte
	if tdol, err := tlv.ParseDOL(raw); err == nil {
		if !t.frozenTVR {
			t.d[emv.TagTVR] = append([]byte(nil), t.res.TVR[:]...)
		}
		data = t.d.FillDOL(nil, tdol, t.scheme)
	}
	h := sha1.Sum(data)
	t.d[emv.TagTCHashValue] = h[:]
}

// sync copies the TVR, TSI and CVM results into the data set before any
// DOL is filled.
func (t *txn) sync() {
	t.tcHash()
	if !t.frozenTVR {
		t.d[emv.TagTVR] = append([]byte(nil), t.res.TVR[:]...)
	}
	t.d[emv.TagTSI] = append([]byte(nil), t.res.TSI[:]...)
	t.d[emv.TagCVMResults] = append([]byte(nil), t.res.CVMResults[:]...)
}

// fail ends the transaction.
func (t *txn) fail(err error) (*Result, error) {
	t.res.Outcome = Failed
	t.res.Err = err
	if t.res.WentOnline && t.res.HostResponse != nil && t.res.HostResponse.Approved {
		// The issuer approved and the terminal cannot complete (a malformed
		// 91, an I/O error in EXTERNAL AUTHENTICATE or the second GENERATE
		// AC …): the cardholder is charged unless the approval is reversed
		// (UnionPay practice: reversal reason 06).
		t.res.ReversalRequired = true
	}
	t.res.Data = t.d
	t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "transaction failed", slog.String("err", err.Error()))
	return t.res, err
}

func (k *Kernel) newTxn(ctx context.Context, card Card, tx Transaction, hooks Hooks) *txn {
	if tx.Time.IsZero() {
		tx.Time = k.now()
	}
	// A contact transaction holds about 80 data objects: sized once
	// rather than grown through five rehashes.
	t := &txn{k: k, hooks: hooks, ctx: ctx, card: card, tx: tx, d: make(emv.Data, 96), res: &Result{}}
	t.res.CVMResults = [3]byte{0x3F, 0x00, 0x00}
	t.terminalData()
	return t
}

// String summarises a result without card data: outcome, AID, masked PAN,
// cryptogram type, TVR, TSI and CVM results.
func (r Result) String() string {
	return fmt.Sprintf("kernel.Result{%v %X %v %v TVR %s TSI %s CVM %X online %v}",
		r.Outcome, r.AID, r.PAN, r.CID.Type(), r.TVR, r.TSI, r.CVMResults, r.WentOnline)
}

// Format prints String for every verb, so no verb prints Data or Field55.
func (r Result) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r Result) LogValue() slog.Value { return slog.StringValue(r.String()) }

// String summarises a request without track data or the PIN block. Its
// methods have value receivers, so a request held by value (in a caller's
// struct, a slice, a map) prints masked too.
func (q OnlineRequest) String() string {
	return fmt.Sprintf("kernel.OnlineRequest{%v amount %d, field 55 of %d bytes, PIN block %v}",
		q.PAN, q.Amount, len(q.Field55), q.PINBlock != nil)
}

// Format prints String for every verb.
func (q OnlineRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, q.String()) }

// LogValue logs String.
func (q OnlineRequest) LogValue() slog.Value { return slog.StringValue(q.String()) }

// MarshalText gives String to encoding/json and encoding/xml: no PAN,
// track 2 equivalent, ICC data or PIN block leaves as JSON.
func (q OnlineRequest) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml.
func (r Result) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
