package tlv

import (
	"fmt"
	"math/bits"
	"sync"
)

// Tag holds the bytes of a BER-TLV tag, big-endian, in a uint32: the EMV
// Amount, Authorised tag 9F02 is Tag(0x9F02), the Kernel-2 tag DF8129 is
// Tag(0xDF8129). Tags of more than 4 bytes are not representable and are
// rejected by the scanner (EMV Book 3 Annex B uses at most 3).
type Tag uint32

// Class is the class of a tag, from the two high bits of its first byte.
type Class uint8

// The four tag classes of ISO/IEC 8825-1.
const (
	ClassUniversal Class = iota
	ClassApplication
	ClassContextSpecific
	ClassPrivate
)

func (c Class) String() string {
	switch c {
	case ClassUniversal:
		return "universal"
	case ClassApplication:
		return "application"
	case ClassContextSpecific:
		return "context-specific"
	default:
		return "private"
	}
}

// Len is the number of bytes the tag takes when encoded (1 for the zero tag).
func (t Tag) Len() int {
	n := (bits.Len32(uint32(t)) + 7) / 8
	if n == 0 {
		return 1
	}
	return n
}

func (t Tag) first() byte { return byte(t >> (8 * uint(t.Len()-1))) }

// Constructed reports whether the tag's constructed bit (b6 of the first
// byte) is set, i.e. whether its value is itself a series of TLVs.
func (t Tag) Constructed() bool { return t.first()&0x20 != 0 }

// Class returns the tag's class.
func (t Tag) Class() Class { return Class(t.first() >> 6) }

// Valid reports whether t is a well-formed tag: a one-byte tag whose low five
// bits are not all set, or a multi-byte tag whose first byte has them all set,
// whose middle bytes have b8 set and whose last byte has b8 clear.
func (t Tag) Valid() bool {
	if t == 0 {
		return false
	}
	n := t.Len()
	if n == 1 {
		return byte(t)&0x1F != 0x1F
	}
	if t.first()&0x1F != 0x1F {
		return false
	}
	for i := n - 2; i >= 1; i-- {
		if byte(t>>(8*uint(i)))&0x80 == 0 {
			return false
		}
	}
	return byte(t)&0x80 == 0
}

const hexDigits = "0123456789ABCDEF"

// String returns the tag in upper-case hex, "9F02".
func (t Tag) String() string {
	if s := cachedTagString(t); s != "" {
		return s
	}
	return string(t.appendHex(make([]byte, 0, 8)))
}

func (t Tag) appendHex(b []byte) []byte {
	for i := t.Len() - 1; i >= 0; i-- {
		c := byte(t >> (8 * uint(i)))
		b = append(b, hexDigits[c>>4], hexDigits[c&0x0F])
	}
	return b
}

// cachedTagString returns the shared string of a valid one-byte tag or
// two-byte tag (1F..FF followed by 00..7F), "" for others.
func cachedTagString(t Tag) string {
	var i int
	switch {
	case t < 0x100:
		i = int(t)
	case t < 0x10000 && byte(t>>8)&0x1F == 0x1F && byte(t) < 0x80:
		i = 256 + int(t>>13)*128 + int(byte(t))
	default:
		return ""
	}
	return tagStrings()[i]
}

// tagStrings caches the strings of the 1,280 one- and two-byte tags, so
// Decode can fill bertlv.TLV.Tag without allocating per object. It is built
// once, on first use, and never written again.
var tagStrings = sync.OnceValue(func() []string {
	s := make([]string, 256+8*128)
	for t := Tag(0); t < 0x100; t++ {
		s[t] = string(t.appendHex(make([]byte, 0, 2)))
	}
	for hi := Tag(0); hi < 8; hi++ {
		for lo := Tag(0); lo < 0x80; lo++ {
			t := (hi<<5|0x1F)<<8 | lo
			s[256+int(hi)*128+int(lo)] = string(t.appendHex(make([]byte, 0, 4)))
		}
	}
	return s
})

// ParseTag parses a tag from hex, upper or lower case: "9F02", "df8129".
func ParseTag(s string) (Tag, error) {
	if len(s) == 0 || len(s)%2 != 0 || len(s) > 8 {
		return 0, fmt.Errorf("%w: %q is not 1 to 4 hex bytes", ErrBadTag, s)
	}
	var t Tag
	for i := 0; i < len(s); i++ {
		v, ok := fromHexChar(s[i])
		if !ok {
			return 0, fmt.Errorf("%w: %q is not hex", ErrBadTag, s)
		}
		t = t<<4 | Tag(v)
	}
	if t.Len() != len(s)/2 || !t.Valid() {
		return 0, fmt.Errorf("%w: %q is not a well-formed BER tag", ErrBadTag, s)
	}
	return t, nil
}

// MustParseTag is ParseTag for constants in tables and tests; it panics on a
// malformed literal, never on input read at run time.
func MustParseTag(s string) Tag {
	t, err := ParseTag(s)
	if err != nil {
		panic(err)
	}
	return t
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendTag appends the encoded tag to dst.
func AppendTag(dst []byte, t Tag) []byte {
	for i := t.Len() - 1; i >= 0; i-- {
		dst = append(dst, byte(t>>(8*uint(i))))
	}
	return dst
}

// AppendLength appends a definite length in its minimal encoding: one byte
// below 128, else 0x81..0x84 followed by the length's bytes. A negative n is
// encoded as 0.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		if n < 0 {
			n = 0
		}
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case uint64(n) <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(dst, 0x84, byte(uint64(n)>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// lengthLen is the size of AppendLength's output for n.
func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xFF:
		return 2
	case n <= 0xFFFF:
		return 3
	case uint64(n) <= 0xFFFFFF:
		return 4
	default:
		return 5
	}
}

// AppendTLV appends tag, minimal length and value to dst.
func AppendTLV(dst []byte, t Tag, value []byte) []byte {
	dst = AppendTag(dst, t)
	dst = AppendLength(dst, len(value))
	return append(dst, value...)
}
