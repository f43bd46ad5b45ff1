package hsm

import "errors"

// Sentinel errors. Operations wrap them with what was wrong; they never
// carry key bytes, PINs, PIN blocks or PANs.
var (
	// ErrKeyBlock: a key block that is not a key under this HSM's LMK:
	// malformed, altered, or under another LMK.
	ErrKeyBlock = errors.New("hsm: key block not usable under this LMK")
	// ErrKeyUsage: a key whose class (TR-31 usage and mode of use) does not
	// permit the operation, e.g. a MAC key given as a PIN key.
	ErrKeyUsage = errors.New("hsm: key usage does not permit the operation")
	// ErrExport: a key marked non-exportable asked to leave the HSM.
	ErrExport = errors.New("hsm: key is not exportable")
	// ErrInput: a request field of the wrong length or content.
	ErrInput = errors.New("hsm: invalid request")
	// ErrMAC: a MAC that does not verify.
	ErrMAC = errors.New("hsm: MAC does not verify")
	// ErrPIN: a PIN block that cannot be translated or a PIN that does not
	// verify.
	ErrPIN = errors.New("hsm: PIN verification failed")
	// ErrCryptogram: an application cryptogram that does not verify.
	ErrCryptogram = errors.New("hsm: cryptogram does not verify")
	// ErrCardValue: a card verification value (CVV, CVC3 ...) that does not
	// verify.
	ErrCardValue = errors.New("hsm: card verification value does not verify")
	// ErrLMK: a sealed LMK that does not open (wrong passphrase, altered
	// file) or an LMK that is not an AES key.
	ErrLMK = errors.New("hsm: local master key")
)
