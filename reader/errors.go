package reader

import "errors"

// Sentinel errors. Errors returned by this package and by its backends wrap
// one of them, so callers test with errors.Is; the wrapping text says where
// (byte offset, status word, reader name).
var (
	// ErrNoReader: the named reader does not exist or has gone away.
	ErrNoReader = errors.New("reader: no such reader")
	// ErrNoCard: no card is present in the reader.
	ErrNoCard = errors.New("reader: no card present")
	// ErrCardRemoved: the card was removed or reset during the exchange.
	ErrCardRemoved = errors.New("reader: card removed or reset")
	// ErrCardMute: the card does not answer (no ATR, unresponsive).
	ErrCardMute = errors.New("reader: card does not respond")
	// ErrSharing: another application holds the card exclusively.
	ErrSharing = errors.New("reader: card in use by another application")
	// ErrNoService: the reader service (pcscd) is not running or refused us.
	ErrNoService = errors.New("reader: reader service unavailable")
	// ErrProtocol: the card and reader could not agree on T=0 or T=1.
	ErrProtocol = errors.New("reader: protocol mismatch")
	// ErrClosed: the card or reader handle was closed.
	ErrClosed = errors.New("reader: closed")

	// ErrBadAPDU: a command APDU is malformed (ISO 7816-3 §12.1.3 cases).
	ErrBadAPDU = errors.New("reader: malformed command APDU")
	// ErrExtendedAPDU: an extended-length APDU in EMV mode (EMV uses short APDUs only).
	ErrExtendedAPDU = errors.New("reader: extended-length APDU not allowed in EMV mode")
	// ErrBadResponse: a response APDU is malformed (shorter than SW1 SW2,
	// or an endless chain of 61xx / 6Cxx).
	ErrBadResponse = errors.New("reader: malformed response APDU")

	// ErrBadATR: an answer-to-reset cannot be parsed (ISO 7816-3 §8.2).
	ErrBadATR = errors.New("reader: malformed ATR")
	// ErrATRRejected: a well-formed ATR that EMV Book 1 §8.3.3 tells the
	// terminal to reject.
	ErrATRRejected = errors.New("reader: ATR rejected by EMV rules")

	// ErrBadTrack: magnetic-stripe input that is not valid track 1 or 2 data.
	ErrBadTrack = errors.New("reader: malformed magnetic-stripe track")
)
