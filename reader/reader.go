package reader

import (
	"context"
	"fmt"
	"iter"
)

// Card is a card in a reader, powered and ready for APDUs. Transmit takes a
// complete command APDU (CLA INS P1 P2 [Lc data] [Le]) and returns the
// response APDU (data ‖ SW1 SW2). Backends pass APDUs through as PC/SC does:
// wrap a Card in a Transport to get the EMV Book 1 §9.3 transport rules.
//
// The EMV kernel declares Transmit, the one method it needs, as its own
// interface (kernel.Card), so any Card here can drive it.
type Card interface {
	ATR() []byte
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
	Close() error
}

// Reader is a set of card slots: a PC/SC context, a terminal's contact
// module, a software card. Slots are named by strings.
type Reader interface {
	// Readers lists the slot names currently known.
	Readers(ctx context.Context) ([]string, error)
	// Wait blocks until the named slot is in the state kind describes
	// (Inserted: a card is present; Removed: the slot is empty) and returns
	// at once if it already is. It returns ctx's error when ctx ends first.
	Wait(ctx context.Context, name string, kind EventKind) (Event, error)
	// Open powers the card in the named slot and returns it.
	Open(ctx context.Context, name string) (Card, error)
}

// Protocol is the transmission protocol of a contact card (ISO 7816-3).
type Protocol uint8

// Protocols. ProtocolUnknown lets a Transport choose from the card's ATR.
const (
	ProtocolUnknown Protocol = iota
	ProtocolT0
	ProtocolT1
)

func (p Protocol) String() string {
	switch p {
	case ProtocolT0:
		return "T=0"
	case ProtocolT1:
		return "T=1"
	}
	return "unknown protocol"
}

// ProtocolCard is implemented by cards that know which protocol the reader
// negotiated (pcsc.Card does); a Transport asks it before falling back to the
// ATR.
type ProtocolCard interface {
	Card
	Protocol() Protocol
}

// EventKind says what happened in a slot.
type EventKind uint8

// Event kinds.
const (
	Inserted EventKind = iota + 1
	Removed
)

func (k EventKind) String() string {
	switch k {
	case Inserted:
		return "inserted"
	case Removed:
		return "removed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event reports a slot's state: which slot, what happened, and the ATR of an
// inserted card (nil when removed).
type Event struct {
	Reader string
	Kind   EventKind
	ATR    []byte
}

func (e Event) String() string {
	if e.Kind == Inserted && len(e.ATR) > 0 {
		return fmt.Sprintf("%s: card %s, ATR % X", e.Reader, e.Kind, e.ATR)
	}
	return fmt.Sprintf("%s: card %s", e.Reader, e.Kind)
}

// Events yields the insertions and removals in the named slot, alternating:
// first Inserted (at once if a card is already present), then Removed, and so
// on, until ctx ends or r reports an error. The error is yielded once and the
// sequence stops; breaking out of the loop stops it too.
func Events(ctx context.Context, r Reader, name string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		next := Inserted
		for {
			ev, err := r.Wait(ctx, name, next)
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(ev, nil) {
				return
			}
			if next == Inserted {
				next = Removed
			} else {
				next = Inserted
			}
		}
	}
}
