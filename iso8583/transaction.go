package iso8583

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Transaction is one CUP POS message as typed values: requests and
// responses of every Kind. Zero values mean "field absent". Pack fills the
// kind's defaults (MTI, processing code, condition code, 60.1, 60.3,
// currency 156) into a copy and checks the kind's required fields first.
//
// Printing a Transaction with fmt or slog shows a summary with the PAN
// masked and no track data, PIN block, ICC data or keys.
type Transaction struct {
	Kind     Kind
	Original Kind   // for a reversal: the kind reversed (from 60.1)
	MTI      string // "" means the kind's request MTI

	// MACVerified is set by the codec when the message arrived with field
	// 64 and its MAC verified under the terminal's MAK. It is never packed
	// or stored.
	MACVerified bool `json:"-"`

	PAN                PAN              // 2
	ProcessingCode     string           // 3, n6
	Amount             int64            // 4, fen (分); 0 = absent
	STAN               uint32           // 11 (POS流水号); 0 = absent
	LocalTime          string           // 12, hhmmss
	LocalDate          string           // 13, MMDD
	Expiry             string           // 14, YYMM
	SettlementDate     string           // 15, MMDD
	EntryMode          string           // 22, n3 (e.g. "021" swiped with PIN, "051" chip with PIN)
	CardSequence       string           // 23, n3
	ConditionCode      string           // 25, n2
	PINCaptureCode     string           // 26, n2
	AcquirerID         string           // 32, n..11
	Track2             Track            // 35
	Track3             Track            // 36
	RRN                string           // 37, an12 (检索参考号)
	AuthCode           string           // 38, an6
	ResponseCode       ResponseCode     // 39
	TerminalID         string           // 41, ans8
	MerchantID         string           // 42, ans15
	MerchantName       string           // 43, GBK ans40
	AdditionalResponse string           // 44
	AdditionalData     string           // 48, digits (settlement totals, batch upload details)
	Currency           string           // 49, an3
	PINBlock           PINBlock         // 52
	Security           *SecurityControl // 53
	KSN                []byte           // the DUKPT KSN of field 52, 10 or 12 bytes, in the field of WithKSNField; not secret
	AdditionalAmounts  string           // 54 (balance)
	ICC                Hidden           // 55, BER-TLV
	PBOCData           string           // 58, ans...100 (PBOC electronic purse data)
	TerminalInfo       string           // 59, ans...600 (newer CUP specs: terminal unique ID, TUSN, and the like)
	Field60            *Field60         // 60
	Field61            *Field61         // 61
	Field62            Hidden           // 62 (working keys in a sign-in response)
	Field63            *Field63         // 63
}

// IsResponse reports whether the message is a response (third MTI digit
// odd: 0210, 0810 ...).
func (t *Transaction) IsResponse() bool {
	mti := t.mti()
	return len(mti) == 4 && (mti[2]-'0')%2 == 1
}

func (t *Transaction) mti() string {
	if t.MTI != "" {
		return t.MTI
	}
	return t.Kind.MTI()
}

func (t *Transaction) batch() uint32 {
	if t.Field60 == nil {
		return 0
	}
	return t.Field60.Batch
}

// withDefaults returns a copy of t with the kind's defaults filled in.
func (t *Transaction) withDefaults() Transaction {
	c := *t
	ki := t.Kind.info()
	kind := t.Kind
	if kind == KindReversal {
		ki = t.Original.info()
		kind = t.Original
	}
	c.MTI = t.mti()
	if c.IsResponse() {
		return c
	}
	if c.ProcessingCode == "" {
		c.ProcessingCode = ki.proc
	}
	if c.ConditionCode == "" {
		c.ConditionCode = ki.cond
	}
	if c.Currency == "" && kind != KindUnknown && slices.Contains(ki.req, 49) {
		c.Currency = "156" // CNY (ISO 4217): the CUP POS dialect is domestic
	}
	if c.Field60 != nil && c.Field60.Type == "" {
		// 60.1 and 60.3 are filled together, and only when 60.1 was
		// left to the kind: a received request (60.1 set) re-packs with
		// exactly the subfields it came with (some terminals send only
		// 60.1 and 60.2).
		f := *c.Field60
		f.Type = ki.type60
		if f.NetMgmt == "" {
			f.NetMgmt = ki.nmi
		}
		c.Field60 = &f
	}
	return c
}

// ksnUnchecked and ksnNoSpec are fill's ksnField when no spec is at
// hand: Validate checks the KSN's shape only; Message, whose values
// carry no spec, refuses a KSN.
const (
	ksnUnchecked = -1
	ksnNoSpec    = 0
)

// fill converts t (defaults already applied) into field values, checking
// their shape, and records which fields are present. ksnField is the
// spec's field for t.KSN (see WithKSNField).
func (t *Transaction) fill(v *fieldValues, withMAC bool, ksnField int) error {
	var err error
	set := func(id int, s string) {
		if s == "" || err != nil {
			return
		}
		v.isSet[id] = true
		v.str[id] = s
	}
	setB := func(id int, b []byte) {
		if len(b) == 0 || err != nil {
			return
		}
		v.isSet[id] = true
		v.bin[id] = b
	}
	num := func(id int, n uint64, width int) {
		if n == 0 {
			return
		}
		s := strconv.FormatUint(n, 10)
		if len(s) > width {
			if err == nil {
				err = fmt.Errorf("%w: field %d exceeds %d digits", ErrInvalidField, id, width)
			}
			return
		}
		set(id, strings.Repeat("0", width-len(s))+s)
	}
	v.str[0], v.isSet[0] = t.MTI, true
	set(2, string(t.PAN))
	set(3, t.ProcessingCode)
	if t.Amount < 0 {
		return fmt.Errorf("%w: field 4 negative amount", ErrInvalidField)
	}
	num(4, uint64(t.Amount), 12)
	num(11, uint64(t.STAN), 6)
	set(12, t.LocalTime)
	set(13, t.LocalDate)
	set(14, t.Expiry)
	set(15, t.SettlementDate)
	set(22, t.EntryMode)
	set(23, t.CardSequence)
	set(25, t.ConditionCode)
	set(26, t.PINCaptureCode)
	set(32, t.AcquirerID)
	set(35, string(t.Track2))
	set(36, string(t.Track3))
	set(37, t.RRN)
	set(38, t.AuthCode)
	set(39, string(t.ResponseCode))
	set(41, t.TerminalID)
	set(42, t.MerchantID)
	set(43, t.MerchantName)
	set(44, t.AdditionalResponse)
	set(48, t.AdditionalData)
	set(49, t.Currency)
	setB(52, t.PINBlock)
	if t.KSN != nil {
		if e := checkKSN(t.KSN); e != nil {
			return fmt.Errorf("%w: %w", ErrInvalidField, e)
		}
		if len(t.PINBlock) == 0 {
			return fmt.Errorf("%w: a KSN without a PIN block (field 52)", ErrInvalidField)
		}
		switch ksnField {
		case ksnUnchecked:
		case ksnNoSpec:
			return fmt.Errorf("%w: a KSN, but the spec has no KSN field (see WithKSNField)", ErrInvalidField)
		default:
			setB(ksnField, t.KSN)
		}
	}
	if t.Security != nil {
		s, e := t.Security.encode()
		if e != nil {
			return e
		}
		set(53, s)
	}
	set(54, t.AdditionalAmounts)
	setB(55, t.ICC)
	set(58, t.PBOCData)
	set(59, t.TerminalInfo)
	if t.Field60 != nil {
		s, e := t.Field60.encode()
		if e != nil {
			return e
		}
		set(60, s)
	}
	if t.Field61 != nil {
		s, e := t.Field61.encode()
		if e != nil {
			return e
		}
		set(61, s)
	}
	setB(62, t.Field62)
	if t.Field63 != nil {
		s, e := t.Field63.encode()
		if e != nil {
			return e
		}
		set(63, s)
	}
	if withMAC {
		// A placeholder the codec overwrites with the MAC: field 64,
		// as a Transaction never carries a secondary bitmap.
		setB(64, make([]byte, MACSize))
	}
	return err
}

// Validate checks that t, with its kind's defaults, has every field its
// kind requires. Pack calls it; call it directly to check a transaction
// before storing it.
func (t *Transaction) Validate() error {
	c := t.withDefaults()
	if err := c.checkMTI(); err != nil {
		return err
	}
	var v fieldValues
	if err := c.fill(&v, false, ksnUnchecked); err != nil {
		return err
	}
	return c.checkRequired(&v)
}

// Message returns t, with its kind's defaults and checked as Pack checks
// it, as field values (no MAC field): for Codec.PackMessage, for specs
// and tools that need fields a Transaction does not type, and for
// package iso8583/moovx, which converts it to a moov-io message. A
// Message has no spec, so a t with a KSN is refused (ErrInvalidField):
// set the KSN's field on the Message yourself (Message.SetBytes).
func (t *Transaction) Message() (*Message, error) {
	c := t.withDefaults()
	if err := c.checkMTI(); err != nil {
		return nil, err
	}
	m := &Message{}
	if err := c.fill(&m.v, false, ksnNoSpec); err != nil {
		return nil, err
	}
	if err := c.checkRequired(&m.v); err != nil {
		return nil, err
	}
	return m, nil
}

// TransactionFromMessage reads the typed fields of a Transaction out of m
// (the inverse of Transaction.Message): kind from MTI, 60.1 and 60.3,
// subfields of 53, 60, 61 and 63 parsed. Fields a Transaction does not
// type are ignored; a MAC field is not verified (MACVerified stays false).
func TransactionFromMessage(m *Message) (*Transaction, error) {
	return fromFields(
		func(id int) (string, error) { return m.Field(id), nil },
		func(id int) []byte { return m.Bytes(id) })
}

func (t *Transaction) checkMTI() error {
	if len(t.MTI) != 4 || !allDigits(t.MTI) {
		return fmt.Errorf("%w: MTI %q (set Kind or MTI)", ErrMissingField, t.MTI)
	}
	return nil
}

func (t *Transaction) checkRequired(v *fieldValues) error {
	req := respRequired
	ki := t.Kind.info()
	if !t.IsResponse() {
		req = ki.req
	}
	var missing []string
	for _, id := range req {
		if !v.isSet[id] {
			missing = append(missing, strconv.Itoa(id))
		}
	}
	if !t.IsResponse() {
		if ki.card && !v.isSet[2] && !v.isSet[35] {
			missing = append(missing, "2 or 35")
		}
		if t.Kind == KindReversal && t.Original.info().req != nil && slices.Contains(t.Original.info().req, 4) && !v.isSet[4] {
			missing = append(missing, "4")
		}
	} else if t.Kind == KindSignIn && t.ResponseCode == Approved && !v.isSet[62] {
		missing = append(missing, "62")
	}
	if missing != nil {
		return fmt.Errorf("%w: %s %s needs field %s", ErrMissingField, t.Kind, t.MTI, strings.Join(missing, ", "))
	}
	return nil
}

// macExpected reports whether this message must carry field 64.
func (t *Transaction) macExpected() bool {
	if !t.Kind.RequiresMAC() {
		return false
	}
	if t.IsResponse() {
		if t.Kind == KindReversal {
			// A 0410 that finishes a reversal (CUP practice: 00 reversed,
			// 12 and 25 original not found or not reversible, nothing to
			// undo) is authenticated: a forged one must not make the
			// terminal forget money it owes back.
			return t.ResponseCode.FinishesReversal()
		}
		return t.ResponseCode.Approved()
	}
	return true
}

// fromValues reads the typed fields out of values unpacked under c.
func fromValues(c *compiledSpec, v *fieldValues) (*Transaction, error) {
	t, err := fromFields(
		func(id int) (string, error) { return c.getString(v, id) },
		func(id int) []byte { return getBytes(v, id) })
	if err != nil || c.ksn == 0 {
		return t, err
	}
	if ksn := getBytes(v, c.ksn); ksn != nil {
		if err := checkKSN(ksn); err != nil {
			return nil, fmt.Errorf("%w: field %d: %w", ErrUnpack, c.ksn, err)
		}
		if len(t.PINBlock) == 0 {
			return nil, fmt.Errorf("%w: field %d: a KSN without a PIN block (field 52)", ErrUnpack, c.ksn)
		}
		t.KSN = ksn
	}
	return t, nil
}

// fromFields reads the typed fields through getters: getS returns a
// field as text ("" when absent, an error when the spec lacks it), getB
// as bytes.
func fromFields(getS func(id int) (string, error), getB func(id int) []byte) (*Transaction, error) {
	var t Transaction
	var err error
	get := func(id int) string {
		if err != nil {
			return ""
		}
		s, e := getS(id)
		if e != nil {
			err = fmt.Errorf("%w: field %d: %w", ErrUnpack, id, e)
		}
		return s
	}
	num := func(id int) uint64 {
		s := get(id)
		if s == "" {
			return 0
		}
		v, ok := digitsN(s)
		if !ok && err == nil {
			err = fmt.Errorf("%w: field %d is not numeric", ErrUnpack, id)
		}
		return v
	}
	t.MTI = get(0)
	t.PAN = PAN(get(2))
	t.ProcessingCode = get(3)
	t.Amount = int64(num(4))
	t.STAN = uint32(num(11))
	t.LocalTime, t.LocalDate, t.Expiry, t.SettlementDate = get(12), get(13), get(14), get(15)
	t.EntryMode, t.CardSequence, t.ConditionCode, t.PINCaptureCode = get(22), get(23), get(25), get(26)
	t.AcquirerID = get(32)
	t.Track2, t.Track3 = Track(get(35)), Track(get(36))
	t.RRN, t.AuthCode, t.ResponseCode = get(37), get(38), ResponseCode(get(39))
	t.TerminalID, t.MerchantID, t.MerchantName = get(41), get(42), get(43)
	t.AdditionalResponse, t.AdditionalData, t.Currency = get(44), get(48), get(49)
	t.PINBlock = getB(52)
	if s := get(53); s != "" && err == nil {
		sc, e := ParseSecurityControl(s)
		if e != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnpack, e)
		}
		t.Security = &sc
	}
	t.AdditionalAmounts = get(54)
	t.ICC = getB(55)
	t.PBOCData, t.TerminalInfo = get(58), get(59)
	if s := get(60); s != "" && err == nil {
		f, e := ParseField60(s)
		if e != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnpack, e)
		}
		t.Field60 = &f
	}
	if s := get(61); s != "" && err == nil {
		f, e := ParseField61(s)
		if e != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnpack, e)
		}
		t.Field61 = &f
	}
	t.Field62 = getB(62)
	if s := get(63); s != "" {
		f := ParseField63(s)
		t.Field63 = &f
	}
	if err != nil {
		return nil, err
	}
	var type60, nmi string
	if t.Field60 != nil {
		type60, nmi = t.Field60.Type, t.Field60.NetMgmt
	}
	t.Kind, t.Original = classify(t.MTI, type60, nmi)
	return &t, nil
}

// Format prints a one-line summary for every verb: kind, MTI, STAN,
// amount, masked PAN, response code. Card data never appears.
func (t Transaction) Format(f fmt.State, _ rune) { io.WriteString(f, t.summary()) }

// String returns the summary Format prints.
func (t Transaction) String() string { return t.summary() }

// LogValue logs the summary fields; card data never appears.
func (t Transaction) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", t.Kind.String()), slog.String("mti", t.mti()), slog.Uint64("stan", uint64(t.STAN))}
	if t.Amount != 0 {
		attrs = append(attrs, slog.Int64("amount", t.Amount))
	}
	if t.PAN != "" {
		attrs = append(attrs, slog.String("pan", t.PAN.String()))
	}
	if t.ResponseCode != "" {
		attrs = append(attrs, slog.String("rc", string(t.ResponseCode)))
	}
	if len(t.KSN) > 0 {
		attrs = append(attrs, slog.String("ksn", fmt.Sprintf("%X", t.KSN)))
	}
	return slog.GroupValue(attrs...)
}

func (t Transaction) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s stan=%06d", t.Kind, t.mti(), t.STAN)
	if t.Kind == KindReversal {
		fmt.Fprintf(&b, " of=%s", t.Original)
	}
	if t.Amount != 0 {
		fmt.Fprintf(&b, " amount=%d.%02d", t.Amount/100, t.Amount%100)
	}
	if t.PAN != "" {
		b.WriteString(" pan=" + t.PAN.String())
	}
	if t.TerminalID != "" {
		b.WriteString(" tid=" + t.TerminalID)
	}
	if len(t.KSN) > 0 {
		fmt.Fprintf(&b, " ksn=%X", t.KSN)
	}
	if t.ResponseCode != "" {
		b.WriteString(" rc=" + t.ResponseCode.String())
	}
	return b.String()
}
