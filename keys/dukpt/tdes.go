package dukpt

import (
	"crypto/cipher"
	"crypto/des"
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/possdk/pos/keys"
)

// keyMask is XORed into a key register to make the second key of the
// non-reversible key generation process, and into the BDK to make the right
// half of the initial key (ANSI X9.24-1:2009 A.2 and A.6).
const keyMask = 0xC0C0C0C000000000

// Variant masks of ANSI X9.24-1:2009 Table A-1 ("PIN", "MAC request",
// "MAC response", "data request", "data response"), applied to both halves
// of the transaction key.
const (
	variantPIN          = 0x00000000000000FF
	variantMACRequest   = 0x000000000000FF00
	variantMACResponse  = 0x00000000FF000000
	variantDataRequest  = 0x0000000000FF0000
	variantDataResponse = 0x000000FF00000000
)

// TDESHost derives TDES DUKPT keys from a base derivation key (BDK), as an
// acquirer host or HSM does: the initial key of any device, and the
// transaction key of any KSN. It keeps the BDK's key schedules, so build one
// per BDK and reuse it; it is safe for concurrent use.
type TDESHost struct {
	bdk     cipher.Block // TDES under the BDK
	bdkMask cipher.Block // TDES under BDK XOR C0C0C0C000000000C0C0C0C000000000
}

// NewTDESHost builds a host for a double-length TDES BDK (keys.TDES2, the
// only BDK length ANSI X9.24-1:2009 defines).
func NewTDESHost(bdk *keys.Key) (*TDESHost, error) {
	if bdk.IsZeroed() {
		return nil, fmt.Errorf("%w: BDK is zeroed", ErrKey)
	}
	if bdk.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: TDES DUKPT BDK must be %s, got %s", ErrKey, keys.TDES2, bdk.Algorithm())
	}
	b := bdk.ClearBytes()
	defer clear(b)
	h := new(TDESHost)
	var err error
	if h.bdk, err = tdesBlock(b); err != nil {
		return nil, err
	}
	for _, off := range [...]int{0, 8} {
		for i := off; i < off+4; i++ {
			b[i] ^= 0xC0
		}
	}
	if h.bdkMask, err = tdesBlock(b); err != nil {
		return nil, err
	}
	return h, nil
}

// InitialKey returns the initial key (IPEK) of the device whose KSN is ksn;
// the counter bits are ignored. Load it into the device's TDESTerminal.
func (h *TDESHost) InitialKey(ksn KSN) (*keys.Key, error) {
	ik := new([16]byte)
	defer clear(ik[:])
	h.initialKey(ik, ksn)
	return keys.New(keys.TDES2, ik[:], keys.WithUsage(keys.UsageDUKPTInitial))
}

// initialKey: X9.24-1:2009 A.6, the leftmost 64 bits of the KSN with the
// counter cleared, encrypted under the BDK (left half) and the masked BDK
// (right half). It works in place in ik, which should not be on the stack
// (the cipher.Block calls would move it to the heap).
func (h *TDESHost) initialKey(ik *[16]byte, ksn KSN) {
	copy(ik[:8], ksn[:8])
	ik[7] &= 0xE0
	copy(ik[8:], ik[:8])
	h.bdk.Encrypt(ik[:8], ik[:8])
	h.bdkMask.Encrypt(ik[8:], ik[8:])
}

// TransactionKey derives the key the device used for ksn. The counter must
// be non-zero with at most 10 one-bits (a terminal never uses others);
// anything else is refused with ErrKSN.
func (h *TDESHost) TransactionKey(ksn KSN) (*TDESKey, error) {
	if err := ksn.checkTransaction(); err != nil {
		return nil, err
	}
	t := &TDESKey{ksn: ksn}
	h.initialKey(&t.k, ksn)
	if err := t.walk(); err != nil {
		t.Zero()
		return nil, err
	}
	return t, nil
}

// TDESTransactionKey derives the transaction key for ksn from the device's
// initial key (IPEK, keys.TDES2), for hosts that store initial keys rather
// than the BDK.
func TDESTransactionKey(initialKey *keys.Key, ksn KSN) (*TDESKey, error) {
	ik, err := tdesInitialKey(initialKey)
	if err != nil {
		return nil, err
	}
	defer clear(ik[:])
	if err := ksn.checkTransaction(); err != nil {
		return nil, err
	}
	t := &TDESKey{ksn: ksn, k: ik}
	if err := t.walk(); err != nil {
		t.Zero()
		return nil, err
	}
	return t, nil
}

func tdesInitialKey(k *keys.Key) ([16]byte, error) {
	if k.IsZeroed() {
		return [16]byte{}, fmt.Errorf("%w: initial key is zeroed", ErrKey)
	}
	if k.Algorithm() != keys.TDES2 {
		return [16]byte{}, fmt.Errorf("%w: TDES DUKPT initial key must be %s, got %s", ErrKey, keys.TDES2, k.Algorithm())
	}
	b := k.ClearBytes()
	defer clear(b)
	return [16]byte(b), nil
}

// walk turns t.k from the initial key into the key of t.ksn: for each
// one-bit of the counter from the leftmost, set it in the KSN register and
// run the non-reversible key generation process (X9.24-1:2009 A.3,
// "Calculation of the Current Transaction Key", host side).
func (t *TDESKey) walk() error {
	c := uint64(t.ksn.Counter())
	reg := t.ksn.register() &^ tdesCounterMask
	for bit := uint64(1) << (tdesCounterBits - 1); bit != 0; bit >>= 1 {
		if c&bit == 0 {
			continue
		}
		reg |= bit
		if err := nonReversible(&t.k, reg); err != nil {
			return err
		}
	}
	return nil
}

// nonReversible replaces key with the next key: X9.24-1:2009 A.2
// "Non-reversible Key Generation Process". Each half of the new key is the
// KSN register, whitened with the key register's right half, DES-encrypted
// under its left half; the new left half uses the key register XOR
// C0C0C0C000000000C0C0C0C000000000. It works in place in key (once
// des.NewCipher has taken a half, its bytes are free), so a key that lives
// on the heap costs no allocation beyond the two DES key schedules.
func nonReversible(key *[16]byte, ksnReg uint64) error {
	left := binary.BigEndian.Uint64(key[:8])
	right := binary.BigEndian.Uint64(key[8:])
	plain, err := des.NewCipher(key[:8])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKey, err)
	}
	binary.BigEndian.PutUint64(key[:8], left^keyMask)
	masked, err := des.NewCipher(key[:8])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKey, err)
	}
	binary.BigEndian.PutUint64(key[8:], ksnReg^right)
	plain.Encrypt(key[8:], key[8:])
	binary.BigEndian.PutUint64(key[8:], binary.BigEndian.Uint64(key[8:])^right)
	binary.BigEndian.PutUint64(key[:8], ksnReg^right^keyMask)
	masked.Encrypt(key[:8], key[:8])
	binary.BigEndian.PutUint64(key[:8], binary.BigEndian.Uint64(key[:8])^right^keyMask)
	return nil
}

// TDESKey is the TDES DUKPT transaction key of one KSN, from which the
// working keys of ANSI X9.24-1:2009 Table A-1 are derived. It never prints
// its bytes: String, fmt verbs and slog show the KSN only. Use it through
// a pointer and call Zero when the transaction is done.
type TDESKey struct {
	ksn KSN
	k   [16]byte
}

// KSN returns the key serial number the device sends with the transaction.
func (t *TDESKey) KSN() KSN { return t.ksn }

// Zero wipes the key bytes.
func (t *TDESKey) Zero() { clear(t.k[:]) }

// variant returns the transaction key XOR the variant mask in both halves.
func (t *TDESKey) variant(v uint64) [16]byte {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(t.k[:8])^v)
	binary.BigEndian.PutUint64(out[8:], binary.BigEndian.Uint64(t.k[8:])^v)
	return out
}

// dataVariant returns a data key: the variant key, each half then
// TDES-encrypted under the variant key itself. X9.24-1:2009 A.4's data
// ciphertexts are only reproduced with this one-way step.
func (t *TDESKey) dataVariant(v uint64) ([16]byte, error) {
	k := t.variant(v)
	b, err := tdesBlock(k[:])
	if err != nil {
		clear(k[:])
		return [16]byte{}, err
	}
	b.Encrypt(k[:8], k[:8])
	b.Encrypt(k[8:], k[8:])
	return k, nil
}

// tdesBlock returns a two-key TDES cipher (K1 K2 K1) for a 16-byte key.
func tdesBlock(k []byte) (cipher.Block, error) {
	var k3 [24]byte
	defer clear(k3[:])
	copy(k3[:16], k)
	copy(k3[16:], k[:8])
	b, err := des.NewTripleDESCipher(k3[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return b, nil
}

// String shows the KSN only: "TDES DUKPT key KSN FFFF9876543210E00001".
func (t TDESKey) String() string { return "TDES DUKPT key KSN " + t.ksn.String() }

// GoString is String, so %#v prints no key bytes.
func (t TDESKey) GoString() string { return "dukpt.TDESKey{" + t.String() + "}" }

// Format writes String for every verb.
func (t TDESKey) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// LogValue implements slog.LogValuer: the KSN only.
func (t TDESKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("dukpt", "TDES"), slog.String("ksn", t.ksn.String()))
}
