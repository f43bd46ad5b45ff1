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
	binary [65]bool // *field.Binary, else *field.String
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
		case *field.String:
		case *field.Binary:
			f.binary[id] = true
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

// unpackField is what moov's String and Binary fields do on unpack: the
// spec's Unpacker, or else length prefix, decode and unpad.
func unpackField(s *field.Spec, data []byte) ([]byte, int, error) {
	if s.Unpacker != nil {
		return s.Unpacker.Unpack(data, s)
	}
	n, pre, err := s.Pref.DecodeLength(s.Length, data)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to decode length: %w", err)
	}
	if pre > len(data) {
		return nil, 0, fmt.Errorf("length prefix of %d bytes exceeds the data", pre)
	}
	value, read, err := s.Enc.Decode(data[pre:], n)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to decode content: %w", err)
	}
	if s.Pad != nil {
		value = s.Pad.Unpad(value)
	}
	return value, pre + read, nil
}

// unpack reads body into v as moov's Message.Unpack would read it into
// fields (TestFlatUnpackMatchesMoov, FuzzUnpack), and also refuses bit 1
// (no secondary bitmap), as Codec does for a moov message.
func (f *flatSpec) unpack(v *fieldValues, body []byte) (err error) {
	// The packers are moov's and this package's, fuzzed not to panic; the
	// guard keeps a future regression an error, as in Codec.unpackInto.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: unpacker panic: %v", ErrUnpack, r)
		}
	}()
	off := 0
	for id := 0; id <= 64; id++ {
		if id == 1 {
			if len(body)-off < 8 {
				return fmt.Errorf("%w: field 1: bitmap needs 8 bytes, have %d", ErrUnpack, len(body)-off)
			}
			if body[off]&0x80 != 0 {
				return fmt.Errorf("%w: bitmap bit 1 set but the spec has no secondary bitmap", ErrUnpack)
			}
			// Bit k of the bitmap (from 1, most significant first) is
			// field k.
			for i := range 8 {
				for b := range 8 {
					if fid := 1 + 8*i + b; fid >= 2 && body[off+i]&(0x80>>b) != 0 {
						v.isSet[fid] = true
					}
				}
			}
			off += 8
			continue
		}
		if id > 1 && !v.isSet[id] {
			continue
		}
		s := f.fields[id]
		if s == nil {
			return fmt.Errorf("%w: field %d: field %d is not defined in the spec", ErrUnpack, id, id)
		}
		val, read, err := unpackField(s, body[off:])
		if err != nil {
			return fmt.Errorf("%w: field %d: failed to unpack field %d (%s): %w", ErrUnpack, id, id, s.Description, err)
		}
		if read < 0 || read > len(body)-off {
			return fmt.Errorf("%w: field %d: unpacker read %d of %d bytes", ErrUnpack, id, read, len(body)-off)
		}
		off += read
		v.isSet[id] = true
		if f.binary[id] {
			v.bin[id] = val
		} else {
			v.str[id] = string(val)
		}
	}
	return nil
}

// getString and getBytes read v with the semantics of moov's
// Message.GetString and GetBytes.
func (f *flatSpec) getString(v *fieldValues, id int) (string, error) {
	if id < 0 || id > 64 || f.fields[id] == nil {
		return "", fmt.Errorf("field %d is not defined in the spec", id)
	}
	if !v.isSet[id] {
		return "", nil
	}
	if f.binary[id] {
		return fmt.Sprintf("%X", v.bin[id]), nil
	}
	return v.str[id], nil
}

func (f *flatSpec) getBytes(v *fieldValues, id int) []byte {
	if id < 0 || id > 64 || !v.isSet[id] {
		return nil
	}
	if f.binary[id] {
		return v.bin[id]
	}
	return []byte(v.str[id])
}
