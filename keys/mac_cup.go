package keys

import (
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
)

// CUPMACSize is the length of a CUP "ECB" MAC: 8 ASCII hex characters,
// carried as-is in field 64.
const CUPMACSize = 8

// CUPMAC returns the China UnionPay POS "ECB" MAC (银联标准MAC) of mab as 8
// ASCII upper-case hex characters, ready for field 64.
//
// The message boundary is the usual bug: mab must run from the MTI through
// the end of field 63 — MTI, bitmap (with bit 64 already set) and fields
// 2..63 — and exclude the 2-byte length, the TPDU, the 6-byte header and
// field 64 itself. A MAB cut anywhere else gives a valid-looking MAC the
// host rejects.
//
// The algorithm (CUP POS terminal spec, "POS终端采用ECB的加密方式"):
// zero-pad mab to whole blocks and XOR them all together; expand the result
// to hex (16 characters for 8-byte blocks); encrypt the first half, XOR
// with the second half, encrypt again; expand to hex and keep the first 8
// characters. b selects the variant: single DES with the MAK (or its left
// half) for single-length keys, TDES with a double-length MAK, or SM4 for
// 国密 terminals (16-byte blocks, 32-character expansion; D's CombineMac and
// the csdn description "POS终端MAC的计算[国密SM4]"). Which variant a host
// expects is a dialect setting.
func CUPMAC(b cipher.Block, mab []byte) ([]byte, error) {
	return AppendCUPMAC(nil, b, mab)
}

// AppendCUPMAC appends the CUPMAC of mab to dst. It uses dst's spare
// capacity as working space: with two blocks of spare capacity it does not
// allocate.
func AppendCUPMAC(dst []byte, b cipher.Block, mab []byte) ([]byte, error) {
	bs := b.BlockSize()
	if bs != 8 && bs != 16 {
		return dst, fmt.Errorf("%w: CUP MAC needs an 8- or 16-byte block, got %d", ErrAlgorithm, bs)
	}
	var ra [16]byte
	r := ra[:bs]
	full := len(mab) - len(mab)%bs
	for off := 0; off < full; off += bs {
		subtle.XORBytes(r, r, mab[off:off+bs])
	}
	if tail := mab[full:]; len(tail) > 0 {
		subtle.XORBytes(r[:len(tail)], r[:len(tail)], tail)
	}
	l := len(dst)
	dst, h := grow(dst, 2*bs)
	upperHex(h, r)
	b.Encrypt(h[:bs], h[:bs])
	subtle.XORBytes(h[:bs], h[:bs], h[bs:])
	b.Encrypt(h[:bs], h[:bs])
	var out [CUPMACSize]byte
	upperHex(out[:], h[:CUPMACSize/2])
	copy(h, out[:])
	clear(h[CUPMACSize:])
	return dst[:l+CUPMACSize], nil
}

// upperHex writes the upper-case hex expansion of src into dst
// (len(dst) >= 2*len(src)).
func upperHex(dst, src []byte) {
	const digits = "0123456789ABCDEF"
	for i, c := range src {
		dst[2*i] = digits[c>>4]
		dst[2*i+1] = digits[c&0x0F]
	}
}

// PBOCMAC returns the leftmost n bytes (0 means the whole block; issuer
// scripts use 4) of the PBOC / EMV secure-messaging MAC of msg under k:
// Padding2 with ISO/IEC 9797-1 algorithm 3 for a double-length TDES key
// (JR/T 0025 / EMV Book 2 §9.2.1), algorithm 1 for a single-DES key, and
// algorithm 1 with SM4 for PBOC 3.0 国密 keys. The message is whatever the
// card application defines (for issuer scripts: CLA INS P1 P2 Lc, ATC,
// ARQC, data).
func PBOCMAC(k *Key, msg []byte, n int) ([]byte, error) {
	switch k.Algorithm() {
	case TDES2:
		l, r, err := k.DESParts()
		if err != nil {
			return nil, err
		}
		return RetailMAC(l, r, msg, Padding2, n)
	case DES, SM4:
		b, err := k.Block()
		if err != nil {
			return nil, err
		}
		return CBCMAC(b, msg, Padding2, n)
	}
	return nil, fmt.Errorf("%w: PBOC MAC with %s key", ErrAlgorithm, k.Algorithm())
}
