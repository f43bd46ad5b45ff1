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
	if _, err := io.ReadFull(rand, b); err != nil {
		clear(b)
		return fmt.Errorf("%w: %w", ErrRandom, err)
	}
	return nil
}

// randomAF fills out with uniformly random nibbles A to F (format 3 fill,
// ISO 9564-1:2017 §9.3.4). It reads 8 bytes at a time into scratch and takes
// 3-bit groups, most significant first, keeping values 0-5 (rejection
// sampling, so there is no modulo bias). 21 groups give 10 fill digits, the
// most a 4-digit PIN needs, in all but about 2 of 1,000 reads; the loop reads
// again when they do not.
func randomAF(rand io.Reader, scratch []byte, out []byte) error {
	got := 0
	for got < len(out) {
		if err := readRandom(rand, scratch[:8]); err != nil {
			return err
		}
		u := binary.BigEndian.Uint64(scratch[:8])
		for i := 0; i < 21 && got < len(out); i++ {
			if c := byte(u>>(61-3*i)) & 7; c < 6 {
				out[got] = 0xA + c
				got++
			}
		}
	}
	clear(scratch[:8])
	return nil
}
