package tlv

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error the package returns wraps one of them, so
// callers test with errors.Is; a *Error adds where it happened.
var (
	ErrTruncated        = errors.New("tlv: truncated")
	ErrIndefiniteLength = errors.New("tlv: indefinite length (0x80) is not allowed")
	ErrLengthTooLong    = errors.New("tlv: length field longer than 4 bytes")
	ErrTagTooLong       = errors.New("tlv: tag longer than 4 bytes")
	ErrBadTag           = errors.New("tlv: malformed tag")
	ErrTooDeep          = errors.New("tlv: nesting too deep")
	ErrNotConstructed   = errors.New("tlv: tag is not constructed")
	ErrBadDOL           = errors.New("tlv: malformed data object list")
)

// MaxDepth is how deeply constructed objects may nest before a Scanner,
// Find or Decode gives up with ErrTooDeep. EMV data nests 4 levels at most
// (6F > A5 > BF0C > 61); the limit only stops crafted input from recursing.
const MaxDepth = 32

// Error says what went wrong and where: Offset is counted from the start of
// the outermost buffer handed to NewScanner (or Find, Decode ...), and Tag is
// the tag being read, or 0 when the tag itself could not be read.
type Error struct {
	Err    error  // one of the sentinels above
	Part   string // "tag", "length", "value" or "" when not specific
	Offset int
	Tag    Tag
}

func (e *Error) Error() string {
	b := make([]byte, 0, 80)
	b = append(b, e.Err.Error()...)
	if e.Part != "" {
		b = append(b, ' ')
		b = append(b, e.Part...)
	}
	if e.Tag != 0 {
		b = append(b, " of tag "...)
		b = append(b, e.Tag.String()...)
	}
	b = append(b, " at offset "...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

// newError is kept out of line so that the scanner's hot path stays small.
//
//go:noinline
func newError(err error, part string, off int, t Tag) error {
	return &Error{Err: err, Part: part, Offset: off, Tag: t}
}
