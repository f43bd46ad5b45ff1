package pinblock

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
)

// readRandom fills b from rand, or from crypto/rand when rand is nil.
func readRandom(rand io.Reader, b []byte) error {
	if rand == nil {
		rand = cryptorand.Reader
	}
	// One Read nearly always fills b; ReadFull handles the rest.
	n, err := rand.Read(b)
	if n >= len(b) {
		return nil
	}
	if err == nil {
		_, err = io.ReadFull(rand, b[n:])
	}
	if err != nil {
		clear(b)
		return fmt.Errorf("%w: %w", ErrRandom, err)
	}
	return nil
}

// randomAF returns format 3 fill (ISO 9564-1: A to F, chosen at random) for a PIN of n
// digits: uniformly random nibbles A to F in nibble positions 2+n to 15 of
// a 64-bit block. It reads 8 bytes at a time into scratch and takes 3-bit
// groups, most significant first, keeping values 0-5 (rejection sampling,
// so there is no modulo bias). 21 groups give the 10 fill digits a 4-digit
// PIN needs in all but about 2 of 1,000 reads; the loop reads again when
// they do not.
func randomAF(rand io.Reader, scratch []byte, n int) (uint64, error) {
	var fill uint64
	for pos := 2 + n; pos < 16; {
		if err := readRandom(rand, scratch[:8]); err != nil {
			return 0, err
		}
		u := binary.BigEndian.Uint64(scratch[:8])
		for i := 0; i < 21 && pos < 16; i++ {
			if c := u >> (61 - 3*i) & 7; c < 6 {
				fill |= (0xA + c) << (60 - 4*pos)
				pos++
			}
		}
	}
	clear(scratch[:8])
	return fill, nil
}
