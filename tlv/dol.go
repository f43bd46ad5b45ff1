package tlv

import "fmt"

// Format is the EMV data format of a value, as far as DOL processing cares
// (EMV Book 3 §4.3 and §5.4).
type Format uint8

const (
	FormatBinary            Format = iota // b: left-justified, right-truncated, zero-padded
	FormatNumeric                         // n: BCD, right-justified, left-truncated, zero-padded on the left
	FormatCompressedNumeric               // cn: BCD, left-justified, right-truncated, padded with F
	FormatText                            // a, an, ans: left-justified, right-truncated, zero-padded
)

func (f Format) String() string {
	switch f {
	case FormatNumeric:
		return "n"
	case FormatCompressedNumeric:
		return "cn"
	case FormatText:
		return "ans"
	default:
		return "b"
	}
}

// DOLEntry is one tag and length of a data object list.
type DOLEntry struct {
	Tag Tag
	Len int
}

// DOL is a data object list: PDOL (9F38), CDOL1 (8C), CDOL2 (8D), DDOL
// (9F49), TDOL (97). It lists tags and lengths without values; the terminal
// answers with the values concatenated (EMV Book 3 §5.4).
type DOL []DOLEntry

// ParseDOL parses a data object list. Lengths are BER-encoded (in practice
// one byte). A DOL of more than 252 entries cannot fit an APDU and is
// refused.
func ParseDOL(b []byte) (DOL, error) {
	n, err := scanDOL(b, nil)
	if err != nil {
		return nil, err
	}
	d := make(DOL, 0, n)
	_, err = scanDOL(b, &d)
	return d, err
}

func scanDOL(b []byte, d *DOL) (int, error) {
	n := 0
	for off := 0; off < len(b); {
		start := off
		c := b[off]
		off++
		t := Tag(c)
		if c&0x1F == 0x1F {
			for {
				if off >= len(b) {
					return 0, newError(ErrBadDOL, "(truncated tag)", start, 0)
				}
				if off-start == 4 {
					return 0, newError(ErrBadDOL, "(tag longer than 4 bytes)", start, 0)
				}
				c = b[off]
				off++
				t = t<<8 | Tag(c)
				if c&0x80 == 0 {
					break
				}
			}
		}
		if off >= len(b) {
			return 0, newError(ErrBadDOL, "(missing length)", off, t)
		}
		l := int(b[off])
		off++
		if l >= 0x80 {
			k := l & 0x7F
			if k == 0 || k > 2 || len(b)-off < k {
				return 0, newError(ErrBadDOL, "(bad length)", off-1, t)
			}
			l = 0
			for _, x := range b[off : off+k] {
				l = l<<8 | int(x)
			}
			off += k
		}
		n++
		if n > 252 {
			return 0, newError(ErrBadDOL, "(too many entries)", start, t)
		}
		if d != nil {
			*d = append(*d, DOLEntry{Tag: t, Len: l})
		}
	}
	return n, nil
}

// Len returns the length of the concatenated values the DOL asks for.
func (d DOL) Len() int {
	n := 0
	for _, e := range d {
		n += e.Len
	}
	return n
}

// Append appends the DOL's data to dst: for each entry, the value src
// returns, formatted to the entry's length per EMV Book 3 §5.4. A value src
// does not have, and any constructed tag, is sent as zeros.
func (d DOL) Append(dst []byte, src func(t Tag) (value []byte, f Format, ok bool)) []byte {
	for _, e := range d {
		var v []byte
		var f Format
		ok := false
		if !e.Tag.Constructed() && src != nil {
			v, f, ok = src(e.Tag)
		}
		dst = appendDOLValue(dst, e.Len, v, f, ok)
	}
	return dst
}

func appendDOLValue(dst []byte, n int, v []byte, f Format, ok bool) []byte {
	if !ok {
		return appendFill(dst, 0x00, n)
	}
	switch f {
	case FormatNumeric:
		if len(v) >= n {
			return append(dst, v[len(v)-n:]...)
		}
		dst = appendFill(dst, 0x00, n-len(v))
		return append(dst, v...)
	case FormatCompressedNumeric:
		if len(v) >= n {
			return append(dst, v[:n]...)
		}
		dst = append(dst, v...)
		return appendFill(dst, 0xFF, n-len(v))
	default:
		if len(v) >= n {
			return append(dst, v[:n]...)
		}
		dst = append(dst, v...)
		return appendFill(dst, 0x00, n-len(v))
	}
}

func appendFill(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

// Split walks data built from d (a GPO's PDOL data, a GENERATE AC's CDOL
// data, as a host or a card receives it) and calls fn with each entry and its
// slice of data. It fails with ErrBadDOL if data is shorter or longer than
// d.Len().
func (d DOL) Split(data []byte, fn func(e DOLEntry, v []byte)) error {
	if len(data) != d.Len() {
		return fmt.Errorf("%w: data is %d bytes, the list asks for %d", ErrBadDOL, len(data), d.Len())
	}
	off := 0
	for _, e := range d {
		fn(e, data[off:off+e.Len:off+e.Len])
		off += e.Len
	}
	return nil
}
