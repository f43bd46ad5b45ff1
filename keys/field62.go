package keys

import (
	"fmt"
	"io"
)

// KeyMode is the CUP sign-in key mode: the network-management code in field
// 60.3 of the 0800 request and 0810 response. It fixes the layout of the
// working keys in field 62.
type KeyMode uint16

// CUP sign-in key modes (cup_pos_dialect §3.4, §3.5).
const (
	// ModeSingleDES (001): single-length PIK and MAK, 8 + 4 bytes each
	// (24 bytes). Keys are single DES.
	ModeSingleDES KeyMode = 1
	// ModeTDES (003): double-length PIK and MAK, 16 + 4 bytes each (40).
	ModeTDES KeyMode = 3
	// ModeTDESTrack (004): double-length PIK, MAK and TDK (track-data
	// key), 16 + 4 bytes each (60).
	ModeTDESTrack KeyMode = 4
	// ModeSM4 (006, 国密): SM4 PIK, MAK and TDK, 16 + 4 bytes each (60).
	ModeSM4 KeyMode = 6
)

// field62KCVLen is the check-value length after each key in field 62:
// the first 4 bytes of the key's encryption of an all-zero block.
const field62KCVLen = 4

// String returns the three-digit code, e.g. "003".
func (m KeyMode) String() string { return fmt.Sprintf("%03d", uint16(m)) }

// ParseKeyMode parses the three-digit field 60.3 code ("001", "003", "004",
// "006").
func ParseKeyMode(s string) (KeyMode, error) {
	for _, m := range []KeyMode{ModeSingleDES, ModeTDES, ModeTDESTrack, ModeSM4} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrKeyMode, s)
}

// layout returns the key algorithm and the number of keys for m.
func (m KeyMode) layout() (Algorithm, int, error) {
	switch m {
	case ModeSingleDES:
		return DES, 2, nil
	case ModeTDES:
		return TDES2, 2, nil
	case ModeTDESTrack:
		return TDES2, 3, nil
	case ModeSM4:
		return SM4, 3, nil
	}
	return 0, 0, fmt.Errorf("%w: %s", ErrKeyMode, m)
}

// Field62Len returns the length of field 62 for mode m (24, 40 or 60), or
// 0 for an unknown mode.
func (m KeyMode) Field62Len() int {
	alg, n, err := m.layout()
	if err != nil {
		return 0
	}
	return n * (alg.KeyLen() + field62KCVLen)
}

// WorkingKeys is the key set a CUP terminal receives at sign-in.
type WorkingKeys struct {
	Mode KeyMode
	PIN  *Key // PIK: encrypts PIN blocks (field 52)
	MAC  *Key // MAK: MACs messages (field 64)
	Data *Key // TDK: encrypts track data (fields 35, 36); nil in modes 001 and 003
}

var workingKeyNames = [3]string{"PIK", "MAK", "TDK"}
var workingKeyUsages = [3]Usage{UsagePIN, UsageMAC, UsageData}

func (w *WorkingKeys) slots() [3]**Key { return [3]**Key{&w.PIN, &w.MAC, &w.Data} }

// Zero wipes every key in the set.
func (w *WorkingKeys) Zero() {
	if w == nil {
		return
	}
	for _, k := range w.slots() {
		(*k).Zero()
	}
}

// String names the mode and each key's check value, never key bytes.
func (w WorkingKeys) String() string {
	s := "mode " + w.Mode.String()
	for i, k := range w.slots() {
		if *k != nil {
			s += " " + workingKeyNames[i] + " " + (*k).String()
		}
	}
	return s
}

// DecodeField62 is the terminal side of CUP sign-in: it splits field 62 of
// an 0810 (the bytes after the LLL length) for key mode m, decrypts each
// key under tmk (ECB, CUP spec "工作密钥用终端主密钥加密"), and checks each
// key's 4-byte check value. Every error wraps ErrField62, plus ErrKeyMode
// for an unknown mode and ErrCheckValue for a key that does not match its
// check value; on error no key is returned and every decrypted key has
// been wiped. opts apply to each working key (Legacy to accept double-length
// keys of single-DES strength from old hosts; mode 001 keys are DES and
// always legacy).
//
// Some hosts send a 16-byte MAK in mode 003 but MAC with its left half only
// (single-DES CUP MAC): use WorkingKeys.MAC.DESParts for that dialect.
func DecodeField62(tmk *Key, m KeyMode, f62 []byte, opts ...Option) (*WorkingKeys, error) {
	alg, n, err := m.layout()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrField62, err)
	}
	step := alg.KeyLen() + field62KCVLen
	if len(f62) != n*step {
		return nil, fmt.Errorf("%w: mode %s needs %d bytes, got %d", ErrField62, m, n*step, len(f62))
	}
	opts = opts[:len(opts):len(opts)] // never append into the caller's array
	if alg == DES {
		opts = append(opts, Legacy())
	}
	w := &WorkingKeys{Mode: m}
	slots := w.slots()
	for i := range n {
		off := i * step
		wrapped := f62[off : off+alg.KeyLen()]
		kcv := f62[off+alg.KeyLen() : off+step]
		k, err := Unwrap(tmk, alg, wrapped, append(opts, WithUsage(workingKeyUsages[i]))...)
		if err != nil {
			w.Zero()
			return nil, fmt.Errorf("%w: %s at offset %d: %w", ErrField62, workingKeyNames[i], off, err)
		}
		*slots[i] = k
		if err := k.VerifyCheckValue(KCVLegacy, kcv); err != nil {
			w.Zero()
			return nil, fmt.Errorf("%w: %s at offset %d: %w", ErrField62, workingKeyNames[i], off, err)
		}
	}
	return w, nil
}

// NewWorkingKeys is the host side of CUP sign-in: it draws a fresh key set
// for mode m from rand (crypto/rand.Reader in production).
func NewWorkingKeys(rand io.Reader, m KeyMode) (*WorkingKeys, error) {
	alg, n, err := m.layout()
	if err != nil {
		return nil, err
	}
	var opts []Option
	if alg == DES {
		opts = append(opts, Legacy())
	}
	w := &WorkingKeys{Mode: m}
	slots := w.slots()
	for i := range n {
		k, err := Generate(alg, rand, append(opts, WithUsage(workingKeyUsages[i]))...)
		if err != nil {
			w.Zero()
			return nil, fmt.Errorf("generating %s: %w", workingKeyNames[i], err)
		}
		*slots[i] = k
	}
	return w, nil
}

// EncodeField62 is the inverse of DecodeField62: each key of w encrypted
// under tmk (ECB) followed by its 4-byte check value, in the order PIK,
// MAK, TDK, for w.Mode.
func EncodeField62(tmk *Key, w *WorkingKeys) ([]byte, error) {
	alg, n, err := w.Mode.layout()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, n*(alg.KeyLen()+field62KCVLen))
	slots := w.slots()
	for i := range n {
		k := *slots[i]
		if k == nil || k.Algorithm() != alg {
			return nil, fmt.Errorf("%w: mode %s needs a %s %s", ErrAlgorithm, w.Mode, alg, workingKeyNames[i])
		}
		wrapped, err := Wrap(tmk, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", workingKeyNames[i], err)
		}
		kcv, err := k.CheckValueWith(KCVLegacy, field62KCVLen)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", workingKeyNames[i], err)
		}
		out = append(append(out, wrapped...), kcv...)
	}
	return out, nil
}
