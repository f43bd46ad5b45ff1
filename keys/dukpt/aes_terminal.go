package dukpt

import (
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/bits"

	"github.com/possdk/pos/keys"
)

// AESTerminal is a PIN pad's AES DUKPT key store: the 32 intermediate
// derivation key registers of ANSI X9.24-3-2017 §6 and the transaction
// counter. Load it once with the device's initial key, then call Next for
// each transaction and derive the transaction's working keys from the
// result. Persist it with MarshalBinary after every Next, before the keys
// are used. An AESTerminal is not safe for concurrent use.
//
// Register i holds the intermediate derivation key for the counter bit
// 1<<i.
type AESTerminal struct {
	ikid    [8]byte
	alg     keys.Algorithm // the initial key's (and BDK's) algorithm
	counter uint64         // next counter; 1<<32 once exhausted
	reg     [aesCounterBits][32]byte
}

// NewAESTerminal loads an AES initial key and its initial key ID
// (X9.24-3-2017 §6 "Load Initial Key"): it fills all 32 registers and
// does not keep the initial key.
func NewAESTerminal(initialKey *keys.Key, initialKeyID [8]byte) (*AESTerminal, error) {
	if initialKey.IsZeroed() || !initialKey.Algorithm().IsAES() {
		return nil, fmt.Errorf("%w: AES DUKPT initial key must be AES", ErrKey)
	}
	t := &AESTerminal{ikid: initialKeyID, alg: initialKey.Algorithm()}
	var ik [32]byte
	b := initialKey.ClearBytes()
	copy(ik[:], b)
	clear(b)
	defer clear(ik[:])
	if err := t.fill(&ik, 0, aesCounterBits); err != nil {
		t.Zero()
		return nil, err
	}
	t.counter = 1
	return t, nil
}

// fill derives the intermediate derivation keys for counters c|1<<i,
// i < below, from key (the key of counter c): X9.24-3-2017 §6
// "Update Derivation Keys".
func (t *AESTerminal) fill(key *[32]byte, c uint32, below int) error {
	n := t.alg.KeyLen()
	b, err := aes.NewCipher(key[:n])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKey, err)
	}
	d := derivationData(KeyDerivation, t.alg, t.ikid[4:])
	for i := below - 1; i >= 0; i-- {
		binary.BigEndian.PutUint32(d[12:], c|1<<uint(i))
		deriveKey(b, &d, &t.reg[i], n)
	}
	return nil
}

// KSN returns the KSN the next call to Next will use.
func (t *AESTerminal) KSN() AESKSN { return NewAESKSN(t.ikid, uint32(t.counter)) }

// Exhausted reports whether every usable counter value has been used.
func (t *AESTerminal) Exhausted() bool { return t.counter > 1<<aesCounterBits-1 }

// Next returns the transaction key for the next transaction (derive its
// working keys with WorkingKey) and advances the register: X9.24-3-2017 §6
// "Generate Working Keys" and "Update State for next Transaction".
// Counters with more than 16 one-bits are skipped; after the last one
// (0xFFFF0000) Next returns ErrExhausted.
func (t *AESTerminal) Next() (*AESKey, error) {
	if t.counter == 0 {
		return nil, fmt.Errorf("%w: no initial key loaded (use NewAESTerminal or UnmarshalBinary)", ErrState)
	}
	if t.Exhausted() {
		return nil, fmt.Errorf("%w: initial key ID %X", ErrExhausted, t.ikid)
	}
	c := uint32(t.counter)
	p := bits.TrailingZeros32(c)
	key := &AESKey{ksn: NewAESKSN(t.ikid, c), alg: t.alg, k: t.reg[p]}
	if bits.OnesCount32(c) < aesMaxOneBits {
		if err := t.fill(&key.k, c, p); err != nil {
			key.Zero()
			return nil, err
		}
		t.counter = uint64(c) + 1
	} else {
		t.counter = uint64(c) + 1<<uint(p)
	}
	clear(t.reg[p][:])
	return key, nil
}

// Zero wipes every register; the terminal is then exhausted.
func (t *AESTerminal) Zero() {
	for i := range t.reg {
		clear(t.reg[i][:])
	}
	t.counter = 1 << aesCounterBits
}

// aesStateMagic starts a marshalled AESTerminal (format version 1).
const aesStateMagic = "DKA1"

// MarshalBinary returns the register state: magic "DKA1", the algorithm
// (1 byte, keys.Algorithm), the initial key ID, the counter (8 bytes),
// the 32 registers at the key's length (erased ones as zeros) and a CRC-32
// against storage corruption. It contains live keys: store it where the
// initial key would be stored, never in logs.
func (t *AESTerminal) MarshalBinary() ([]byte, error) {
	n := t.alg.KeyLen()
	b := make([]byte, 0, aesStateLen(n))
	b = append(b, aesStateMagic...)
	b = append(b, byte(t.alg))
	b = append(b, t.ikid[:]...)
	b = binary.BigEndian.AppendUint64(b, t.counter)
	for i := range t.reg {
		b = append(b, t.reg[i][:n]...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

func aesStateLen(keyLen int) int { return 4 + 1 + 8 + 8 + aesCounterBits*keyLen + 4 }

// UnmarshalBinary restores state written by MarshalBinary. It checks the
// format, the checksum, and that exactly the registers the counter needs
// hold keys; on error t is unchanged.
func (t *AESTerminal) UnmarshalBinary(b []byte) error {
	if len(b) < 5 {
		return fmt.Errorf("%w: %d bytes", ErrState, len(b))
	}
	if string(b[:4]) != aesStateMagic {
		return fmt.Errorf("%w: bad magic at offset 0", ErrState)
	}
	alg := keys.Algorithm(b[4])
	if !alg.IsAES() {
		return fmt.Errorf("%w: algorithm %s at offset 4", ErrState, alg)
	}
	n := alg.KeyLen()
	if len(b) != aesStateLen(n) {
		return fmt.Errorf("%w: %d bytes, want %d for %s", ErrState, len(b), aesStateLen(n), alg)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch at offset %d", ErrState, len(body))
	}
	nt := AESTerminal{alg: alg}
	copy(nt.ikid[:], b[5:13])
	nt.counter = binary.BigEndian.Uint64(b[13:21])
	if nt.counter == 0 || nt.counter > 1<<aesCounterBits ||
		nt.counter < 1<<aesCounterBits && bits.OnesCount64(nt.counter) > aesMaxOneBits {
		return fmt.Errorf("%w: counter %#x at offset 13", ErrState, nt.counter)
	}
	var valid uint64
	if nt.counter < 1<<aesCounterBits {
		valid = validRegisters(uint32(nt.counter), aesCounterBits)
	}
	off := 21
	for i := range nt.reg {
		copy(nt.reg[i][:n], b[off:off+n])
		if isZero(nt.reg[i][:n]) == (valid&(1<<uint(i)) != 0) {
			nt.Zero()
			return fmt.Errorf("%w: register %d at offset %d contradicts counter %#x", ErrState, i, off, nt.counter)
		}
		off += n
	}
	*t = nt
	return nil
}

// String shows the next KSN only.
func (t AESTerminal) String() string {
	if t.Exhausted() {
		return fmt.Sprintf("AES DUKPT terminal (exhausted) initial key ID %X", t.ikid)
	}
	return "AES DUKPT terminal next KSN " + t.KSN().String()
}

// GoString is String, so %#v prints no key bytes.
func (t AESTerminal) GoString() string { return "dukpt.AESTerminal{" + t.String() + "}" }

// Format writes String for every verb.
func (t AESTerminal) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// LogValue implements slog.LogValuer: the next KSN only.
func (t AESTerminal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("dukpt", "AES terminal"), slog.String("next_ksn", t.KSN().String()),
		slog.Bool("exhausted", t.Exhausted()))
}
