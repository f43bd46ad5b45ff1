package pinblock

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// ISO 9564-1:2017 §8.1: a PIN has 4 to 12 decimal digits.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// PIN is a clear PIN of 4 to 12 decimal digits. It never prints its digits
// or its length: String, every fmt verb and slog show "PIN(redacted)". Wipe
// it as soon as it is no longer needed. A PIN is a small value; copies made
// by assignment are not wiped by Wipe, so pass it along rather than keeping
// copies around.
type PIN struct {
	d [MaxPINLen]byte // digit values 0-9
	n uint8
}

// ParsePIN reads a PIN from ASCII digits as a PIN pad delivers them. The
// caller should wipe digits afterwards (clear(digits)); a Go string cannot be
// wiped, which is why ParsePIN takes bytes.
func ParsePIN(digits []byte) (PIN, error) {
	var p PIN
	if len(digits) < MinPINLen || len(digits) > MaxPINLen {
		return p, fmt.Errorf("%w: %d digits, want %d to %d", ErrPIN, len(digits), MinPINLen, MaxPINLen)
	}
	for i, c := range digits {
		if c < '0' || c > '9' {
			p.Wipe()
			return PIN{}, fmt.Errorf("%w: character %d is not a decimal digit", ErrPIN, i+1)
		}
		p.d[i] = c - '0'
	}
	p.n = uint8(len(digits))
	return p, nil
}

// Len returns the number of digits (0 for the zero PIN or after Wipe).
func (p PIN) Len() int { return int(p.n) }

// IsZero reports whether p holds no PIN (the zero value, or wiped).
func (p PIN) IsZero() bool { return p.n == 0 }

// AppendDigits appends the PIN as ASCII digits to dst. The result is the
// clear PIN: hand it to what needs it (a PIN verification routine, an HSM)
// and wipe it.
func (p PIN) AppendDigits(dst []byte) []byte {
	for _, d := range p.d[:p.n] {
		dst = append(dst, '0'+d)
	}
	return dst
}

// Equal reports in constant time (for PINs of equal length) whether p and q
// are the same PIN.
func (p PIN) Equal(q PIN) bool {
	return subtle.ConstantTimeByteEq(p.n, q.n)&subtle.ConstantTimeCompare(p.d[:], q.d[:]) == 1
}

// Wipe overwrites the digits and makes p the zero PIN.
func (p *PIN) Wipe() {
	clear(p.d[:])
	p.n = 0
}

func (p PIN) valid() bool { return p.n >= MinPINLen && p.n <= MaxPINLen }

// String returns "PIN(redacted)": neither digits nor length.
func (p PIN) String() string { return "PIN(redacted)" }

// GoString is used by %#v; it hides the fields as String does.
func (p PIN) GoString() string { return "pinblock.PIN(redacted)" }

// Format writes String for every verb (%v, %+v, %s, %d, %x ...), so no verb
// prints the digits.
func (p PIN) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, p.GoString())
		return
	}
	_, _ = io.WriteString(f, p.String())
}

// LogValue implements slog.LogValuer.
func (p PIN) LogValue() slog.Value { return slog.StringValue("redacted") }
