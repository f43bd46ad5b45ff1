package tlv

import "fmt"

// Builder appends TLV objects to a caller's buffer. Constructed objects are
// built with a continuation whose length is back-patched in minimal form once
// it returns, the way golang.org/x/crypto/cryptobyte builds ASN.1. The first
// error sticks: later calls do nothing and Bytes returns it.
//
// The zero Builder is ready to use and allocates as it grows; NewBuilder
// starts from a caller's buffer so a reused buffer makes building
// allocation-free.
type Builder struct {
	buf []byte
	err error
}

// NewBuilder returns a Builder that appends to dst.
func NewBuilder(dst []byte) Builder { return Builder{buf: dst} }

// Add appends one object with tag t and value v.
func (b *Builder) Add(t Tag, v []byte) {
	if b.err != nil {
		return
	}
	if !t.Valid() {
		b.err = fmt.Errorf("%w: %s at offset %d of the output", ErrBadTag, t, len(b.buf))
		return
	}
	b.buf = AppendTLV(b.buf, t, v)
}

// AddRaw appends already-encoded TLV objects after checking them with
// Validate, so a builder never emits malformed bytes.
func (b *Builder) AddRaw(raw []byte) {
	if b.err != nil {
		return
	}
	if err := Validate(raw); err != nil {
		b.err = err
		return
	}
	b.buf = append(b.buf, raw...)
}

var zeros [8]byte

// AddConstructed appends a constructed object with tag t whose value is
// whatever f adds to the builder.
func (b *Builder) AddConstructed(t Tag, f func(b *Builder)) {
	if b.err != nil {
		return
	}
	if !t.Valid() {
		b.err = fmt.Errorf("%w: %s at offset %d of the output", ErrBadTag, t, len(b.buf))
		return
	}
	if !t.Constructed() {
		b.err = fmt.Errorf("%w: %s at offset %d of the output", ErrNotConstructed, t, len(b.buf))
		return
	}
	b.buf = AppendTag(b.buf, t)
	lenPos := len(b.buf)
	b.buf = append(b.buf, 0)
	f(b)
	if b.err != nil {
		return
	}
	b.buf = patchLength(b.buf, lenPos)
}

// patchLength writes the minimal length of buf[lenPos+1:] at lenPos, where
// one byte was reserved, moving the value right when the length needs more.
func patchLength(buf []byte, lenPos int) []byte {
	n := len(buf) - lenPos - 1
	if ll := lengthLen(n); ll > 1 {
		buf = append(buf, zeros[:ll-1]...)
		copy(buf[lenPos+ll:], buf[lenPos+1:lenPos+1+n])
	}
	AppendLength(buf[:lenPos], n)
	return buf
}

// Bytes returns the built bytes, or nil and the first error.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

// Err returns the first error, if any.
func (b *Builder) Err() error { return b.err }
