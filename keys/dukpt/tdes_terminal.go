package dukpt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/bits"

	"github.com/possdk/pos/keys"
)

// TDESTerminal is a PIN pad's TDES DUKPT key store: the 21 future key
// registers of ANSI X9.24-1:2009 A.2 and the current KSN. Load it once with
// the device's initial key, then call Next for each transaction. Persist it
// with MarshalBinary after every Next, before the key is used, so that a
// restart never reuses a counter. A TDESTerminal is not safe for concurrent
// use.
//
// Register i holds the key for the counter bit 1<<i (register #21-i in the
// standard's numbering, which counts from the leftmost bit).
type TDESTerminal struct {
	ksn     KSN    // initial KSN: counter bits zero
	counter uint32 // next counter to use; 1<<21 once exhausted
	fkr     [tdesCounterBits][16]byte
}

// NewTDESTerminal loads an initial key (IPEK, keys.TDES2) and its initial
// KSN (counter bits ignored): X9.24-1:2009 A.2 "Load Initial Key". It fills
// all 21 future key registers from the initial key, which it does not keep.
func NewTDESTerminal(initialKey *keys.Key, initialKSN KSN) (*TDESTerminal, error) {
	ik, err := tdesInitialKey(initialKey)
	if err != nil {
		return nil, err
	}
	defer clear(ik[:])
	t := &TDESTerminal{ksn: initialKSN.Initial()}
	if err := t.fill(&ik, 0, tdesCounterBits); err != nil {
		t.Zero()
		return nil, err
	}
	t.counter = 1
	return t, nil
}

// fill derives the future keys for counters c|1<<i, i < below, from key
// (the key of counter c): X9.24-1:2009 A.2 "New Key-3".
func (t *TDESTerminal) fill(key *[16]byte, c uint32, below int) error {
	base := t.ksn.register()
	for i := below - 1; i >= 0; i-- {
		t.fkr[i] = *key
		if err := nonReversible(&t.fkr[i], base|uint64(c)|1<<uint(i)); err != nil {
			return err
		}
	}
	return nil
}

// KSN returns the KSN the next call to Next will use. Once the register is
// exhausted its counter is meaningless; Next reports ErrExhausted.
func (t *TDESTerminal) KSN() KSN {
	k, _ := t.ksn.WithCounter(t.counter & tdesCounterMask)
	return k
}

// Exhausted reports whether every usable counter value has been used.
func (t *TDESTerminal) Exhausted() bool { return t.counter > tdesCounterMask }

// Next returns the transaction key and KSN for the next transaction and
// advances the register: X9.24-1:2009 A.2 "Request PIN Entry" and
// "New Key". Counters with more than 10 one-bits are skipped. After the last
// counter (about a million transactions) it returns ErrExhausted.
func (t *TDESTerminal) Next() (*TDESKey, error) {
	if t.counter == 0 {
		return nil, fmt.Errorf("%w: no initial key loaded (use NewTDESTerminal or UnmarshalBinary)", ErrState)
	}
	if t.Exhausted() {
		return nil, fmt.Errorf("%w: KSN %s", ErrExhausted, t.ksn)
	}
	c := t.counter
	p := bits.TrailingZeros32(c) // the shift register position
	key := &TDESKey{k: t.fkr[p]}
	key.ksn, _ = t.ksn.WithCounter(c)
	if bits.OnesCount32(c) < tdesMaxOneBits {
		if err := t.fill(&key.k, c, p); err != nil {
			key.Zero()
			return nil, err
		}
		t.counter = c + 1
	} else {
		// A.2 "New Key" step 3: adding the shift register skips every
		// counter with more than 10 one-bits.
		t.counter = c + 1<<uint(p)
	}
	clear(t.fkr[p][:])
	return key, nil
}

// validRegisters returns the mask of registers that hold keys when c is the
// next counter: the register of c's lowest one-bit and those of every zero
// bit above it. The others were used and erased, or are not yet derived.
func validRegisters(c uint32, width int) uint64 {
	all := uint64(1)<<uint(width) - 1
	if uint64(c) > all || c == 0 {
		return 0
	}
	p := uint(bits.TrailingZeros32(c))
	above := ^uint64(c) & all &^ (uint64(1)<<(p+1) - 1)
	return above | 1<<p
}

// Zero wipes every register; the terminal is then exhausted.
func (t *TDESTerminal) Zero() {
	for i := range t.fkr {
		clear(t.fkr[i][:])
	}
	t.counter = 1 << tdesCounterBits
}

// tdesStateMagic starts a marshalled TDESTerminal (format version 1).
const tdesStateMagic = "DKT1"

const tdesStateLen = len(tdesStateMagic) + 10 + 4 + tdesCounterBits*16 + 4

// MarshalBinary returns the register state: magic "DKT1", initial KSN,
// counter, the 21 registers (erased ones as zeros) and a CRC-32 against
// storage corruption. It contains live keys: store it where the initial key
// would be stored (secure element, encrypted flash), never in logs.
func (t *TDESTerminal) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, tdesStateLen)
	b = append(b, tdesStateMagic...)
	b = append(b, t.ksn[:]...)
	b = binary.BigEndian.AppendUint32(b, t.counter)
	for i := range t.fkr {
		b = append(b, t.fkr[i][:]...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// UnmarshalBinary restores state written by MarshalBinary. It checks the
// format, the checksum, and that exactly the registers the counter needs
// hold keys; on error t is unchanged.
func (t *TDESTerminal) UnmarshalBinary(b []byte) error {
	if len(b) != tdesStateLen {
		return fmt.Errorf("%w: %d bytes, want %d", ErrState, len(b), tdesStateLen)
	}
	if string(b[:4]) != tdesStateMagic {
		return fmt.Errorf("%w: bad magic at offset 0", ErrState)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch at offset %d", ErrState, len(body))
	}
	var n TDESTerminal
	copy(n.ksn[:], b[4:14])
	if n.ksn != n.ksn.Initial() {
		return fmt.Errorf("%w: KSN %s has counter bits set at offset 4", ErrState, n.ksn)
	}
	n.counter = binary.BigEndian.Uint32(b[14:18])
	if n.counter == 0 || n.counter > 1<<tdesCounterBits ||
		n.counter <= tdesCounterMask && bits.OnesCount32(n.counter) > tdesMaxOneBits {
		return fmt.Errorf("%w: counter %#x at offset 14", ErrState, n.counter)
	}
	valid := validRegisters(n.counter, tdesCounterBits)
	off := 18
	for i := range n.fkr {
		copy(n.fkr[i][:], b[off:off+16])
		if isZero(n.fkr[i][:]) == (valid&(1<<uint(i)) != 0) {
			n.Zero()
			return fmt.Errorf("%w: register %d at offset %d contradicts counter %#x", ErrState, i, off, n.counter)
		}
		off += 16
	}
	*t = n
	return nil
}

func isZero(b []byte) bool {
	var acc byte
	for _, x := range b {
		acc |= x
	}
	return acc == 0
}

// String shows the next KSN only.
func (t TDESTerminal) String() string {
	if t.Exhausted() {
		return "TDES DUKPT terminal (exhausted) KSN " + t.ksn.String()
	}
	return "TDES DUKPT terminal next KSN " + t.KSN().String()
}

// GoString is String, so %#v prints no key bytes.
func (t TDESTerminal) GoString() string { return "dukpt.TDESTerminal{" + t.String() + "}" }

// Format writes String for every verb.
func (t TDESTerminal) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// LogValue implements slog.LogValuer: the next KSN only.
func (t TDESTerminal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("dukpt", "TDES terminal"), slog.String("next_ksn", t.KSN().String()),
		slog.Bool("exhausted", t.Exhausted()))
}
