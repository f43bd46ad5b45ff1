//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"fmt"
	"strings"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/field"

	"github.com/possdk/pos/iso8583"
)

// ToMoov returns m as a message of spec (normally Spec of the spec m was
// unpacked with). Binary fields are set as bytes, all others as text.
func ToMoov(m *iso8583.Message, spec *moov.MessageSpec) (*moov.Message, error) {
	mm := moov.NewMessage(spec)
	mm.MTI(m.MTI())
	for _, id := range m.Fields() {
		f, ok := spec.Fields[id]
		if !ok {
			return nil, fmt.Errorf("%w: field %d is not in spec %q", ErrUnsupported, id, spec.Name)
		}
		var err error
		if _, bin := f.(*field.Binary); bin {
			err = mm.BinaryField(id, m.Bytes(id))
		} else {
			err = mm.Field(id, m.Field(id))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: field %d: %w", iso8583.ErrInvalidField, id, err)
		}
	}
	return mm, nil
}

// FromMoov returns the field values of mm. Fixed-length moov Numeric
// fields (which hold an integer) come back as their full width of digits,
// zero-padded as on the wire.
func FromMoov(mm *moov.Message) (*iso8583.Message, error) {
	mti, err := mm.GetMTI()
	if err != nil {
		return nil, fmt.Errorf("%w: MTI: %w", iso8583.ErrInvalidField, err)
	}
	m := iso8583.NewMessage(mti)
	for id, f := range mm.GetFields() {
		if id < 2 {
			continue
		}
		switch f := f.(type) {
		case *field.Binary:
			b, _ := f.Bytes()
			err = m.SetBytes(id, b)
		case *field.Numeric:
			s, _ := f.String()
			if n := f.Spec().Length; isFixed(f.Spec().Pref) && len(s) < n {
				s = strings.Repeat("0", n-len(s)) + s
			}
			err = m.Set(id, s)
		default:
			var s string
			if s, err = f.String(); err == nil {
				err = m.Set(id, s)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: field %d: %w", iso8583.ErrInvalidField, id, err)
		}
	}
	return m, nil
}

// TransactionToMoov returns t (with its kind's defaults, checked as
// Codec.Pack checks it) as a moov message of spec, without a MAC field:
// set field 64 (or 128) and pack with the codec, or let Framer do it.
func TransactionToMoov(t *iso8583.Transaction, spec *moov.MessageSpec) (*moov.Message, error) {
	m, err := t.Message()
	if err != nil {
		return nil, err
	}
	return ToMoov(m, spec)
}

// TransactionFromMoov reads a Transaction out of mm (see
// iso8583.TransactionFromMessage: the MAC is not verified here).
func TransactionFromMoov(mm *moov.Message) (*iso8583.Transaction, error) {
	m, err := FromMoov(mm)
	if err != nil {
		return nil, err
	}
	return iso8583.TransactionFromMessage(m)
}
