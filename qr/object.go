package qr

import (
	"fmt"
	"unicode/utf8"
)

// ID is a merchant-presented data object ID, 00 to 99. Inside a template the
// same type names the sub-object.
type ID uint8

// Root data object IDs (EMV QRCPS-MPM v1.1, "Data Objects under the Root of
// a QR Code").
const (
	IDPayloadFormat    ID = 0  // N 2, "01"; first
	IDInitiation       ID = 1  // N 2, "11" static, "12" dynamic
	IDMCC              ID = 52 // N 4, ISO 18245
	IDCurrency         ID = 53 // N 3, ISO 4217 numeric
	IDAmount           ID = 54 // ans ..13
	IDTipIndicator     ID = 55 // N 2: "01" prompt, "02" fixed fee, "03" percentage
	IDConvenienceFixed ID = 56 // ans ..13
	IDConveniencePct   ID = 57 // ans ..5
	IDCountry          ID = 58 // ans 2, ISO 3166-1 alpha-2
	IDMerchantName     ID = 59 // ans ..25
	IDMerchantCity     ID = 60 // ans ..15
	IDPostalCode       ID = 61 // ans ..10
	IDAdditionalData   ID = 62 // template
	IDCRC              ID = 63 // ans 4, last
	IDLanguageTemplate ID = 64 // template
	IDGloballyUniqueID ID = 0  // sub-ID inside account and unreserved templates
)

const (
	maxID                  ID = 99
	maxPayloadChars           = 512
	maxValueChars             = 99
	objectHeaderLen           = 4 // two ID digits and two length digits
	emvcoFirstTemplateMAI  ID = 26
	emvcoLastMAI           ID = 51
	emvcoFirstUnreservedID ID = 80
)

// String returns the ID as the two digits that appear in the payload.
func (id ID) String() string {
	if id > maxID {
		return fmt.Sprintf("ID(%d)", uint8(id))
	}
	return string([]byte{'0' + byte(id/10), '0' + byte(id%10)})
}

// IsTemplate reports whether a root ID holds nested data objects: the
// merchant account templates 26-51, 62 (additional data), 64 (language) and
// the unreserved templates 80-99. IDs 02-25 are primitive account
// information whatever their value looks like.
func (id ID) IsTemplate() bool {
	return (id >= emvcoFirstTemplateMAI && id <= emvcoLastMAI) ||
		id == IDAdditionalData || id == IDLanguageTemplate ||
		(id >= emvcoFirstUnreservedID && id <= maxID)
}

// IsAccount reports whether a root ID is merchant account information
// (02-25 primitive, 26-51 template).
func (id ID) IsAccount() bool { return id >= 2 && id <= emvcoLastMAI }

// Object is one data object: its ID and raw value, and for a template its
// nested objects in payload order. A decoded Object has both Value and Sub
// (Sub is Value parsed); when encoding, a non-empty Sub is encoded and Value
// is ignored.
type Object struct {
	ID    ID
	Value string
	Sub   []Object
}

// Get returns the first nested object with the given ID.
func (o Object) Get(id ID) (Object, bool) {
	for _, s := range o.Sub {
		if s.ID == id {
			return s, true
		}
	}
	return Object{}, false
}

// GUI returns the Globally Unique Identifier (sub-ID 00) of a template.
func (o Object) GUI() string {
	g, _ := o.Get(IDGloballyUniqueID)
	return g.Value
}

// Scanner walks one level of data objects in a string without allocating,
// in the manner of tlv.Scanner:
//
//	sc := qr.NewScanner(s)
//	for sc.Next() { use(sc.ID(), sc.Value()) }
//	if err := sc.Err(); err != nil { ... }
//
// Lengths count characters (runes), not bytes, as the spec's own Chinese
// example requires.
type Scanner struct {
	s     string
	base  int // byte offset of s in the whole payload, for messages
	pos   int
	off   int
	id    ID
	val   string
	err   error
	ascii bool // s is known to be ASCII: lengths are byte counts
}

// NewScanner returns a Scanner over s.
func NewScanner(s string) Scanner { return Scanner{s: s} }

// Next advances to the next data object. It returns false at the end of the
// input or on the first error.
func (sc *Scanner) Next() bool {
	if sc.err != nil || sc.pos >= len(sc.s) {
		return false
	}
	s, p := sc.s, sc.pos
	if len(s)-p < objectHeaderLen {
		sc.err = fmt.Errorf("%w: %d byte(s) at offset %d are too short for an ID and a length", ErrSyntax, len(s)-p, sc.base+p)
		return false
	}
	id, ok := twoDigits(s[p], s[p+1])
	if !ok {
		sc.err = fmt.Errorf("%w: ID %q at offset %d is not two digits", ErrSyntax, s[p:p+2], sc.base+p)
		return false
	}
	n, ok := twoDigits(s[p+2], s[p+3])
	if !ok {
		sc.err = fmt.Errorf("%w: length %q of ID %s at offset %d is not two digits", ErrSyntax, s[p+2:p+4], ID(id), sc.base+p)
		return false
	}
	if n == 0 {
		sc.err = fmt.Errorf("%w: ID %s at offset %d has length 00", ErrLength, ID(id), sc.base+p)
		return false
	}
	start := p + objectHeaderLen
	end, err := sc.valueEnd(start, int(n))
	if err != nil {
		sc.err = fmt.Errorf("%w: ID %s at offset %d: %v", ErrSyntax, ID(id), sc.base+p, err)
		return false
	}
	sc.off, sc.id, sc.val, sc.pos = sc.base+p, ID(id), s[start:end], end
	return true
}

// valueEnd returns the byte offset after n characters starting at start.
func (sc *Scanner) valueEnd(start, n int) (int, error) {
	if sc.ascii {
		if start+n > len(sc.s) {
			return 0, fmt.Errorf("length %d runs past the end (%d characters left)", n, len(sc.s)-start)
		}
		return start + n, nil
	}
	if start+n <= len(sc.s) && isASCII(sc.s[start:start+n]) {
		return start + n, nil
	}
	i := start
	for k := 0; k < n; k++ {
		if i >= len(sc.s) {
			return 0, fmt.Errorf("length %d runs past the end (%d characters left)", n, k)
		}
		if sc.s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(sc.s[i:])
		if r == utf8.RuneError && size == 1 {
			return 0, fmt.Errorf("invalid UTF-8 at offset %d", sc.base+i)
		}
		i += size
	}
	return i, nil
}

// ID returns the current object's ID.
func (sc *Scanner) ID() ID { return sc.id }

// Value returns the current object's value, a substring of the input.
func (sc *Scanner) Value() string { return sc.val }

// Offset returns the byte offset of the current object's ID.
func (sc *Scanner) Offset() int { return sc.off }

// Err returns the first error met, or nil at a clean end.
func (sc *Scanner) Err() error { return sc.err }

// Find returns the value of the first data object with the given ID in s, a
// template value such as Object.Value. It is the way to reach a third level
// (VietQR 38/01, the payment-system templates 62/50-99).
func Find(s string, id ID) (string, bool, error) {
	sc := NewScanner(s)
	for sc.Next() {
		if sc.ID() == id {
			return sc.Value(), true, nil
		}
	}
	return "", false, sc.Err()
}

func twoDigits(a, b byte) (uint8, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return (a-'0')*10 + (b - '0'), true
}

// isASCII reports whether s has no byte >= 0x80, eight bytes at a time.
func isASCII(s string) bool {
	for ; len(s) >= 8; s = s[8:] {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
