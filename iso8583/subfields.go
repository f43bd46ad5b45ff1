package iso8583

import (
	"fmt"
	"strconv"
	"strings"
)

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitsN parses a fixed-width unsigned decimal.
func digitsN(s string) (uint64, bool) {
	if s == "" || !allDigits(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// Field60 is CUP field 60 (自定义域), LLLVAR n..., left-aligned BCD.
// Subfields are positional; a later one may be set only when every
// earlier one is.
//
// 60.1-60.3 are confirmed by the public sign-in frames and terminal code
// (reference notes §3.3); 60.4-60.7 and their lengths are as three
// independent public terminal codebases define them: a Newland payment
// app (com.newland.payment.trans.bean.field.ISOField60), a C terminal
// application's STFIELD60 struct (magtxn.h, 60.1 n2 ... 60.7 n3) and a
// third terminal's TMS parameter struct (60.6 部分扣款和返回余额标志 n1,
// 60.7 账户类型标志 n3). That makes 17 digits; newer CUP terminal
// specifications let the field grow beyond 60.7, and whatever follows is
// kept, untyped, in Extra (CUPSpec allows CUPField60Max digits).
type Field60 struct {
	Type        string // 60.1 n2 transaction type code (交易类型码): 22 sale, 00 management ...
	Batch       uint32 // 60.2 n6 batch number (批次号)
	NetMgmt     string // 60.3 n3 network management information code (网络管理信息码)
	Capability  string // 60.4 n1 terminal read capability (终端读取能力): 5 contact chip, 6 chip and contactless
	ICCondition string // 60.5 n1 IC card condition code (IC卡条件代码): 0, 1 last chip read good, 2 fallback after a chip failure
	// PartialApproval is 60.6 n1 (支持部分扣款和返回余额标志): 1 when the
	// terminal accepts a partial approval (response 10) and a returned
	// balance, 0 when not.
	PartialApproval string
	// AccountType is 60.7 n3 (账户类型), e.g. 048 or 065 for the
	// issuer's and the alliance's loyalty points in the Newland app.
	AccountType string
	// Extra holds the digits after 60.7, as they came.
	Extra string
}

// String returns the field's digits.
func (f Field60) String() string {
	s, err := f.encode()
	if err != nil {
		return "invalid field 60"
	}
	return s
}

// field60Parts are the positional subfields after 60.2, with their
// lengths (-1: the rest).
var field60Parts = [...]struct {
	n    int
	name string
}{{3, "60.3"}, {1, "60.4"}, {1, "60.5"}, {1, "60.6"}, {3, "60.7"}, {-1, "60.8"}}

func (f *Field60) parts() [6]*string {
	return [6]*string{&f.NetMgmt, &f.Capability, &f.ICCondition, &f.PartialApproval, &f.AccountType, &f.Extra}
}

func (f Field60) encode() (string, error) {
	if len(f.Type) != 2 || !allDigits(f.Type) {
		return "", fmt.Errorf("%w: field 60.1 must be 2 digits", ErrInvalidField)
	}
	if f.Batch > 999999 {
		return "", fmt.Errorf("%w: field 60.2 batch %d exceeds 6 digits", ErrInvalidField, f.Batch)
	}
	var b strings.Builder
	b.WriteString(f.Type)
	fmt.Fprintf(&b, "%06d", f.Batch)
	gap := ""
	for i, p := range f.parts() {
		part := field60Parts[i]
		if *p == "" {
			if gap == "" {
				gap = part.name
			}
			continue
		}
		if gap != "" {
			return "", fmt.Errorf("%w: field %s set but %s is empty", ErrInvalidField, part.name, gap)
		}
		if (part.n > 0 && len(*p) != part.n) || !allDigits(*p) {
			if part.n < 0 {
				return "", fmt.Errorf("%w: field 60 after 60.7 must be digits", ErrInvalidField)
			}
			return "", fmt.Errorf("%w: field %s must be %d digits", ErrInvalidField, part.name, part.n)
		}
		b.WriteString(*p)
	}
	if b.Len() > CUPField60Max {
		return "", fmt.Errorf("%w: field 60 has %d digits, at most %d", ErrInvalidField, b.Len(), CUPField60Max)
	}
	return b.String(), nil
}

// ParseField60 parses the digits of field 60. A subfield cut short (for
// example 9 or 10 digits, a partial 60.3) is an error: it would not
// re-pack to the same digits under its name.
func ParseField60(s string) (Field60, error) {
	var f Field60
	if len(s) < 8 || len(s) > CUPField60Max || !allDigits(s) {
		return f, fmt.Errorf("%w: field 60 needs 8 to %d digits, has %d", ErrInvalidField, CUPField60Max, len(s))
	}
	b, _ := digitsN(s[2:8])
	f.Type, f.Batch = s[:2], uint32(b)
	rest := s[8:]
	for i, p := range f.parts() {
		part := field60Parts[i]
		if rest == "" {
			break
		}
		if part.n < 0 {
			*p, rest = rest, ""
			break
		}
		if len(rest) < part.n {
			return Field60{}, fmt.Errorf("%w: field %s truncated (%d of %d digits)", ErrInvalidField, part.name, len(rest), part.n)
		}
		*p, rest = rest[:part.n], rest[part.n:]
	}
	return f, nil
}

// Field61 is CUP field 61 (原始信息域), LLLVAR n...29: where the original
// of a void, refund, completion or pre-authorisation cancel is found.
// 61.1-61.3 are confirmed by a public reversal frame (reference notes
// §3.3, DateTest); 61.4 and 61.5 are as the C terminal application's
// STFIELD61 struct (magtxn.h) defines them, 6+6+4+2+11 = the 29 digits of
// the field's maximum.
type Field61 struct {
	Batch uint32 // 61.1 n6 original batch number (原批次号)
	STAN  uint32 // 61.2 n6 original POS trace number (原POS流水号)
	Date  string // 61.3 n4 original transaction date MMDD (原交易日期), optional
	// AuthMethod is 61.4 n2, how the original was authorised (原交易授权方式),
	// in refunds and completions of a pre-authorisation.
	AuthMethod string
	// AuthInstitution is 61.5 n11, the institution that authorised the
	// original (原交易授权机构代码).
	AuthInstitution string
	// Extra holds digits after 61.5 (none within the 29-digit maximum;
	// kept for dialects that lengthen the field).
	Extra string
}

// String returns the field's digits.
func (f Field61) String() string {
	s, err := f.encode()
	if err != nil {
		return "invalid field 61"
	}
	return s
}

var field61Parts = [...]struct {
	n    int
	name string
}{{4, "61.3"}, {2, "61.4"}, {11, "61.5"}, {-1, "61.6"}}

func (f *Field61) parts() [4]*string {
	return [4]*string{&f.Date, &f.AuthMethod, &f.AuthInstitution, &f.Extra}
}

func (f Field61) encode() (string, error) {
	if f.Batch > 999999 || f.STAN > 999999 {
		return "", fmt.Errorf("%w: field 61 batch or STAN exceeds 6 digits", ErrInvalidField)
	}
	s := fmt.Sprintf("%06d%06d", f.Batch, f.STAN)
	gap := ""
	for i, p := range f.parts() {
		part := field61Parts[i]
		if *p == "" {
			if gap == "" {
				gap = part.name
			}
			continue
		}
		if gap != "" {
			return "", fmt.Errorf("%w: field %s set but %s is empty", ErrInvalidField, part.name, gap)
		}
		if (part.n > 0 && len(*p) != part.n) || !allDigits(*p) {
			return "", fmt.Errorf("%w: field %s must be %d digits", ErrInvalidField, part.name, part.n)
		}
		s += *p
	}
	if len(s) > 29 {
		return "", fmt.Errorf("%w: field 61 has %d digits, at most 29", ErrInvalidField, len(s))
	}
	return s, nil
}

// ParseField61 parses the digits of field 61: 61.1 and 61.2, then each
// further subfield whole (a cut-short one is an error).
func ParseField61(s string) (Field61, error) {
	var f Field61
	if len(s) < 12 || len(s) > 29 || !allDigits(s) {
		return f, fmt.Errorf("%w: field 61 needs 12 to 29 digits, has %d", ErrInvalidField, len(s))
	}
	b, _ := digitsN(s[:6])
	n, _ := digitsN(s[6:12])
	f.Batch, f.STAN = uint32(b), uint32(n)
	rest := s[12:]
	for i, p := range f.parts() {
		part := field61Parts[i]
		if rest == "" {
			break
		}
		if part.n < 0 {
			*p, rest = rest, ""
			break
		}
		if len(rest) < part.n {
			return Field61{}, fmt.Errorf("%w: field %s truncated (%d of %d digits)", ErrInvalidField, part.name, len(rest), part.n)
		}
		*p, rest = rest[:part.n], rest[part.n:]
	}
	return f, nil
}

// Field63 is CUP field 63 (自定义域), LLLVAR ans...163, GBK. 63.1 is the
// operator code in requests and the card organisation (CUP, VIS, MCC,
// JCB ...) in responses; 63.2 onward is free text.
type Field63 struct {
	Code string // 63.1 an3
	Text string // 63.2 onward
}

func (f Field63) encode() (string, error) {
	if f.Text != "" && len(f.Code) != 3 {
		return "", fmt.Errorf("%w: field 63.1 must be 3 characters when 63.2 is set", ErrInvalidField)
	}
	if len(f.Code) > 3 {
		return "", fmt.Errorf("%w: field 63.1 longer than 3 characters", ErrInvalidField)
	}
	return f.Code + f.Text, nil
}

// ParseField63 splits field 63 into its code and text.
func ParseField63(s string) Field63 {
	if len(s) <= 3 {
		return Field63{Code: s}
	}
	return Field63{Code: s[:3], Text: s[3:]}
}

// SecurityControl is field 53 (安全控制信息), n16.
type SecurityControl struct {
	// PINFormat is 53.1: 0 no PIN, 1 ANSI X9.8 without PAN, 2 ANSI X9.8
	// with PAN (ISO 9564-1 format 0).
	PINFormat uint8
	// Algorithm is 53.2: 0 single-length DES keys, 6 double-length TDES.
	Algorithm uint8
	// TrackEncrypted is 53.3: fields 35 and 36 are encrypted with the TDK.
	TrackEncrypted bool
	// Reserved holds digits 4-16, zeros in the CUP spec; kept so that a
	// dialect's other use survives a round trip.
	Reserved string
}

func (s SecurityControl) encode() (string, error) {
	if s.PINFormat > 9 || s.Algorithm > 9 {
		return "", fmt.Errorf("%w: field 53 digits out of range", ErrInvalidField)
	}
	r := s.Reserved
	if r == "" {
		r = "0000000000000"
	}
	if len(r) != 13 || !allDigits(r) {
		return "", fmt.Errorf("%w: field 53 reserved part must be 13 digits", ErrInvalidField)
	}
	t := byte('0')
	if s.TrackEncrypted {
		t = '1'
	}
	return string([]byte{'0' + s.PINFormat, '0' + s.Algorithm, t}) + r, nil
}

// ParseSecurityControl parses the 16 digits of field 53.
func ParseSecurityControl(s string) (SecurityControl, error) {
	if len(s) != 16 || !allDigits(s) || (s[2] != '0' && s[2] != '1') {
		return SecurityControl{}, fmt.Errorf("%w: field 53 must be 16 digits with 53.3 in {0,1}", ErrInvalidField)
	}
	sc := SecurityControl{PINFormat: s[0] - '0', Algorithm: s[1] - '0', TrackEncrypted: s[2] == '1'}
	if s[3:] != "0000000000000" {
		sc.Reserved = s[3:]
	}
	return sc, nil
}

// Totals are one card group's settlement totals in field 48 (0500/0510).
type Totals struct {
	DebitAmount  int64 // N12, fen (借记总金额)
	DebitCount   int   // N3 (借记总笔数)
	CreditAmount int64 // N12, fen (贷记总金额)
	CreditCount  int   // N3 (贷记总笔数)
	// Result is the reconciliation code (对账应答码): 0 in the request;
	// in the 0510, 1 balanced, 2 not balanced, 3 error.
	Result uint8
}

// SettlementTotals is field 48 of a settlement (0500) and its response:
// domestic (内卡) then foreign (外卡) cards, 31 digits each.
type SettlementTotals struct {
	Domestic, Foreign Totals
}

// Balanced reports whether the host found the domestic totals balanced.
func (s SettlementTotals) Balanced() bool { return s.Domestic.Result == 1 }

func (s SettlementTotals) encode() (string, error) {
	var b strings.Builder
	for _, t := range []Totals{s.Domestic, s.Foreign} {
		if t.DebitAmount < 0 || t.DebitAmount > 999999999999 || t.CreditAmount < 0 || t.CreditAmount > 999999999999 ||
			t.DebitCount < 0 || t.DebitCount > 999 || t.CreditCount < 0 || t.CreditCount > 999 || t.Result > 9 {
			return "", fmt.Errorf("%w: settlement totals out of range", ErrInvalidField)
		}
		fmt.Fprintf(&b, "%012d%03d%012d%03d%d", t.DebitAmount, t.DebitCount, t.CreditAmount, t.CreditCount, t.Result)
	}
	return b.String(), nil
}

// ParseSettlementTotals parses field 48 of a 0500 or 0510: 31 digits for
// domestic cards, optionally 31 more for foreign cards.
func ParseSettlementTotals(s string) (SettlementTotals, error) {
	var st SettlementTotals
	if (len(s) != 31 && len(s) != 62) || !allDigits(s) {
		return st, fmt.Errorf("%w: settlement field 48 must be 31 or 62 digits, has %d", ErrInvalidField, len(s))
	}
	parse := func(p string) Totals {
		da, _ := digitsN(p[0:12])
		dc, _ := digitsN(p[12:15])
		ca, _ := digitsN(p[15:27])
		cc, _ := digitsN(p[27:30])
		return Totals{int64(da), int(dc), int64(ca), int(cc), p[30] - '0'}
	}
	st.Domestic = parse(s[:31])
	if len(s) == 62 {
		st.Foreign = parse(s[31:])
	}
	return st, nil
}

// Balance is field 54 of a balance-inquiry response (附加金额): account
// type n2, amount type n2, currency an3, sign C/D, amount n12.
type Balance struct {
	AccountType string
	AmountType  string
	Currency    string
	Amount      int64 // fen; negative for a debit (D) balance
}

// ParseBalance parses the first 20-character amount of field 54.
func ParseBalance(s string) (Balance, error) {
	if len(s) < 20 || (s[7] != 'C' && s[7] != 'D') {
		return Balance{}, fmt.Errorf("%w: field 54 must hold a 20-character amount", ErrInvalidField)
	}
	v, ok := digitsN(s[8:20])
	if !ok || !allDigits(s[:4]) {
		return Balance{}, fmt.Errorf("%w: field 54 amount is not numeric", ErrInvalidField)
	}
	b := Balance{AccountType: s[:2], AmountType: s[2:4], Currency: s[4:7], Amount: int64(v)}
	if s[7] == 'D' {
		b.Amount = -b.Amount
	}
	return b, nil
}
