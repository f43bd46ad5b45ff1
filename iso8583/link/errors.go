package link

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (or an error of the iso8583, keys or pinblock packages), so callers
// branch with errors.Is and still get the offset, terminal or STAN in the
// message text.
var (
	// ErrConfig reports a Config, HostConfig or ServerConfig that does
	// not make a client, host or server; the message names the field.
	ErrConfig = errors.New("link: invalid configuration")

	// ErrCorrupt reports a journal or counter file whose contents fail
	// their checksums somewhere other than a torn last record.
	ErrCorrupt = errors.New("link: corrupt file")

	// ErrClosed reports use of a connection, client, journal or server
	// after Close.
	ErrClosed = errors.New("link: closed")

	// ErrTimeout reports a request whose response did not arrive before
	// its context's deadline.
	ErrTimeout = errors.New("link: no response before the deadline")

	// ErrDuplicateRequest reports a second in-flight request with the
	// same terminal ID and STAN on one connection.
	ErrDuplicateRequest = errors.New("link: request with this terminal and STAN already in flight")

	// ErrPinning reports a TLS server certificate that does not match any
	// pinned public key.
	ErrPinning = errors.New("link: server public key does not match a pin")

	// ErrTooLarge reports a frame above the configured size limit.
	ErrTooLarge = errors.New("link: frame exceeds the size limit")

	// ErrMismatch reports a response that does not answer the request it
	// was matched to (wrong MTI or amount), or that cannot be matched.
	ErrMismatch = errors.New("link: response does not match the request")

	// ErrPendingReversal reports a financial request refused because an
	// earlier reversal could not be delivered yet (CUP POS: a pending
	// reversal is sent before the next financial request).
	ErrPendingReversal = errors.New("link: reversal pending, host unreachable")

	// ErrNotSignedIn reports a financial request before a sign-in loaded
	// working keys.
	ErrNotSignedIn = errors.New("link: terminal not signed in")

	// ErrUnknownTerminal reports a host request from a terminal the key
	// store does not know.
	ErrUnknownTerminal = errors.New("link: unknown terminal")

	// ErrCounterExhausted reports a STAN or batch counter that cannot
	// advance.
	ErrCounterExhausted = errors.New("link: counter exhausted")
)
