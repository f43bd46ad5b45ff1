package pinblock

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// ISO 9564-1: a PIN has 4 to 12 decimal digits.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// PIN is a clear PIN of 4 to 12 decimal digits. It never prints its digits
// or its length: String, every fmt verb and slog show "PIN(redacted)". The
// digits live behind a pointer to a packed integer, so even a struct that
// holds a PIN in an unexported field (where fmt cannot call PIN's methods,
// and with a bad verb such as %s dereferences pointers) prints an address,
// not digits. Copies of a PIN share its digits, so Wipe on any copy wipes
// them all. The zero PIN holds nothing.
type PIN struct {
	p *uint64 // packed: length in bits 48-51, digit i in bits 44-4i to 47-4i
}

// ParsePIN reads a PIN from ASCII digits as a PIN pad delivers them. The
// caller should wipe digits afterwards (clear(digits)); a Go string cannot be
// wiped, which is why ParsePIN takes bytes.
func ParsePIN(digits []byte) (PIN, error) {
	if len(digits) < MinPINLen || len(digits) > MaxPINLen {
		return PIN{}, fmt.Errorf("%w: %d digits, want %d to %d", ErrPIN, len(digits), MinPINLen, MaxPINLen)
	}
	for i, c := range digits {
		if c < '0' || c > '9' {
			return PIN{}, fmt.Errorf("%w: character %d is not a decimal digit", ErrPIN, i+1)
		}
	}
	v := uint64(len(digits)) << 48
	for i, c := range digits {
		v |= uint64(c-'0') << (44 - 4*i)
	}
	return PIN{&v}, nil
}

// newPIN packs n digit values (each 0-9) read by digit(i).
func newPIN(n int, digit func(i int) byte) PIN {
	v := uint64(n) << 48
	for i := range n {
		v |= uint64(digit(i)) << (44 - 4*i)
	}
	return PIN{&v}
}

func (p PIN) packed() uint64 {
	if p.p == nil {
		return 0
	}
	return *p.p
}

// Len returns the number of digits (0 for the zero PIN or after Wipe).
func (p PIN) Len() int { return int(p.packed()>>48) & 0xF }

// IsZero reports whether p holds no PIN (the zero value, or wiped).
func (p PIN) IsZero() bool { return p.Len() == 0 }

// digit returns digit i (0-based); i must be below Len.
func (p PIN) digit(i int) byte { return byte(p.packed()>>(44-4*i)) & 0xF }

// AppendDigits appends the PIN as ASCII digits to dst. The result is the
// clear PIN: hand it to what needs it (a PIN verification routine, an HSM)
// and wipe it.
func (p PIN) AppendDigits(dst []byte) []byte {
	for i := range p.Len() {
		dst = append(dst, '0'+p.digit(i))
	}
	return dst
}

// Equal reports in constant time whether p and q are the same PIN. Two
// zero PINs are equal.
func (p PIN) Equal(q PIN) bool {
	x := p.packed() ^ q.packed()
	return subtle.ConstantTimeEq(int32(uint32(x)|uint32(x>>32)), 0) == 1
}

// Wipe overwrites the digits, for p and every copy of it, and leaves a PIN
// that IsZero.
func (p PIN) Wipe() {
	if p.p != nil {
		*p.p = 0
	}
}

func (p PIN) valid() bool { n := p.Len(); return n >= MinPINLen && n <= MaxPINLen }

// String returns "PIN(redacted)": neither digits nor length.
func (p PIN) String() string { return "PIN(redacted)" }

// GoString is used by %#v; it hides the digits as String does.
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
