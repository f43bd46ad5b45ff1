package emv

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Expiry is a card's expiry month. Track data carries YYMM; tag 5F24 carries
// YYMMDD (the day is the last of the month).
type Expiry struct {
	Year  int // four digits
	Month int // 1..12
}

// ParseExpiry reads YYMM. Two-digit years 00-49 are 20YY and 50-99 are 19YY
// (EMV Book 4 §6.7.3).
func ParseExpiry(yymm string) (Expiry, error) {
	if len(yymm) != 4 || !allDigits(yymm) {
		return Expiry{}, fmt.Errorf("%w: expiry %q is not YYMM", ErrValue, yymm)
	}
	yy := int(yymm[0]-'0')*10 + int(yymm[1]-'0')
	mm := int(yymm[2]-'0')*10 + int(yymm[3]-'0')
	if mm < 1 || mm > 12 {
		return Expiry{}, fmt.Errorf("%w: expiry month %02d", ErrValue, mm)
	}
	if yy < 50 {
		yy += 2000
	} else {
		yy += 1900
	}
	return Expiry{Year: yy, Month: mm}, nil
}

// Expired reports whether the card has expired at t: it is valid through the
// last day of its expiry month.
func (e Expiry) Expired(t time.Time) bool {
	y, m, _ := t.Date()
	return y > e.Year || (y == e.Year && int(m) > e.Month)
}

// String returns YYMM.
func (e Expiry) String() string { return fmt.Sprintf("%02d%02d", e.Year%100, e.Month) }

// ServiceCode is the three-digit ISO/IEC 7813 service code.
type ServiceCode string

// Chip reports whether the first digit asks for the chip (2 or 6): a
// terminal that reads the stripe must try the chip first.
func (s ServiceCode) Chip() bool { return len(s) == 3 && (s[0] == '2' || s[0] == '6') }

// PINRequired reports whether the third digit requires a PIN (0, 3, 5).
func (s ServiceCode) PINRequired() bool {
	return len(s) == 3 && (s[2] == '0' || s[2] == '3' || s[2] == '5')
}

// OnlineRequired reports whether the second digit asks for online
// authorisation (2 or 4).
func (s ServiceCode) OnlineRequired() bool { return len(s) == 3 && (s[1] == '2' || s[1] == '4') }

// CashAllowed reports whether the third digit permits cash.
func (s ServiceCode) CashAllowed() bool {
	return len(s) == 3 && s[2] != '2' && s[2] != '5' && s[2] != '7'
}

// Describe returns the meaning of each digit (ISO/IEC 7813 §8.6.2).
func (s ServiceCode) Describe() []string {
	if len(s) != 3 {
		return []string{"invalid service code"}
	}
	first := map[byte]string{
		'1': "International interchange OK",
		'2': "International interchange, use IC (chip) where feasible",
		'5': "National interchange only, except under bilateral agreement",
		'6': "National interchange only, use IC (chip) where feasible",
		'7': "No interchange except under bilateral agreement (closed loop)",
		'9': "Test",
	}
	second := map[byte]string{
		'0': "Normal authorisation",
		'2': "Contact issuer via online means",
		'4': "Contact issuer via online means except under bilateral agreement",
	}
	third := map[byte]string{
		'0': "No restrictions, PIN required",
		'1': "No restrictions",
		'2': "Goods and services only (no cash)",
		'3': "ATM only, PIN required",
		'4': "Cash only",
		'5': "Goods and services only (no cash), PIN required",
		'6': "No restrictions, use PIN where feasible",
		'7': "Goods and services only (no cash), use PIN where feasible",
	}
	pick := func(m map[byte]string, c byte) string {
		if v, ok := m[c]; ok {
			return v
		}
		return "RFU digit " + string(c)
	}
	return []string{pick(first, s[0]), pick(second, s[1]), pick(third, s[2])}
}

// Track2 is magnetic stripe track 2 (ISO/IEC 7813) or its chip equivalent,
// tag 57. Its String and fmt output mask everything but the masked PAN.
type Track2 struct {
	PAN         PAN
	Expiry      string      // YYMM, "" when absent
	ServiceCode ServiceCode // "" when absent
	// Discretionary holds the issuer's data (PVKI, PVV, CVV, ...): secret.
	Discretionary string
}

// ParseTrack2 reads track 2 as characters: optional ';' start sentinel,
// PAN, '=' (or 'D') separator, YYMM, service code, discretionary data,
// optional '?' end sentinel and LRC.
func ParseTrack2(s string) (Track2, error) {
	s = strings.TrimPrefix(s, ";")
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return parseTrack2Digits(s)
}

// ParseTag57 decodes Track 2 Equivalent Data (tag 57, EMV Book 3 Annex A):
// BCD digits, 'D' as separator, padded with 'F' to a whole byte.
func ParseTag57(b []byte) (Track2, error) {
	if len(b) > 19 {
		return Track2{}, fmt.Errorf("%w: tag 57 is %d bytes, at most 19", ErrTrack, len(b))
	}
	var sb strings.Builder
	sb.Grow(2 * len(b))
	for i := 0; i < 2*len(b); i++ {
		n := b[i/2] >> 4
		if i%2 == 1 {
			n = b[i/2] & 0x0F
		}
		switch {
		case n <= 9:
			sb.WriteByte('0' + n)
		case n == 0x0D:
			sb.WriteByte('=')
		case n == 0x0F && i == 2*len(b)-1:
			// trailing pad nibble
		default:
			return Track2{}, fmt.Errorf("%w: tag 57 nibble %X at position %d", ErrTrack, n, i)
		}
	}
	return parseTrack2Digits(sb.String())
}

func parseTrack2Digits(s string) (Track2, error) {
	// ISO/IEC 7813: track 2 holds at most 40 characters with its start
	// and end sentinels and LRC, so 37 of data; tag 57 (at most 19
	// bytes) holds the same data (EMV Book 3 Annex A).
	if len(s) > 37 {
		return Track2{}, fmt.Errorf("%w: %d characters of track 2 data, at most 37", ErrTrack, len(s))
	}
	sep := strings.IndexAny(s, "=D")
	if sep < 0 {
		return Track2{}, fmt.Errorf("%w: no field separator", ErrTrack)
	}
	pan, err := ParsePAN(s[:sep])
	if err != nil {
		return Track2{}, fmt.Errorf("%w: PAN: %w", ErrTrack, err)
	}
	t := Track2{PAN: pan}
	rest := s[sep+1:]
	if !allDigits(rest) {
		return Track2{}, fmt.Errorf("%w: non-digit after the separator (offset %d)", ErrTrack, sep+1)
	}
	if len(rest) < 7 {
		return Track2{}, fmt.Errorf("%w: %d digits after the separator, want expiry and service code (7)", ErrTrack, len(rest))
	}
	if _, err := ParseExpiry(rest[:4]); err != nil {
		return Track2{}, fmt.Errorf("%w: %w", ErrTrack, err)
	}
	t.Expiry = rest[:4]
	t.ServiceCode = ServiceCode(rest[4:7])
	t.Discretionary = rest[7:]
	return t, nil
}

// ExpiryDate parses the YYMM expiry.
func (t Track2) ExpiryDate() (Expiry, error) { return ParseExpiry(t.Expiry) }

// AppendTag57 encodes the track as tag 57's value.
func (t Track2) AppendTag57(dst []byte) []byte {
	digits := t.PAN.Digits() + "D" + t.Expiry + string(t.ServiceCode) + t.Discretionary
	for i := 0; i < len(digits); i += 2 {
		hi := nibbleOf(digits[i])
		lo := byte(0x0F)
		if i+1 < len(digits) {
			lo = nibbleOf(digits[i+1])
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst
}

func nibbleOf(c byte) byte {
	if c == 'D' || c == '=' {
		return 0x0D
	}
	return (c - '0') & 0x0F
}

// String returns the masked PAN, the separator and asterisks for the rest:
// expiry, service code and discretionary data are never shown.
func (t Track2) String() string {
	return t.PAN.Masked() + "=" + strings.Repeat("*", len(t.Expiry)+len(t.ServiceCode)+len(t.Discretionary))
}

// Format prints the masked form for every verb.
func (t Track2) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue logs the masked form.
func (t Track2) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Track1 is magnetic stripe track 1 format B (ISO/IEC 7813), also carried in
// tag 56 by contactless kernels.
type Track1 struct {
	PAN           PAN
	Name          string // cardholder name, SURNAME/FIRST: sensitive
	Expiry        string // YYMM, "" when absent
	ServiceCode   ServiceCode
	Discretionary string
}

// ParseTrack1 reads track 1 format B: optional '%', 'B', PAN, '^', name,
// '^', YYMM (or '^' when absent), service code (or '^'), discretionary data,
// optional '?' and LRC.
func ParseTrack1(s string) (Track1, error) {
	s = strings.TrimPrefix(s, "%")
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	if len(s) == 0 || s[0] != 'B' {
		return Track1{}, fmt.Errorf("%w: track 1 format code is not 'B'", ErrTrack)
	}
	// ISO/IEC 7813: at most 79 characters with the sentinels and LRC.
	if len(s) > 76 {
		return Track1{}, fmt.Errorf("%w: %d characters of track 1 data, at most 76", ErrTrack, len(s))
	}
	fields := strings.SplitN(s[1:], "^", 3)
	if len(fields) != 3 {
		return Track1{}, fmt.Errorf("%w: track 1 needs two '^' separators", ErrTrack)
	}
	pan, err := ParsePAN(fields[0])
	if err != nil {
		return Track1{}, fmt.Errorf("%w: PAN: %w", ErrTrack, err)
	}
	if len(fields[1]) > 26 {
		return Track1{}, fmt.Errorf("%w: name is %d characters, at most 26", ErrTrack, len(fields[1]))
	}
	for i := 0; i < len(fields[1]); i++ {
		if c := fields[1][i]; c < 0x20 || c > 0x5F {
			return Track1{}, fmt.Errorf("%w: name character at position %d outside the track 1 set", ErrTrack, i)
		}
	}
	t := Track1{PAN: pan, Name: fields[1]}
	rest := fields[2]
	if strings.HasPrefix(rest, "^") {
		rest = rest[1:]
	} else {
		if len(rest) < 4 {
			return Track1{}, fmt.Errorf("%w: track 1 expiry missing", ErrTrack)
		}
		if _, err := ParseExpiry(rest[:4]); err != nil {
			return Track1{}, fmt.Errorf("%w: %w", ErrTrack, err)
		}
		t.Expiry, rest = rest[:4], rest[4:]
	}
	if strings.HasPrefix(rest, "^") {
		rest = rest[1:]
	} else {
		if len(rest) < 3 || !allDigits(rest[:3]) {
			return Track1{}, fmt.Errorf("%w: track 1 service code missing", ErrTrack)
		}
		t.ServiceCode, rest = ServiceCode(rest[:3]), rest[3:]
	}
	t.Discretionary = rest
	return t, nil
}

// String returns the masked PAN; name, expiry and discretionary data are
// replaced by asterisks.
func (t Track1) String() string {
	return "B" + t.PAN.Masked() + "^" + strings.Repeat("*", len(t.Name)) + "^" +
		strings.Repeat("*", len(t.Expiry)+len(t.ServiceCode)+len(t.Discretionary))
}

// Format prints the masked form for every verb.
func (t Track1) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue logs the masked form.
func (t Track1) LogValue() slog.Value { return slog.StringValue(t.String()) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MarshalText gives String to encoding/json and encoding/xml: the masked
// PAN, never the discretionary data.
func (t Track2) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml: the masked
// PAN, never the name or the discretionary data.
func (t Track1) MarshalText() ([]byte, error) { return []byte(t.String()), nil }
