package tlv

// Option changes how a Scanner treats the padding bytes between objects.
type Option uint8

const (
	// SkipFF skips FF bytes between objects, as ISO/IEC 7816-4 allows
	// (EMV Book 3 Annex B warns that some cards pad with FF). Off by default:
	// FF is then read as the first byte of a tag.
	SkipFF Option = 1 << iota
	// NoZeroPadding makes a 00 byte between objects an ErrBadTag instead of
	// skipping it (EMV Book 3 Annex B allows 00 padding, so it is skipped by
	// default).
	NoZeroPadding
)

// Scanner walks one level of a BER-TLV buffer without allocating. Each call
// to Next reads one object; Value is a sub-slice of the buffer (no copy).
// Descend returns a Scanner over a constructed object's value.
//
//	s := tlv.NewScanner(field55)
//	for s.Next() {
//		fmt.Println(s.Tag(), len(s.Value()))
//	}
//	if err := s.Err(); err != nil { ... }
//
// Definite lengths of up to 4 length bytes are accepted, including non-minimal
// ones (81 05); indefinite length, tags of more than 4 bytes, and any value
// running past the end of the buffer are errors naming the offset.
type Scanner struct {
	buf   []byte
	base  int // offset of buf[0] in the outermost buffer
	off   int // next byte to read in buf
	depth int
	opts  Option

	tag   Tag
	start int // offset of the current object's tag in buf
	val   []byte
	err   error
}

// NewScanner returns a Scanner over buf.
func NewScanner(buf []byte, opts ...Option) Scanner {
	var o Option
	for _, x := range opts {
		o |= x
	}
	return Scanner{buf: buf, opts: o}
}

// Next reads the next object. It returns false at the end of the buffer or on
// an error; Err tells which.
func (s *Scanner) Next() bool {
	if s.err != nil {
		return false
	}
	buf, off := s.buf, s.off
	for off < len(buf) {
		c := buf[off]
		if (c == 0x00 && s.opts&NoZeroPadding == 0) || (c == 0xFF && s.opts&SkipFF != 0) {
			off++
			continue
		}
		break
	}
	s.off = off
	if off >= len(buf) {
		s.tag, s.val = 0, nil
		return false
	}
	if s.depth > MaxDepth {
		return s.fail(ErrTooDeep, "", off, 0)
	}
	start := off
	c := buf[off]
	off++
	t := Tag(c)
	if c&0x1F == 0x1F {
		for {
			if off >= len(buf) {
				return s.fail(ErrTruncated, "tag", start, 0)
			}
			if off-start == 4 {
				return s.fail(ErrTagTooLong, "", start, 0)
			}
			c = buf[off]
			off++
			t = t<<8 | Tag(c)
			if c&0x80 == 0 {
				break
			}
		}
	} else if t == 0 {
		return s.fail(ErrBadTag, "(00 padding not allowed)", start, 0)
	}
	if off >= len(buf) {
		return s.fail(ErrTruncated, "length", off, t)
	}
	l := uint64(buf[off])
	off++
	if l >= 0x80 {
		n := int(l & 0x7F)
		switch {
		case n == 0:
			return s.fail(ErrIndefiniteLength, "", off-1, t)
		case n > 4:
			return s.fail(ErrLengthTooLong, "", off-1, t)
		case len(buf)-off < n:
			return s.fail(ErrTruncated, "length", off-1, t)
		}
		l = 0
		for _, b := range buf[off : off+n] {
			l = l<<8 | uint64(b)
		}
		off += n
	}
	if l > uint64(len(buf)-off) {
		return s.fail(ErrTruncated, "value", start, t)
	}
	end := off + int(l)
	s.tag, s.start, s.val, s.off = t, start, buf[off:end:end], end
	return true
}

func (s *Scanner) fail(err error, part string, off int, t Tag) bool {
	s.err = newError(err, part, s.base+off, t)
	s.tag, s.val = 0, nil
	return false
}

// Err returns the error that stopped Next, or nil at a clean end.
func (s *Scanner) Err() error { return s.err }

// Tag returns the current object's tag.
func (s *Scanner) Tag() Tag { return s.tag }

// Value returns the current object's value, a sub-slice of the buffer with
// its capacity clipped, so appending to it never overwrites what follows.
func (s *Scanner) Value() []byte { return s.val }

// Len returns the length of the current object's value.
func (s *Scanner) Len() int { return len(s.val) }

// Constructed reports whether the current object's tag is constructed.
func (s *Scanner) Constructed() bool { return s.tag != 0 && s.tag.Constructed() }

// Offset returns where the current object's tag starts, counted from the
// start of the outermost buffer.
func (s *Scanner) Offset() int { return s.base + s.start }

// ValueOffset returns where the current object's value starts, counted from
// the start of the outermost buffer.
func (s *Scanner) ValueOffset() int { return s.base + s.off - len(s.val) }

// Raw returns the current object's encoding: tag, length and value.
func (s *Scanner) Raw() []byte { return s.buf[s.start:s.off:s.off] }

// Rest returns the bytes not yet read.
func (s *Scanner) Rest() []byte { return s.buf[s.off:] }

// Descend returns a Scanner over the current object's value, with the same
// options and offsets still counted from the outermost buffer. It does not
// check the constructed bit, so a proprietary primitive value that holds
// TLVs can be walked too.
func (s *Scanner) Descend() Scanner {
	return Scanner{
		buf:   s.val,
		base:  s.ValueOffset(),
		depth: s.depth + 1,
		opts:  s.opts,
	}
}

// Validate checks that buf is a well-formed series of BER-TLV objects and
// that every constructed object's value is too.
func Validate(buf []byte, opts ...Option) error {
	return validate(NewScanner(buf, opts...))
}

// validate takes its Scanner by value so that nothing escapes to the heap.
func validate(s Scanner) error {
	for s.Next() {
		if s.Constructed() {
			if err := validate(s.Descend()); err != nil {
				return err
			}
		}
	}
	return s.Err()
}
