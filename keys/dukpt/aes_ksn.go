package dukpt

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// AES DUKPT counter layout, ANSI X9.24-3-2017 §6: a 32-bit counter after
// the 8-byte initial key ID, with at most 16 one-bits.
const (
	aesCounterBits = 32
	aesMaxOneBits  = 16
)

// AESKSN is an AES DUKPT key serial number (ANSI X9.24-3-2017 §6): the
// 8-byte initial key ID (4-byte BDK ID, 4-byte derivation ID) followed by a
// 32-bit transaction counter. String prints the 24 hex digits.
type AESKSN [12]byte

// ParseAESKSN parses 24 hex digits, either case.
func ParseAESKSN(s string) (AESKSN, error) {
	var k AESKSN
	if err := parseHex(k[:], s); err != nil {
		return AESKSN{}, err
	}
	return k, nil
}

// AESKSNFromBytes copies a 12-byte KSN.
func AESKSNFromBytes(b []byte) (AESKSN, error) {
	var k AESKSN
	if len(b) != len(k) {
		return AESKSN{}, fmt.Errorf("%w: %d bytes, want %d", ErrKSN, len(b), len(k))
	}
	copy(k[:], b)
	return k, nil
}

// NewAESKSN builds a KSN from an initial key ID and a counter.
func NewAESKSN(initialKeyID [8]byte, counter uint32) AESKSN {
	var k AESKSN
	copy(k[:8], initialKeyID[:])
	binary.BigEndian.PutUint32(k[8:], counter)
	return k
}

// InitialKeyID returns the leftmost 8 bytes: BDK ID and derivation ID.
func (k AESKSN) InitialKeyID() [8]byte { return [8]byte(k[:8]) }

// Counter returns the 32-bit transaction counter.
func (k AESKSN) Counter() uint32 { return binary.BigEndian.Uint32(k[8:]) }

// WithCounter returns k with its counter replaced by c.
func (k AESKSN) WithCounter(c uint32) AESKSN {
	binary.BigEndian.PutUint32(k[8:], c)
	return k
}

// String returns the KSN as 24 upper-case hex digits.
func (k AESKSN) String() string { return fmt.Sprintf("%X", k[:]) }

func (k AESKSN) checkTransaction() error {
	c := k.Counter()
	if c == 0 {
		return fmt.Errorf("%w: %s has counter 0 (the initial key, not a transaction key)", ErrKSN, k)
	}
	if n := bits.OnesCount32(c); n > aesMaxOneBits {
		return fmt.Errorf("%w: %s counter %#x has %d one-bits, at most %d allowed", ErrKSN, k, c, n, aesMaxOneBits)
	}
	return nil
}
