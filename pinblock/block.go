package pinblock

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
)

// Block is a clear PIN block: for formats 0 to 3 the 8-byte block that is
// enciphered, for format 4 the 16-byte plain-text PIN field (the PAN field
// joins it during encipherment, ISO 9564-1:2017 format 4). Like PIN it never
// prints its bytes: String, every fmt verb and slog show the format only,
// and the bytes sit two pointers deep, so a Block in an unexported struct
// field prints as addresses. Copies share the bytes, and Wipe clears them
// for every copy. The zero Block is empty.
type Block struct {
	p *blockData
}

type blockData struct {
	b *[16]byte
	f Format
}

func newBlock(f Format) Block { return Block{&blockData{b: new([16]byte), f: f}} }

// Kind returns the block's format (Format0 for the zero Block). It is not
// called Format because Block implements fmt.Formatter, whose method has
// that name.
func (b Block) Kind() Format {
	if b.p == nil {
		return Format0
	}
	return b.p.f
}

// Len returns the block length in bytes: 8, 16 for format 4, 0 when empty.
func (b Block) Len() int {
	if b.p == nil {
		return 0
	}
	return b.p.f.Size()
}

// AppendBytes appends the clear block to dst. The result is as secret as the
// PIN: encipher it at once and wipe it.
func (b Block) AppendBytes(dst []byte) []byte { return append(dst, b.bytes()...) }

func (b Block) bytes() []byte {
	if b.p == nil {
		return nil
	}
	return b.p.b[:b.p.f.Size()]
}

// PIN decodes and validates the block and returns the PIN. pan is needed
// for formats 0 and 3 and ignored otherwise.
func (b Block) PIN(pan string) (PIN, error) {
	if b.p == nil {
		return PIN{}, fmt.Errorf("%w: empty block", ErrFormat)
	}
	return decode(b.bytes(), b.p.f, pan, false)
}

// Wipe overwrites the block, for b and every copy of it.
func (b Block) Wipe() {
	if b.p != nil {
		clear(b.p.b[:])
	}
}

// String returns the format only, e.g. "PINBlock(ISO-0)".
func (b Block) String() string { return "PINBlock(" + b.Kind().String() + ")" }

// GoString is used by %#v; it hides the bytes as String does.
func (b Block) GoString() string { return "pinblock.Block(" + b.Kind().String() + ")" }

// Format writes String for every verb, so no verb prints the block.
func (b Block) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, b.GoString())
		return
	}
	_, _ = io.WriteString(f, b.String())
}

// LogValue implements slog.LogValuer: the format only.
func (b Block) LogValue() slog.Value { return slog.StringValue(b.String()) }

// Encode builds the clear PIN block of format f for pin. pan is the full
// PAN (with its check digit) for formats 0 and 3; it is ignored by formats
// 1 and 2, and by format 4, whose PAN field is applied at encipherment.
// Random fill (formats 1, 3 and 4) comes from rand, or crypto/rand when
// rand is nil.
func (f Format) Encode(pin PIN, pan string, rand io.Reader) (Block, error) {
	if !f.valid() {
		return Block{}, fmt.Errorf("%w: %s", ErrFormat, f)
	}
	b := newBlock(f)
	if err := encode(b.p.b[:f.Size()], f, pin, pan, rand); err != nil {
		b.Wipe()
		return Block{}, err
	}
	return b, nil
}

// Decode validates a clear PIN block of format f and returns its PIN: the
// control field, a PIN length of 4 to 12, decimal PIN digits, and the fill
// digits the format prescribes (F for formats 0 and 2, A to F for format 3,
// A in the first half of the format 4 PIN field; format 1 fill is not
// checked). For formats 0 and 3 pan is the full PAN; a block that decodes
// only in its PAN-independent part gives ErrPANMismatch. For format 4,
// clear is the 16-byte plain-text PIN field and pan is ignored.
func (f Format) Decode(clear []byte, pan string) (PIN, error) {
	if !f.valid() {
		return PIN{}, fmt.Errorf("%w: %s", ErrFormat, f)
	}
	if len(clear) != f.Size() {
		return PIN{}, fmt.Errorf("%w: %s block is %d bytes, want %d", ErrFormat, f, len(clear), f.Size())
	}
	return decode(clear, f, pan, false)
}

// encode writes the clear block of format f to dst, which is f.Size() bytes
// long. Random bytes are read straight into dst, so that a caller-owned dst
// (AppendEncrypt) keeps the hot path free of allocations.
func encode(dst []byte, f Format, pin PIN, pan string, rand io.Reader) error {
	if !pin.valid() {
		return pinLenError(pin)
	}
	var panField uint64
	if f == Format0 || f == Format3 {
		var err error
		if panField, err = panField0(pan); err != nil {
			return err
		}
	}
	var fill uint64
	switch f {
	case Format0, Format2:
		fill = ^uint64(0) // all F
	case Format1:
		// ISO 9564-1 format 1: a transaction field, unique per
		// transaction; random nibbles.
		if err := readRandom(rand, dst[:8]); err != nil {
			return err
		}
		fill = binary.BigEndian.Uint64(dst[:8])
	case Format3:
		var err error
		if fill, err = randomAF(rand, dst[:8], pin.Len()); err != nil {
			return err
		}
	case Format4:
		// ISO 9564-1:2017 format 4: fill digits A, then 64 random bits.
		fill = fill4
		if err := readRandom(rand, dst[8:16]); err != nil {
			return err
		}
	}
	binary.BigEndian.PutUint64(dst[:8], pinField(f, pin, fill)^panField)
	return nil
}

// pinLenError is the error for a PIN of the wrong length (or none).
func pinLenError(pin PIN) error {
	return fmt.Errorf("%w: %d digits, want %d to %d", ErrPIN, pin.Len(), MinPINLen, MaxPINLen)
}

// fill4 is the fill of the first half of a format 4 PIN field: digits A.
const fill4 = 0x00AAAAAAAAAAAAAA

// pinField is the first 64 bits of a clear block of format f (before any
// PAN field is XORed in): control nibble, PIN length, the PIN's digits,
// then fill's nibbles in the positions the PIN leaves. pin must be valid.
func pinField(f Format, pin PIN, fill uint64) uint64 {
	n := pin.Len()
	// Nibbles 2 to 15 hold the PIN, then fill: pinMask selects the PIN's.
	const body uint64 = 0x00FFFFFFFFFFFFFF
	pinMask := body &^ (body >> (4 * n))
	// PIN.packed holds digit i at bits 44-4i; the block wants it at 52-4i.
	return uint64(f)<<60 | uint64(n)<<56 | pin.packed()<<8&pinMask | fill&body&^pinMask
}

// decode validates the clear block (or format 4 PIN field) b and returns
// the PIN. decrypted says b came out of a decryption, so that a failure may
// also mean a wrong key; the error says so.
func decode(b []byte, f Format, pan string, decrypted bool) (PIN, error) {
	v := binary.BigEndian.Uint64(b[:8])
	if f == Format0 || f == Format3 {
		pf, err := panField0(pan)
		if err != nil {
			return PIN{}, err
		}
		v ^= pf
	}
	nib := func(i int) byte { return byte(v>>(60-4*i)) & 0xF }
	// fail reports a violation at nibble position pos. For formats 0 and 3
	// nibbles 0-3 do not depend on the PAN (its field starts with four
	// zeros), so a violation from nibble 4 on points at the PAN; for a
	// deciphered format 4 block everything depends on the PAN. After a
	// decryption those errors carry no detail: which nibble failed under
	// which PAN is what the format 0 PAN-modification oracle attack on
	// HSM translate functions (J. Clulow, 2003) feeds on.
	fail := func(pos int, what string) error {
		switch {
		case (f == Format0 || f == Format3) && pos >= 4:
			if decrypted {
				return fmt.Errorf("%w (or wrong key): %s", ErrPANMismatch, f)
			}
			return fmt.Errorf("%w (or wrong key): %s %s", ErrPANMismatch, f, what)
		case f == Format4 && decrypted:
			return &decodeError{
				msg:  "pinblock: ISO-4 PIN field invalid after decryption (wrong PAN or key, or malformed block)",
				errs: []error{ErrMalformed, ErrPANMismatch},
			}
		case decrypted:
			return fmt.Errorf("%w: %s %s (after decryption: wrong key?)", ErrMalformed, f, what)
		}
		return fmt.Errorf("%w: %s %s", ErrMalformed, f, what)
	}
	if c := nib(0); c != byte(f) {
		return PIN{}, fail(0, fmt.Sprintf("control field is %X, want %d", c, f))
	}
	n := int(nib(1))
	if n < MinPINLen || n > MaxPINLen {
		return PIN{}, fail(1, fmt.Sprintf("PIN length field %X is outside 4-12", n))
	}
	for i := range n {
		if nib(2+i) > 9 {
			return PIN{}, fail(2+i, fmt.Sprintf("PIN digit %d is not decimal", i+1))
		}
	}
	for pos := 2 + n; pos < 16; pos++ {
		d := nib(pos)
		var ok bool
		var want string
		switch f {
		case Format0, Format2:
			ok, want = d == 0xF, "F"
		case Format1:
			ok = true
		case Format3:
			ok, want = d >= 0xA, "A-F"
		case Format4:
			ok, want = d == 0xA, "A"
		}
		if !ok {
			return PIN{}, fail(pos, fmt.Sprintf("fill digit at nibble %d is not %s", pos, want))
		}
	}
	return newPIN(n, func(i int) byte { return nib(2 + i) }), nil
}
