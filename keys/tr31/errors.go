package tr31

import "errors"

// Sentinel errors. Functions wrap them with what was wrong and where (byte
// offset, field, optional block ID), so test with errors.Is.
var (
	// ErrFormat reports a key block or header that does not parse: a bad
	// character, field or optional block, with its offset.
	ErrFormat = errors.New("tr31: malformed key block")
	// ErrLength reports a key block shorter than its parts need, or whose
	// length field disagrees with its actual length.
	ErrLength = errors.New("tr31: invalid key block length")
	// ErrVersion reports a key block version this package does not know
	// (it knows A, B, C and D).
	ErrVersion = errors.New("tr31: unsupported key block version")
	// ErrKBPK reports a key block protection key that cannot protect the
	// version: A, B and C need TDES, D needs AES.
	ErrKBPK = errors.New("tr31: key block protection key does not fit the version")
	// ErrMAC reports a key block whose MAC does not verify: a wrong KBPK,
	// or a block that was altered.
	ErrMAC = errors.New("tr31: key block MAC mismatch")
	// ErrKey reports a key that cannot be wrapped, or a decrypted key field
	// whose length is impossible.
	ErrKey = errors.New("tr31: invalid key")
)
