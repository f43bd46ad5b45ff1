package iso8583

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Message is any ISO 8583 message as field values by number, for the
// fields a Transaction does not type (ISO 8583:1987 host links, fields
// 65-128, private fields) and for tools. Codec.PackMessage and
// Codec.UnpackMessage move it on and off the wire under the codec's spec;
// Transaction.Message and TransactionFromMessage convert.
//
// Values are strings for text and numeric fields and bytes for binary
// ones; either setter may be used for either kind. Printing a Message
// shows its MTI and field numbers, never values.
type Message struct {
	v fieldValues
}

// NewMessage returns an empty message with the given MTI.
func NewMessage(mti string) *Message {
	m := &Message{}
	m.v.str[0], m.v.isSet[0] = mti, true
	return m
}

// MTI returns the message type indicator.
func (m *Message) MTI() string { return m.v.str[0] }

// SetMTI sets the message type indicator.
func (m *Message) SetMTI(mti string) { m.v.str[0], m.v.isSet[0] = mti, true }

func checkID(id int) error {
	if id < 2 || id > 128 {
		return fmt.Errorf("%w: field %d (fields are 2-128)", ErrInvalidField, id)
	}
	return nil
}

// Set sets field id (2-128) to a text or numeric value.
func (m *Message) Set(id int, value string) error {
	if err := checkID(id); err != nil {
		return err
	}
	m.v.str[id], m.v.bin[id], m.v.isSet[id] = value, nil, true
	return nil
}

// SetBytes sets field id (2-128) to a binary value.
func (m *Message) SetBytes(id int, value []byte) error {
	if err := checkID(id); err != nil {
		return err
	}
	m.v.str[id], m.v.bin[id], m.v.isSet[id] = "", value, true
	return nil
}

// Unset removes field id.
func (m *Message) Unset(id int) {
	if id >= 2 && id <= 128 {
		m.v.str[id], m.v.bin[id], m.v.isSet[id] = "", nil, false
	}
}

// Has reports whether field id is present.
func (m *Message) Has(id int) bool { return id >= 0 && id <= 128 && m.v.isSet[id] }

// Field returns field id as text: the value of a text or numeric field,
// the bytes of a binary field as they were set (see Bytes), "" when absent.
func (m *Message) Field(id int) string {
	if !m.Has(id) {
		return ""
	}
	if b := m.v.bin[id]; b != nil {
		return string(b)
	}
	return m.v.str[id]
}

// Bytes returns field id's value as bytes, nil when absent.
func (m *Message) Bytes(id int) []byte { return getBytes(&m.v, id) }

// Fields returns the numbers of the fields present (2-128), ascending.
func (m *Message) Fields() []int {
	var ids []int
	for id := 2; id <= 128; id++ {
		if m.v.isSet[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// Bitmap returns the bitmap the message packs with: 8 bytes, or 16 when
// it carries a secondary bitmap.
func (m *Message) Bitmap() []byte { return m.v.bitmap() }

// SecondaryBitmap reports whether the message carries a secondary bitmap
// (a field above 64 other than the MAC, or one read from the wire); its
// MAC field is then 128, else 64.
func (m *Message) SecondaryBitmap() bool { return m.v.hasSecondary() }

// MACField returns the field that carries this message's MAC: 128 with a
// secondary bitmap, else 64 (ISO 8583:1987, the MAC is the last element).
func (m *Message) MACField() int { return m.v.macField() }

func (m *Message) summary() string {
	var b strings.Builder
	b.WriteString("ISO 8583 message " + m.MTI() + " fields")
	for _, id := range m.Fields() {
		b.WriteString(" " + strconv.Itoa(id))
	}
	return b.String()
}

// String returns the MTI and the field numbers, never values.
func (m *Message) String() string { return m.summary() }

// Format prints String for every verb: values (card data) never appear.
func (m *Message) Format(f fmt.State, _ rune) { io.WriteString(f, m.summary()) }

// LogValue logs the MTI and field numbers.
func (m *Message) LogValue() slog.Value { return slog.StringValue(m.summary()) }

// Scanner reads single fields of a packed message body without unpacking
// the rest: a router's or a matcher's view (MTI, STAN, terminal ID). It
// reads forward only, as far as the field asked for; fields before it
// are skipped by their length prefixes, not decoded.
type Scanner struct {
	c    *compiledSpec
	err  error
	body []byte
	bm   [2]uint64
	next int // next field number to read
	off  int
}

// ScannedField is one field read by a Scanner.
type ScannedField struct {
	value  []byte
	binary bool
}

// String returns the field's value as text (a binary field as
// upper-case hex). The error is always nil; it is there so that code
// written for moov-io's MessageScanner reads the same.
func (f ScannedField) String() (string, error) {
	if f.binary {
		return fmt.Sprintf("%X", f.value), nil
	}
	return string(f.value), nil
}

// Bytes returns the field's value.
func (f ScannedField) Bytes() []byte { return f.value }

// NewMessageScanner returns a Scanner over body (MTI onward) under spec.
func NewMessageScanner(spec *Spec, body []byte) *Scanner {
	c, err := spec.compile()
	return &Scanner{c: c, err: err, body: body}
}

// ScanField reads field id (0 for the MTI), which must not come before a
// field already scanned. An absent field is an error wrapping ErrUnpack.
func (s *Scanner) ScanField(id int) (ScannedField, error) {
	if s.err != nil {
		return ScannedField{}, s.err
	}
	switch {
	case id == 0 && s.next == 0:
	case id >= 2 && id <= 128 && (s.next == 0 || id >= s.next):
	default:
		return ScannedField{}, fmt.Errorf("%w: scanner cannot read field %d after field %d", ErrUnpack, id, s.next-1)
	}
	if s.next == 0 {
		val, n, err := s.c.fields[0].Unpack(s.body)
		if err != nil {
			s.err = fmt.Errorf("%w: MTI: %w", ErrUnpack, err)
			return ScannedField{}, s.err
		}
		s.off, s.next = n, 2
		if err := s.readBitmaps(); err != nil {
			s.err = err
			return ScannedField{}, err
		}
		if id == 0 {
			return ScannedField{value: val}, nil
		}
	}
	for ; s.next <= id; s.next++ {
		fid := s.next
		if s.bm[(fid-1)/64]&(1<<(63-(fid-1)%64)) == 0 {
			if fid == id {
				s.next++
				return ScannedField{}, fmt.Errorf("%w: field %d is absent", ErrUnpack, id)
			}
			continue
		}
		f := s.c.fields[fid]
		if f == nil {
			s.err = fmt.Errorf("%w: field %d: bitmap announces a field the spec does not define", ErrUnpack, fid)
			return ScannedField{}, s.err
		}
		val, read, err := f.Unpack(s.body[s.off:])
		if err != nil {
			s.err = fmt.Errorf("%w: field %d (%s) at byte %d: %w", ErrUnpack, fid, f.Description, s.off, err)
			return ScannedField{}, s.err
		}
		s.off += read
		if fid == id {
			s.next++
			return ScannedField{value: val, binary: f.Type == FieldBinary}, nil
		}
	}
	return ScannedField{}, fmt.Errorf("%w: field %d not reached", ErrUnpack, id)
}

func (s *Scanner) readBitmaps() error {
	body := s.body
	if len(body)-s.off < 8 {
		return fmt.Errorf("%w: bitmap needs 8 bytes, have %d", ErrUnpack, len(body)-s.off)
	}
	for i := 0; i < 2; i++ {
		s.bm[i] = uint64(body[s.off])<<56 | uint64(body[s.off+1])<<48 | uint64(body[s.off+2])<<40 | uint64(body[s.off+3])<<32 |
			uint64(body[s.off+4])<<24 | uint64(body[s.off+5])<<16 | uint64(body[s.off+6])<<8 | uint64(body[s.off+7])
		s.off += 8
		if i == 0 && s.bm[0]>>63 == 0 {
			return nil
		}
		if !s.c.secondary {
			return fmt.Errorf("%w: bitmap bit 1 set but the spec has no secondary bitmap", ErrUnpack)
		}
		if len(body)-s.off < 8 {
			return fmt.Errorf("%w: secondary bitmap needs 8 bytes, have %d", ErrUnpack, len(body)-s.off)
		}
	}
	return nil
}
