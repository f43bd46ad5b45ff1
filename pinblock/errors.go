package pinblock

import "errors"

// Errors returned by this package. Every error wraps one (or, where the
// cause cannot be told apart, two) of these, so callers use errors.Is.
// No error message ever contains a PIN digit, a PIN block byte or a PAN.
var (
	// ErrFormat: an unknown format, or a block whose length does not fit
	// the format.
	ErrFormat = errors.New("pinblock: unsupported format")
	// ErrPIN: a PIN that is not 4 to 12 decimal digits (ISO 9564-1).
	ErrPIN = errors.New("pinblock: invalid PIN")
	// ErrPAN: a PAN that is not a string of decimal digits of a length the
	// format accepts.
	ErrPAN = errors.New("pinblock: invalid PAN")
	// ErrMalformed: a clear PIN block (or PIN field) that breaks the
	// format's rules: control field, PIN length, PIN digit or fill digit.
	ErrMalformed = errors.New("pinblock: malformed PIN block")
	// ErrPANMismatch: the part of the block that is bound to the PAN does
	// not decode with the PAN given. A wrong key looks the same, so the
	// message says "or wrong key".
	ErrPANMismatch = errors.New("pinblock: PIN block does not match the PAN")
	// ErrKey: a key or cipher that cannot be used for the format (block
	// size, algorithm, usage, or a zeroed key).
	ErrKey = errors.New("pinblock: unsuitable key")
	// ErrTranslation: a translation PCI PIN Security Requirement 3-3 forbids
	// (for instance from a PAN-bound format to format 1).
	ErrTranslation = errors.New("pinblock: translation not permitted")
	// ErrRandom: the random source failed.
	ErrRandom = errors.New("pinblock: random source failed")
)

// decodeError is a decoding failure that may have more than one cause: after
// decryption under format 4 a wrong PAN, a wrong key and a malformed block
// are indistinguishable, so the error matches both ErrMalformed and
// ErrPANMismatch.
type decodeError struct {
	msg  string
	errs []error
}

func (e *decodeError) Error() string   { return e.msg }
func (e *decodeError) Unwrap() []error { return e.errs }
