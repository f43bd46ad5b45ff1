// Package cli holds what the example commands share: reading hex or text
// from arguments or standard input, and the flag-set conventions (usage on
// -h with exit status 0, status 2 for a usage error, 1 for bad input).
package cli

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
)

// ErrNoInput reports an empty argument list and empty standard input.
var ErrNoInput = errors.New("no input")

// ErrNotHex reports input that is not hexadecimal.
var ErrNotHex = errors.New("not hex")

// MaxInput is the most the commands read: 1 MiB.
const MaxInput = 1 << 20

// ErrTooLarge reports input over MaxInput. The commands refuse it rather
// than decode a part and report a misleading error at the cut.
var ErrTooLarge = errors.New("input is larger than the 1 MiB limit")

// Text joins args with no separator, or reads stdin when there are none.
// Input over MaxInput is ErrTooLarge.
func Text(args []string, stdin io.Reader) (string, error) {
	if len(args) > 0 {
		s := strings.Join(args, "")
		if len(s) > MaxInput {
			return "", fmt.Errorf("%w (%d bytes of arguments)", ErrTooLarge, len(s))
		}
		return s, nil
	}
	if stdin == nil {
		return "", ErrNoInput
	}
	b, err := io.ReadAll(io.LimitReader(stdin, MaxInput+1))
	if err != nil {
		return "", err
	}
	if len(b) > MaxInput {
		return "", fmt.Errorf("%w: standard input has more than %d bytes", ErrTooLarge, MaxInput)
	}
	return string(b), nil
}

// Hex reads hex from args (joined) or stdin and decodes it. White space,
// colons and a 0x prefix are accepted, so dumps pasted from logs work.
func Hex(args []string, stdin io.Reader) ([]byte, error) {
	if len(args) > 1 {
		// Joined with spaces (which decoding drops), so an error quotes
		// words as typed.
		args = []string{strings.Join(args, " ")}
	}
	s, err := Text(args, stdin)
	if err != nil {
		return nil, err
	}
	b, err := DecodeHex(s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, ErrNoInput
	}
	return b, nil
}

// DecodeHex decodes hex with any white space, colons or a 0x prefix. The
// error names the offset of the first bad character; it quotes the input
// only when it is plainly words, not a mistyped key or card data (see
// NotHex).
func DecodeHex(s string) ([]byte, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "0x")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == ':' {
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(s)
	if err != nil {
		var inv hex.InvalidByteError
		if errors.As(err, &inv) {
			return nil, NotHex(orig, s, strings.IndexByte(s, byte(inv)))
		}
		return nil, fmt.Errorf("%w: odd number of digits (%d)", ErrNotHex, len(s))
	}
	return b, nil
}

// NotHex is the error for input that is not hex: as typed, and without
// its separators (stripped), where the first bad character is at offset
// off. Text that is mostly not hex digits, such
// as "hello world", is words someone typed by mistake and is quoted (up
// to 40 characters); text that is mostly hex digits may be a key or card
// data with a typo and is never shown: the error names only the offset
// and the bad character, when it is not a hex digit.
func NotHex(input, stripped string, off int) error {
	s := stripped
	t := strings.TrimSpace(input)
	digits := 0
	for i := 0; i < len(t); i++ {
		if isHexDigit(t[i]) {
			digits++
		}
	}
	if digits*2 < len(t) {
		if len(t) > 40 {
			t = t[:40] + "…"
		}
		t = strings.Map(func(r rune) rune {
			if unicode.IsPrint(r) {
				return r
			}
			return '?'
		}, t)
		return fmt.Errorf("%w: '%s'", ErrNotHex, t)
	}
	if off >= 0 && off < len(s) && !isHexDigit(s[off]) && s[off] >= 0x20 && s[off] < 0x7F {
		return fmt.Errorf("%w: character %q at offset %d", ErrNotHex, s[off], off)
	}
	return fmt.Errorf("%w: invalid character at offset %d", ErrNotHex, off)
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Parse parses args with fs. It reports whether to go on and, when not, the
// exit status: 0 after -h (the usage went to fs's output), 2 for a bad flag.
func Parse(fs *flag.FlagSet, args []string) (ok bool, status int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, 0
		}
		return false, 2
	}
	return true, 0
}

// SyncWriter serialises writes from several goroutines (a terminal and
// its host, or a register and its terminal, printing to one window).
type SyncWriter struct {
	mu sync.Mutex
	W  io.Writer
}

// Write implements io.Writer.
func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.W.Write(p)
}
