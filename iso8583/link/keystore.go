package link

import (
	"fmt"
	"sync"

	"github.com/possdk/pos/keys"
)

// TerminalKeys are a terminal's keys as the host holds them: the terminal
// master key (TMK, loaded at installation) and the working keys issued at
// the last sign-in (nil before the first).
type TerminalKeys struct {
	TMK     *keys.Key
	Working *keys.WorkingKeys
}

// String shows check values only.
func (t TerminalKeys) String() string {
	s := "TMK (none)"
	if t.TMK != nil {
		s = "TMK " + t.TMK.String()
	}
	if t.Working != nil {
		s += ", " + t.Working.String()
	}
	return s
}

// KeyStore maps terminal IDs (field 41) to their keys. A production store
// is backed by an HSM or a database of keys under a local master key;
// MemoryKeyStore serves tests and simulators. Implementations must be safe
// for concurrent use, and must treat a stored *keys.WorkingKeys as
// immutable: SetWorkingKeys replaces the pointer, so a Host can cache
// derived key schedules per pointer.
type KeyStore interface {
	// Terminal returns the terminal's keys, or an error wrapping
	// ErrUnknownTerminal.
	Terminal(tid string) (TerminalKeys, error)
	// SetWorkingKeys records the working keys issued at a sign-in.
	SetWorkingKeys(tid string, w *keys.WorkingKeys) error
}

// MemoryKeyStore is a KeyStore in memory.
type MemoryKeyStore struct {
	mu sync.RWMutex
	m  map[string]TerminalKeys
}

// NewMemoryKeyStore returns an empty store.
func NewMemoryKeyStore() *MemoryKeyStore {
	return &MemoryKeyStore{m: make(map[string]TerminalKeys)}
}

// AddTerminal registers a terminal with its TMK, forgetting any working
// keys it had.
func (s *MemoryKeyStore) AddTerminal(tid string, tmk *keys.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[tid] = TerminalKeys{TMK: tmk}
}

// Terminal implements KeyStore.
func (s *MemoryKeyStore) Terminal(tid string) (TerminalKeys, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m[tid]
	if !ok {
		return TerminalKeys{}, fmt.Errorf("%w: %q", ErrUnknownTerminal, tid)
	}
	return t, nil
}

// SetWorkingKeys implements KeyStore.
func (s *MemoryKeyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[tid]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTerminal, tid)
	}
	t.Working = w
	s.m[tid] = t
	return nil
}
