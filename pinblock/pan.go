package pinblock

import (
	"encoding/binary"
	"fmt"
)

// ISO/IEC 7812-1: a PAN has at most 19 digits.
const maxPANLen = 19

// packPAN checks that pan is min to 19 decimal digits and returns them as
// nibbles, right-aligned in the 96-bit value hi||lo (hi holds the top 32
// bits). The PAN is right-aligned in a 24-character window of '0's and
// checked and packed eight digits at a time, without loops: the PAN field
// is the larger part of the work in a format 4 encipherment. Errors name
// the position of a bad character, never the character.
func packPAN(pan string, min int) (hi, lo uint64, err error) {
	n := len(pan)
	if n < min || n > maxPANLen {
		return 0, 0, panError(pan, min)
	}
	// a, b, c: the ASCII of window positions 0-7, 8-15 and 16-23, read
	// with 8-byte loads straight from the string where the PAN is long
	// enough (no copy into the window); the '0' padding is shifted in.
	const zeros = 0x3030303030303030
	var a, b, c uint64
	switch {
	case n >= 16:
		s := uint(8 * (24 - n)) // 40 to 64 bits
		a = load8(pan)>>s | zeros<<(64-s)
		b, c = load8(pan[n-16:]), load8(pan[n-8:])
	case n >= 8:
		s := uint(8 * (16 - n)) // 8 to 64 bits
		a, b, c = zeros, load8(pan)>>s|zeros<<(64-s), load8(pan[n-8:])
	default:
		w := [8]byte{'0', '0', '0', '0', '0', '0', '0', '0'}
		copy(w[8-n:], pan)
		a, b, c = zeros, zeros, binary.BigEndian.Uint64(w[:])
	}
	a ^= zeros
	b ^= zeros
	c ^= zeros
	const hiNibbles = 0xF0F0F0F0F0F0F0F0
	// '0'-'9' became 0-9; any other byte has a high nibble or exceeds 9.
	bad := a | b | c | (a+0x0606060606060606)&hiNibbles | (b+0x0606060606060606)&hiNibbles | (c+0x0606060606060606)&hiNibbles
	if bad&hiNibbles != 0 {
		return 0, 0, panError(pan, min)
	}
	return nibbles8(a), nibbles8(b)<<32 | nibbles8(c), nil
}

// load8 reads the first 8 bytes of s as a big-endian value (one load).
func load8(s string) uint64 {
	_ = s[7]
	return uint64(s[0])<<56 | uint64(s[1])<<48 | uint64(s[2])<<40 | uint64(s[3])<<32 |
		uint64(s[4])<<24 | uint64(s[5])<<16 | uint64(s[6])<<8 | uint64(s[7])
}

// nibbles8 packs 8 bytes of values 0-9 into 8 nibbles.
func nibbles8(d uint64) uint64 {
	d = (d | d>>4) & 0x00FF00FF00FF00FF
	d = (d | d>>8) & 0x0000FFFF0000FFFF
	return (d | d>>16) & 0xFFFFFFFF
}

// panError explains why packPAN refused pan, naming the position of a bad
// character but never the character.
func panError(pan string, min int) error {
	if len(pan) < min || len(pan) > maxPANLen {
		return fmt.Errorf("%w: %d digits, want %d to %d", ErrPAN, len(pan), min, maxPANLen)
	}
	for i := 0; i < len(pan); i++ {
		if c := pan[i]; c < '0' || c > '9' {
			return fmt.Errorf("%w: character %d is not a decimal digit", ErrPAN, i+1)
		}
	}
	return ErrPAN
}

// panField0 is the account number field of ISO 9564-1 formats 0 and 3 as a
// 64-bit value: four zero nibbles, then the 12 rightmost PAN digits
// excluding the check digit, right-justified and left-padded with zeros
// when the PAN is shorter. A PAN needs at least two digits: one
// account digit and the check digit.
func panField0(pan string) (uint64, error) {
	_, lo, err := packPAN(pan, 2)
	if err != nil {
		return 0, err
	}
	return lo >> 4 & 0x0000FFFFFFFFFFFF, nil // drop the check digit, keep 12
}

// panField4 returns the 16-byte PAN field of ISO 9564-1:2017 format 4 as
// two 64-bit halves: nibble M = PAN length - 12 (0 when the PAN
// is shorter than 12 digits, which are then left-padded with zeros to 12),
// the PAN, then zero nibbles. Any PAN of 1 to 19 digits is accepted.
func panField4(pan string) (hi, lo uint64, err error) {
	if len(pan) == 16 {
		// The common PAN length, without the 24-digit window: two loads,
		// M = 4, the 16 digits, then 15 zero nibbles.
		const zeros, six, hiNibbles = 0x3030303030303030, 0x0606060606060606, 0xF0F0F0F0F0F0F0F0
		a, b := load8(pan)^zeros, load8(pan[8:])^zeros
		if (a|b|(a+six)|(b+six))&hiNibbles != 0 {
			return 0, 0, panError(pan, 1)
		}
		d := nibbles8(a)<<32 | nibbles8(b)
		return 4<<60 | d>>4, d << 60, nil
	}
	if hi, lo, err = packPAN(pan, 1); err != nil {
		return 0, 0, err
	}
	n := max(len(pan), 12) // PAN nibbles after M, left padding included
	m := uint64(n - 12)
	// Keep the rightmost n nibbles (12 to 19), put M above them, then
	// shift the 1+n nibbles to the top of the 128 bits.
	if n < 16 {
		hi, lo = 0, lo&(1<<(4*n)-1)|m<<(4*n)
	} else {
		hi = hi&(1<<(4*n-64)-1) | m<<(4*n-64)
	}
	k := uint(4 * (31 - n)) // 48 to 76 bits
	if k >= 64 {
		return lo << (k - 64), 0, nil
	}
	return hi<<k | lo>>(64-k), lo << k, nil
}
