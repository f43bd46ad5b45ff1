//go:build !pcsc || (!cgo && !windows)

package pcsc

import (
	"context"

	"github.com/possdk/pos/reader"
)

// Built reports whether the package was built with PC/SC support.
const Built = false

// Context is a connection to the PC/SC resource manager. In this build
// (without the pcsc tag) every call returns ErrNotBuilt.
type Context struct{}

// New returns ErrNotBuilt: rebuild with -tags pcsc.
func New(context.Context) (*Context, error) { return nil, ErrNotBuilt }

// Close returns ErrNotBuilt.
func (*Context) Close() error { return ErrNotBuilt }

// Readers returns ErrNotBuilt.
func (*Context) Readers(context.Context) ([]string, error) { return nil, ErrNotBuilt }

// Wait returns ErrNotBuilt.
func (*Context) Wait(context.Context, string, reader.EventKind) (reader.Event, error) {
	return reader.Event{}, ErrNotBuilt
}

// Open returns ErrNotBuilt.
func (*Context) Open(context.Context, string) (reader.Card, error) { return nil, ErrNotBuilt }

// Connect returns ErrNotBuilt.
func (*Context) Connect(context.Context, string, ShareMode) (*Card, error) { return nil, ErrNotBuilt }

// Card is a connected card; this build cannot make one.
type Card struct{}

// Reader returns "".
func (*Card) Reader() string { return "" }

// ATR returns nil.
func (*Card) ATR() []byte { return nil }

// Protocol returns reader.ProtocolUnknown.
func (*Card) Protocol() reader.Protocol { return reader.ProtocolUnknown }

// Transmit returns ErrNotBuilt.
func (*Card) Transmit(context.Context, []byte) ([]byte, error) { return nil, ErrNotBuilt }

// Transaction returns ErrNotBuilt.
func (*Card) Transaction(context.Context, func(context.Context) error) error { return ErrNotBuilt }

// Reset returns ErrNotBuilt.
func (*Card) Reset(context.Context, Disposition) error { return ErrNotBuilt }

// Close returns ErrNotBuilt.
func (*Card) Close() error { return ErrNotBuilt }

// Disconnect returns ErrNotBuilt.
func (*Card) Disconnect(Disposition) error { return ErrNotBuilt }
