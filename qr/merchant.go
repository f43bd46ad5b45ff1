package qr

import (
	"fmt"
	"strconv"
)

// Point of initiation method values (ID 01).
const (
	Static  = "11" // the code serves many payments (printed at the counter)
	Dynamic = "12" // the code is for one payment (shown by the terminal)
)

// Tip or convenience indicator values (ID 55).
const (
	TipPrompt     = "01" // the wallet asks the consumer for a tip
	TipFixed      = "02" // a fixed convenience fee, in ID 56
	TipPercentage = "03" // a percentage convenience fee, in ID 57
)

// MerchantCode holds the typed fields of a merchant-presented code, the
// terminal's common case: a merchant's static details plus, for a dynamic
// code, the amount of this sale. Empty fields are left out. Append writes
// the objects in the spec's ID order (00, 01, accounts, 52-61, 62, 64,
// Extra) and the CRC last.
type MerchantCode struct {
	Initiation     string   // ID 01: Static or Dynamic; "" leaves it out (Pix static codes)
	Accounts       []Object // IDs 02-51, in the order given
	MCC            string   // ID 52, ISO 18245 merchant category code
	Currency       string   // ID 53, ISO 4217 numeric ("986", "702")
	Amount         string   // ID 54, e.g. FormatAmount(2372, 2) = "23.72"
	Tip            string   // ID 55: TipPrompt, TipFixed or TipPercentage
	ConvenienceFee string   // ID 56 when Tip is TipFixed, ID 57 when TipPercentage
	Country        string   // ID 58, ISO 3166-1 alpha-2
	Name           string   // ID 59
	City           string   // ID 60
	PostalCode     string   // ID 61
	Additional     []Object // ID 62 sub-objects (05 reference label, 07 terminal label...)
	Language       Language // ID 64, left out when Language.Preference is ""
	Extra          []Object // further root objects (65-99), after 64
}

// Language is the Merchant Information—Language Template (ID 64).
type Language struct {
	Preference string // 00, ISO 639-1 alpha-2 ("ZH")
	Name       string // 01, merchant name in that language (UTF-8)
	City       string // 02, merchant city in that language (optional)
}

// maxMerchantObjects bounds the stack array Append builds in: 00, 01, ten
// fixed fields 52-61, 62 and 64.
const maxMerchantObjects = 14

// Append encodes the code onto dst. It checks lengths (see Append) but not
// content; Parse and Validate the result to check it against a profile.
func (c *MerchantCode) Append(dst []byte) ([]byte, error) {
	if c.ConvenienceFee != "" && c.Tip != TipFixed && c.Tip != TipPercentage {
		return dst, fmt.Errorf("%w: a convenience fee needs Tip %q or %q, not %q", ErrConflict, TipFixed, TipPercentage, c.Tip)
	}
	var buf [maxMerchantObjects]Object
	head := append(buf[:0], Object{ID: IDPayloadFormat, Value: "01"})
	if c.Initiation != "" {
		head = append(head, Object{ID: IDInitiation, Value: c.Initiation})
	}
	fee := IDConvenienceFixed
	if c.Tip == TipPercentage {
		fee = IDConveniencePct
	}
	tail := head[len(head):]
	for _, f := range [...]Object{
		{ID: IDMCC, Value: c.MCC}, {ID: IDCurrency, Value: c.Currency}, {ID: IDAmount, Value: c.Amount},
		{ID: IDTipIndicator, Value: c.Tip}, {ID: fee, Value: c.ConvenienceFee}, {ID: IDCountry, Value: c.Country},
		{ID: IDMerchantName, Value: c.Name}, {ID: IDMerchantCity, Value: c.City}, {ID: IDPostalCode, Value: c.PostalCode},
		{ID: IDAdditionalData, Sub: c.Additional},
		{ID: IDLanguageTemplate, Sub: c.Language.objects()},
	} {
		if f.Value != "" || len(f.Sub) > 0 {
			tail = append(tail, f)
		}
	}
	for _, run := range [...][]Object{c.Accounts, c.Extra} {
		for _, o := range run {
			if o.ID == IDCRC {
				return dst, fmt.Errorf("%w: ID 63 is computed, not given", ErrCRCMissing)
			}
		}
	}
	return appendRuns(dst, head, c.Accounts, tail, c.Extra)
}

// String encodes the code, or returns "" when it cannot be encoded.
func (c *MerchantCode) String() string {
	b, err := c.Append(nil)
	if err != nil {
		return ""
	}
	return string(b)
}

// objects returns the template's sub-objects, nil when Preference is empty
// (so a code without ID 64 does not allocate).
func (l Language) objects() []Object {
	if l.Preference == "" {
		return nil
	}
	if l.City == "" {
		return []Object{{ID: 0, Value: l.Preference}, {ID: 1, Value: l.Name}}
	}
	return []Object{{ID: 0, Value: l.Preference}, {ID: 1, Value: l.Name}, {ID: 2, Value: l.City}}
}

// FormatAmount writes an amount in minor units as ID 54 wants it: digits,
// "." and exactly exponent decimals (ISO 4217 minor unit), no sign, no
// grouping. FormatAmount(2372, 2) = "23.72"; FormatAmount(500, 0) = "500".
func FormatAmount(minor int64, exponent int) (string, error) {
	if minor < 0 || exponent < 0 || exponent > 6 {
		return "", fmt.Errorf("%w: amount %d with exponent %d", ErrFormat, minor, exponent)
	}
	s := strconv.FormatInt(minor, 10)
	if exponent > 0 {
		for len(s) <= exponent {
			s = "0" + s
		}
		s = s[:len(s)-exponent] + "." + s[len(s)-exponent:]
	}
	if len(s) > 13 {
		return "", fmt.Errorf("%w: amount %q is over 13 characters", ErrFormat, s)
	}
	return s, nil
}

// ParseAmount reads an ID 54 (or 56) amount into minor units of a currency
// with the given exponent: "23.72" with exponent 2 is 2372, "10" is 1000,
// "10.5" is 1050. More decimals than the exponent allows is an error.
func ParseAmount(s string, exponent int) (int64, error) {
	if !isAmount(s) || exponent < 0 || exponent > 6 {
		return 0, fmt.Errorf("%w: amount %q", ErrFormat, s)
	}
	var v int64
	decimals, dot := 0, false
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = true
			continue
		}
		if dot {
			decimals++
		}
		v = v*10 + int64(s[i]-'0')
	}
	if decimals > exponent {
		return 0, fmt.Errorf("%w: amount %q has more than %d decimals", ErrFormat, s, exponent)
	}
	for ; decimals < exponent; decimals++ {
		v *= 10
	}
	return v, nil
}

// isAmount reports whether s is an ID 54 amount: 1-13 characters, digits
// with at most one ".", at least one digit. v1.1: "'.' as the decimal mark",
// no sign, no grouping.
func isAmount(s string) bool {
	if len(s) == 0 || len(s) > 13 {
		return false
	}
	dots, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			dots++
		case c >= '0' && c <= '9':
			digits++
		default:
			return false
		}
	}
	return dots <= 1 && digits > 0
}
