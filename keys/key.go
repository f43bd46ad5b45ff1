package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm4"
)

// Key is a symmetric key: its algorithm, its usage and its clear bytes (the
// check value is not stored: CheckValue computes it when asked). A Key never
// prints its bytes: String, every fmt verb
// (%v, %+v, %#v, %x, %s ...) and slog show the algorithm and check value
// only.
//
// Use *Key; do not copy Key values (a copy shares the bytes that Zero
// wipes). The zero Key is not usable: build keys with New, FromHex,
// FromComponents, Generate or Unwrap.
type Key struct {
	alg   Algorithm
	usage Usage
	b     []byte
	c     *schedules // built on first use; shared by copies
}

// schedules caches a key's ciphers. Building a DES key schedule costs about
// ten block encryptions (three times that for TDES), and before the cache
// it was most of the time of an ARQC verification or a MAC under a
// long-lived key. The ciphers of crypto/des, crypto/aes and gmsm's sm4 are
// immutable once built, so one value serves every goroutine; the atomic
// pointers make the first concurrent uses race-free (whichever store wins
// is kept, the others are dropped).
type schedules struct {
	block atomic.Pointer[cipher.Block]
	parts atomic.Pointer[[2]cipher.Block]
}

// keyAlloc puts a key, its cache and its bytes in one allocation: DUKPT and
// EMV derivations build many short-lived keys.
type keyAlloc struct {
	k   Key
	c   schedules
	buf [32]byte
}

// Option adjusts how a key is built.
type Option func(*options)

type options struct {
	usage         Usage
	legacy        bool
	requireParity bool
	fixParity     bool
}

// WithUsage records what the key is for (default UsageUnspecified).
func WithUsage(u Usage) Option { return func(o *options) { o.usage = u } }

// Legacy permits single-DES strength keys: algorithm DES, and TDES keys
// whose parts are equal (K1 = K2, or K2 = K3). Without it they are refused
// with ErrWeakKey. Legacy MACs (ANSI X9.9, CUP single-length working keys)
// need it.
func Legacy() Option { return func(o *options) { o.legacy = true } }

// RequireParity refuses a DES-family key any of whose bytes has even
// parity (ErrParity). It has no effect on AES and SM4 keys.
func RequireParity() Option { return func(o *options) { o.requireParity = true } }

// FixParity sets odd parity on every byte of a DES-family key (the caller's
// slice is not modified). DES ignores parity bits, so this never changes
// results; it normalises keys for comparison and export. It has no effect
// on AES and SM4 keys.
func FixParity() Option { return func(o *options) { o.fixParity = true } }

func buildOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// New builds a key of algorithm alg from a copy of b.
func New(alg Algorithm, b []byte, opts ...Option) (*Key, error) {
	o := buildOptions(opts)
	if !alg.valid() {
		return nil, fmt.Errorf("%w: %s", ErrAlgorithm, alg)
	}
	if len(b) != alg.KeyLen() {
		return nil, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrKeyLength, alg, alg.KeyLen(), len(b))
	}
	a := new(keyAlloc)
	k := &a.k
	k.alg, k.usage, k.c = alg, o.usage, &a.c
	k.b = a.buf[:len(b):len(b)]
	copy(k.b, b)
	if err := k.finish(o); err != nil {
		k.Zero()
		return nil, err
	}
	return k, nil
}

// FromHex builds a key from hexadecimal text (either case). Errors name the
// offset of a bad character, never the text itself.
func FromHex(alg Algorithm, s string, opts ...Option) (*Key, error) {
	b, err := decodeHex(s)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return New(alg, b, opts...)
}

// decodeHex decodes s without echoing its content in errors (it may be
// key material).
func decodeHex(s string) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("%w: odd length %d", ErrHex, len(s))
	}
	b := make([]byte, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		hi, ok1 := fromHexChar(s[i])
		lo, ok2 := fromHexChar(s[i+1])
		if !ok1 || !ok2 {
			clear(b)
			off := i
			if ok1 {
				off++
			}
			return nil, fmt.Errorf("%w: bad character at offset %d", ErrHex, off)
		}
		b[i/2] = hi<<4 | lo
	}
	return b, nil
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Generate builds a fresh random key of algorithm alg from rand (use
// crypto/rand.Reader in production). DES-family keys get odd parity, and a
// draw of single-DES strength is discarded and redrawn.
func Generate(alg Algorithm, rand io.Reader, opts ...Option) (*Key, error) {
	if !alg.valid() {
		return nil, fmt.Errorf("%w: %s", ErrAlgorithm, alg)
	}
	b := make([]byte, alg.KeyLen())
	defer clear(b)
	for range 8 {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("keys: reading random key bytes: %w", err)
		}
		if alg.IsDES() {
			AdjustParity(b)
			if alg != DES && weakTDES(b) {
				continue
			}
		}
		return New(alg, b, opts...)
	}
	return nil, fmt.Errorf("%w: random source keeps producing equal TDES parts", ErrWeakKey)
}

// finish validates k.b against the options. It computes no check value:
// CheckValue computes one each time it is asked.
func (k *Key) finish(o options) error {
	if k.alg.IsDES() {
		if o.fixParity {
			AdjustParity(k.b)
		}
		if o.requireParity {
			if i := firstEvenParity(k.b); i >= 0 {
				return fmt.Errorf("%w: byte %d", ErrParity, i)
			}
		}
		if !o.legacy {
			if k.alg == DES {
				return fmt.Errorf("%w: single DES", ErrWeakKey)
			}
			if weakTDES(k.b) {
				return fmt.Errorf("%w: %s parts are equal", ErrWeakKey, k.alg)
			}
		}
	}
	// No cipher is built here and the check value is computed when asked
	// for: DUKPT and working-key derivation build many keys that are used
	// once and never printed. The length was checked by the caller, which
	// is all the block ciphers can refuse.
	return nil
}

// weakTDES reports whether a 16- or 24-byte TDES key has single-DES
// strength: K1 = K2 (two-key and three-key) or K2 = K3 (three-key).
func weakTDES(b []byte) bool {
	switch len(b) {
	case 16:
		return sameDESKey(b[:8], b[8:])
	case 24:
		return sameDESKey(b[:8], b[8:16]) || sameDESKey(b[8:16], b[16:])
	}
	return false
}

// Algorithm returns the key's algorithm.
func (k *Key) Algorithm() Algorithm { return k.alg }

// Usage returns the key's usage.
func (k *Key) Usage() Usage { return k.usage }

// Len returns the key length in bytes (0 after Zero).
func (k *Key) Len() int { return len(k.b) }

// BlockSize returns the cipher block size in bytes.
func (k *Key) BlockSize() int { return k.alg.BlockSize() }

// IsZeroed reports whether Zero has been called (or the Key was never built).
func (k *Key) IsZeroed() bool { return k == nil || k.b == nil }

// Block returns a cipher for the key: crypto/des for DES and TDES (a
// two-key TDES key runs as K1 K2 K1), crypto/aes, or gmsm's SM4. The key
// schedule is built on the first call and kept with the key: later calls
// return the same cipher.Block, which is safe for concurrent use.
func (k *Key) Block() (cipher.Block, error) {
	if k.IsZeroed() {
		return nil, ErrZeroed
	}
	if k.c != nil {
		if p := k.c.block.Load(); p != nil {
			return *p, nil
		}
	}
	b, err := k.newBlock()
	if err != nil || k.c == nil {
		return b, err
	}
	if !k.c.block.CompareAndSwap(nil, &b) {
		if p := k.c.block.Load(); p != nil {
			return *p, nil
		}
	}
	return b, nil
}

// newBlock builds the key schedule.
func (k *Key) newBlock() (cipher.Block, error) {
	switch k.alg {
	case DES:
		return des.NewCipher(k.b)
	case TDES2:
		var k3 [24]byte
		copy(k3[:16], k.b)
		copy(k3[16:], k.b[:8])
		defer clear(k3[:])
		return des.NewTripleDESCipher(k3[:])
	case TDES3:
		return des.NewTripleDESCipher(k.b)
	case AES128, AES192, AES256:
		return aes.NewCipher(k.b)
	case SM4:
		return sm4.NewCipher(k.b)
	}
	return nil, fmt.Errorf("%w: %s", ErrAlgorithm, k.alg)
}

// DESParts returns single-DES ciphers for the left (K) and right (K') halves
// of a two-key TDES key: the key pair of ISO/IEC 9797-1 MAC algorithm 3
// (ANSI X9.19 retail MAC, EMV and PBOC MACs). Like Block, it builds them on
// the first call and returns the same, concurrency-safe ciphers afterwards.
func (k *Key) DESParts() (left, right cipher.Block, err error) {
	if k.IsZeroed() {
		return nil, nil, ErrZeroed
	}
	if k.alg != TDES2 {
		return nil, nil, fmt.Errorf("%w: DESParts needs %s, key is %s", ErrAlgorithm, TDES2, k.alg)
	}
	if k.c != nil {
		if p := k.c.parts.Load(); p != nil {
			return p[0], p[1], nil
		}
	}
	if left, err = des.NewCipher(k.b[:8]); err != nil {
		return nil, nil, err
	}
	if right, err = des.NewCipher(k.b[8:]); err != nil {
		return nil, nil, err
	}
	if k.c != nil && !k.c.parts.CompareAndSwap(nil, &[2]cipher.Block{left, right}) {
		if p := k.c.parts.Load(); p != nil {
			return p[0], p[1], nil
		}
	}
	return left, right, nil
}

// ClearBytes returns a copy of the key's clear bytes. It exists for code
// that must have them (key derivation, export to an HSM); every byte it
// returns is a secret, so wipe the copy with clear() when done and never
// log it. It returns nil after Zero.
func (k *Key) ClearBytes() []byte {
	if k.IsZeroed() {
		return nil
	}
	return append([]byte(nil), k.b...)
}

// Equal reports, in constant time, whether k and o are the same algorithm
// and key bytes. Zeroed keys are equal to nothing.
func (k *Key) Equal(o *Key) bool {
	if k.IsZeroed() || o.IsZeroed() || k.alg != o.alg {
		return false
	}
	return subtle.ConstantTimeCompare(k.b, o.b) == 1
}

// Zero overwrites the key bytes, drops the cached key schedules and marks
// the key unusable: later calls to Block return ErrZeroed. Go cannot wipe
// copies the runtime or a cipher.Block's key schedule may hold (a cipher
// returned by Block before Zero keeps working); Zero is best effort.
func (k *Key) Zero() {
	if k == nil {
		return
	}
	clear(k.b)
	k.b = nil
	if k.c != nil {
		k.c.block.Store(nil)
		k.c.parts.Store(nil)
	}
}

// String shows the algorithm and the check value, never key bytes:
// "TDES-2key KCV 08D7B4".
func (k Key) String() string {
	if k.b == nil {
		return k.alg.String() + " (zeroed)"
	}
	return fmt.Sprintf("%s KCV %X", k.alg, k.CheckValue())
}

// GoString is the same as String, so %#v does not expose fields.
func (k Key) GoString() string { return "keys.Key{" + k.String() + "}" }

// Format writes String for every verb, so no fmt verb can print key bytes.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, k.GoString())
		return
	}
	_, _ = io.WriteString(f, k.String())
}

// LogValue implements slog.LogValuer: algorithm and check value only.
func (k Key) LogValue() slog.Value {
	if k.b == nil {
		return slog.GroupValue(slog.String("alg", k.alg.String()), slog.Bool("zeroed", true))
	}
	return slog.GroupValue(
		slog.String("alg", k.alg.String()),
		slog.String("kcv", fmt.Sprintf("%X", k.CheckValue())),
	)
}
