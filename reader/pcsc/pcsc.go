//go:build pcsc && (cgo || windows)

package pcsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ebfe/scard"
	"github.com/possdk/pos/reader"
)

// Built reports whether the package was built with PC/SC support.
const Built = true

// Context is a connection to the PC/SC resource manager (pcscd): it lists
// readers, waits for cards and connects to them. It is safe for concurrent
// use; Close releases it.
type Context struct {
	mu     sync.Mutex
	sc     *scard.Context
	closed bool
}

// New establishes a PC/SC context. Without a running pcscd the error wraps
// reader.ErrNoService.
func New(ctx context.Context) (*Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("EstablishContext", "", err)
	}
	return &Context{sc: sc}, nil
}

// wrap turns a scard error into an *Error.
func wrap(op, rdr string, err error) error {
	if err == nil {
		return nil
	}
	var se scard.Error
	if errors.As(err, &se) {
		return newError(op, rdr, uint32(se))
	}
	return fmt.Errorf("pcsc: %s %q: %w", op, rdr, err)
}

func (c *Context) lock() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("pcsc: context: %w", reader.ErrClosed)
	}
	return nil
}

// Close releases the context. Cards connected through it stop working.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return wrap("ReleaseContext", "", c.sc.Release())
}

// Readers lists the reader names pcscd knows, or none (and no error) when
// there are none.
func (c *Context) Readers(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	names, err := c.sc.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("ListReaders", "", err)
	}
	return names, nil
}

// Wait blocks in SCardGetStatusChange until the named reader holds a card
// (Inserted) or is empty (Removed), returning at once if it already does. It
// uses a PC/SC context of its own, cancelled with SCardCancel when ctx ends,
// so it never blocks other calls.
func (c *Context) Wait(ctx context.Context, name string, kind reader.EventKind) (reader.Event, error) {
	if kind != reader.Inserted && kind != reader.Removed {
		return reader.Event{}, fmt.Errorf("pcsc: Wait for %v: %w", kind, ErrPCSC)
	}
	if err := ctx.Err(); err != nil {
		return reader.Event{}, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return reader.Event{}, wrap("EstablishContext", name, err)
	}
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		sc.Cancel()
		close(cancelled)
	})
	defer func() {
		if !stop() {
			<-cancelled // Cancel must finish before Release
		}
		sc.Release()
	}()

	rs := []scard.ReaderState{{Reader: name, CurrentState: scard.StateUnaware}}
	for {
		err := sc.GetStatusChange(rs, -1)
		if ctx.Err() != nil {
			return reader.Event{}, ctx.Err()
		}
		if err != nil {
			return reader.Event{}, wrap("GetStatusChange", name, err)
		}
		st := rs[0].EventState
		switch {
		case st&(scard.StateUnknown|scard.StateIgnore) != 0:
			return reader.Event{}, newError("GetStatusChange", name, 0x80100009)
		case kind == reader.Inserted && st&scard.StatePresent != 0 && st&scard.StateMute == 0:
			return reader.Event{Reader: name, Kind: reader.Inserted, ATR: bytes.Clone(rs[0].Atr)}, nil
		case kind == reader.Removed && st&scard.StateEmpty != 0:
			return reader.Event{Reader: name, Kind: reader.Removed}, nil
		}
		rs[0].CurrentState = st &^ scard.StateChanged
	}
}

// Open connects to the card in the named reader, shared, T=0 or T=1.
func (c *Context) Open(ctx context.Context, name string) (reader.Card, error) {
	return c.Connect(ctx, name, Shared)
}

// Connect connects to the card in the named reader in the given share mode,
// letting pcscd choose T=0 or T=1 from the ATR.
func (c *Context) Connect(ctx context.Context, name string, mode ShareMode) (*Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	sm := scard.ShareShared
	if mode == Exclusive {
		sm = scard.ShareExclusive
	}
	h, err := c.sc.Connect(name, sm, scard.ProtocolT0|scard.ProtocolT1)
	if err != nil {
		return nil, wrap("Connect", name, err)
	}
	card := &Card{h: h, name: name, mode: mode}
	if err := card.status(); err != nil {
		h.Disconnect(scard.LeaveCard)
		return nil, err
	}
	return card, nil
}

// Card is a connected card. Its methods are safe for concurrent use, but an
// EMV exchange belongs in one goroutine (or one Transaction).
type Card struct {
	mu     sync.Mutex
	h      *scard.Card
	name   string
	mode   ShareMode
	atr    []byte
	proto  reader.Protocol
	closed bool
}

// status refreshes the ATR and protocol; call with mu held or before sharing.
func (c *Card) status() error {
	st, err := c.h.Status()
	if err != nil {
		return wrap("Status", c.name, err)
	}
	c.atr = bytes.Clone(st.Atr)
	c.proto = protocolOf(c.h.ActiveProtocol())
	return nil
}

func protocolOf(p scard.Protocol) reader.Protocol {
	switch p {
	case scard.ProtocolT0:
		return reader.ProtocolT0
	case scard.ProtocolT1:
		return reader.ProtocolT1
	}
	return reader.ProtocolUnknown
}

// Reader is the name of the reader the card is in.
func (c *Card) Reader() string { return c.name }

// ATR returns the answer-to-reset pcscd received.
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.atr)
}

// Protocol is the protocol pcscd negotiated: reader.NewTransport uses it to
// choose the T=0 rules.
func (c *Card) Protocol() reader.Protocol {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proto
}

// Transmit sends one APDU as it is (SCardTransmit) and returns the card's
// answer as it is: wrap the card in reader.NewTransport for 61xx/6Cxx
// handling. SCardTransmit cannot be interrupted, so ctx is checked before
// the exchange only.
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("pcsc: Transmit %q: %w", c.name, reader.ErrClosed)
	}
	resp, err := c.h.Transmit(apdu)
	if err != nil {
		return nil, wrap("Transmit", c.name, err)
	}
	return resp, nil
}

// Transaction runs fn inside SCardBeginTransaction / SCardEndTransaction, so
// no other PC/SC client can slip APDUs between ours on a shared card. fn's
// error is returned; the transaction ends with the card left as it is.
func (c *Card) Transaction(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.h.BeginTransaction(); err != nil {
		return wrap("BeginTransaction", c.name, err)
	}
	ferr := fn(ctx)
	if err := c.h.EndTransaction(scard.LeaveCard); err != nil && ferr == nil {
		return wrap("EndTransaction", c.name, err)
	}
	return ferr
}

// Reset resets the card, warm (Reset) or cold (Unpower), reconnecting in the
// same share mode, and refreshes the ATR and protocol. Whether a PC/SC
// "warm" reset is really warm depends on the reader driver.
func (c *Card) Reset(ctx context.Context, d Disposition) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	disp := scard.ResetCard
	if d == Unpower {
		disp = scard.UnpowerCard
	}
	sm := scard.ShareShared
	if c.mode == Exclusive {
		sm = scard.ShareExclusive
	}
	if err := c.h.Reconnect(sm, scard.ProtocolT0|scard.ProtocolT1, disp); err != nil {
		return wrap("Reconnect", c.name, err)
	}
	return c.status()
}

// Close disconnects, leaving the card powered.
func (c *Card) Close() error { return c.Disconnect(Leave) }

// Disconnect lets go of the card with the given disposition.
func (c *Card) Disconnect(d Disposition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	disp := scard.LeaveCard
	switch d {
	case Reset:
		disp = scard.ResetCard
	case Unpower:
		disp = scard.UnpowerCard
	}
	return wrap("Disconnect", c.name, c.h.Disconnect(disp))
}
