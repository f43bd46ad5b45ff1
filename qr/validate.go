package qr

import (
	"fmt"
	"strings"
)

// Profile selects the rules Validate applies: EMVCo's, or a national
// scheme's, which differ from it in what is mandatory and what values mean.
type Profile uint8

const (
	// EMVCo is EMV QRCPS-MPM v1.1 as written: 00 first and "01", 52, 53, 58,
	// 59, 60 and 63 mandatory, at least one merchant account, formats and
	// lengths per field, tip and convenience fee rules, ID 64 content.
	EMVCo Profile = iota
	// UnionPay is EMVCo plus UnionPay merchant account information in
	// ID 15 or 16.
	UnionPay
	// Pix is Brazil's BR Code (BCB "Manual de Padrões para Iniciação do
	// Pix"): EMVCo plus a br.gov.bcb.pix account with a key (01) or a
	// location URL (25), currency 986, country BR, a txid in 62/05.
	Pix
	// PromptPay is Thailand's Thai QR: tag 29 (credit transfer) or 30 (bill
	// payment), currency 764, country TH; 52, 59 and 60 are optional.
	PromptPay
	// SGQR covers Singapore's SGQR and PayNow codes: EMVCo plus an SG.PAYNOW
	// or SG.SGQR template, currency 702, country SG.
	SGQR
	// VietQR is NAPAS's VietQR: tag 38 (GUI A000000727) with the acquirer
	// BIN and account nested in 38/01 and a service code in 38/02; currency
	// 704, country VN; 52, 59 and 60 are optional.
	VietQR
	numProfiles
)

// String returns the profile's name.
func (p Profile) String() string {
	switch p {
	case EMVCo:
		return "EMVCo"
	case UnionPay:
		return "UnionPay"
	case Pix:
		return "Pix"
	case PromptPay:
		return "PromptPay"
	case SGQR:
		return "SGQR"
	case VietQR:
		return "VietQR"
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// ParseProfile returns the profile named s, ignoring case.
func ParseProfile(s string) (Profile, error) {
	for p := EMVCo; p < numProfiles; p++ {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("qr: unknown profile %q", s)
}

// Problem is one finding of Validate: which field, which rule, how bad.
type Problem struct {
	ID      ID    // root data object
	Sub     int   // nested object ID inside ID, or -1 for ID itself
	Warning bool  // true when the payload is accepted anyway
	Err     error // ErrMissing, ErrFormat, ErrOrder, ErrConflict or ErrReserved
	Detail  string
}

// Field names the data object: "59", or "62.05" for a nested one.
func (p Problem) Field() string {
	if p.Sub < 0 {
		return p.ID.String()
	}
	return p.ID.String() + "." + ID(p.Sub).String()
}

func (p Problem) Error() string {
	kind := ""
	if p.Warning {
		kind = " (warning)"
	}
	return fmt.Sprintf("%v%s: field %s: %s", p.Err, kind, p.Field(), p.Detail)
}

// Unwrap returns the sentinel, so errors.Is(problem, ErrMissing) works.
func (p Problem) Unwrap() error { return p.Err }

// ValidationError lists every error-level Problem Validate found.
type ValidationError struct {
	Profile  Profile
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "qr: %d problem(s) under the %s profile", len(e.Problems), e.Profile)
	for _, p := range e.Problems {
		b.WriteString("; ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.Is(err, ErrMissing) and errors.As
// into a Problem work.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Validate checks p under a profile and returns nil or a *ValidationError
// listing every error-level problem, each with its field. Warnings (lower-
// case CRC, RFU IDs, an upper-case Pix GUI) do not fail validation; see
// Problems.
func (p *Payload) Validate(prof Profile) error {
	var errs []Problem
	for _, pr := range p.Problems(prof) {
		if !pr.Warning {
			errs = append(errs, pr)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Profile: prof, Problems: errs}
}

// Problems returns every problem found under prof, warnings included, in
// payload order first (field formats) and then per rule.
func (p *Payload) Problems(prof Profile) []Problem {
	c := checker{p: p}
	c.order()
	for _, o := range p.Objects {
		c.field(o)
	}
	c.tip()
	c.mandatory(prof)
	switch prof {
	case UnionPay:
		c.unionPay()
	case Pix:
		c.pix()
	case PromptPay:
		c.promptPay()
	case SGQR:
		c.sgqr()
	case VietQR:
		c.vietQR()
	}
	return c.probs
}

// checker accumulates problems.
type checker struct {
	p     *Payload
	probs []Problem
}

func (c *checker) add(id ID, sub int, err error, format string, args ...any) {
	c.probs = append(c.probs, Problem{ID: id, Sub: sub, Err: err, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(id ID, sub int, err error, format string, args ...any) {
	c.add(id, sub, err, format, args...)
	c.probs[len(c.probs)-1].Warning = true
}

// order checks the positions the spec fixes. ID 63 last is a Decode rule.
func (c *checker) order() {
	if len(c.p.Objects) > 0 && c.p.Objects[0].ID != IDPayloadFormat {
		if _, ok := c.p.Get(IDPayloadFormat); ok {
			c.add(IDPayloadFormat, -1, ErrOrder, "the payload format indicator must be the first data object")
		}
	}
}

// mandatory checks presence of the IDs the profile requires.
func (c *checker) mandatory(prof Profile) {
	var ids []ID
	switch prof {
	case PromptPay:
		ids = []ID{IDPayloadFormat, IDInitiation, IDCurrency, IDCountry, IDCRC}
	case VietQR:
		ids = []ID{IDPayloadFormat, IDInitiation, IDCurrency, IDCountry, IDCRC}
	default:
		ids = []ID{IDPayloadFormat, IDMCC, IDCurrency, IDCountry, IDMerchantName, IDMerchantCity, IDCRC}
	}
	for _, id := range ids {
		if _, ok := c.p.Get(id); !ok {
			c.add(id, -1, ErrMissing, "%s is mandatory under the %s profile", fieldName(id), prof)
		}
	}
	for range c.p.Accounts() {
		return
	}
	c.add(2, -1, ErrMissing, "at least one merchant account information object (IDs 02-51) is mandatory")
}

// tip checks IDs 55-57 against each other (v1.1 "Tip or Convenience
// Indicator": 56 only with "02", 57 only with "03").
func (c *checker) tip() {
	tip := c.p.Value(IDTipIndicator)
	_, fixed := c.p.Get(IDConvenienceFixed)
	_, pct := c.p.Get(IDConveniencePct)
	switch {
	case tip == TipFixed && !fixed:
		c.add(IDConvenienceFixed, -1, ErrMissing, "tip indicator 02 needs a fixed convenience fee")
	case tip == TipPercentage && !pct:
		c.add(IDConveniencePct, -1, ErrMissing, "tip indicator 03 needs a convenience fee percentage")
	}
	if fixed && tip != TipFixed {
		c.add(IDConvenienceFixed, -1, ErrConflict, "a fixed convenience fee is only allowed with tip indicator 02, not %q", tip)
	}
	if pct && tip != TipPercentage {
		c.add(IDConveniencePct, -1, ErrConflict, "a convenience fee percentage is only allowed with tip indicator 03, not %q", tip)
	}
}

// equalValue reports a problem when root id is present with a value other
// than want (a scheme's fixed currency or country).
func (c *checker) equalValue(id ID, want string, prof Profile) {
	if o, ok := c.p.Get(id); ok && o.Value != want {
		c.add(id, -1, ErrFormat, "%s is %q, the %s profile requires %q", fieldName(id), o.Value, prof, want)
	}
}

func fieldName(id ID) string {
	switch id {
	case IDPayloadFormat:
		return "payload format indicator"
	case IDInitiation:
		return "point of initiation method"
	case IDMCC:
		return "merchant category code"
	case IDCurrency:
		return "transaction currency"
	case IDAmount:
		return "transaction amount"
	case IDCountry:
		return "country code"
	case IDMerchantName:
		return "merchant name"
	case IDMerchantCity:
		return "merchant city"
	case IDCRC:
		return "CRC"
	}
	return "ID " + id.String()
}
