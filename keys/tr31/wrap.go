package tr31

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/possdk/pos/keys"
)

// Options adjust Wrap and WrapBytes. The zero value (or nil) is crypto/rand
// padding and no key length masking.
type Options struct {
	// Rand supplies the random padding of the key field (crypto/rand when
	// nil). Passing the padding of a published example re-creates it byte
	// for byte.
	Rand io.Reader
	// MaskedKeyLength pads the key field as if the key had this many bytes,
	// so the block does not reveal the key's length. ANSI X9.143 requires it
	// with the algorithm's longest key (24 for TDES, 32 for AES); TR-31:2018's
	// examples and most HSMs leave it off (0).
	MaskedKeyLength int
}

// Wrap protects k under kbpk as a key block with header h. A zero
// h.Algorithm is filled from k ('T' TDES, 'A' AES, 'D' DES); a set one must
// agree with k ('T' also takes a DES key: single-length TDEA). The version in h picks the method: use VersionD with an AES
// KBPK, VersionB with a TDES one.
func Wrap(kbpk *keys.Key, h Header, k *keys.Key, opts *Options) (string, error) {
	if k.IsZeroed() {
		return "", fmt.Errorf("%w: key is zeroed or unset", ErrKey)
	}
	code := AlgorithmCode(k.Algorithm())
	if h.Algorithm == 0 {
		if code == 0 {
			return "", fmt.Errorf("%w: no TR-31 algorithm code for %s; set Header.Algorithm", ErrKey, k.Algorithm())
		}
		h.Algorithm = code
	} else if code != 0 && h.Algorithm != code && !(code == 'D' && h.Algorithm == 'T') {
		return "", fmt.Errorf("%w: header algorithm %q, key is %s", ErrKey, h.Algorithm, k.Algorithm())
	}
	b := k.ClearBytes()
	defer clear(b)
	return WrapBytes(kbpk, h, b, opts)
}

// AlgorithmCode is the header algorithm of a key (TR-31:2018 A.5.1 Table
// 7): 'T' TDES, 'A' AES, 'D' DES, or 0 for an algorithm TR-31 does not
// name (SM4).
func AlgorithmCode(a keys.Algorithm) byte {
	switch {
	case a == keys.TDES2 || a == keys.TDES3:
		return 'T'
	case a.IsAES():
		return 'A'
	case a == keys.DES:
		return 'D'
	}
	return 0
}

// WrapBytes protects the key bytes under kbpk as a key block with header h
// (TR-31:2018 A.5; X9.143). Use it for keys a keys.Key cannot hold (HMAC);
// otherwise prefer Wrap.
func WrapBytes(kbpk *keys.Key, h Header, key []byte, opts *Options) (string, error) {
	if opts == nil {
		opts = &Options{}
	}
	if len(key) == 0 || len(key) > 0xFFFF/8 {
		return "", fmt.Errorf("%w: key of %d bytes", ErrKey, len(key))
	}
	if m := opts.MaskedKeyLength; m != 0 && (m < len(key) || m > 0xFFFF/8) {
		return "", fmt.Errorf("%w: masked length %d is less than the key's %d bytes", ErrKey, m, len(key))
	}
	blocks, hlen, err := h.layout()
	if err != nil {
		return "", err
	}
	bind, err := newBinding(kbpk, h.Version)
	if err != nil {
		return "", err
	}
	bs, ml := h.Version.blockSize(), h.Version.macLen()
	field := (2 + max(len(key), opts.MaskedKeyLength) + bs - 1) / bs * bs
	total := hlen + 2*field + 2*ml
	if total > 9999 {
		return "", fmt.Errorf("%w: key block of %d bytes exceeds 9999", ErrLength, total)
	}
	header := h.appendHeader(make([]byte, 0, total), total, blocks)

	clearField := make([]byte, field)
	defer clear(clearField)
	clearField[0], clearField[1] = byte(len(key)*8>>8), byte(len(key)*8)
	copy(clearField[2:], key)
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, clearField[2+len(key):]); err != nil {
		return "", fmt.Errorf("tr31: reading key padding: %w", err)
	}

	ct := make([]byte, field)
	var mac []byte
	switch h.Version {
	case VersionA, VersionC:
		cipher.NewCBCEncrypter(bind.enc, header[:8]).CryptBlocks(ct, clearField)
		mac, err = bind.mac(nil, header, ct)
	default:
		if mac, err = bind.mac(nil, header, clearField); err == nil {
			cipher.NewCBCEncrypter(bind.enc, mac).CryptBlocks(ct, clearField)
		}
	}
	if err != nil {
		return "", err
	}
	out := header
	out = hex.AppendEncode(out, ct)
	out = hex.AppendEncode(out, mac)
	upper(out[hlen:])
	return string(out), nil
}

func upper(b []byte) {
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
}

// ParseHeader parses the clear header of a key block without any
// cryptography, to choose the KBPK or inspect the usage before unwrapping.
// Nothing it returns is authenticated.
func ParseHeader(block string) (*Header, error) {
	h, _, _, err := parseHeader(block)
	return h, err
}

// UnwrapBytes verifies the key block's MAC under kbpk, in constant time and
// before anything is returned, and then returns its header and key bytes.
// Errors say which check failed: ErrLength (short or inconsistent block),
// ErrVersion, ErrKBPK (e.g. an AES KBPK with version B), ErrFormat, ErrMAC.
// The key bytes are a secret: wipe them with clear() when done.
func UnwrapBytes(kbpk *keys.Key, block string) (*Header, []byte, error) {
	h, clearField, err := open(kbpk, block)
	if err != nil {
		return nil, nil, err
	}
	defer clear(clearField)
	bits := int(clearField[0])<<8 | int(clearField[1])
	if bits == 0 || bits%8 != 0 || bits/8 > len(clearField)-2 {
		return nil, nil, fmt.Errorf("%w: key length field says %d bits, key field holds %d bytes", ErrKey, bits, len(clearField)-2)
	}
	return h, append([]byte(nil), clearField[2:2+bits/8]...), nil
}

// open checks the block's layout and MAC and returns the header and the
// clear key field (length, key, padding).
func open(kbpk *keys.Key, block string) (*Header, []byte, error) {
	h, hlen, total, err := parseHeader(block)
	if err != nil {
		return nil, nil, err
	}
	if total != len(block) {
		return nil, nil, fmt.Errorf("%w: length field says %d, block is %d bytes", ErrLength, total, len(block))
	}
	v := h.Version
	bs, ml := v.blockSize(), v.macLen()
	body := len(block) - hlen - 2*ml
	if body < 2*bs || body%(2*bs) != 0 {
		return nil, nil, fmt.Errorf("%w: %d hex digits of encrypted key after a %d-byte header, want a positive multiple of %d",
			ErrLength, max(body, 0), hlen, 2*bs)
	}
	ct, err := decodeHex(block[hlen:hlen+body], hlen)
	if err != nil {
		return nil, nil, err
	}
	mac, err := decodeHex(block[hlen+body:], hlen+body)
	if err != nil {
		return nil, nil, err
	}
	bind, err := newBinding(kbpk, v)
	if err != nil {
		return nil, nil, err
	}
	header := []byte(block[:hlen])
	clearField := make([]byte, len(ct))
	var want []byte
	switch v {
	case VersionA, VersionC:
		if want, err = bind.mac(nil, header, ct); err != nil {
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(want, mac) != 1 {
			return nil, nil, fmt.Errorf("%w: version %s block", ErrMAC, v)
		}
		cipher.NewCBCDecrypter(bind.enc, header[:8]).CryptBlocks(clearField, ct)
	default:
		cipher.NewCBCDecrypter(bind.enc, mac).CryptBlocks(clearField, ct)
		if want, err = bind.mac(nil, header, clearField); err != nil {
			clear(clearField)
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(want, mac) != 1 {
			clear(clearField)
			return nil, nil, fmt.Errorf("%w: version %s block", ErrMAC, v)
		}
	}
	return h, clearField, nil
}

func decodeHex(s string, off int) ([]byte, error) {
	out := make([]byte, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		hi, ok1 := hexDigit(s[i])
		lo, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			bad := i
			if ok1 {
				bad++
			}
			return nil, fmt.Errorf("%w: %q at offset %d is not a hex digit", ErrFormat, s[bad], off+bad)
		}
		out[i/2] = hi<<4 | lo
	}
	return out, nil
}

// Unwrap is UnwrapBytes returning a keys.Key: the algorithm comes from the
// header ('T' TDES by length, 'A' AES by length, 'D' DES; single-DES
// strength keys need the keys.Legacy option) and the usage from the header's key usage (P0 PIN,
// M* MAC, D* data, K* key encryption, B0 BDK, B1 DUKPT initial key; opts
// may override it).
func Unwrap(kbpk *keys.Key, block string, opts ...keys.Option) (*Header, *keys.Key, error) {
	h, b, err := UnwrapBytes(kbpk, block)
	if err != nil {
		return nil, nil, err
	}
	defer clear(b)
	var alg keys.Algorithm
	switch {
	case h.Algorithm == 'T' && len(b) == 16:
		alg = keys.TDES2
	case h.Algorithm == 'T' && len(b) == 24:
		alg = keys.TDES3
	case h.Algorithm == 'A' && len(b) == 16:
		alg = keys.AES128
	case h.Algorithm == 'A' && len(b) == 24:
		alg = keys.AES192
	case h.Algorithm == 'A' && len(b) == 32:
		alg = keys.AES256
	case (h.Algorithm == 'D' || h.Algorithm == 'T') && len(b) == 8:
		alg = keys.DES // single-length TDEA is DES
	default:
		return nil, nil, fmt.Errorf("%w: algorithm %q with a %d-byte key is not a keys.Key; use UnwrapBytes", ErrKey, h.Algorithm, len(b))
	}
	o := append([]keys.Option{keys.WithUsage(KeyUsage(h.Usage))}, opts...)
	k, err := keys.New(alg, b, o...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return h, k, nil
}

// KeyUsage maps a TR-31 key usage (TR-31:2018 A.5.1 Table 6) to the keys
// package's usage: P0 PIN, B0 BDK, B1 DUKPT initial key, M* MAC, D* data,
// K* key encryption, E* (EMV master keys), B2 and B3 derivation; anything
// else (C0, V*, ...) unspecified.
func KeyUsage(u string) keys.Usage {
	switch {
	case u == "P0":
		return keys.UsagePIN
	case u == "B0":
		return keys.UsageBDK
	case u == "B1":
		return keys.UsageDUKPTInitial
	case u[0] == 'M':
		return keys.UsageMAC
	case u[0] == 'D':
		return keys.UsageData
	case u[0] == 'K':
		return keys.UsageKeyEncryption
	case u[0] == 'E' || u == "B2" || u == "B3":
		return keys.UsageDerivation
	}
	return keys.UsageUnspecified
}
