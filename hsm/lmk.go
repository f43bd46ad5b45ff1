package hsm

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/possdk/pos/keys"
)

// A software HSM's LMK is the one key that cannot be a key block: at rest
// it is sealed under a passphrase (Argon2id, RFC 9106, then
// XChaCha20-Poly1305) by SealLMK and opened by OpenLMK. The sealed form
// is
//
//	"POSLMK01" | time u32 | memory KiB u32 | threads u8 | salt[16] |
//	nonce[24] | AEAD(algorithm byte || key)
//
// with everything before the ciphertext as associated data, so a changed
// parameter or header fails to open. The LMK can also come from a key
// ceremony (keys.FromComponents) and never touch a disk.

const lmkMagic = "POSLMK01"

// SealParams are the Argon2id cost parameters of SealLMK. The zero value
// means RFC 9106's second recommended option: 3 passes, 64 MiB, 4 lanes.
type SealParams struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

func (p SealParams) withDefaults() SealParams {
	if p.Time == 0 {
		p.Time = 3
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = 64 * 1024
	}
	if p.Threads == 0 {
		p.Threads = 4
	}
	return p
}

// SealLMK seals an AES LMK under a passphrase. rand supplies the salt and
// nonce (crypto/rand when nil).
func SealLMK(lmk *keys.Key, passphrase []byte, p SealParams, rnd io.Reader) ([]byte, error) {
	if lmk.IsZeroed() || !lmk.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: the LMK must be an AES key", ErrLMK)
	}
	if len(passphrase) < 8 {
		return nil, fmt.Errorf("%w: a passphrase of at least 8 bytes is required", ErrLMK)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	p = p.withDefaults()
	hdr := make([]byte, 0, len(lmkMagic)+9+16+24)
	hdr = append(hdr, lmkMagic...)
	hdr = binary.BigEndian.AppendUint32(hdr, p.Time)
	hdr = binary.BigEndian.AppendUint32(hdr, p.MemoryKiB)
	hdr = append(hdr, p.Threads)
	salt := make([]byte, 16+chacha20poly1305.NonceSizeX)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return nil, fmt.Errorf("%w: reading salt: %w", ErrLMK, err)
	}
	hdr = append(hdr, salt...)
	aead, err := sealAEAD(passphrase, salt[:16], p)
	if err != nil {
		return nil, err
	}
	kb := lmk.ClearBytes()
	defer clear(kb)
	raw := append([]byte{byte(lmk.Algorithm())}, kb...)
	defer clear(raw)
	return aead.Seal(hdr, salt[16:], raw, hdr), nil
}

// OpenLMK opens a sealed LMK. A wrong passphrase and an altered file both
// give ErrLMK, without saying which.
func OpenLMK(sealed, passphrase []byte) (*keys.Key, error) {
	n := len(lmkMagic) + 9 + 16 + chacha20poly1305.NonceSizeX
	if len(sealed) < n+chacha20poly1305.Overhead+17 || !bytes.HasPrefix(sealed, []byte(lmkMagic)) {
		return nil, fmt.Errorf("%w: not a sealed LMK", ErrLMK)
	}
	hdr := sealed[:n]
	off := len(lmkMagic)
	p := SealParams{
		Time:      binary.BigEndian.Uint32(hdr[off:]),
		MemoryKiB: binary.BigEndian.Uint32(hdr[off+4:]),
		Threads:   hdr[off+8],
	}
	if p.Time == 0 || p.Time > 100 || p.MemoryKiB < 8 || p.MemoryKiB > 4<<20 || p.Threads == 0 {
		return nil, fmt.Errorf("%w: implausible sealing parameters", ErrLMK)
	}
	salt := hdr[off+9 : off+9+16]
	nonce := hdr[off+9+16:]
	aead, err := sealAEAD(passphrase, salt, p)
	if err != nil {
		return nil, err
	}
	raw, err := aead.Open(nil, nonce, sealed[n:], hdr)
	if err != nil {
		return nil, fmt.Errorf("%w: wrong passphrase or altered file", ErrLMK)
	}
	defer clear(raw)
	alg := keys.Algorithm(raw[0])
	if !alg.IsAES() {
		return nil, fmt.Errorf("%w: sealed key is %s", ErrLMK, alg)
	}
	k, err := keys.New(alg, raw[1:], keys.WithUsage(keys.UsageKeyEncryption))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLMK, err)
	}
	return k, nil
}

func sealAEAD(passphrase, salt []byte, p SealParams) (cipher.AEAD, error) {
	k := argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
	defer clear(k)
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLMK, err)
	}
	return aead, nil
}
