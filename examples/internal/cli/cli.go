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
var ErrNotHex = errors.New("input is not hex")

// Text joins args with no separator, or reads stdin when there are none.
func Text(args []string, stdin io.Reader) (string, error) {
	if len(args) > 0 {
		return strings.Join(args, ""), nil
	}
	if stdin == nil {
		return "", ErrNoInput
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Hex reads hex from args (joined) or stdin and decodes it. White space,
// colons and a 0x prefix are accepted, so dumps pasted from logs work.
func Hex(args []string, stdin io.Reader) ([]byte, error) {
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
// error names the offset of the first bad character, never the text (it
// may be card data).
func DecodeHex(s string) ([]byte, error) {
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
			return nil, fmt.Errorf("%w: invalid character at offset %d", ErrNotHex, strings.IndexByte(s, byte(inv)))
		}
		return nil, fmt.Errorf("%w: odd number of digits (%d)", ErrNotHex, len(s))
	}
	return b, nil
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
