package pcsc

import (
	"errors"
	"fmt"
	"os"

	"github.com/possdk/pos/reader"
)

// ErrNotBuilt is returned by every call when the package was built without
// the pcsc build tag (the PC/SC binding needs cgo and libpcsclite).
var ErrNotBuilt = errors.New("pcsc: built without PC/SC support (rebuild with -tags pcsc, cgo and libpcsclite-dev)")

// ErrPCSC is wrapped by PC/SC failures that have no reader-level meaning.
var ErrPCSC = errors.New("pcsc: PC/SC error")

// Error is a PC/SC return code from a call, with the reader involved. It
// unwraps to the reader sentinel that means the same thing (reader.ErrNoCard
// for SCARD_E_NO_SMARTCARD ...), or ErrPCSC.
type Error struct {
	Op     string // "Connect", "Transmit" ...
	Reader string
	Code   uint32
}

func (e *Error) Error() string {
	name := codeNames[e.Code]
	if name == "" {
		name = "unknown code"
	}
	where := e.Op
	if e.Reader != "" {
		where += fmt.Sprintf(" %q", e.Reader)
	}
	return fmt.Sprintf("pcsc: %s: %s (0x%08X): %v", where, name, e.Code, e.Unwrap())
}

// Unwrap returns the sentinel for Code.
func (e *Error) Unwrap() error {
	if s, ok := codeSentinels[e.Code]; ok {
		return s
	}
	return ErrPCSC
}

// newError wraps a PC/SC return code; 0 (SCARD_S_SUCCESS) gives nil.
func newError(op, rdr string, code uint32) error {
	if code == 0 {
		return nil
	}
	return &Error{Op: op, Reader: rdr, Code: code}
}

// PC/SC return codes (pcsc-lite src/PCSC/pcsclite.h.in) that mean something
// a caller can act on.
var codeSentinels = map[uint32]error{
	0x80100009: reader.ErrNoReader,     // SCARD_E_UNKNOWN_READER
	0x80100017: reader.ErrNoReader,     // SCARD_E_READER_UNAVAILABLE
	0x8010002E: reader.ErrNoReader,     // SCARD_E_NO_READERS_AVAILABLE
	0x8010000C: reader.ErrNoCard,       // SCARD_E_NO_SMARTCARD
	0x80100068: reader.ErrCardRemoved,  // SCARD_W_RESET_CARD
	0x80100069: reader.ErrCardRemoved,  // SCARD_W_REMOVED_CARD
	0x80100066: reader.ErrCardMute,     // SCARD_W_UNRESPONSIVE_CARD
	0x80100067: reader.ErrCardMute,     // SCARD_W_UNPOWERED_CARD
	0x80100065: reader.ErrCardMute,     // SCARD_W_UNSUPPORTED_CARD
	0x8010000B: reader.ErrSharing,      // SCARD_E_SHARING_VIOLATION
	0x8010001D: reader.ErrNoService,    // SCARD_E_NO_SERVICE
	0x8010001E: reader.ErrNoService,    // SCARD_E_SERVICE_STOPPED
	0x8010000F: reader.ErrProtocol,     // SCARD_E_PROTO_MISMATCH
	0x80100003: reader.ErrClosed,       // SCARD_E_INVALID_HANDLE
	0x8010000A: os.ErrDeadlineExceeded, // SCARD_E_TIMEOUT
	0x80100002: errCancelled,           // SCARD_E_CANCELLED
	0x80100013: reader.ErrNoService,    // SCARD_F_COMM_ERROR: the daemon went away
	0x8010002F: reader.ErrCardMute,     // SCARD_E_COMM_DATA_LOST
	0x80100016: ErrPCSC,                // SCARD_E_NOT_TRANSACTED
	0x80100008: reader.ErrBadResponse,  // SCARD_E_INSUFFICIENT_BUFFER
	0x80100004: ErrPCSC,                // SCARD_E_INVALID_PARAMETER
}

// errCancelled is what an SCardCancel produces; Wait replaces it with the
// context's error.
var errCancelled = errors.New("pcsc: cancelled")

var codeNames = map[uint32]string{
	0x80100001: "SCARD_F_INTERNAL_ERROR",
	0x80100002: "SCARD_E_CANCELLED",
	0x80100003: "SCARD_E_INVALID_HANDLE",
	0x80100004: "SCARD_E_INVALID_PARAMETER",
	0x80100006: "SCARD_E_NO_MEMORY",
	0x80100008: "SCARD_E_INSUFFICIENT_BUFFER",
	0x80100009: "SCARD_E_UNKNOWN_READER",
	0x8010000A: "SCARD_E_TIMEOUT",
	0x8010000B: "SCARD_E_SHARING_VIOLATION",
	0x8010000C: "SCARD_E_NO_SMARTCARD",
	0x8010000F: "SCARD_E_PROTO_MISMATCH",
	0x80100010: "SCARD_E_NOT_READY",
	0x80100011: "SCARD_E_INVALID_VALUE",
	0x80100013: "SCARD_F_COMM_ERROR",
	0x80100014: "SCARD_F_UNKNOWN_ERROR",
	0x80100016: "SCARD_E_NOT_TRANSACTED",
	0x80100017: "SCARD_E_READER_UNAVAILABLE",
	0x8010001D: "SCARD_E_NO_SERVICE",
	0x8010001E: "SCARD_E_SERVICE_STOPPED",
	0x8010001F: "SCARD_E_UNSUPPORTED_FEATURE",
	0x8010002E: "SCARD_E_NO_READERS_AVAILABLE",
	0x8010002F: "SCARD_E_COMM_DATA_LOST",
	0x80100065: "SCARD_W_UNSUPPORTED_CARD",
	0x80100066: "SCARD_W_UNRESPONSIVE_CARD",
	0x80100067: "SCARD_W_UNPOWERED_CARD",
	0x80100068: "SCARD_W_RESET_CARD",
	0x80100069: "SCARD_W_REMOVED_CARD",
}
