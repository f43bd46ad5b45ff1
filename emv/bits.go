package emv

import (
	"fmt"
	"strconv"
)

// A flag names one bit, or one multi-bit field value, of a fixed-length
// register such as the TVR. It packs the 0-based byte index, the mask of the
// bits it covers and the value those bits hold when the flag is set:
// 0xIIMMVV. TVR byte 1 b8 is 0x008080; TVR byte 5 b2-b1 = 10 is 0x040302.
// The typed flags (TVRFlag, AIPFlag ...) share these helpers.

func flagIndex(f uint32) int { return int(f >> 16) }

func hasFlag(v []byte, f uint32) bool {
	i := flagIndex(f)
	if i >= len(v) {
		return false
	}
	return v[i]&byte(f>>8) == byte(f)
}

func setFlag(v []byte, f uint32) {
	if i := flagIndex(f); i < len(v) {
		v[i] = v[i]&^byte(f>>8) | byte(f)
	}
}

func clearFlag(v []byte, f uint32) {
	if i := flagIndex(f); i < len(v) {
		v[i] &^= byte(f >> 8)
	}
}

// bitDef is a flag and the words the standard uses for it.
type bitDef struct {
	f    uint32
	text string
}

func flagText(defs []bitDef, f uint32) string {
	for _, d := range defs {
		if d.f == f {
			return d.text
		}
	}
	return fmt.Sprintf("byte %d mask %02X value %02X", flagIndex(f)+1, byte(f>>8), byte(f))
}

// setFlags lists, in table order, the flags of defs that v has set.
func setFlags(v []byte, defs []bitDef) []uint32 {
	var out []uint32
	for _, d := range defs {
		if byte(d.f) != 0 && hasFlag(v, d.f) {
			out = append(out, d.f)
		}
	}
	return out
}

// describeFlags returns the words for every set flag of v, followed by one
// line per set bit the table does not cover ("byte 2 b3: RFU").
func describeFlags(v []byte, defs []bitDef) []string {
	var out []string
	covered := make([]byte, len(v))
	for _, d := range defs {
		if i := flagIndex(d.f); i < len(v) {
			covered[i] |= byte(d.f >> 8)
		}
		if byte(d.f) != 0 && hasFlag(v, d.f) {
			out = append(out, d.text)
		}
	}
	for i, c := range v {
		rest := c &^ covered[i]
		for b := 7; b >= 0; b-- {
			if rest&(1<<uint(b)) != 0 {
				out = append(out, "byte "+strconv.Itoa(i+1)+" b"+strconv.Itoa(b+1)+": RFU bit set")
			}
		}
	}
	return out
}

// fixed checks that a register value has exactly n bytes.
func fixed(name string, b []byte, n int) error {
	if len(b) != n {
		return fmt.Errorf("%w: %s is %d bytes, want %d", ErrValue, name, len(b), n)
	}
	return nil
}

const hexUpper = "0123456789ABCDEF"

func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&0x0F])
	}
	return dst
}

func hexString(b []byte) string { return string(appendHex(make([]byte, 0, 2*len(b)), b)) }
