package iso8583

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these,
// so callers branch with errors.Is and still get the field or offset in the
// message text.
var (
	// ErrMAC reports a field-64 MAC that does not verify, an approved
	// response that should carry a MAC but does not, or a MAC that cannot
	// be checked because no MAC key is configured.
	ErrMAC = errors.New("iso8583: MAC verification failed")

	// ErrFrame reports a malformed frame: a length prefix that disagrees
	// with the data, or a frame too short for its TPDU and header.
	ErrFrame = errors.New("iso8583: malformed frame")

	// ErrUnpack reports a message body that does not match its spec:
	// truncated fields, bad BCD, bad length prefixes, bitmap bits for
	// fields the spec does not define.
	ErrUnpack = errors.New("iso8583: malformed message")

	// ErrPack reports a message that cannot be packed under its spec.
	ErrPack = errors.New("iso8583: cannot pack message")

	// ErrMissingField reports a transaction without a field its type
	// requires.
	ErrMissingField = errors.New("iso8583: required field missing")

	// ErrInvalidField reports a field value of the wrong shape (non-digit
	// in a numeric field, wrong length, text that GBK cannot encode).
	ErrInvalidField = errors.New("iso8583: invalid field value")
)
