package keys

import "errors"

// Sentinel errors. Functions wrap them with the detail of what was wrong
// (offset, field, length), so test with errors.Is.
var (
	// ErrAlgorithm reports an unknown or unsupported algorithm for the call.
	ErrAlgorithm = errors.New("keys: unsupported algorithm")
	// ErrKeyLength reports key bytes whose length does not fit the algorithm.
	ErrKeyLength = errors.New("keys: invalid key length")
	// ErrWeakKey reports a TDES key with equal parts (single-DES strength),
	// or a single-DES key, built without the Legacy option.
	ErrWeakKey = errors.New("keys: single-DES strength key refused without Legacy option")
	// ErrParity reports a DES-family key byte with even parity when odd
	// parity was required.
	ErrParity = errors.New("keys: DES key byte does not have odd parity")
	// ErrHex reports malformed hexadecimal input.
	ErrHex = errors.New("keys: invalid hex")
	// ErrComponents reports a bad key-component set (count or lengths).
	ErrComponents = errors.New("keys: invalid key components")
	// ErrCheckValue reports a key check value that does not match the key.
	ErrCheckValue = errors.New("keys: check value mismatch")
	// ErrZeroed reports use of a key after Zero.
	ErrZeroed = errors.New("keys: key has been zeroed")
	// ErrDataLength reports data that is not a whole number of cipher blocks,
	// or a destination buffer that is too short.
	ErrDataLength = errors.New("keys: invalid data length")
	// ErrMACLength reports a requested MAC or check-value length outside the
	// range the algorithm can produce.
	ErrMACLength = errors.New("keys: invalid MAC length")
	// ErrPadding reports an unknown ISO/IEC 9797-1 padding method.
	ErrPadding = errors.New("keys: invalid padding method")
	// ErrMAC reports a MAC that does not verify.
	ErrMAC = errors.New("keys: MAC mismatch")
	// ErrKeyMode reports an unknown CUP sign-in key mode (field 60.3).
	ErrKeyMode = errors.New("keys: unknown working-key mode")
	// ErrField62 reports a CUP field 62 whose layout does not match the key mode.
	ErrField62 = errors.New("keys: malformed field 62")
	// ErrTrack reports track data that cannot be encrypted or decrypted.
	ErrTrack = errors.New("keys: invalid track data")
)
