package iso8583

import (
	"encoding/binary"
	"fmt"
)

// fieldValues holds a message's field values by number: text and numeric
// fields in str, binary ones in bin, isSet for every field present
// (0 is the MTI). secondary records a secondary bitmap read from the
// wire, so that a message whose secondary bitmap is empty re-packs to
// the same bytes.
type fieldValues struct {
	str       [129]string
	bin       [129][]byte
	isSet     [129]bool
	secondary bool
}

// value returns field id's value as bytes for packing.
func (v *fieldValues) value(id int) []byte {
	if b := v.bin[id]; b != nil {
		return b
	}
	return []byte(v.str[id])
}

// hasSecondary reports whether the message carries a secondary bitmap:
// a field above 64 other than the MAC field 128, or one read from the
// wire.
func (v *fieldValues) hasSecondary() bool {
	if v.secondary {
		return true
	}
	for id := 65; id < 128; id++ {
		if v.isSet[id] {
			return true
		}
	}
	return false
}

// macField returns the MAC field of this message: 128 when it carries a
// secondary bitmap, else 64 (ISO 8583:1987: the MAC is the last data
// element of the message).
func (v *fieldValues) macField() int {
	if v.hasSecondary() {
		return 128
	}
	return 64
}

// bitmap returns the message's bitmap(s) as they go on the wire: 8 bytes,
// or 16 with a secondary bitmap.
func (v *fieldValues) bitmap() []byte {
	var bm [2]uint64
	for id := 2; id <= 128; id++ {
		if v.isSet[id] {
			bm[(id-1)/64] |= 1 << (63 - (id-1)%64)
		}
	}
	out := make([]byte, 0, 16)
	if bm[1] != 0 || v.secondary {
		bm[0] |= 1 << 63
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(out, bm[0]), bm[1])
	}
	return binary.BigEndian.AppendUint64(out, bm[0])
}

// pack appends the body of v (MTI, bitmaps, fields in order) to dst.
// The MAC field, if set, is packed as given.
func (c *compiledSpec) pack(dst []byte, v *fieldValues) ([]byte, error) {
	out, err := c.fields[0].appendPacked(dst, []byte(v.str[0]))
	if err != nil {
		return nil, fmt.Errorf("%w: MTI: %w", ErrPack, err)
	}
	var bm [2]uint64
	for id := 2; id <= 128; id++ {
		if !v.isSet[id] {
			continue
		}
		if c.fields[id] == nil {
			return nil, fmt.Errorf("%w: field %d is not defined in spec %q", ErrInvalidField, id, c.name)
		}
		bm[(id-1)/64] |= 1 << (63 - (id-1)%64)
	}
	if bm[1] != 0 || v.secondary {
		if !c.secondary {
			return nil, fmt.Errorf("%w: spec %q has no secondary bitmap", ErrInvalidField, c.name)
		}
		bm[0] |= 1 << 63
		out = binary.BigEndian.AppendUint64(out, bm[0])
		out = binary.BigEndian.AppendUint64(out, bm[1])
	} else {
		out = binary.BigEndian.AppendUint64(out, bm[0])
	}
	for id := 2; id <= 128; id++ {
		if !v.isSet[id] {
			continue
		}
		f := c.fields[id]
		if out, err = f.appendPacked(out, v.value(id)); err != nil {
			return nil, fmt.Errorf("%w: field %d (%s): %w", ErrPack, id, f.Description, err)
		}
	}
	return out, nil
}

// unpack reads a whole message body into v. Every byte must belong to a
// field: data after the last field is an error, as is a bitmap bit for a
// field the spec does not define, or bit 1 in a spec without a secondary
// bitmap.
func (c *compiledSpec) unpack(v *fieldValues, body []byte) (err error) {
	// The encoders are this package's, fuzzed not to panic; the guard
	// keeps a future regression an error rather than a crashed terminal.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: unpacker panic: %v", ErrUnpack, r)
		}
	}()
	val, off, err := c.fields[0].Unpack(body)
	if err != nil {
		return fmt.Errorf("%w: MTI: %w", ErrUnpack, err)
	}
	v.str[0], v.isSet[0] = string(val), true
	if len(body)-off < 8 {
		return fmt.Errorf("%w: bitmap at byte %d needs 8 bytes, have %d", ErrUnpack, off, len(body)-off)
	}
	var bm [2]uint64
	bm[0] = binary.BigEndian.Uint64(body[off:])
	off += 8
	if bm[0]>>63 == 1 {
		if !c.secondary {
			return fmt.Errorf("%w: bitmap bit 1 set but the spec has no secondary bitmap", ErrUnpack)
		}
		if len(body)-off < 8 {
			return fmt.Errorf("%w: secondary bitmap at byte %d needs 8 bytes, have %d", ErrUnpack, off, len(body)-off)
		}
		bm[1] = binary.BigEndian.Uint64(body[off:])
		off += 8
		v.secondary = true
	}
	for id := 2; id <= 128; id++ {
		if bm[(id-1)/64]&(1<<(63-(id-1)%64)) == 0 {
			continue
		}
		f := c.fields[id]
		if f == nil {
			return fmt.Errorf("%w: field %d: bitmap announces a field spec %q does not define", ErrUnpack, id, c.name)
		}
		val, read, err := f.Unpack(body[off:])
		if err != nil {
			return fmt.Errorf("%w: field %d (%s) at byte %d: %w", ErrUnpack, id, f.Description, off, err)
		}
		if read < 0 || read > len(body)-off {
			return fmt.Errorf("%w: field %d: unpacker read %d of %d bytes", ErrUnpack, id, read, len(body)-off)
		}
		off += read
		v.isSet[id] = true
		if f.Type == FieldBinary {
			v.bin[id] = val
		} else {
			v.str[id] = string(val)
		}
	}
	if off != len(body) {
		return fmt.Errorf("%w: %d bytes after the last field (byte %d of %d)", ErrUnpack, len(body)-off, off, len(body))
	}
	if v.secondary && v.isSet[64] {
		return fmt.Errorf("%w: field 64 in a message with a secondary bitmap (its MAC is field 128)", ErrUnpack)
	}
	return nil
}

// getString and getBytes read v the way Message.Field and Message.Bytes
// do: a binary field reads as upper-case hex.
func (c *compiledSpec) getString(v *fieldValues, id int) (string, error) {
	if id < 0 || id > 128 || c.fields[id] == nil {
		// The callers name the field ("field 41: ..."): say it once.
		return "", fmt.Errorf("not defined in spec %q", c.name)
	}
	if !v.isSet[id] {
		return "", nil
	}
	if c.fields[id].Type == FieldBinary {
		return fmt.Sprintf("%X", v.bin[id]), nil
	}
	return v.str[id], nil
}

func getBytes(v *fieldValues, id int) []byte {
	if id < 0 || id > 128 || !v.isSet[id] {
		return nil
	}
	if b := v.bin[id]; b != nil {
		return b
	}
	return []byte(v.str[id])
}
