package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/possdk/pos/emv"
)

// ErrPIN is wrapped by every error building a VERIFY command from a PIN
// (wrong length, not digits, bad key).
var ErrPIN = errors.New("kernel: PIN")

// PINRequest is what a PIN pad needs to build one offline VERIFY command
// (EMV Book 3 §6.5.12, Book 2 §7.2).
type PINRequest struct {
	Kind PINKind
	// TriesLeft is the PIN Try Counter (9F17) the card reported, -1 when
	// unknown; the PIN pad may show "last try".
	TriesLeft int
	// For PINOfflineEnciphered: the card's challenge (GET CHALLENGE, 8
	// bytes) and the public key to encipher under (the ICC PIN
	// Encipherment key or the ICC key).
	Challenge         []byte
	Modulus, Exponent []byte
}

// PINPad reads an offline PIN and builds the VERIFY command itself, so
// that the kernel never holds the PIN (PCI PTS): it only sends the command
// and reads the status word. Return an error wrapping ErrPINBypass when
// the cardholder bypasses PIN entry. The kernel clears the command's data
// once sent.
type PINPad interface {
	VerifyCommand(ctx context.Context, req PINRequest) (emv.Command, error)
}

// BuildVerify builds the VERIFY command for PIN digits (ASCII '0'-'9', 4
// to 12 of them) as a PIN pad does: an ISO 9564 format 2 block (Book 3
// §6.5.12), in plaintext (P2 80) or, for PINOfflineEnciphered, as 7F |
// block | challenge | random pad enciphered under the request's key (Book
// 2 §7.2, P2 88). rnd supplies the pad. The caller clears pin.
func BuildVerify(pin []byte, req PINRequest, rnd io.Reader) (emv.Command, error) {
	block, err := format2(pin)
	if err != nil {
		return emv.Command{}, err
	}
	defer clear(block[:])
	if req.Kind != PINOfflineEnciphered {
		return emv.VerifyPlaintext(block), nil
	}
	n := len(req.Modulus)
	if n < 17+8 || len(req.Challenge) != 8 || len(req.Exponent) == 0 {
		return emv.Command{}, fmt.Errorf("%w: encipherment needs an 8-byte challenge and a key", ErrPIN)
	}
	m := make([]byte, n)
	defer clear(m)
	m[0] = 0x7F
	copy(m[1:], block[:])
	copy(m[9:], req.Challenge)
	if _, err := io.ReadFull(rnd, m[17:]); err != nil {
		return emv.Command{}, fmt.Errorf("%w: random pad: %v", ErrPIN, err)
	}
	mod := new(big.Int).SetBytes(req.Modulus)
	x := new(big.Int).SetBytes(m)
	if x.Cmp(mod) >= 0 {
		return emv.Command{}, fmt.Errorf("%w: key modulus too small", ErrPIN)
	}
	c := x.Exp(x, new(big.Int).SetBytes(req.Exponent), mod)
	return emv.VerifyEnciphered(c.FillBytes(make([]byte, n))), nil
}

// format2 builds the ISO 9564 format-2 block the card's VERIFY takes.
func format2(pin []byte) ([8]byte, error) {
	var b [8]byte
	if len(pin) < 4 || len(pin) > 12 {
		return b, fmt.Errorf("%w: must be 4 to 12 digits", ErrPIN)
	}
	for i := range b {
		b[i] = 0xFF
	}
	b[0] = 0x20 | byte(len(pin))
	for i := 0; i < len(pin); i++ {
		c := pin[i]
		if c < '0' || c > '9' {
			return [8]byte{}, fmt.Errorf("%w: must be digits", ErrPIN)
		}
		if i%2 == 0 {
			b[1+i/2] = (c-'0')<<4 | 0x0F
		} else {
			b[1+i/2] = b[1+i/2]&0xF0 | (c - '0')
		}
	}
	return b, nil
}

// hookPad is the PINPad behind the older Hooks.PIN function, which hands
// the PIN over as a string: kept for existing callers; new terminals give
// Hooks.PINPad so that the PIN stays in the PIN pad.
type hookPad struct {
	fn  func(ctx context.Context, kind PINKind, triesLeft int) (string, error)
	rnd io.Reader
}

func (p hookPad) VerifyCommand(ctx context.Context, req PINRequest) (emv.Command, error) {
	pin, err := p.fn(ctx, req.Kind, req.TriesLeft)
	if err != nil {
		return emv.Command{}, err
	}
	b := []byte(pin)
	defer clear(b)
	return BuildVerify(b, req, p.rnd)
}
