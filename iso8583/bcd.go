package iso8583

import (
	"fmt"
	"strings"
)

// bcdEncoder packs decimal digits two per byte (8-4-2-1 BCD, ISO 8583:1987
// §4.1 "n" elements in packed form). It is a drop-in replacement for moov's
// encoding.BCD (right-aligned: an odd count gets a leading 0 nibble) and
// encoding.LBCD (left-aligned: a trailing 0 nibble). moov's versions build
// two 256-entry lookup tables from a Go map on every call
// (github.com/yerden/go-util/bcd.NewEncoder/NewDecoder), which made BCD the
// largest cost of packing a CUP message; this one needs no tables.
//
// It accepts and produces exactly what moov's encoders do (TestBCDMatchesMoov
// compares them on random input), with one deliberate difference: where
// moov decodes a pad nibble F inside the value it returns a NUL byte in
// the digits, and this encoder returns an error instead.
type bcdEncoder struct{ left bool }

var (
	_ Encoder  = bcdEncoder{}
	_ Prefixer = bcdPrefixer{}
)

// BCDEncoder returns the encoder for right-aligned packed numerics (CUP
// fields 3, 4, 11 and the MTI): an odd number of digits is padded with a
// leading 0 nibble. It matches moov's encoding.BCD byte for byte.
func BCDEncoder() Encoder { return bcdEncoder{} }

// LBCDEncoder returns the encoder for left-aligned packed numerics (CUP
// fields 22, 32, 48, 60, 61): an odd number of digits is padded with a
// trailing 0 nibble, and on unpack the trailing pad may be 0-9 or F.
// It matches moov's encoding.LBCD.
func LBCDEncoder() Encoder { return bcdEncoder{left: true} }

// BCDPrefixers returns length prefixes written as BCD digits (LL in one
// byte, LLL in two), as moov's prefix.BCD does, without its per-call
// lookup tables.
func BCDPrefixers() Prefixers {
	return Prefixers{
		Fixed: fixedPrefixer{"BCD.Fixed"}, // writes nothing
		L:     bcdPrefixer{1},
		LL:    bcdPrefixer{2},
		LLL:   bcdPrefixer{3},
		LLLL:  bcdPrefixer{4},
	}
}

// Encode packs src. Errors never echo the value: numeric fields include
// the PAN in some dialects.
func (e bcdEncoder) Encode(src []byte) ([]byte, error) {
	dst := make([]byte, (len(src)+1)/2)
	if err := packBCD(dst, src, e.left); err != nil {
		return nil, err
	}
	return dst, nil
}

// packBCD writes the digits of src into dst, which holds exactly
// (len(src)+1)/2 bytes, with the pad nibble (0) first or last.
func packBCD(dst, src []byte, left bool) error {
	j := 0 // nibble index in dst
	if len(src)%2 == 1 && !left {
		j = 1
	}
	for i, c := range src {
		d := c - '0'
		if d > 9 {
			return fmt.Errorf("%w: character %d is not a decimal digit", ErrInvalidField, i)
		}
		if j%2 == 0 {
			dst[j/2] = d << 4
		} else {
			dst[j/2] |= d
		}
		j++
	}
	return nil
}

// Decode reads length digits from src and returns them with the number of
// bytes consumed, (length+1)/2.
func (e bcdEncoder) Decode(src []byte, length int) ([]byte, int, error) {
	if length < 0 {
		return nil, 0, fmt.Errorf("%w: negative BCD length %d", ErrUnpack, length)
	}
	read := length/2 + length%2
	if len(src) < read {
		return nil, 0, fmt.Errorf("%w: %d BCD digits need %d bytes, have %d", ErrUnpack, length, read, len(src))
	}
	out := make([]byte, length)
	if err := unpackBCD(out, src[:read], e.left); err != nil {
		return nil, 0, err
	}
	return out, read, nil
}

// unpackBCD expands the nibbles of src into the len(dst) digits of dst.
// An odd count skips the first nibble (right-aligned) or the last one
// (left-aligned). As in moov, a skipped pad nibble may hold any digit; a
// left-aligned pad may also be F, the filler of the BCD tables moov uses.
func unpackBCD(dst, src []byte, left bool) error {
	odd := len(dst)%2 == 1
	for i, b := range src {
		hi, lo := b>>4, b&0xF
		if hi > 9 {
			return fmt.Errorf("%w: BCD byte %d has a non-digit nibble", ErrUnpack, i)
		}
		if lo > 9 && (lo != 0xF || !odd || !left || i != len(src)-1) {
			return fmt.Errorf("%w: BCD byte %d has a non-digit nibble", ErrUnpack, i)
		}
	}
	j := 0 // nibble index in src
	if odd && !left {
		j = 1
	}
	for i := range dst {
		b := src[j/2]
		if j%2 == 0 {
			b >>= 4
		}
		dst[i] = '0' + b&0xF
		j++
	}
	return nil
}

// bcdPrefixer is a variable-length prefix of digits BCD digits,
// right-aligned in (digits+1)/2 bytes.
type bcdPrefixer struct{ digits int }

func (p bcdPrefixer) EncodeLength(maxLen, dataLen int) ([]byte, error) {
	if dataLen > maxLen {
		return nil, fmt.Errorf("%w: field length %d is larger than the maximum %d", ErrInvalidField, dataLen, maxLen)
	}
	if dataLen < 0 || decimalDigits(dataLen) > p.digits {
		return nil, fmt.Errorf("%w: length %d does not fit in %d digits", ErrInvalidField, dataLen, p.digits)
	}
	var d [8]byte
	n := dataLen
	for i := p.digits - 1; i >= 0; i-- {
		d[i] = '0' + byte(n%10)
		n /= 10
	}
	out := make([]byte, (p.digits+1)/2)
	_ = packBCD(out, d[:p.digits], false) // digits only: cannot fail
	return out, nil
}

func decimalDigits(n int) int {
	k := 1
	for n >= 10 {
		n /= 10
		k++
	}
	return k
}

func (p bcdPrefixer) DecodeLength(maxLen int, data []byte) (int, int, error) {
	size := (p.digits + 1) / 2
	if len(data) < size {
		return 0, 0, fmt.Errorf("%w: BCD length prefix needs %d bytes, have %d", ErrUnpack, size, len(data))
	}
	var d [8]byte
	if err := unpackBCD(d[:p.digits], data[:size], false); err != nil {
		return 0, 0, fmt.Errorf("%w (length prefix)", err)
	}
	n := 0
	for _, c := range d[:p.digits] {
		n = n*10 + int(c-'0')
	}
	if n > maxLen {
		return 0, 0, fmt.Errorf("%w: length %d is larger than the maximum %d", ErrUnpack, n, maxLen)
	}
	return n, size, nil
}

// Inspect names the prefix as moov's own BCD prefixes do ("BCD.LL").
func (p bcdPrefixer) Inspect() string { return "BCD." + strings.Repeat("L", p.digits) }
