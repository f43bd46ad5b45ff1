package iso8583

import (
	"fmt"
	"sync/atomic"
)

// A Spec is a message layout: how the MTI and each data element are
// encoded on the wire. CUPSpec, ISO87ASCIISpec and ISO87BCDSpec return
// the built-in ones; a caller may build or adjust its own (for example a
// 0-padded PAN) before handing it to NewCodec.
//
// The bitmap is always binary: one 8-byte primary bitmap and, when
// SecondaryBitmap is set and bit 1 is on, an 8-byte secondary bitmap for
// fields 65-128.
//
// The tables are this package's own, so a Codec builds and behaves the
// same on every architecture (32-bit ARM and MIPS included). Package
// iso8583/moovx converts a Spec to and from github.com/moov-io/iso8583's
// MessageSpec and its JSON format on the platforms moov supports.
type Spec struct {
	Name string
	// SecondaryBitmap allows fields 65-128, announced by bit 1 of the
	// primary bitmap. Without it bit 1 must be clear (CUP POS messages
	// carry one 64-bit bitmap).
	SecondaryBitmap bool
	// Fields maps a field number (0 for the MTI, 2-128) to its layout.
	Fields map[int]*FieldSpec

	// ksnField is the field WithKSNField chose for Transaction.KSN (0:
	// none); ksnErr is why that choice was refused, returned by every use.
	ksnField int
	ksnErr   error

	compiled atomic.Pointer[compiledSpec]
}

// FieldType says how a field's value is held.
type FieldType uint8

const (
	// FieldString is text or variable-length digits, held as a string.
	FieldString FieldType = iota
	// FieldNumeric is fixed-length digits (ISO 8583 "n"), held as a
	// string of exactly Length digits. moov interop maps it to moov's
	// field.Numeric with zero padding, so tagged struct fields of type
	// int64 marshal into it.
	FieldNumeric
	// FieldBinary is raw bytes ("b").
	FieldBinary
)

func (t FieldType) String() string {
	switch t {
	case FieldString:
		return "String"
	case FieldNumeric:
		return "Numeric"
	case FieldBinary:
		return "Binary"
	}
	return fmt.Sprintf("FieldType(%d)", uint8(t))
}

// An Encoder turns a field's value into its wire bytes and back. Decode
// reads length units (digits, characters or bytes, as the length prefix
// counts them) from src and returns the value and the number of bytes it
// consumed. The method set is that of moov-io/iso8583's encoding.Encoder,
// so every Encoder of this package also serves a moov field spec.
type Encoder interface {
	Encode(src []byte) ([]byte, error)
	Decode(src []byte, length int) ([]byte, int, error)
}

// A Prefixer writes and reads a field's length prefix. The method set is
// that of moov-io/iso8583's prefix.Prefixer. Inspect names the prefix as
// moov's JSON specs do ("BCD.LL", "ASCII.Fixed").
type Prefixer interface {
	EncodeLength(maxLen, dataLen int) ([]byte, error)
	DecodeLength(maxLen int, data []byte) (length int, read int, err error)
	Inspect() string
}

// Prefixers is a family of length prefixes: none (fixed length) and one,
// two, three or four length digits.
type Prefixers struct {
	Fixed, L, LL, LLL, LLLL Prefixer
}

// A Packer packs and unpacks a whole field (length prefix and value) when
// Enc and Pref cannot express it: GBK text, whose prefix counts GBK bytes
// rather than the UTF-8 bytes of the value.
type Packer interface {
	Pack(value []byte, f *FieldSpec) ([]byte, error)
	Unpack(data []byte, f *FieldSpec) (value []byte, read int, err error)
}

// FieldSpec is the layout of one field.
type FieldSpec struct {
	Type        FieldType
	Length      int // the fixed length, or the maximum of a variable one
	Description string
	Enc         Encoder
	Pref        Prefixer
	Packer      Packer // optional; replaces Enc and Pref
}

// Pack packs value (prefix and encoded value). Errors never echo the
// value: fields hold card data.
func (f *FieldSpec) Pack(value []byte) ([]byte, error) {
	return f.appendPacked(nil, value)
}

func (f *FieldSpec) appendPacked(dst, value []byte) ([]byte, error) {
	if f.Packer != nil {
		p, err := f.Packer.Pack(value, f)
		return append(dst, p...), err
	}
	pre, err := f.Pref.EncodeLength(f.Length, len(value))
	if err != nil {
		return dst, err
	}
	enc, err := f.Enc.Encode(value)
	if err != nil {
		return dst, err
	}
	return append(append(dst, pre...), enc...), nil
}

// Unpack reads one field from the start of data: its value and the
// number of bytes read.
func (f *FieldSpec) Unpack(data []byte) ([]byte, int, error) {
	if f.Packer != nil {
		return f.Packer.Unpack(data, f)
	}
	n, pre, err := f.Pref.DecodeLength(f.Length, data)
	if err != nil {
		return nil, 0, err
	}
	if pre > len(data) {
		return nil, 0, fmt.Errorf("%w: length prefix of %d bytes exceeds the data", ErrUnpack, pre)
	}
	value, read, err := f.Enc.Decode(data[pre:], n)
	if err != nil {
		return nil, 0, err
	}
	return value, pre + read, nil
}

// compiledSpec is a Spec flattened into arrays for packing.
type compiledSpec struct {
	name      string
	secondary bool
	fields    [129]*FieldSpec
	ksn       int // Transaction.KSN's field (WithKSNField), 0: none
}

// compile returns s's field table as arrays, building it on first use. A
// Spec must not change once a Codec or Scanner has used it.
func (s *Spec) compile() (*compiledSpec, error) {
	if c := s.compiled.Load(); c != nil {
		return c, nil
	}
	if s.ksnErr != nil {
		return nil, s.ksnErr
	}
	c := &compiledSpec{name: s.Name, secondary: s.SecondaryBitmap, ksn: s.ksnField}
	for id, f := range s.Fields {
		if id < 0 || id > 128 || id == 1 || (id > 64 && !s.SecondaryBitmap) {
			return nil, fmt.Errorf("%w: spec %q defines field %d", ErrPack, s.Name, id)
		}
		if f == nil || (f.Packer == nil && (f.Enc == nil || f.Pref == nil)) {
			return nil, fmt.Errorf("%w: spec %q field %d has no encoder or length prefix", ErrPack, s.Name, id)
		}
		c.fields[id] = f
	}
	if c.fields[0] == nil {
		return nil, fmt.Errorf("%w: spec %q has no MTI (field 0)", ErrPack, s.Name)
	}
	s.compiled.CompareAndSwap(nil, c)
	return s.compiled.Load(), nil
}

// Field returns the layout of field id, or nil.
func (s *Spec) Field(id int) *FieldSpec { return s.Fields[id] }
