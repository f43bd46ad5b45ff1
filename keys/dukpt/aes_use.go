package dukpt

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/possdk/pos/keys"
)

// MACs and data encryption under AES DUKPT working keys (ANSI X9.24-3-2017
// §6.3, key usages of §6.2.1). A message from the device is MACed under the
// "MAC generation" key and its data enciphered under the "data encryption"
// key; a message to the device under "MAC verification" and "data
// decryption" (the device's own names for the keys it verifies and
// deciphers with); the *Both usages serve both directions where a scheme
// uses them.

// HMAC key types of X9.24-3-2017 §6.2.1 (algorithm indicators 5, 6 and 7):
// HMAC-SHA256 keys of 128, 192 or 256 bits.
const (
	HMAC128 = 128
	HMAC192 = 192
	HMAC256 = 256
)

// CMAC returns the AES-CMAC (or TDES-CMAC for a TDES working key), a whole
// block, of msg under the working key of usage u (MACGeneration,
// MACVerification or MACBoth) and algorithm alg.
func (t *AESKey) CMAC(u Usage, alg keys.Algorithm, msg []byte) ([]byte, error) {
	if err := macUsage(u); err != nil {
		return nil, err
	}
	k, err := t.WorkingKey(u, alg)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	b, err := k.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return keys.AppendCMAC(make([]byte, 0, 32), b, msg, 0)
}

// macUsage refuses a usage that is not a MAC key's.
func macUsage(u Usage) error {
	if u != MACGeneration && u != MACVerification && u != MACBoth {
		return fmt.Errorf("%w: a MAC under a key of usage %s", ErrKeyType, u)
	}
	return nil
}

// VerifyCMAC checks a received CMAC (8 bytes or more, the leftmost bytes
// of CMAC) in constant time; a mismatch wraps keys.ErrMAC.
func (t *AESKey) VerifyCMAC(u Usage, alg keys.Algorithm, msg, mac []byte) error {
	got, err := t.CMAC(u, alg, msg)
	if err != nil {
		return err
	}
	if len(mac) < 8 || len(mac) > len(got) {
		return fmt.Errorf("%w: CMAC of %d bytes, want 8 to %d", ErrDataLength, len(mac), len(got))
	}
	return keys.Verify(mac, got[:len(mac)])
}

// HMAC returns the HMAC-SHA256 (32 bytes) of msg under the working key of
// usage u and HMAC key type bits (HMAC128, HMAC192, HMAC256; not longer
// than the BDK). X9.24-3-2017 publishes no HMAC test vector; the key is
// derived exactly as the other working keys, with the HMAC key type in the
// derivation data.
func (t *AESKey) HMAC(u Usage, bits int, msg []byte) ([]byte, error) {
	if err := macUsage(u); err != nil {
		return nil, err
	}
	var ind uint16
	switch bits {
	case HMAC128:
		ind = 5
	case HMAC192:
		ind = 6
	case HMAC256:
		ind = 7
	default:
		return nil, fmt.Errorf("%w: HMAC key of %d bits", ErrKeyType, bits)
	}
	if bits/8 > t.alg.KeyLen() {
		return nil, fmt.Errorf("%w: a %d-bit HMAC key is stronger than the %s derivation key", ErrKeyType, bits, t.alg)
	}
	b, err := t.derivationCipher()
	if err != nil {
		return nil, err
	}
	d := derivationData(u, keys.AES128, t.ksn[4:])
	binary.BigEndian.PutUint16(d[4:], ind)
	binary.BigEndian.PutUint16(d[6:], uint16(bits))
	k := new([32]byte)
	defer clear(k[:])
	deriveKey(b, &d, k, bits/8)
	m := hmac.New(sha256.New, k[:bits/8])
	m.Write(msg)
	return m.Sum(nil), nil
}

// VerifyHMAC checks a received HMAC (16 bytes or more, the leftmost bytes)
// in constant time; a mismatch wraps keys.ErrMAC.
func (t *AESKey) VerifyHMAC(u Usage, bits int, msg, mac []byte) error {
	got, err := t.HMAC(u, bits, msg)
	if err != nil {
		return err
	}
	if len(mac) < 16 || len(mac) > len(got) {
		return fmt.Errorf("%w: HMAC of %d bytes, want 16 to %d", ErrDataLength, len(mac), len(got))
	}
	return keys.Verify(mac, got[:len(mac)])
}

// Encrypt enciphers data under the working key of usage u (DataEncryption
// for the device's requests, DataDecryption for the host's responses, or
// DataBoth) and algorithm alg, in CBC mode with iv (nil: zeros), the data
// zero-padded to whole blocks: the receiver must know the data length.
func (t *AESKey) Encrypt(u Usage, alg keys.Algorithm, iv, data []byte) ([]byte, error) {
	return t.cbc(u, alg, iv, data, true)
}

// Decrypt is the inverse of Encrypt; the result keeps the zero padding.
func (t *AESKey) Decrypt(u Usage, alg keys.Algorithm, iv, ciphertext []byte) ([]byte, error) {
	return t.cbc(u, alg, iv, ciphertext, false)
}

func (t *AESKey) cbc(u Usage, alg keys.Algorithm, iv, in []byte, enc bool) ([]byte, error) {
	if u != DataEncryption && u != DataDecryption && u != DataBoth {
		return nil, fmt.Errorf("%w: data encryption with usage %s", ErrKeyType, u)
	}
	k, err := t.WorkingKey(u, alg)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	b, err := k.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	bs := b.BlockSize()
	if iv == nil {
		iv = make([]byte, bs)
	}
	if len(iv) != bs {
		return nil, fmt.Errorf("%w: IV of %d bytes, the block is %d", ErrDataLength, len(iv), bs)
	}
	if !enc && (len(in) == 0 || len(in)%bs != 0) {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole %d-byte blocks", ErrDataLength, len(in), bs)
	}
	out := make([]byte, (len(in)+bs-1)/bs*bs)
	copy(out, in)
	if enc {
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, out)
	} else {
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, out)
	}
	return out, nil
}

// derivationCipher returns AES under the transaction (intermediate
// derivation) key.
func (t *AESKey) derivationCipher() (cipher.Block, error) {
	k, err := keys.New(t.alg, t.k[:t.alg.KeyLen()])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	defer k.Zero()
	return k.Block()
}

// CheckValue returns the transaction key's check value: the CMAC of a zero
// block, 5 bytes (X9.24-1:2017 A.3), for comparing with an HSM's or a
// device's report of the current key. Not a secret.
func (t *AESKey) CheckValue() ([]byte, error) {
	k, err := keys.New(t.alg, t.k[:t.alg.KeyLen()])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	defer k.Zero()
	return k.CheckValueWith(keys.KCVCMAC, 0)
}

// CheckValue returns the TDES transaction key's legacy check value (the
// leftmost 3 bytes of the encryption of a zero block), for comparing with
// an HSM's or a device's report of the current key.
func (t *TDESKey) CheckValue() ([]byte, error) {
	k, err := keys.New(keys.TDES2, t.k[:], keys.Legacy())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	defer k.Zero()
	return k.CheckValueWith(keys.KCVLegacy, 0)
}

// AESUpdateKey derives the AES DUKPT update key (X9.24-3-2017 §6.5, the
// key-encryption key a host uses to send a device a new initial key): the
// transaction key of counter FFFFFFFF (every register), then the working
// key of usage KeyEncryption and algorithm alg. The initial key and its
// initial key ID name the device.
func AESUpdateKey(initialKey *keys.Key, initialKeyID [8]byte, alg keys.Algorithm) (*keys.Key, error) {
	if initialKey.IsZeroed() || !initialKey.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: AES DUKPT initial key must be AES", ErrKey)
	}
	t := &AESKey{ksn: NewAESKSN(initialKeyID, 0xFFFFFFFF), alg: initialKey.Algorithm()}
	b := initialKey.ClearBytes()
	copy(t.k[:], b)
	clear(b)
	defer t.Zero()
	if err := t.walk(); err != nil {
		return nil, err
	}
	return t.WorkingKey(KeyEncryption, alg)
}

// UpdateKey derives the update key of the device with the given initial
// key ID from the BDK (see AESUpdateKey).
func (h *AESHost) UpdateKey(initialKeyID [8]byte, alg keys.Algorithm) (*keys.Key, error) {
	ik, err := h.InitialKey(initialKeyID)
	if err != nil {
		return nil, err
	}
	defer ik.Zero()
	return AESUpdateKey(ik, initialKeyID, alg)
}
