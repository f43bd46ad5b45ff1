package dukpt

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
)

// TDES DUKPT counter layout, ANSI X9.24-1:2009 A.1: the rightmost 21 bits
// of the 80-bit KSN count transactions, and a terminal never uses a counter
// with more than 10 one-bits (A.2 "New Key").
const (
	tdesCounterBits = 21
	tdesCounterMask = 1<<tdesCounterBits - 1
	tdesMaxOneBits  = 10
)

// KSN is a TDES DUKPT key serial number (ANSI X9.24-1:2009 A.1): 80 bits,
// of which the rightmost 21 are the transaction counter and the rest the
// initial key serial number (BDK ID, device ID). KSNs are not secret; String
// prints the 20 hex digits.
type KSN [10]byte

// ParseKSN parses 20 hex digits, either case.
func ParseKSN(s string) (KSN, error) {
	var k KSN
	if err := parseHex(k[:], s); err != nil {
		return KSN{}, err
	}
	return k, nil
}

// KSNFromBytes copies a 10-byte KSN.
func KSNFromBytes(b []byte) (KSN, error) {
	var k KSN
	if len(b) != len(k) {
		return KSN{}, fmt.Errorf("%w: %d bytes, want %d", ErrKSN, len(b), len(k))
	}
	copy(k[:], b)
	return k, nil
}

// Counter returns the 21-bit transaction counter.
func (k KSN) Counter() uint32 {
	return uint32(k[7]&0x1F)<<16 | uint32(k[8])<<8 | uint32(k[9])
}

// WithCounter returns k with its counter replaced by c; c must fit in
// 21 bits.
func (k KSN) WithCounter(c uint32) (KSN, error) {
	if c > tdesCounterMask {
		return KSN{}, fmt.Errorf("%w: counter %#x does not fit in 21 bits", ErrKSN, c)
	}
	k[7] = k[7]&0xE0 | byte(c>>16)
	k[8] = byte(c >> 8)
	k[9] = byte(c)
	return k, nil
}

// Initial returns k with its counter zeroed: the initial key serial number
// that, with the BDK, determines the initial key.
func (k KSN) Initial() KSN {
	k[7] &= 0xE0
	k[8], k[9] = 0, 0
	return k
}

// String returns the KSN as 20 upper-case hex digits.
func (k KSN) String() string { return fmt.Sprintf("%X", k[:]) }

// checkTransaction reports whether k names a transaction key a terminal can
// have used: a non-zero counter with at most 10 one-bits.
func (k KSN) checkTransaction() error {
	c := k.Counter()
	if c == 0 {
		return fmt.Errorf("%w: %s has counter 0 (the initial key, not a transaction key)", ErrKSN, k)
	}
	if n := bits.OnesCount32(c); n > tdesMaxOneBits {
		return fmt.Errorf("%w: %s counter %#x has %d one-bits, at most %d allowed", ErrKSN, k, c, n, tdesMaxOneBits)
	}
	return nil
}

// register returns the rightmost 64 bits of the KSN, the "KSN register"
// the key generation process mixes in (X9.24-1:2009 A.2).
func (k KSN) register() uint64 { return binary.BigEndian.Uint64(k[2:]) }

// parseHex decodes s into dst, which it must fill exactly.
func parseHex(dst []byte, s string) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("%w: %d hex digits, want %d", ErrKSN, len(s), 2*len(dst))
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return fmt.Errorf("%w: character %q at offset %d is not a hex digit", ErrKSN, s[i], i)
		}
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
