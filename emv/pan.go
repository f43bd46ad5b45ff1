package emv

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// PAN is a primary account number, 1 to 19 digits. Everything that prints
// it (String, every fmt verb, slog) shows the masked form (first 6 and last
// 4 digits, PCI DSS 3.4); Digits returns the full number for the code that
// really needs it.
type PAN struct{ d string }

// ParsePAN validates a PAN of 1 to 19 decimal digits. It does not check the
// Luhn digit (test and some private-label PANs fail it); see LuhnValid.
func ParsePAN(s string) (PAN, error) {
	if len(s) == 0 || len(s) > 19 {
		return PAN{}, fmt.Errorf("%w: %d digits, want 1 to 19", ErrPAN, len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return PAN{}, fmt.Errorf("%w: non-digit at position %d", ErrPAN, i)
		}
	}
	return PAN{s}, nil
}

// ParsePANBCD decodes tag 5A (format cn: BCD, left-justified, padded with F).
func ParsePANBCD(b []byte) (PAN, error) {
	s, err := decodeCN(b)
	if err != nil {
		return PAN{}, fmt.Errorf("%w: tag 5A: %v", ErrPAN, err)
	}
	return ParsePAN(s)
}

// decodeCN returns the digits of a compressed-numeric value, stopping at
// the first F pad nibble; every nibble after it must be F too.
func decodeCN(b []byte) (string, error) {
	var sb strings.Builder
	sb.Grow(2 * len(b))
	pad := false
	for i := 0; i < 2*len(b); i++ {
		n := b[i/2] >> 4
		if i%2 == 1 {
			n = b[i/2] & 0x0F
		}
		switch {
		case n == 0x0F:
			pad = true
		case pad:
			return "", fmt.Errorf("digit after F padding at nibble %d", i)
		case n > 9:
			return "", fmt.Errorf("nibble %X at position %d is not a digit", n, i)
		default:
			sb.WriteByte('0' + n)
		}
	}
	return sb.String(), nil
}

// IsZero reports whether p is the zero PAN (no digits).
func (p PAN) IsZero() bool { return p.d == "" }

// Digits returns the full PAN. Handle the result as cardholder data.
func (p PAN) Digits() string { return p.d }

// Len is the number of digits.
func (p PAN) Len() int { return len(p.d) }

// BIN returns the first 6 digits (or all of a shorter PAN's leading digits,
// never more than the masked form shows).
func (p PAN) BIN() string {
	if len(p.d) < 13 {
		return ""
	}
	return p.d[:6]
}

// Masked returns the first 6 and last 4 digits with '*' between them. PANs
// shorter than 13 digits show only their last 4 (or nothing below 10), so
// that at least 3 digits stay hidden and the check digit is never enough to
// rebuild the number.
func (p PAN) Masked() string { return maskDigits(p.d) }

func maskDigits(d string) string {
	n := len(d)
	switch {
	case n >= 13:
		return d[:6] + strings.Repeat("*", n-10) + d[n-4:]
	case n >= 10:
		return strings.Repeat("*", n-4) + d[n-4:]
	default:
		return strings.Repeat("*", n)
	}
}

// String returns the masked PAN.
func (p PAN) String() string { return p.Masked() }

// Format prints the masked PAN for every verb, so %v, %+v, %#v, %s, %q and
// %x cannot leak the number.
func (p PAN) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.Masked()) }

// LogValue logs the masked PAN.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// LuhnValid reports whether the last digit is the ISO/IEC 7812-1 Luhn check
// digit of the others.
func (p PAN) LuhnValid() bool {
	if len(p.d) < 2 {
		return false
	}
	sum := 0
	for i := 0; i < len(p.d); i++ {
		v := int(p.d[len(p.d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// AppendBCD appends the PAN as tag 5A encodes it: BCD, padded with F to a
// whole byte.
func (p PAN) AppendBCD(dst []byte) []byte {
	return appendCN(dst, p.d)
}

func appendCN(dst []byte, digits string) []byte {
	for i := 0; i < len(digits); i += 2 {
		hi := digits[i] - '0'
		lo := byte(0x0F)
		if i+1 < len(digits) {
			lo = digits[i+1] - '0'
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst
}

// MarshalText gives the masked PAN to encoding/json and encoding/xml.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.Masked()), nil }
