package link

import (
	"context"
	"fmt"
	"sync"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
)

// keySet is the sign-in bookkeeping TerminalKeys and TerminalKeyBlocks
// share: one implementation of Rotate and Confirm for clear keys and key
// blocks.
type keySet[W comparable] struct {
	working   W
	confirmed bool
	previous  W
	recent    []W
}

func (t keySet[W]) rotate(w W) keySet[W] {
	var none W
	switch {
	case t.confirmed || t.previous == none:
		t.previous, t.recent = t.working, nil
	case t.working != none:
		t.recent = append([]W{t.working}, t.recent...)
		if len(t.recent) > MaxUnconfirmedKeys {
			t.recent = t.recent[:MaxUnconfirmedKeys]
		}
	}
	t.working, t.confirmed = w, false
	return t
}

func (t keySet[W]) confirm(w W) (keySet[W], bool) {
	var none W
	if w == none || (t.confirmed && t.working == w) {
		return t, false
	}
	ok := t.working == w
	for _, r := range t.recent {
		ok = ok || r == w
	}
	if !ok {
		return t, false
	}
	t.working, t.confirmed, t.previous, t.recent = w, true, none, nil
	return t, true
}

// TerminalKeyBlocks are a terminal's keys as a host with an HSM holds them:
// key blocks under the HSM's local master key, never clear keys. The
// fields mean what TerminalKeys' do (Working issued last, Confirmed once
// the terminal MACs with it, Previous and Recent kept so that a sign-in the
// terminal did not make cannot lock it out).
type TerminalKeyBlocks struct {
	TMK       hsm.KeyBlock // class hsm.TerminalMasterKey
	Working   *hsm.WorkingKeys
	Confirmed bool
	Previous  *hsm.WorkingKeys
	Recent    []*hsm.WorkingKeys
}

func (t TerminalKeyBlocks) set() keySet[*hsm.WorkingKeys] {
	return keySet[*hsm.WorkingKeys]{t.Working, t.Confirmed, t.Previous, t.Recent}
}

func (t TerminalKeyBlocks) with(s keySet[*hsm.WorkingKeys]) TerminalKeyBlocks {
	t.Working, t.Confirmed, t.Previous, t.Recent = s.working, s.confirmed, s.previous, s.recent
	return t
}

// Rotate returns t with w issued (see TerminalKeys.Rotate).
func (t TerminalKeyBlocks) Rotate(w *hsm.WorkingKeys) TerminalKeyBlocks {
	return t.with(t.set().rotate(w))
}

// Confirm returns t with w (Working or one of Recent) as the confirmed
// keys (see TerminalKeys.Confirm).
func (t TerminalKeyBlocks) Confirm(w *hsm.WorkingKeys) (TerminalKeyBlocks, bool) {
	s, ok := t.set().confirm(w)
	return t.with(s), ok
}

// String shows key block headers and check values only.
func (t TerminalKeyBlocks) String() string {
	s := "TMK (none)"
	if t.TMK != "" {
		s = "TMK " + t.TMK.String()
	}
	if t.Working != nil {
		s += fmt.Sprintf(", %s working keys: MAK %s", t.Working.Mode, t.Working.MAC)
		if t.Confirmed {
			s += " (confirmed)"
		}
	}
	return s
}

// TerminalKeyStore maps terminal IDs (field 41) to their keys as key blocks
// under the HSM's LMK: what a Host with an HSM stores instead of clear keys
// (a database row of key blocks needs no sealing of its own). It must be
// safe for concurrent use and treat a stored *hsm.WorkingKeys as immutable:
// the Host caches what it builds per pointer. A store that may be changed
// by other hosts can implement Refresh(tid string), which the Host calls
// when a MAC fails, to reload.
type TerminalKeyStore interface {
	// TerminalKeyBlocks returns the terminal's keys, or an error wrapping
	// ErrUnknownTerminal.
	TerminalKeyBlocks(tid string) (TerminalKeyBlocks, error)
	// SetWorkingKeyBlocks records the working keys a sign-in issued
	// (TerminalKeyBlocks.Rotate).
	SetWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error
	// ConfirmWorkingKeyBlocks records that the terminal MACs with w, one
	// of the sets TerminalKeyBlocks returned (TerminalKeyBlocks.Confirm);
	// a w the store no longer has is ignored.
	ConfirmWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error
}

// MemoryTerminalKeyStore is a TerminalKeyStore in memory.
type MemoryTerminalKeyStore struct {
	memKeys[TerminalKeyBlocks, *hsm.WorkingKeys]
}

// NewMemoryTerminalKeyStore returns an empty store.
func NewMemoryTerminalKeyStore() *MemoryTerminalKeyStore {
	return &MemoryTerminalKeyStore{newMemKeys[TerminalKeyBlocks, *hsm.WorkingKeys]()}
}

// AddTerminal registers a terminal with its TMK (a key block of class
// hsm.TerminalMasterKey), forgetting any working keys it had.
func (s *MemoryTerminalKeyStore) AddTerminal(tid string, tmk hsm.KeyBlock) {
	s.put(tid, TerminalKeyBlocks{TMK: tmk})
}

// TerminalKeyBlocks implements TerminalKeyStore.
func (s *MemoryTerminalKeyStore) TerminalKeyBlocks(tid string) (TerminalKeyBlocks, error) {
	return s.get(tid)
}

// SetWorkingKeyBlocks implements TerminalKeyStore. The store keeps the key
// blocks, not field 62 (the host's answer record has it).
func (s *MemoryTerminalKeyStore) SetWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	if w == nil {
		return fmt.Errorf("%w: no working keys for %q", ErrStore, tid)
	}
	c := *w
	c.Field62 = nil
	return s.rotate(tid, &c)
}

// ConfirmWorkingKeyBlocks implements TerminalKeyStore.
func (s *MemoryTerminalKeyStore) ConfirmWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	return s.confirm(tid, w)
}

// memKeys is the map and lock behind MemoryKeyStore (clear keys) and
// MemoryTerminalKeyStore (key blocks): a terminal's record T per terminal
// ID, rotated and confirmed by T's own rules (keySet's).
type memKeys[T interface {
	Rotate(W) T
	Confirm(W) (T, bool)
}, W any] struct {
	mu sync.RWMutex
	m  map[string]T
}

func newMemKeys[T interface {
	Rotate(W) T
	Confirm(W) (T, bool)
}, W any]() memKeys[T, W] {
	return memKeys[T, W]{m: make(map[string]T)}
}

func (s *memKeys[T, W]) put(tid string, t T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[tid] = t
}

func (s *memKeys[T, W]) get(tid string) (T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m[tid]
	if !ok {
		return t, fmt.Errorf("%w: %q", ErrUnknownTerminal, tid)
	}
	return t, nil
}

// rotate records the working keys a sign-in issued.
func (s *memKeys[T, W]) rotate(tid string, w W) error {
	return s.update(tid, func(t T) (T, bool) { return t.Rotate(w), true })
}

// confirm records that the terminal uses w (ignored if w is not one of
// its sets).
func (s *memKeys[T, W]) confirm(tid string, w W) error {
	return s.update(tid, func(t T) (T, bool) { return t.Confirm(w) })
}

// update replaces the terminal's record with f's result when f says so,
// under the lock.
func (s *memKeys[T, W]) update(tid string, f func(T) (T, bool)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[tid]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTerminal, tid)
	}
	if n, ok := f(t); ok {
		s.m[tid] = n
	}
	return nil
}

// terminals counts the terminals (for Format).
func (s *memKeys[T, W]) terminals() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// hsmMAC is a terminal's field-64 MAC computed and verified by the HSM
// under the MAK's key block.
type hsmMAC struct {
	ts  hsm.TerminalSecurity
	key hsm.KeyBlock
	alg hsm.MACAlgorithm
}

var _ iso8583.MACVerifier = (*hsmMAC)(nil)

func hsmMACAlgorithm(a iso8583.MACAlgorithm) (hsm.MACAlgorithm, error) {
	switch a {
	case iso8583.MACCUP:
		return hsm.MACCUP, nil
	case iso8583.MACCUPSingle:
		return hsm.MACCUPSingle, nil
	case iso8583.MACX919:
		return hsm.MACX919, nil
	case iso8583.MACX99:
		return hsm.MACX99, nil
	}
	return 0, fmt.Errorf("%w: unknown MAC algorithm %d", iso8583.ErrMAC, a)
}

// MAC implements iso8583.MAC (the HSM's generate operation).
func (m *hsmMAC) MAC(mab []byte) ([iso8583.MACSize]byte, error) {
	var out [iso8583.MACSize]byte
	r, err := m.ts.GenerateMAC(context.Background(), hsm.MACRequest{Key: m.key, Algorithm: m.alg, Data: mab})
	if err != nil {
		return out, err
	}
	if len(r) < iso8583.MACSize {
		return out, fmt.Errorf("%w: the HSM's %s MAC has %d bytes", iso8583.ErrMAC, m.alg, len(r))
	}
	copy(out[:], r)
	return out, nil
}

// VerifyMAC implements iso8583.MACVerifier (the HSM's verify operation).
func (m *hsmMAC) VerifyMAC(mab, mac []byte) error {
	return m.ts.VerifyMAC(context.Background(), hsm.MACRequest{Key: m.key, Algorithm: m.alg, Data: mab}, mac)
}
