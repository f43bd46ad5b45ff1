package dukpt

import "errors"

// Sentinel errors. Functions wrap them with what was wrong and where, so
// test with errors.Is.
var (
	// ErrKSN reports a key serial number that cannot be parsed (length,
	// hex digit) or used (a counter of zero or with too many one bits).
	ErrKSN = errors.New("dukpt: invalid key serial number")
	// ErrKey reports key bytes of the wrong length or algorithm for the call.
	ErrKey = errors.New("dukpt: invalid key")
	// ErrKeyType reports a working-key type or usage that AES DUKPT does not
	// define, or one stronger than the derivation key allows.
	ErrKeyType = errors.New("dukpt: unsupported key type")
	// ErrExhausted reports a terminal register that has used every
	// transaction counter value it may: the device needs a new initial key.
	ErrExhausted = errors.New("dukpt: transaction counter exhausted")
	// ErrState reports terminal state that does not unmarshal: wrong format,
	// checksum, or registers that contradict the counter.
	ErrState = errors.New("dukpt: invalid terminal state")
	// ErrDataLength reports a PIN block, ciphertext or buffer of the wrong
	// length.
	ErrDataLength = errors.New("dukpt: invalid data length")
)
