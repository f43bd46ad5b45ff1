package keys

import (
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
)

// KCVMethod selects how a key check value is computed.
type KCVMethod uint8

// Check-value methods.
const (
	// KCVDefault is KCVCMAC for AES keys and KCVLegacy for everything else
	// (including SM4). With a bare cipher.Block it means KCVLegacy.
	KCVDefault KCVMethod = iota
	// KCVLegacy encrypts one all-zero block and keeps the leftmost bytes
	// (3 by default; CUP field 62 uses 4). X9.24-1:2009, common practice.
	KCVLegacy
	// KCVCMAC is the CMAC of one all-zero block, leftmost bytes (5 by
	// default). X9.24-1:2017 A.3, for AES keys.
	KCVCMAC
)

func defaultKCVLen(m KCVMethod) int {
	if m == KCVCMAC {
		return 5
	}
	return 3
}

// CheckValue computes the check value of the key inside b with method m,
// keeping the leftmost n bytes (1..block size; 0 means the method's default
// length: 3 for legacy, 5 for CMAC).
func CheckValue(b cipher.Block, m KCVMethod, n int) ([]byte, error) {
	if m == KCVDefault {
		m = KCVLegacy
	}
	if n == 0 {
		n = defaultKCVLen(m)
	}
	if n < 1 || n > b.BlockSize() {
		return nil, fmt.Errorf("%w: check value of %d bytes, block is %d", ErrMACLength, n, b.BlockSize())
	}
	out := make([]byte, n)
	if err := checkValueInto(out, b, m); err != nil {
		return nil, err
	}
	return out, nil
}

// checkValueInto fills out (at most one block long) with the check value.
func checkValueInto(out []byte, b cipher.Block, m KCVMethod) error {
	var zero [16]byte
	bs := b.BlockSize()
	if bs > len(zero) || len(out) > bs {
		return fmt.Errorf("%w: block size %d", ErrAlgorithm, bs)
	}
	switch m {
	case KCVDefault, KCVLegacy:
		var blk [16]byte
		b.Encrypt(blk[:bs], zero[:bs])
		copy(out, blk[:])
	case KCVCMAC:
		var tmp [16]byte
		mac, err := AppendCMAC(tmp[:0], b, zero[:bs], bs)
		if err != nil {
			return err
		}
		copy(out, mac)
	default:
		return fmt.Errorf("%w: unknown check-value method %d", ErrAlgorithm, m)
	}
	return nil
}

// CheckValue returns the key's default check value: legacy, 3 bytes, for
// DES, TDES and SM4; CMAC, 5 bytes, for AES. Check values are not secret.
// It returns nil after Zero.
func (k *Key) CheckValue() []byte {
	if k.IsZeroed() {
		return nil
	}
	kcv, err := k.CheckValueWith(KCVDefault, 0)
	if err != nil {
		return nil
	}
	return kcv
}

// CheckValueWith computes the key's check value with method m and length n
// (0 means the method's default).
func (k *Key) CheckValueWith(m KCVMethod, n int) ([]byte, error) {
	if m == KCVDefault {
		m = k.defaultKCVMethod()
	}
	b, err := k.Block()
	if err != nil {
		return nil, err
	}
	return CheckValue(b, m, n)
}

// VerifyCheckValue compares kcv, in constant time, with the key's check
// value computed by method m over len(kcv) bytes. A mismatch is
// ErrCheckValue.
func (k *Key) VerifyCheckValue(m KCVMethod, kcv []byte) error {
	if len(kcv) == 0 {
		return fmt.Errorf("%w: empty check value", ErrCheckValue)
	}
	if len(kcv) > k.alg.BlockSize() {
		return fmt.Errorf("%w: check value of %d bytes, block is %d", ErrMACLength, len(kcv), k.alg.BlockSize())
	}
	got, err := k.CheckValueWith(m, len(kcv))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, kcv) != 1 {
		return fmt.Errorf("%w: %s key, expected %X, computed %X", ErrCheckValue, k.alg, kcv, got)
	}
	return nil
}

func (k *Key) defaultKCVMethod() KCVMethod {
	if k.alg.IsAES() {
		return KCVCMAC
	}
	return KCVLegacy
}
