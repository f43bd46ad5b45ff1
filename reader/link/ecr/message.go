package ecr

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors.
var (
	ErrFormat     = errors.New("ecr: malformed message")
	ErrMissing    = errors.New("ecr: required field missing")
	ErrUnmasked   = errors.New("ecr: PAN is not masked")
	ErrNoResponse = errors.New("ecr: no response from the terminal")
	ErrNotSent    = errors.New("ecr: request not acknowledged by the terminal")
)

// FS separates the fields of a message (ASCII file separator, as in PAX
// POSLink and many bank ECR specifications).
const FS = 0x1C

// Command is what the cash register asks of the terminal.
type Command uint8

// Commands: the generic ECR message set (reader_notes §4.3).
const (
	Sale Command = iota + 1
	Void
	Refund
	Balance
	PreAuth
	PreAuthCompletion
	Settlement
	SignIn
	Echo
	LastTransaction
	Reprint
	Abort
)

var commandNames = [...]string{"", "SALE", "VOID", "REFUND", "BALANCE", "PREAUTH", "PREAUTH_COMPLETE", "SETTLE", "SIGNIN", "ECHO", "LAST", "REPRINT", "ABORT"}

func (c Command) String() string {
	if int(c) < len(commandNames) && c != 0 {
		return commandNames[c]
	}
	return "Command(" + strconv.Itoa(int(c)) + ")"
}

func parseCommand(s string) (Command, bool) {
	for i, n := range commandNames {
		if i > 0 && n == s {
			return Command(i), true
		}
	}
	return 0, false
}

// MovesMoney reports whether the command can move money. A client never
// sends such a request twice on its own: after a lost answer, ask for
// LastTransaction and decide.
func (c Command) MovesMoney() bool {
	switch c {
	case Sale, Void, Refund, PreAuth, PreAuthCompletion:
		return true
	}
	return false
}

// retrySafe reports whether re-sending the request cannot change anything.
func (c Command) retrySafe() bool {
	switch c {
	case Echo, LastTransaction, Reprint, Balance:
		return true
	}
	return false
}

// Field tags on the wire.
const (
	tagRef      = "REF"   // ECR reference, echoed in every answer and status
	tagAmount   = "AMT"   // amount, 12 digits, minor units
	tagCurrency = "CUR"   // ISO 4217 numeric, 3 digits
	tagOrigRRN  = "ORRN"  // original retrieval reference number
	tagOrigTrc  = "OTRC"  // original trace (voucher) number
	tagOrigAuth = "OAUTH" // original authorisation code
	tagOrigDate = "ODATE" // original date, YYYYMMDD
	tagOperator = "OPR"
	tagResult   = "RC"
	tagText     = "TXT"
	tagAuth     = "AUTH"
	tagRRN      = "RRN"
	tagTrace    = "TRC"
	tagPAN      = "PAN"
	tagScheme   = "CARD"
	tagTID      = "TID"
	tagMID      = "MID"
	tagBatch    = "BATCH"
	tagTime     = "TIME" // YYYYMMDDhhmmss, terminal local time
	tagStatus   = "ST"
)

// need lists, per command, the request fields that must be present: the
// message set as data.
var need = map[Command][]string{
	Sale:              {tagAmount, tagCurrency},
	Void:              {tagOrigTrc},
	Refund:            {tagAmount, tagCurrency, tagOrigRRN, tagOrigDate},
	PreAuth:           {tagAmount, tagCurrency},
	PreAuthCompletion: {tagAmount, tagCurrency, tagOrigAuth, tagOrigRRN},
}

// Message kinds: the first field of every message.
const (
	kindRequest  = "Q"
	kindResponse = "A"
	kindStatus   = "S"
)

// Message is a *Request, *Response or *Status.
type Message interface{ ref() string }

// Request is sent by the cash register.
type Request struct {
	Command  Command
	Ref      string // ECR reference, 1-32 printable characters, echoed back
	Amount   int64  // minor units (fen, cents); 0 when not applicable
	Currency uint16 // ISO 4217 numeric (156 CNY, 978 EUR); 0 when absent
	OrigRRN  string
	OrigTrc  string
	OrigAuth string
	OrigDate string // YYYYMMDD
	Operator string
}

func (r *Request) ref() string { return r.Ref }

// Response is the terminal's final answer.
type Response struct {
	Command    Command
	Ref        string
	Result     string // "00" approved / done; see the Result constants
	Text       string // for the cashier's display, UTF-8
	Amount     int64
	Currency   uint16
	AuthCode   string
	RRN        string
	Trace      string
	MaskedPAN  string // first 6 and last 4 digits at most; never the full PAN
	Scheme     string
	TerminalID string
	MerchantID string
	Batch      string
	Time       string // YYYYMMDDhhmmss
}

func (r *Response) ref() string { return r.Ref }

// Results the SDK itself gives; others come from the host (ISO 8583 field 39).
const (
	ResultApproved    = "00"
	ResultFormatError = "30"
	ResultBusy        = "BY" // another transaction is running
	ResultAborted     = "AB" // stopped by an Abort request
	ResultFailed      = "96" // the terminal could not complete (system malfunction)
)

// Approved reports whether Result is "00".
func (r *Response) Approved() bool { return r.Result == ResultApproved }

// StatusCode says what the terminal is doing while the cash register waits.
type StatusCode string

// Statuses sent while a transaction runs.
const (
	StatusWaitCard   StatusCode = "CARD"   // present, insert or swipe a card
	StatusReading    StatusCode = "READ"   // reading the card
	StatusWaitPIN    StatusCode = "PIN"    // cardholder entering PIN
	StatusOnline     StatusCode = "ONLINE" // waiting for the host
	StatusRemoveCard StatusCode = "REMOVE" // take the card out
	StatusProcessing StatusCode = "PROC"
)

// Status is an intermediate frame, sent while a request is being served.
type Status struct {
	Command Command // the command being served
	Ref     string
	Code    StatusCode
	Text    string
}

func (s *Status) ref() string { return s.Ref }

// writer builds one message; the first error sticks.
type writer struct {
	b   []byte
	err error
}

func (w *writer) field(tag, v string) {
	if v == "" || w.err != nil {
		return
	}
	if !utf8.ValidString(v) {
		w.err = fmt.Errorf("%w: field %s is not UTF-8", ErrFormat, tag)
		return
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7F {
			w.err = fmt.Errorf("%w: field %s has control byte %02X at %d", ErrFormat, tag, v[i], i)
			return
		}
	}
	w.b = append(w.b, FS)
	w.b = append(w.b, tag...)
	w.b = append(w.b, '=')
	w.b = append(w.b, v...)
}

func (w *writer) amount(a int64) {
	if a == 0 || w.err != nil {
		return
	}
	if a < 0 || a > 999_999_999_999 {
		w.err = fmt.Errorf("%w: amount %d outside 0-999999999999 minor units", ErrFormat, a)
		return
	}
	w.field(tagAmount, fmt.Sprintf("%012d", a))
}

func (w *writer) currency(c uint16) {
	if c == 0 || w.err != nil {
		return
	}
	if c > 999 {
		w.err = fmt.Errorf("%w: currency %d is not a 3-digit ISO 4217 code", ErrFormat, c)
		return
	}
	w.field(tagCurrency, fmt.Sprintf("%03d", c))
}

func checkRef(ref string) error {
	if ref == "" || len(ref) > 32 {
		return fmt.Errorf("%w: ECR reference must be 1-32 characters, got %d", ErrFormat, len(ref))
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] <= 0x20 || ref[i] >= 0x7F {
			return fmt.Errorf("%w: ECR reference byte %02X at %d is not printable ASCII", ErrFormat, ref[i], i)
		}
	}
	return nil
}

func start(dst []byte, kind string, c Command, ref string) (*writer, error) {
	if c == 0 || int(c) >= len(commandNames) {
		return nil, fmt.Errorf("%w: unknown command %d", ErrFormat, c)
	}
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	w := &writer{b: dst}
	w.b = append(w.b, kind...)
	w.b = append(w.b, FS)
	w.b = append(w.b, c.String()...)
	w.field(tagRef, ref)
	return w, nil
}

// AppendRequest encodes r after checking the fields its command needs.
func AppendRequest(dst []byte, r *Request) ([]byte, error) {
	w, err := start(dst, kindRequest, r.Command, r.Ref)
	if err != nil {
		return dst, err
	}
	w.amount(r.Amount)
	w.currency(r.Currency)
	w.field(tagOrigRRN, r.OrigRRN)
	w.field(tagOrigTrc, r.OrigTrc)
	w.field(tagOrigAuth, r.OrigAuth)
	w.field(tagOrigDate, r.OrigDate)
	w.field(tagOperator, r.Operator)
	if w.err != nil {
		return dst, w.err
	}
	if err := r.check(); err != nil {
		return dst, err
	}
	return w.b, nil
}

// check applies the per-command table of required fields.
func (r *Request) check() error {
	for _, tag := range need[r.Command] {
		var missing bool
		switch tag {
		case tagAmount:
			missing = r.Amount <= 0
		case tagCurrency:
			missing = r.Currency == 0
		case tagOrigRRN:
			missing = r.OrigRRN == ""
		case tagOrigTrc:
			missing = r.OrigTrc == ""
		case tagOrigAuth:
			missing = r.OrigAuth == ""
		case tagOrigDate:
			missing = r.OrigDate == ""
		}
		if missing {
			return fmt.Errorf("%w: %v needs %s", ErrMissing, r.Command, tag)
		}
	}
	return nil
}

// AppendResponse encodes r. A MaskedPAN with more than 10 digits is
// refused: the full PAN never goes to the cash register.
func AppendResponse(dst []byte, r *Response) ([]byte, error) {
	if n := digits(r.MaskedPAN); n > 10 {
		return dst, fmt.Errorf("%w: %d digits shown, at most 6 + 4", ErrUnmasked, n)
	}
	if r.Result == "" {
		return dst, fmt.Errorf("%w: response without a result code", ErrMissing)
	}
	w, err := start(dst, kindResponse, r.Command, r.Ref)
	if err != nil {
		return dst, err
	}
	w.field(tagResult, r.Result)
	w.field(tagText, r.Text)
	w.amount(r.Amount)
	w.currency(r.Currency)
	w.field(tagAuth, r.AuthCode)
	w.field(tagRRN, r.RRN)
	w.field(tagTrace, r.Trace)
	w.field(tagPAN, r.MaskedPAN)
	w.field(tagScheme, r.Scheme)
	w.field(tagTID, r.TerminalID)
	w.field(tagMID, r.MerchantID)
	w.field(tagBatch, r.Batch)
	w.field(tagTime, r.Time)
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// AppendStatus encodes s.
func AppendStatus(dst []byte, s *Status) ([]byte, error) {
	if s.Code == "" {
		return dst, fmt.Errorf("%w: status without a code", ErrMissing)
	}
	w, err := start(dst, kindStatus, s.Command, s.Ref)
	if err != nil {
		return dst, err
	}
	w.field(tagStatus, string(s.Code))
	w.field(tagText, s.Text)
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}
