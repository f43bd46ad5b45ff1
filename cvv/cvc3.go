package cvv

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"github.com/possdk/pos/keys"
)

// CVC3 returns the n least significant digits (1 to 5; 0 means 5) of
// Mastercard's dynamic CVC3 (PayPass M/Stripe): the card's CVC3 key kd
// (derived from the issuer's CVC3 master key with EMV Option A) MACs the
// static track data into IVCVC3, the rightmost 2 bytes of ISO/IEC 9797-1
// MAC algorithm 3 with padding method 2; the CVC3 is the rightmost 2 bytes
// of TDES(kd, IVCVC3 || UN || ATC) read as a decimal number (0 to 65535).
// track is the track 2 data as the card holds it (BCD, 'D' separator, F
// pad; or track 1 as ASCII) with its dynamic digits as personalised.
func CVC3(kd *keys.Key, track []byte, atc [2]byte, un [4]byte, n int) (string, error) {
	v, err := cvc3(kd, track, atc, un)
	if err != nil {
		return "", err
	}
	if n == 0 {
		n = 5
	}
	if n < 1 || n > 5 {
		return "", fmt.Errorf("%w: CVC3 of %d digits, want 1 to 5", ErrInput, n)
	}
	s := fmt.Sprintf("%05d", v)
	return s[5-n:], nil
}

// VerifyCVC3 compares the digits the card sent (1 to 5, its least
// significant) with the computed CVC3 in constant time.
func VerifyCVC3(kd *keys.Key, track []byte, atc [2]byte, un [4]byte, value string) error {
	if len(value) < 1 || len(value) > 5 || !digits(value) {
		return fmt.Errorf("%w: CVC3 must be 1 to 5 digits", ErrInput)
	}
	got, err := CVC3(kd, track, atc, un, len(value))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(value)) != 1 {
		return fmt.Errorf("%w: %d-digit CVC3", ErrMismatch, len(value))
	}
	return nil
}

func cvc3(kd *keys.Key, track []byte, atc [2]byte, un [4]byte) (uint16, error) {
	if kd == nil || kd.Algorithm() != keys.TDES2 {
		return 0, fmt.Errorf("%w: the CVC3 key must be a double-length TDES key", ErrInput)
	}
	if len(track) == 0 {
		return 0, fmt.Errorf("%w: no track data", ErrInput)
	}
	l, r, err := kd.DESParts()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var buf [8]byte
	mac, err := keys.AppendRetailMAC(buf[:0], l, r, track, keys.Padding2, 8)
	if err != nil {
		return 0, err
	}
	var blk [8]byte
	copy(blk[:2], mac[6:8])
	copy(blk[2:6], un[:])
	copy(blk[6:], atc[:])
	b, err := kd.Block()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInput, err)
	}
	b.Encrypt(blk[:], blk[:])
	return binary.BigEndian.Uint16(blk[6:]), nil
}
