package qr

import "errors"

// Decoding errors. Each is wrapped with where it happened (byte offset, ID).
var (
	// ErrSyntax: a data object is malformed: its ID or length is not two
	// decimal digits, its value runs past the end of its container, or the
	// text is not valid UTF-8.
	ErrSyntax = errors.New("qr: malformed data object")
	// ErrLength: a value length is out of range (zero, or over 99 characters
	// when encoding).
	ErrLength = errors.New("qr: value length out of range")
	// ErrTooLong: a merchant-presented payload is over 512 characters.
	ErrTooLong = errors.New("qr: payload over 512 characters")
	// ErrDuplicate: an ID (or CPM tag) appears twice at the same level.
	ErrDuplicate = errors.New("qr: duplicate data object")
	// ErrCRCMissing: the payload does not end with the CRC data object
	// (ID 63, length 04), or ID 63 is not the last object.
	ErrCRCMissing = errors.New("qr: CRC missing or not last")
	// ErrCRC: the CRC value is not four hexadecimal digits or does not
	// match the payload. When Decode returns it, the payload was otherwise
	// decoded completely.
	ErrCRC = errors.New("qr: CRC mismatch")
)

// Validation errors: each Problem reported by Validate wraps one of these.
var (
	// ErrMissing: a data object that the profile makes mandatory is absent.
	ErrMissing = errors.New("qr: mandatory data object missing")
	// ErrFormat: a value has the wrong format, length or content.
	ErrFormat = errors.New("qr: invalid value")
	// ErrOrder: a data object is out of place (ID 00 not first).
	ErrOrder = errors.New("qr: data object out of order")
	// ErrConflict: data objects contradict each other (tip or convenience
	// fee rules, fields that must not be present together).
	ErrConflict = errors.New("qr: conflicting data objects")
	// ErrReserved: an ID reserved for future use by EMVCo is present.
	ErrReserved = errors.New("qr: reserved data object")
)

// Consumer-presented mode errors.
var (
	// ErrBase64: a CPM payload is not valid base64.
	ErrBase64 = errors.New("qr: invalid base64")
	// ErrTLV: the BER-TLV inside a CPM payload is malformed; the error also
	// wraps the tlv package's error.
	ErrTLV = errors.New("qr: malformed BER-TLV")
	// ErrCPM: a CPM payload breaks the QRCPS-CPM structure (payload format
	// indicator, mandatory templates, tags outside their template).
	ErrCPM = errors.New("qr: invalid consumer-presented payload")
)
