package dukpt

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/possdk/pos/keys"
)

// Usage is an AES DUKPT key usage indicator (ANSI X9.24-3-2017 §6,
// "Key Usage Indicator"): what a working key derived from a transaction key
// is for. It is mixed into the derivation data, so a key of one usage
// cannot stand in for another.
type Usage uint16

// Key usages of ANSI X9.24-3-2017.
const (
	KeyEncryption   Usage = 0x0002 // key encryption key (key update)
	PINEncryption   Usage = 0x1000
	MACGeneration   Usage = 0x2000
	MACVerification Usage = 0x2001
	MACBoth         Usage = 0x2002 // generation and verification
	DataEncryption  Usage = 0x3000 // encrypt only
	DataDecryption  Usage = 0x3001 // decrypt only
	DataBoth        Usage = 0x3002 // encrypt and decrypt
	KeyDerivation   Usage = 0x8000 // intermediate derivation keys
	usageInitialKey Usage = 0x8001 // the initial key, from the BDK
)

// String names the usage, e.g. "PIN encryption".
func (u Usage) String() string {
	switch u {
	case KeyEncryption:
		return "key encryption"
	case PINEncryption:
		return "PIN encryption"
	case MACGeneration:
		return "MAC generation"
	case MACVerification:
		return "MAC verification"
	case MACBoth:
		return "MAC generation and verification"
	case DataEncryption:
		return "data encryption"
	case DataDecryption:
		return "data decryption"
	case DataBoth:
		return "data encryption and decryption"
	case KeyDerivation:
		return "key derivation"
	case usageInitialKey:
		return "initial key derivation"
	}
	return fmt.Sprintf("Usage(%#04x)", uint16(u))
}

// keyUsage maps a working-key usage to the keys package's coarser one.
func (u Usage) keyUsage() (keys.Usage, bool) {
	switch u {
	case KeyEncryption:
		return keys.UsageKeyEncryption, true
	case PINEncryption:
		return keys.UsagePIN, true
	case MACGeneration, MACVerification, MACBoth:
		return keys.UsageMAC, true
	case DataEncryption, DataDecryption, DataBoth:
		return keys.UsageData, true
	case KeyDerivation:
		return keys.UsageDerivation, true
	}
	return 0, false
}

// algorithmIndicator returns the X9.24-3-2017 §6 "Algorithm Indicator"
// and key length in bits for a key type.
func algorithmIndicator(a keys.Algorithm) (ind uint16, bits uint16, ok bool) {
	switch a {
	case keys.TDES2:
		return 0, 128, true
	case keys.TDES3:
		return 1, 192, true
	case keys.AES128:
		return 2, 128, true
	case keys.AES192:
		return 3, 192, true
	case keys.AES256:
		return 4, 256, true
	}
	return 0, 0, false
}

// derivationData builds the 16-byte derivation data of X9.24-3-2017 §6 ("Create
// Derivation Data"):
// version 01, block counter (set per block by deriveKey), usage, algorithm,
// length in bits, then the 8 identifier bytes (the whole initial key ID for
// the initial key; its right half and the counter for everything else).
func derivationData(u Usage, a keys.Algorithm, id []byte) [16]byte {
	ind, bits, _ := algorithmIndicator(a)
	var d [16]byte
	d[0] = 0x01
	binary.BigEndian.PutUint16(d[2:], uint16(u))
	binary.BigEndian.PutUint16(d[4:], ind)
	binary.BigEndian.PutUint16(d[6:], bits)
	copy(d[8:], id)
	return d
}

// deriveKey fills out[:n] with AES-ECB encryptions of the derivation data
// d under b, block counter 1, 2, ...: X9.24-3-2017 §6 "Derive Key". It
// encrypts in place in out (32 bytes, so a 24-byte key's second block
// fits), which should live on the heap with the key it belongs to; the
// spill past a 24-byte key is cleared. It sets d's block counter byte.
func deriveKey(b cipher.Block, d *[16]byte, out *[32]byte, n int) {
	d[1] = 1
	*(*[16]byte)(out[:16]) = *d
	b.Encrypt(out[:16], out[:16])
	if n > 16 {
		d[1] = 2
		*(*[16]byte)(out[16:]) = *d
		b.Encrypt(out[16:], out[16:])
		if n < 32 {
			clear(out[n:])
		}
	}
}

// aesStrong reports whether a derivation key of algorithm dk may derive a
// working key of algorithm wk: X9.24-3-2017 forbids deriving a key stronger
// than the one it comes from (AES-192 needs an AES-192 or AES-256 BDK,
// AES-256 an AES-256 BDK); TDES and AES-128 working keys come from any BDK.
func aesStrong(dk, wk keys.Algorithm) bool {
	switch wk {
	case keys.TDES2, keys.TDES3, keys.AES128:
		return true
	case keys.AES192:
		return dk == keys.AES192 || dk == keys.AES256
	case keys.AES256:
		return dk == keys.AES256
	}
	return false
}

// AESHost derives AES DUKPT keys from an AES base derivation key, as an
// acquirer host or HSM does. It keeps the BDK's key schedule; build one per
// BDK and reuse it. It is safe for concurrent use.
type AESHost struct {
	bdk cipher.Block
	alg keys.Algorithm
}

// NewAESHost builds a host for an AES-128, AES-192 or AES-256 BDK.
func NewAESHost(bdk *keys.Key) (*AESHost, error) {
	if bdk.IsZeroed() {
		return nil, fmt.Errorf("%w: BDK is zeroed", ErrKey)
	}
	if !bdk.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: AES DUKPT BDK must be AES, got %s", ErrKey, bdk.Algorithm())
	}
	b, err := bdk.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return &AESHost{bdk: b, alg: bdk.Algorithm()}, nil
}

// InitialKey returns the initial key of the device with the given initial
// key ID (X9.24-3-2017 §6, "Derive Initial Key"), of the BDK's
// algorithm. Load it into the device's AESTerminal.
func (h *AESHost) InitialKey(initialKeyID [8]byte) (*keys.Key, error) {
	ik := new([32]byte)
	defer clear(ik[:])
	n := h.initialKey(initialKeyID, ik)
	return keys.New(h.alg, ik[:n], keys.WithUsage(keys.UsageDUKPTInitial))
}

func (h *AESHost) initialKey(id [8]byte, out *[32]byte) int {
	n := h.alg.KeyLen()
	d := derivationData(usageInitialKey, h.alg, id[:])
	deriveKey(h.bdk, &d, out, n)
	return n
}

// TransactionKey derives the transaction (intermediate derivation) key the
// device used for ksn. The counter must be non-zero with at most 16
// one-bits; anything else is refused with ErrKSN.
func (h *AESHost) TransactionKey(ksn AESKSN) (*AESKey, error) {
	if err := ksn.checkTransaction(); err != nil {
		return nil, err
	}
	t := &AESKey{ksn: ksn, alg: h.alg}
	h.initialKey(ksn.InitialKeyID(), &t.k)
	if err := t.walk(); err != nil {
		t.Zero()
		return nil, err
	}
	return t, nil
}

// AESTransactionKey derives the transaction key for ksn from the device's
// initial key, for hosts that store initial keys rather than the BDK.
func AESTransactionKey(initialKey *keys.Key, ksn AESKSN) (*AESKey, error) {
	if initialKey.IsZeroed() || !initialKey.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: AES DUKPT initial key must be AES", ErrKey)
	}
	if err := ksn.checkTransaction(); err != nil {
		return nil, err
	}
	t := &AESKey{ksn: ksn, alg: initialKey.Algorithm()}
	b := initialKey.ClearBytes()
	copy(t.k[:], b)
	clear(b)
	if err := t.walk(); err != nil {
		t.Zero()
		return nil, err
	}
	return t, nil
}

// walk turns t.k from the initial key into the key of t.ksn: for each
// one-bit of the counter from the left, derive the next intermediate
// derivation key (X9.24-3-2017 §6, "Host Derive Working Key").
func (t *AESKey) walk() error {
	c := t.ksn.Counter()
	n := t.alg.KeyLen()
	// Only the counter bytes of the derivation data change from step to
	// step.
	d := derivationData(KeyDerivation, t.alg, t.ksn[4:8])
	var work uint32
	for bit := uint32(1) << (aesCounterBits - 1); bit != 0; bit >>= 1 {
		if c&bit == 0 {
			continue
		}
		work |= bit
		binary.BigEndian.PutUint32(d[12:], work)
		b, err := aes.NewCipher(t.k[:n])
		if err != nil {
			return fmt.Errorf("%w: %v", ErrKey, err)
		}
		deriveKey(b, &d, &t.k, n)
	}
	return nil
}

// AESKey is the AES DUKPT transaction key (the intermediate derivation key)
// of one KSN; WorkingKey derives the keys a transaction uses from it. It
// never prints its bytes: String, fmt verbs and slog show the KSN only. Use
// it through a pointer and call Zero when the transaction is done.
type AESKey struct {
	ksn AESKSN
	alg keys.Algorithm // the BDK's algorithm
	k   [32]byte
}

// KSN returns the key serial number the device sends with the transaction.
func (t *AESKey) KSN() AESKSN { return t.ksn }

// Algorithm returns the derivation key's algorithm (the BDK's).
func (t *AESKey) Algorithm() keys.Algorithm { return t.alg }

// Zero wipes the key bytes.
func (t *AESKey) Zero() { clear(t.k[:]) }

// WorkingKey derives the working key of usage u and algorithm alg (TDES2,
// TDES3, AES128, AES192 or AES256) for this transaction: X9.24-3-2017 §6
// "Derive Working Key". A key stronger than the BDK (AES-256 from an
// AES-128 BDK) is refused with ErrKeyType.
func (t *AESKey) WorkingKey(u Usage, alg keys.Algorithm) (*keys.Key, error) {
	ku, ok := u.keyUsage()
	if !ok {
		return nil, fmt.Errorf("%w: usage %s", ErrKeyType, u)
	}
	if _, _, ok := algorithmIndicator(alg); !ok {
		return nil, fmt.Errorf("%w: working key algorithm %s", ErrKeyType, alg)
	}
	if !aesStrong(t.alg, alg) {
		return nil, fmt.Errorf("%w: %s working key is stronger than the %s derivation key", ErrKeyType, alg, t.alg)
	}
	out := new([32]byte)
	defer clear(out[:])
	n, err := t.working(u, alg, out)
	if err != nil {
		return nil, err
	}
	return keys.New(alg, out[:n], keys.WithUsage(ku))
}

func (t *AESKey) working(u Usage, alg keys.Algorithm, out *[32]byte) (int, error) {
	b, err := aes.NewCipher(t.k[:t.alg.KeyLen()])
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrKey, err)
	}
	var id [8]byte
	copy(id[:], t.ksn[4:])
	n := alg.KeyLen()
	d := derivationData(u, alg, id[:])
	deriveKey(b, &d, out, n)
	return n, nil
}

// String shows the KSN only.
func (t AESKey) String() string { return "AES DUKPT key KSN " + t.ksn.String() }

// GoString is String, so %#v prints no key bytes.
func (t AESKey) GoString() string { return "dukpt.AESKey{" + t.String() + "}" }

// Format writes String for every verb.
func (t AESKey) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// LogValue implements slog.LogValuer: the KSN only.
func (t AESKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("dukpt", "AES"), slog.String("ksn", t.ksn.String()))
}
