package keys

import "math/bits"

// DES uses the low bit of each key byte as a parity bit (FIPS 46-3 §3:
// "odd parity"); the cipher ignores it, so adjusting parity never changes
// an encryption result or a check value.

// HasOddParity reports whether every byte of b has an odd number of set
// bits. An empty slice has odd parity vacuously.
func HasOddParity(b []byte) bool {
	for _, c := range b {
		if bits.OnesCount8(c)&1 == 0 {
			return false
		}
	}
	return true
}

// AdjustParity sets the low bit of each byte of b, in place, so that every
// byte has odd parity.
func AdjustParity(b []byte) {
	for i, c := range b {
		if bits.OnesCount8(c&0xFE)&1 == 0 {
			b[i] = c | 1
		} else {
			b[i] = c &^ 1
		}
	}
}

// firstEvenParity returns the offset of the first byte with even parity, or -1.
func firstEvenParity(b []byte) int {
	for i, c := range b {
		if bits.OnesCount8(c)&1 == 0 {
			return i
		}
	}
	return -1
}

// sameDESKey reports whether two 8-byte DES keys are equal once parity bits
// are ignored.
func sameDESKey(a, b []byte) bool {
	if len(a) != 8 || len(b) != 8 {
		return false
	}
	var d byte
	for i := range 8 {
		d |= (a[i] ^ b[i]) &^ 1
	}
	return d == 0
}
