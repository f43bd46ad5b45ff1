package iso8583

import (
	"fmt"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// flatSpec is a spec with one binary 64-bit bitmap and only string and
// binary fields up to 64 (the CUP POS layout), flattened into an array so
// a Transaction packs straight from its field values with the spec's own
// packers, without building a moov Message: field instances, a map and a
// sorted key slice per message were most of what remained of packing once
// BCD stopped building tables. Other specs pack through moov.
type flatSpec struct {
	fields [65]*field.Spec
}

func newFlatSpec(spec *moov.MessageSpec) *flatSpec {
	bm, ok := spec.Fields[1].(*field.Bitmap)
	if !ok {
		return nil
	}
	bs := bm.Spec()
	if !bs.DisableAutoExpand || bs.Length != 8 || bs.Enc != encoding.Binary || bs.Pref != prefix.Binary.Fixed {
		return nil
	}
	f := &flatSpec{}
	for id, fd := range spec.Fields {
		if id == 1 {
			continue
		}
		if id < 0 || id > 64 {
			return nil
		}
		switch fd.(type) {
		case *field.String, *field.Binary:
		default:
			return nil
		}
		f.fields[id] = fd.Spec()
	}
	if f.fields[0] == nil {
		return nil
	}
	return f
}

// packField is what moov's String and Binary fields do with their value:
// the spec's Packer, or else pad, encode and prefix (moov's default packer).
func packField(dst []byte, s *field.Spec, value []byte) ([]byte, error) {
	if s.Packer != nil {
		p, err := s.Packer.Pack(value, s)
		return append(dst, p...), err
	}
	if s.Pad != nil {
		value = s.Pad.Pad(value, s.Length)
	}
	enc, err := s.Enc.Encode(value)
	if err != nil {
		return dst, fmt.Errorf("failed to encode content: %w", err)
	}
	pre, err := s.Pref.EncodeLength(s.Length, len(value))
	if err != nil {
		return dst, fmt.Errorf("failed to encode length: %w", err)
	}
	return append(append(dst, pre...), enc...), nil
}

// pack packs v as moov would pack the same values (TestFlatPackMatchesMoov)
// into a message body, MTI onward, field 64 (if present) as given.
func (f *flatSpec) pack(v *fieldValues) ([]byte, error) {
	out := make([]byte, 0, 512)
	out, err := packField(out, f.fields[0], []byte(v.str[0]))
	if err != nil {
		return nil, fmt.Errorf("%w: field 0: %w", ErrPack, err)
	}
	var bitmap uint64
	for id := 2; id <= 64; id++ {
		if !v.has(id) {
			continue
		}
		if f.fields[id] == nil {
			return nil, fmt.Errorf("%w: field %d: field %d is not defined in the spec", ErrInvalidField, id, id)
		}
		bitmap |= 1 << (64 - id)
	}
	for i := 56; i >= 0; i -= 8 {
		out = append(out, byte(bitmap>>i))
	}
	for id := 2; id <= 64; id++ {
		if !v.has(id) {
			continue
		}
		s := f.fields[id]
		val := v.bin[id]
		if val == nil {
			val = []byte(v.str[id])
		}
		if out, err = packField(out, s, val); err != nil {
			return nil, fmt.Errorf("%w: field %d (%s): %w", ErrPack, id, s.Description, err)
		}
	}
	return out, nil
}
