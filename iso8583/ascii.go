package iso8583

import (
	"fmt"
	"strings"
)

// asciiEncoder carries 7-bit ASCII characters one per byte; bytes above
// 0x7F are refused both ways, as moov's encoding.ASCII does.
type asciiEncoder struct{}

// binaryEncoder carries bytes as they are.
type binaryEncoder struct{}

var (
	_ Encoder  = asciiEncoder{}
	_ Encoder  = binaryEncoder{}
	_ Prefixer = asciiPrefixer{}
	_ Prefixer = fixedPrefixer{}
)

// ASCIIEncoder returns the encoder for ASCII text and digits (an, ans, and
// n on ASCII links).
func ASCIIEncoder() Encoder { return asciiEncoder{} }

// BinaryEncoder returns the encoder for binary fields (b).
func BinaryEncoder() Encoder { return binaryEncoder{} }

// ASCIIPrefixers returns length prefixes written as ASCII digits ("LL"
// in two bytes, "LLL" in three).
func ASCIIPrefixers() Prefixers {
	return Prefixers{
		Fixed: fixedPrefixer{"ASCII.Fixed"},
		L:     asciiPrefixer{1}, LL: asciiPrefixer{2}, LLL: asciiPrefixer{3}, LLLL: asciiPrefixer{4},
	}
}

// BinaryFixed returns the prefix of fixed-length binary fields (bitmap,
// PIN block, MAC): nothing on the wire, the length counted in bytes.
func BinaryFixed() Prefixer { return fixedPrefixer{"Binary.Fixed"} }

func (asciiEncoder) Encode(src []byte) ([]byte, error) {
	for i, c := range src {
		if c > 0x7F {
			return nil, fmt.Errorf("%w: byte %d is not ASCII", ErrInvalidField, i)
		}
	}
	return append([]byte(nil), src...), nil
}

func (asciiEncoder) Decode(src []byte, length int) ([]byte, int, error) {
	if length < 0 || length > len(src) {
		return nil, 0, fmt.Errorf("%w: %d ASCII characters, have %d bytes", ErrUnpack, length, len(src))
	}
	for i, c := range src[:length] {
		if c > 0x7F {
			return nil, 0, fmt.Errorf("%w: byte %d is not ASCII", ErrUnpack, i)
		}
	}
	return append([]byte(nil), src[:length]...), length, nil
}

func (binaryEncoder) Encode(src []byte) ([]byte, error) { return append([]byte(nil), src...), nil }

func (binaryEncoder) Decode(src []byte, length int) ([]byte, int, error) {
	if length < 0 || length > len(src) {
		return nil, 0, fmt.Errorf("%w: %d bytes, have %d", ErrUnpack, length, len(src))
	}
	return append([]byte(nil), src[:length]...), length, nil
}

// fixedPrefixer is the absent prefix of a fixed-length field: the value
// must have exactly the field's length.
type fixedPrefixer struct{ name string }

func (p fixedPrefixer) EncodeLength(fixLen, dataLen int) ([]byte, error) {
	if dataLen != fixLen {
		return nil, fmt.Errorf("%w: length %d, the field is fixed at %d", ErrInvalidField, dataLen, fixLen)
	}
	return nil, nil
}

func (p fixedPrefixer) DecodeLength(fixLen int, _ []byte) (int, int, error) { return fixLen, 0, nil }

func (p fixedPrefixer) Inspect() string { return p.name }

// asciiPrefixer is a length written as digits ASCII digits.
type asciiPrefixer struct{ digits int }

func (p asciiPrefixer) EncodeLength(maxLen, dataLen int) ([]byte, error) {
	if dataLen > maxLen {
		return nil, fmt.Errorf("%w: field length %d is larger than the maximum %d", ErrInvalidField, dataLen, maxLen)
	}
	if dataLen < 0 || decimalDigits(dataLen) > p.digits {
		return nil, fmt.Errorf("%w: length %d does not fit in %d digits", ErrInvalidField, dataLen, p.digits)
	}
	out := make([]byte, p.digits)
	for i, n := p.digits-1, dataLen; i >= 0; i-- {
		out[i] = '0' + byte(n%10)
		n /= 10
	}
	return out, nil
}

func (p asciiPrefixer) DecodeLength(maxLen int, data []byte) (int, int, error) {
	if len(data) < p.digits {
		return 0, 0, fmt.Errorf("%w: ASCII length prefix needs %d bytes, have %d", ErrUnpack, p.digits, len(data))
	}
	n := 0
	for _, c := range data[:p.digits] {
		if c < '0' || c > '9' {
			return 0, 0, fmt.Errorf("%w: ASCII length prefix is not digits", ErrUnpack)
		}
		n = n*10 + int(c-'0')
	}
	if n > maxLen {
		return 0, 0, fmt.Errorf("%w: length %d is larger than the maximum %d", ErrUnpack, n, maxLen)
	}
	return n, p.digits, nil
}

func (p asciiPrefixer) Inspect() string { return "ASCII." + strings.Repeat("L", p.digits) }
