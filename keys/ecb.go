package keys

import (
	"crypto/cipher"
	"fmt"
)

// EncryptECB encrypts src into dst block by block (ECB mode), the mode used
// to wrap working keys under a terminal master key and for single-block
// operations (PIN blocks, check values). len(src) must be a multiple of the
// block size and dst at least as long; dst and src may be the same slice.
func EncryptECB(b cipher.Block, dst, src []byte) error {
	if err := ecbCheck(b, dst, src); err != nil {
		return err
	}
	bs := b.BlockSize()
	for off := 0; off < len(src); off += bs {
		b.Encrypt(dst[off:off+bs], src[off:off+bs])
	}
	return nil
}

// DecryptECB is the inverse of EncryptECB.
func DecryptECB(b cipher.Block, dst, src []byte) error {
	if err := ecbCheck(b, dst, src); err != nil {
		return err
	}
	bs := b.BlockSize()
	for off := 0; off < len(src); off += bs {
		b.Decrypt(dst[off:off+bs], src[off:off+bs])
	}
	return nil
}

func ecbCheck(b cipher.Block, dst, src []byte) error {
	bs := b.BlockSize()
	if len(src)%bs != 0 {
		return fmt.Errorf("%w: %d bytes is not a multiple of the %d-byte block", ErrDataLength, len(src), bs)
	}
	if len(dst) < len(src) {
		return fmt.Errorf("%w: destination %d bytes, need %d", ErrDataLength, len(dst), len(src))
	}
	return nil
}

// Wrap encrypts k's bytes under kek in ECB mode: the CUP and classic
// HSM form of a key "under the TMK/ZMK". k's length must be a multiple of
// kek's block size (a DES or TDES key under an AES or SM4 KEK is not).
// For authenticated key blocks use TR-31 (package keys/tr31) instead.
func Wrap(kek, k *Key) ([]byte, error) {
	if k.IsZeroed() {
		return nil, fmt.Errorf("wrapped key: %w", ErrZeroed)
	}
	b, err := kek.Block()
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	out := make([]byte, len(k.b))
	if err := EncryptECB(b, out, k.b); err != nil {
		return nil, err
	}
	return out, nil
}

// Unwrap decrypts wrapped (ECB under kek) and builds a key of algorithm alg
// from it with opts. It checks no check value: call VerifyCheckValue on the
// result, or use DecodeField62 for CUP sign-in responses.
func Unwrap(kek *Key, alg Algorithm, wrapped []byte, opts ...Option) (*Key, error) {
	b, err := kek.Block()
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if !alg.valid() {
		return nil, fmt.Errorf("%w: %s", ErrAlgorithm, alg)
	}
	if len(wrapped) != alg.KeyLen() {
		return nil, fmt.Errorf("%w: wrapped %s key is %d bytes, need %d", ErrKeyLength, alg, len(wrapped), alg.KeyLen())
	}
	clearKey := make([]byte, len(wrapped))
	defer clear(clearKey)
	if err := DecryptECB(b, clearKey, wrapped); err != nil {
		return nil, err
	}
	return New(alg, clearKey, opts...)
}
