package hsm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/keys/tr31"
	"github.com/possdk/pos/pinblock"
)

// Software is the HSM in software: every key it is handed is a key block
// under its LMK, unwrapped (MAC checked) on first use and kept, with its key
// schedules, in a bounded cache keyed by the block. It is safe for
// concurrent use. It is the default for tests, simulators and hosts whose
// keys are protected by other means; it is not a certified device: keys
// live in process memory while cached.
type Software struct {
	lmk    *keys.Key
	lmkKCV string
	rand   io.Reader
	max    int

	mu    sync.RWMutex
	cache map[KeyBlock]*entry
}

// SoftwareConfig configures NewSoftware.
type SoftwareConfig struct {
	// LMK is the local master key (required): an AES key, AES-256
	// recommended, keys.UsageKeyEncryption or unspecified. The HSM keeps
	// the pointer: do not zero it while the HSM is in use.
	LMK *keys.Key
	// Rand is the source of keys and PIN block fill (crypto/rand when nil).
	Rand io.Reader
	// CacheSize bounds the number of unwrapped keys kept (default 10000;
	// when full, an arbitrary entry is dropped).
	CacheSize int
}

var _ HSM = (*Software)(nil)

// NewSoftware checks cfg and returns a software HSM under cfg.LMK. An
// unusable LMK is reported with ErrLMK, other fields with ErrInput; the
// message names the field.
func NewSoftware(cfg SoftwareConfig) (*Software, error) {
	lmk := cfg.LMK
	if lmk == nil || lmk.IsZeroed() || !lmk.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: SoftwareConfig.LMK must be an AES key", ErrLMK)
	}
	if u := lmk.Usage(); u != keys.UsageUnspecified && u != keys.UsageKeyEncryption {
		return nil, fmt.Errorf("%w: SoftwareConfig.LMK's usage is %s", ErrLMK, u)
	}
	if cfg.CacheSize < 0 {
		return nil, fmt.Errorf("%w: SoftwareConfig.CacheSize %d is negative", ErrInput, cfg.CacheSize)
	}
	kcv, err := lmk.CheckValueWith(keys.KCVCMAC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: SoftwareConfig.LMK: %w", ErrLMK, err)
	}
	s := &Software{lmk: lmk, lmkKCV: fmt.Sprintf("01%X", kcv), rand: rand.Reader, max: 10000, cache: make(map[KeyBlock]*entry)}
	if cfg.Rand != nil {
		s.rand = cfg.Rand
	}
	if cfg.CacheSize > 0 {
		s.max = cfg.CacheSize
	}
	return s, nil
}

// entry is an unwrapped key with what the HSM derives from it once.
type entry struct {
	key   *keys.Key
	usage string
	mode  byte
	exp   byte

	pin [5]atomic.Pointer[pinblock.Cipher] // by ISO 9564 format, built on first use

	once sync.Once
	tdes *dukpt.TDESHost
	aes  *dukpt.AESHost
	derr error
}

// dukptHost returns the key's DUKPT host (built once).
func (e *entry) dukptHost() (*dukpt.TDESHost, *dukpt.AESHost, error) {
	e.once.Do(func() {
		if e.key.Algorithm().IsAES() {
			e.aes, e.derr = dukpt.NewAESHost(e.key)
		} else {
			e.tdes, e.derr = dukpt.NewTDESHost(e.key)
		}
	})
	return e.tdes, e.aes, e.derr
}

// dukptKey derives the transaction key of ksn under the BDK block bdk:
// exactly one of the results is set, TDES for a 10-byte KSN under a TDES
// BDK, AES for a 12-byte KSN under an AES BDK. Zero it when done.
func (s *Software) dukptKey(bdk KeyBlock, ksn []byte) (*dukpt.TDESKey, *dukpt.AESKey, error) {
	e, err := s.key(bdk, BaseDerivationKey, 'X')
	if err != nil {
		return nil, nil, err
	}
	th, ah, err := e.dukptHost()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrKeyUsage, err)
	}
	switch {
	case len(ksn) == len(dukpt.KSN{}) && th != nil:
		k, _ := dukpt.KSNFromBytes(ksn)
		t, err := th.TransactionKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return t, nil, nil
	case len(ksn) == len(dukpt.AESKSN{}) && ah != nil:
		k, _ := dukpt.AESKSNFromBytes(ksn)
		t, err := ah.TransactionKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return nil, t, nil
	}
	return nil, nil, fmt.Errorf("%w: a %d-byte KSN does not fit a %s BDK", ErrInput, len(ksn), e.key.Algorithm())
}

// key returns the unwrapped key of b after checking that its class allows
// op (see allowed).
func (s *Software) key(b KeyBlock, c KeyClass, op byte) (*entry, error) {
	e, err := s.open(b)
	if err != nil {
		return nil, err
	}
	if !allowed(c, e.usage, e.mode, op) {
		return nil, fmt.Errorf("%w: a key of usage %s, mode %c cannot serve as %s here", ErrKeyUsage, e.usage, e.mode, c)
	}
	return e, nil
}

// open unwraps b under the LMK, or finds it in the cache.
func (s *Software) open(b KeyBlock) (*entry, error) {
	s.mu.RLock()
	e := s.cache[b]
	s.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	if b == "" {
		return nil, fmt.Errorf("%w: empty key block", ErrKeyBlock)
	}
	h, raw, err := tr31.UnwrapBytes(s.lmk, string(b))
	if err != nil {
		if errors.Is(err, tr31.ErrMAC) {
			if h, perr := tr31.ParseHeader(string(b)); perr == nil {
				if kp, ok := h.Block("KP"); ok && kp != s.lmkKCV {
					return nil, fmt.Errorf("%w: block made under another LMK (KP %s, this LMK %s)", ErrKeyBlock, kp, s.lmkKCV)
				}
			}
		}
		return nil, fmt.Errorf("%w: %w", ErrKeyBlock, err)
	}
	defer clear(raw)
	if h.Version != tr31.VersionD {
		return nil, fmt.Errorf("%w: LMK blocks are version D, got %s", ErrKeyBlock, h.Version)
	}
	alg, ok := algorithmOf(h.Algorithm, len(raw))
	if !ok {
		return nil, fmt.Errorf("%w: algorithm %q with a %d-byte key", ErrKeyBlock, h.Algorithm, len(raw))
	}
	// The block is authentic: the key passed the checks when it entered.
	k, err := keys.New(alg, raw, keys.Legacy(), keys.WithUsage(tr31.KeyUsage(h.Usage)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBlock, err)
	}
	e = &entry{key: k, usage: h.Usage, mode: h.ModeOfUse, exp: h.Exportability}
	s.mu.Lock()
	if old := s.cache[b]; old != nil {
		e = old
	} else {
		if len(s.cache) >= s.max {
			for victim := range s.cache {
				delete(s.cache, victim)
				break
			}
		}
		s.cache[b] = e
	}
	s.mu.Unlock()
	return e, nil
}

// wrap puts k under the LMK as a key block of class c.
func (s *Software) wrap(k *keys.Key, c KeyClass, exportable byte) (KeyBlock, error) {
	if !c.valid() {
		return "", fmt.Errorf("%w: key class %d", ErrInput, c)
	}
	return s.wrapAs(k, c.usage(k.Algorithm()), classes[c].mode, exportable)
}

func (s *Software) wrapAs(k *keys.Key, usage string, mode, exportable byte) (KeyBlock, error) {
	code := algorithmByte(k.Algorithm())
	if code == 0 {
		return "", fmt.Errorf("%w: no key block algorithm for %s", ErrInput, k.Algorithm())
	}
	kc, err := kcvBlock(k)
	if err != nil {
		return "", err
	}
	h := tr31.Header{
		Version:       tr31.VersionD,
		Usage:         usage,
		Algorithm:     code,
		ModeOfUse:     mode,
		Exportability: exportable,
		Blocks:        []tr31.OptionalBlock{kc, {ID: "KP", Data: s.lmkKCV}},
	}
	raw := k.ClearBytes()
	defer clear(raw)
	blk, err := tr31.WrapBytes(s.lmk, h, raw, &tr31.Options{Rand: s.rand, MaskedKeyLength: 32})
	if err != nil {
		return "", fmt.Errorf("hsm: wrapping under the LMK: %w", err)
	}
	return KeyBlock(blk), nil
}

// Wrap puts a clear key under the LMK as a key block of class c. It exists
// to move keys a host holds today (for instance a link.KeyStore's TMKs)
// into key blocks once; new keys should come from GenerateKey,
// ImportComponents or ImportTR31.
func (s *Software) Wrap(k *keys.Key, c KeyClass) (KeyBlock, error) {
	if k.IsZeroed() {
		return "", fmt.Errorf("%w: key is zeroed", ErrInput)
	}
	return s.wrap(k, c, 'E')
}

// GenerateKey implements KeyManager.
func (s *Software) GenerateKey(_ context.Context, c KeyClass, alg keys.Algorithm) (KeyBlock, error) {
	if !c.valid() {
		return "", fmt.Errorf("%w: key class %d", ErrInput, c)
	}
	var opts []keys.Option
	if alg == keys.DES {
		opts = append(opts, keys.Legacy())
	}
	k, err := keys.Generate(alg, s.rand, opts...)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer k.Zero()
	return s.wrap(k, c, 'E')
}

// ImportComponents implements KeyManager.
func (s *Software) ImportComponents(_ context.Context, c KeyClass, alg keys.Algorithm, comps []keys.Component) (KeyBlock, error) {
	k, err := keys.FromComponents(alg, comps)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer k.Zero()
	return s.wrap(k, c, 'E')
}

// CheckValue implements KeyManager: the legacy check value (3 bytes) for
// DES-family and SM4 keys, CMAC (5 bytes) for AES.
func (s *Software) CheckValue(_ context.Context, b KeyBlock) ([]byte, error) {
	e, err := s.open(b)
	if err != nil {
		return nil, err
	}
	return e.key.CheckValue(), nil
}

// ImportTR31 implements KeyManager. Variant-bound blocks (versions A and
// C, deprecated by TR-31:2018) are accepted on import; the HSM keeps every
// key as version D under its LMK.
func (s *Software) ImportTR31(_ context.Context, kbpk KeyBlock, block string) (KeyBlock, error) {
	ke, err := s.kek(kbpk, 'D')
	if err != nil {
		return "", err
	}
	h, raw, err := tr31.UnwrapBytes(ke.key, block)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyBlock, err)
	}
	defer clear(raw)
	alg, ok := algorithmOf(h.Algorithm, len(raw))
	if !ok || h.Algorithm == 'S' {
		return "", fmt.Errorf("%w: algorithm %q with a %d-byte key", ErrInput, h.Algorithm, len(raw))
	}
	k, err := keys.New(alg, raw, keys.Legacy())
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer k.Zero()
	return s.wrapAs(k, h.Usage, h.ModeOfUse, h.Exportability)
}

// ExportTR31 implements KeyManager.
func (s *Software) ExportTR31(_ context.Context, kbpk, b KeyBlock) (string, error) {
	ke, err := s.kek(kbpk, 'E')
	if err != nil {
		return "", err
	}
	e, err := s.open(b)
	if err != nil {
		return "", err
	}
	if e.exp != 'E' && e.exp != 'S' {
		return "", fmt.Errorf("%w: exportability %c", ErrExport, e.exp)
	}
	if e.key.Algorithm() == keys.SM4 {
		return "", fmt.Errorf("%w: TR-31 has no algorithm code for SM4", ErrExport)
	}
	h := tr31.Header{
		Version:       tr31Version(ke.key.Algorithm()),
		Usage:         e.usage,
		ModeOfUse:     e.mode,
		Exportability: e.exp,
	}
	kc, err := kcvBlock(e.key)
	if err != nil {
		return "", err
	}
	h.Blocks = []tr31.OptionalBlock{kc}
	out, err := tr31.Wrap(ke.key, h, e.key, &tr31.Options{Rand: s.rand})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrExport, err)
	}
	return out, nil
}

// kek returns a key-block protection key or key encryption key usable for
// op ('E' export, 'D' import).
func (s *Software) kek(b KeyBlock, op byte) (*entry, error) {
	e, err := s.open(b)
	if err != nil {
		return nil, err
	}
	if !allowed(KeyBlockProtectionKey, e.usage, e.mode, op) && !allowed(KeyEncryptionKey, e.usage, e.mode, op) {
		return nil, fmt.Errorf("%w: a %s key (mode %c) cannot protect key blocks", ErrKeyUsage, e.usage, e.mode)
	}
	return e, nil
}
