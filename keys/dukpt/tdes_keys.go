package dukpt

import (
	"crypto/cipher"
	"crypto/des"
	"fmt"

	"github.com/possdk/pos/keys"
)

// PINKey returns the PIN encryption key: the transaction key XOR the PIN
// variant of ANSI X9.24-1:2009 Table A-1. Package pinblock encrypts ISO
// 9564 blocks under it; EncryptPINBlock does so for a ready clear block.
func (t *TDESKey) PINKey() (*keys.Key, error) {
	return t.variantKey(variantPIN, false, keys.UsagePIN)
}

// MACRequestKey returns the key for MACs on messages from the device (the
// "MAC request" variant of Table A-1).
func (t *TDESKey) MACRequestKey() (*keys.Key, error) {
	return t.variantKey(variantMACRequest, false, keys.UsageMAC)
}

// MACResponseKey returns the key for MACs on messages to the device (the
// "MAC response" variant).
func (t *TDESKey) MACResponseKey() (*keys.Key, error) {
	return t.variantKey(variantMACResponse, false, keys.UsageMAC)
}

// DataRequestKey returns the key for data the device encrypts: the "data
// request" variant, each half then encrypted under the variant key itself.
func (t *TDESKey) DataRequestKey() (*keys.Key, error) {
	return t.variantKey(variantDataRequest, true, keys.UsageData)
}

// DataResponseKey returns the key for data sent to the device (the "data
// response" variant, made one-way like DataRequestKey).
func (t *TDESKey) DataResponseKey() (*keys.Key, error) {
	return t.variantKey(variantDataResponse, true, keys.UsageData)
}

func (t *TDESKey) variantKey(v uint64, data bool, u keys.Usage) (*keys.Key, error) {
	k, err := t.usageBytes(v, data)
	if err != nil {
		return nil, err
	}
	defer clear(k[:])
	return keys.New(keys.TDES2, k[:], keys.WithUsage(u))
}

func (t *TDESKey) usageBytes(v uint64, data bool) ([16]byte, error) {
	if data {
		return t.dataVariant(v)
	}
	return t.variant(v), nil
}

// usageBlock returns a TDES cipher under a working key, without the check
// value a keys.Key would compute.
func (t *TDESKey) usageBlock(v uint64, data bool) (cipher.Block, error) {
	k, err := t.usageBytes(v, data)
	if err != nil {
		return nil, err
	}
	defer clear(k[:])
	return tdesBlock(k[:])
}

// EncryptPINBlock encrypts an 8-byte clear PIN block (ISO 9564 format 0, 1
// or 3, as package pinblock builds it) under the PIN key, TDES-ECB.
func (t *TDESKey) EncryptPINBlock(clearBlock []byte) ([]byte, error) {
	return t.pinBlock(clearBlock, true)
}

// DecryptPINBlock decrypts an 8-byte encrypted PIN block under the PIN key
// (host side). The result is the clear block: decode it with package
// pinblock and wipe it.
func (t *TDESKey) DecryptPINBlock(encrypted []byte) ([]byte, error) {
	return t.pinBlock(encrypted, false)
}

func (t *TDESKey) pinBlock(in []byte, enc bool) ([]byte, error) {
	if len(in) != des.BlockSize {
		return nil, fmt.Errorf("%w: PIN block is %d bytes, want 8", ErrDataLength, len(in))
	}
	b, err := t.usageBlock(variantPIN, false)
	if err != nil {
		return nil, err
	}
	out := make([]byte, des.BlockSize)
	if enc {
		b.Encrypt(out, in)
	} else {
		b.Decrypt(out, in)
	}
	return out, nil
}

// EncryptRequest encrypts data from the device under the data request key:
// TDES-CBC with a zero IV, the data zero-padded to whole 8-byte blocks, as
// in X9.24-1:2009 A.4. Zero padding is not reversible: the receiver must
// know the data length (TLV, fixed formats).
func (t *TDESKey) EncryptRequest(data []byte) ([]byte, error) {
	return t.cbc(variantDataRequest, data, true)
}

// DecryptRequest decrypts data from the device (host side); the result
// keeps the zero padding.
func (t *TDESKey) DecryptRequest(ciphertext []byte) ([]byte, error) {
	return t.cbc(variantDataRequest, ciphertext, false)
}

// EncryptResponse encrypts data for the device under the data response key
// (host side), like EncryptRequest.
func (t *TDESKey) EncryptResponse(data []byte) ([]byte, error) {
	return t.cbc(variantDataResponse, data, true)
}

// DecryptResponse decrypts data from the host under the data response key.
func (t *TDESKey) DecryptResponse(ciphertext []byte) ([]byte, error) {
	return t.cbc(variantDataResponse, ciphertext, false)
}

func (t *TDESKey) cbc(v uint64, in []byte, enc bool) ([]byte, error) {
	n := (len(in) + des.BlockSize - 1) / des.BlockSize * des.BlockSize
	if !enc && (len(in) == 0 || len(in)%des.BlockSize != 0) {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole 8-byte blocks", ErrDataLength, len(in))
	}
	b, err := t.usageBlock(v, true)
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	copy(out, in)
	var iv [des.BlockSize]byte
	if enc {
		cipher.NewCBCEncrypter(b, iv[:]).CryptBlocks(out, out)
	} else {
		cipher.NewCBCDecrypter(b, iv[:]).CryptBlocks(out, out)
	}
	return out, nil
}
