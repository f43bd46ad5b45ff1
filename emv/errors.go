package emv

import "errors"

// Sentinel errors. Every error the package returns wraps one of them (or a
// tlv sentinel for malformed BER-TLV), so callers test with errors.Is; the
// message adds where it happened (tag, field, offset).
var (
	// ErrValue: a data object's value has the wrong length or content for
	// its tag (a 4-byte TVR, a CVM list of odd length, a BCD digit above 9).
	ErrValue = errors.New("emv: malformed value")
	// ErrTrack: track 1, track 2 or tag 57 data does not follow ISO/IEC 7813.
	ErrTrack = errors.New("emv: malformed track data")
	// ErrPAN: a PAN is not 1 to 19 decimal digits.
	ErrPAN = errors.New("emv: malformed PAN")
	// ErrAPDU: a command cannot be encoded as a short APDU, or a response
	// is shorter than its status word.
	ErrAPDU = errors.New("emv: malformed APDU")
	// ErrStatus: the card answered with a status word other than 9000 (or
	// 63Cx for VERIFY). The *StatusError carries the word and its meaning.
	ErrStatus = errors.New("emv: card returned an error status")
	// ErrKey: a key has the wrong length for the derivation or MAC asked for.
	ErrKey = errors.New("emv: bad key")
	// ErrCryptogram: a cryptogram (ARQC, TC, AAC, ARPC) did not verify.
	ErrCryptogram = errors.New("emv: cryptogram does not verify")
	// ErrMissing: a data object the operation needs was not supplied.
	ErrMissing = errors.New("emv: required data object missing")
)
