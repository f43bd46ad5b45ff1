// Package testcard is a small scripted contact card for the reader tests:
// it answers SELECT of the PPSE/PSE names with an FCI, and READ RECORD with a
// fixed record, and in T=0 mode it makes the terminal work for both, with
// 61xx (data waiting: GET RESPONSE) and 6Cxx (wrong Le: resend). It records
// every command it receives, so a test can check what really crossed the
// reader. It is not an EMV card: reader/sim is.
package testcard

import (
	"bytes"
	"context"
	"sync"
)

// ATRs: no TD1 means T=0 (ISO 7816-3 §8.2.3); the T=1 one offers T=1 in TD1
// with IFSC FE, BWI 4, CWI 5. Both pass EMV Book 1 §8.3.3 for a cold reset.
var (
	ATRT0 = []byte{0x3B, 0x65, 0x00, 0x00, 'P', 'O', 'S', 'D', 'K'}
	ATRT1 = []byte{0x3B, 0xE5, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 'P', 'O', 'S', 'D', 'K', 0xAD}
)

// Names the card answers SELECT for.
var (
	PPSE = []byte("2PAY.SYS.DDF01")
	PSE  = []byte("1PAY.SYS.DDF01")
)

// Record is what READ RECORD 1, SFI 1 (00 B2 01 0C) returns.
var Record = []byte{0x70, 0x06, 0x5F, 0x20, 0x03, 'T', '/', 'C'}

// Card is the test card. The zero value is not usable; call New.
type Card struct {
	t0 bool

	mu      sync.Mutex
	pending []byte // data waiting for GET RESPONSE
	log     [][]byte
	resets  int
}

// New returns a T=0 card (t0) or a T=1 card.
func New(t0 bool) *Card { return &Card{t0: t0} }

// ATR returns the card's answer-to-reset.
func (c *Card) ATR() []byte {
	if c.t0 {
		return ATRT0
	}
	return ATRT1
}

// Close does nothing.
func (c *Card) Close() error { return nil }

// Reset forgets pending data, as a warm reset does.
func (c *Card) Reset(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = nil
	c.resets++
	return nil
}

// Resets counts the resets (power-on, reset) the card has seen.
func (c *Card) Resets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets
}

// Log returns the commands the card has received, in order.
func (c *Card) Log() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][]byte, len(c.log))
	copy(out, c.log)
	return out
}

// FCI is the File Control Information the card returns when name is
// selected: 6F { 84 name, A5 { BF0C { 61 { 4F A0000000031010, 87 01 } } } }.
func FCI(name []byte) []byte {
	app := []byte{0x61, 0x0C, 0x4F, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10, 0x87, 0x01, 0x01}
	bf0c := append([]byte{0xBF, 0x0C, byte(len(app))}, app...)
	a5 := append([]byte{0xA5, byte(len(bf0c))}, bf0c...)
	body := append(append([]byte{0x84, byte(len(name))}, name...), a5...)
	return append([]byte{0x6F, byte(len(body))}, body...)
}

// Transmit answers one command APDU.
func (c *Card) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, bytes.Clone(apdu))
	if len(apdu) < 4 {
		return []byte{0x67, 0x00}, nil
	}
	p3 := -1
	if len(apdu) >= 5 {
		p3 = int(apdu[4])
	}
	switch {
	case apdu[0] == 0x00 && apdu[1] == 0xA4 && apdu[2] == 0x04:
		if p3 <= 0 || len(apdu) < 5+p3 {
			return []byte{0x67, 0x00}, nil
		}
		name := apdu[5 : 5+p3]
		if !bytes.Equal(name, PPSE) && !bytes.Equal(name, PSE) {
			return []byte{0x6A, 0x82}, nil
		}
		fci := FCI(name)
		if c.t0 {
			// The usual T=0 answer: data waiting, fetch it.
			c.pending = fci
			return []byte{0x61, byte(len(fci))}, nil
		}
		return append(fci, 0x90, 0x00), nil
	case apdu[0] == 0x00 && apdu[1] == 0xC0:
		if c.pending == nil {
			return []byte{0x69, 0x85}, nil
		}
		le := p3
		if le == 0 {
			le = 256
		}
		n := len(c.pending)
		switch {
		case le > n:
			return []byte{0x6C, byte(n)}, nil
		case le < n:
			out := append(bytes.Clone(c.pending[:le]), 0x61, byte(n-le))
			c.pending = c.pending[le:]
			return out, nil
		}
		out := append(c.pending, 0x90, 0x00)
		c.pending = nil
		return out, nil
	case apdu[0] == 0x00 && apdu[1] == 0xB2 && apdu[2] == 0x01 && apdu[3] == 0x0C:
		if len(apdu) != 5 || int(apdu[4]) != len(Record) {
			return []byte{0x6C, byte(len(Record))}, nil
		}
		return append(bytes.Clone(Record), 0x90, 0x00), nil
	case apdu[0] == 0x00 && apdu[1] == 0xB2:
		return []byte{0x6A, 0x83}, nil
	}
	return []byte{0x6D, 0x00}, nil
}
