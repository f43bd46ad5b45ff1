package tr31

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"fmt"

	"github.com/possdk/pos/keys"
)

// binding holds the key block encryption key (KBEK) and authentication key
// (KBAK) derived from a KBPK for one version.
type binding struct {
	v    Version
	enc  cipher.Block
	auth cipher.Block
}

// newBinding derives the KBEK and KBAK. Versions A and C (TR-31:2018 A.3,
// "key variant binding"): KBPK XOR 45.. and XOR 4D... Versions B and D
// (A.4, "key derivation binding"): CMAC of the derivation data under the
// KBPK (NIST SP 800-108 counter mode).
func newBinding(kbpk *keys.Key, v Version) (*binding, error) {
	if kbpk.IsZeroed() {
		return nil, fmt.Errorf("%w: KBPK is zeroed or unset", ErrKBPK)
	}
	alg := kbpk.Algorithm()
	switch v {
	case VersionA, VersionB, VersionC:
		if alg != keys.TDES2 && alg != keys.TDES3 {
			hint := ""
			if alg.IsAES() {
				hint = "; AES KBPKs need version D"
			}
			return nil, fmt.Errorf("%w: version %s needs a double- or triple-length TDES KBPK, got %s%s", ErrKBPK, v, alg, hint)
		}
	case VersionD:
		if !alg.IsAES() {
			return nil, fmt.Errorf("%w: version D needs an AES KBPK, got %s (TDES KBPKs use version B)", ErrKBPK, alg)
		}
	default:
		return nil, fmt.Errorf("%w: %s", ErrVersion, v)
	}
	k := kbpk.ClearBytes()
	defer clear(k)
	if v == VersionA || v == VersionC {
		return variantBinding(v, k)
	}
	return derivationBinding(v, alg, k)
}

func variantBinding(v Version, k []byte) (*binding, error) {
	enc := make([]byte, len(k))
	auth := make([]byte, len(k))
	defer clear(enc)
	defer clear(auth)
	for i := range k {
		enc[i] = k[i] ^ 0x45
		auth[i] = k[i] ^ 0x4D
	}
	e, err := tdes(enc)
	if err != nil {
		return nil, err
	}
	a, err := tdes(auth)
	if err != nil {
		return nil, err
	}
	return &binding{v: v, enc: e, auth: a}, nil
}

// derivationBinding: TR-31:2018 A.4, derivation data = counter, key usage
// (0000 encryption, 0001 MAC), separator 00, algorithm (0000 2TDEA,
// 0001 3TDEA, 0002 AES-128, 0003 AES-192, 0004 AES-256), length in bits;
// as many CMAC blocks as the KBPK's length needs.
func derivationBinding(v Version, alg keys.Algorithm, k []byte) (*binding, error) {
	var b cipher.Block
	var err error
	var ind byte
	switch alg {
	case keys.TDES2:
		b, err = tdes(k)
		ind = 0
	case keys.TDES3:
		b, err = tdes(k)
		ind = 1
	case keys.AES128:
		b, err = aes.NewCipher(k)
		ind = 2
	case keys.AES192:
		b, err = aes.NewCipher(k)
		ind = 3
	case keys.AES256:
		b, err = aes.NewCipher(k)
		ind = 4
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKBPK, err)
	}
	bits := len(k) * 8
	derive := func(usage byte) (cipher.Block, error) {
		out := make([]byte, 0, 32+16)
		defer clear(out[:cap(out)])
		for ctr := byte(1); len(out) < len(k); ctr++ {
			d := []byte{ctr, 0, usage, 0, 0, ind, byte(bits >> 8), byte(bits)}
			var err error
			if out, err = keys.AppendCMAC(out, b, d, 0); err != nil {
				return nil, err
			}
		}
		if alg.IsAES() {
			return aes.NewCipher(out[:len(k)])
		}
		return tdes(out[:len(k)])
	}
	e, err := derive(0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKBPK, err)
	}
	a, err := derive(1)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKBPK, err)
	}
	return &binding{v: v, enc: e, auth: a}, nil
}

// tdes returns a TDES cipher for a 16- or 24-byte key.
func tdes(k []byte) (cipher.Block, error) {
	var k3 [24]byte
	defer clear(k3[:])
	switch len(k) {
	case 16:
		copy(k3[:], k)
		copy(k3[16:], k[:8])
	case 24:
		copy(k3[:], k)
	default:
		return nil, fmt.Errorf("%w: TDES key of %d bytes", ErrKBPK, len(k))
	}
	return des.NewTripleDESCipher(k3[:])
}

// mac computes the key block MAC. Versions A and C: TDES CBC-MAC (ISO/IEC
// 9797-1 algorithm 1) over the ASCII header and the binary ciphertext,
// leftmost 4 bytes. Versions B and D: CMAC over the header and the clear
// key field, 8 or 16 bytes.
func (b *binding) mac(dst []byte, header []byte, payload []byte) ([]byte, error) {
	msg := make([]byte, 0, len(header)+len(payload))
	msg = append(append(msg, header...), payload...)
	defer clear(msg)
	if b.v == VersionA || b.v == VersionC {
		return keys.AppendCBCMAC(dst, b.auth, msg, keys.Padding1, b.v.macLen())
	}
	return keys.AppendCMAC(dst, b.auth, msg, 0)
}
