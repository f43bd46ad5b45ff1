package iso8583

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// nibbleEncoder packs a string of digits two per byte, left-aligned, with a
// pad nibble after an odd count. The length prefix counts characters, as CUP
// fields 2, 35 and 36 require. moov's BCD and LBCD reject the track
// separator D and always pad with 0, hence this encoder.
//
// With track set it also carries '=' as nibble D (the ISO 7813 field
// separator) and the hex letters A-F, which appear once the TDK has
// encrypted the discretionary data; without it only the digits 0-9 pass.
type nibbleEncoder struct {
	pad   byte // 0x0 or 0xF
	track bool
}

var _ Encoder = nibbleEncoder{}

// PANEncoder returns the encoder for CUP field 2: digits only, odd counts
// padded with the pad nibble (0xF in most CUP dialects, 0x0 in some).
func PANEncoder(pad byte) Encoder { return nibbleEncoder{pad: pad & 0xF} }

// TrackEncoder returns the encoder for CUP fields 35 and 36: digits, '='
// as the nibble D, and the letters A-F of TDK-encrypted data; odd counts
// padded with the pad nibble.
func TrackEncoder(pad byte) Encoder { return nibbleEncoder{pad: pad & 0xF, track: true} }

func (e nibbleEncoder) nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case !e.track:
		return 0, false
	case c == '=':
		return 0xD, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (e nibbleEncoder) char(n byte) (byte, bool) {
	switch {
	case n <= 9:
		return '0' + n, true
	case !e.track:
		return 0, false
	case n == 0xD:
		return '=', true
	default:
		return 'A' + n - 10, true
	}
}

// Encode never echoes the value in its error: these fields hold card data.
func (e nibbleEncoder) Encode(src []byte) ([]byte, error) {
	dst := make([]byte, (len(src)+1)/2)
	for i, c := range src {
		n, ok := e.nibble(c)
		if !ok {
			return nil, fmt.Errorf("%w: character %d is not allowed in packed digits", ErrInvalidField, i)
		}
		if i%2 == 0 {
			dst[i/2] = n << 4
		} else {
			dst[i/2] |= n
		}
	}
	if len(src)%2 == 1 {
		dst[len(dst)-1] |= e.pad
	}
	return dst, nil
}

func (e nibbleEncoder) Decode(src []byte, length int) ([]byte, int, error) {
	if length < 0 {
		return nil, 0, fmt.Errorf("%w: negative length %d", ErrUnpack, length)
	}
	read := (length + 1) / 2
	if len(src) < read {
		return nil, 0, fmt.Errorf("%w: packed digits need %d bytes, have %d", ErrUnpack, read, len(src))
	}
	out := make([]byte, length)
	for i := range out {
		b := src[i/2]
		n := b >> 4
		if i%2 == 1 {
			n = b & 0xF
		}
		c, ok := e.char(n)
		if !ok {
			return nil, 0, fmt.Errorf("%w: nibble %d is not a digit", ErrUnpack, i)
		}
		out[i] = c
	}
	// Both pads occur in the field (the reference notes A pads with F,
	// others with 0); anything else means the length prefix is wrong.
	if length%2 == 1 {
		if p := src[read-1] & 0xF; p != 0xF && p != 0 {
			return nil, 0, fmt.Errorf("%w: pad nibble %X is neither 0 nor F", ErrUnpack, p)
		}
	}
	return out, read, nil
}

// gbk packs CUP text fields (43, 44, 63) that carry Chinese in GBK, the
// code page of the CUP POS specification. Values are UTF-8 in Go; the
// length prefix counts GBK bytes, so this is a field Packer and Unpacker
// rather than only an Encoder (a plain encode-then-prefix packer would
// count UTF-8 bytes). Fixed-length fields are right-padded with spaces,
// and the spaces are trimmed again on unpack.
type gbk struct{ fixed bool }

var (
	_ Packer  = gbk{}
	_ Encoder = gbk{}
)

// GBKPacker returns the field Packer for GBK text; fixed selects space
// padding to FieldSpec.Length. Package iso8583/moovx adapts it to moov's
// field.Packer and field.Unpacker.
func GBKPacker(fixed bool) Packer { return gbk{fixed: fixed} }

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (g gbk) Encode(src []byte) ([]byte, error) {
	if isASCII(src) {
		return append([]byte(nil), src...), nil
	}
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(src)
	if err != nil {
		return nil, fmt.Errorf("%w: text cannot be encoded in GBK", ErrInvalidField)
	}
	return out, nil
}

func (g gbk) Decode(src []byte, length int) ([]byte, int, error) {
	if length < 0 || len(src) < length {
		return nil, 0, fmt.Errorf("%w: GBK text needs %d bytes, have %d", ErrUnpack, length, len(src))
	}
	raw := src[:length]
	if isASCII(raw) {
		return append([]byte(nil), raw...), length, nil
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: invalid GBK text", ErrUnpack)
	}
	// x/text replaces undecodable bytes with U+FFFD instead of failing, and
	// GBK has no encoding for U+FFFD, so its presence means bad input; the
	// message would not re-pack to the same bytes.
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		if r == utf8.RuneError {
			return nil, 0, fmt.Errorf("%w: invalid GBK byte sequence", ErrUnpack)
		}
		i += n
	}
	return out, length, nil
}

func (g gbk) Pack(value []byte, spec *FieldSpec) ([]byte, error) {
	enc, err := g.Encode(value)
	if err != nil {
		return nil, err
	}
	if g.fixed {
		if len(enc) > spec.Length {
			return nil, fmt.Errorf("%w: %d GBK bytes exceed the fixed length %d", ErrInvalidField, len(enc), spec.Length)
		}
		for len(enc) < spec.Length {
			enc = append(enc, ' ')
		}
	}
	pre, err := spec.Pref.EncodeLength(spec.Length, len(enc))
	if err != nil {
		return nil, err
	}
	return append(pre, enc...), nil
}

func (g gbk) Unpack(data []byte, spec *FieldSpec) ([]byte, int, error) {
	n, pre, err := spec.Pref.DecodeLength(spec.Length, data)
	if err != nil {
		return nil, 0, err
	}
	out, read, err := g.Decode(data[pre:], n)
	if err != nil {
		return nil, 0, err
	}
	if g.fixed {
		for len(out) > 0 && out[len(out)-1] == ' ' {
			out = out[:len(out)-1]
		}
	}
	return out, pre + read, nil
}
