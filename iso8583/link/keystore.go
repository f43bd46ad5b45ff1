package link

import (
	"fmt"
	"sync"
	"time"

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

// OrderedKeyStore is a KeyStore that keeps sign-ins in the terminal's
// order, for hosts that may process a terminal's sign-ins out of order (a
// sign-in the terminal gave up on finishes after its next one, or a
// duplicate arrives late at another host): SetWorkingKeysFor installs the
// keys of the sign-in with STAN stan unless a sign-in with a later STAN
// installed keys within SignInOrderWindow before now, and reports whether it
// did. Without it, a stale sign-in would replace the keys the terminal uses
// and lock it out (every MAC, reversals included, would fail).
type OrderedKeyStore interface {
	KeyStore
	SetWorkingKeysFor(tid string, w *keys.WorkingKeys, stan uint32, now time.Time) (bool, error)
}

// SignInOrderWindow is how long a sign-in's STAN outranks older ones: a
// terminal whose counters were reset can sign in again after it.
const SignInOrderWindow = 10 * time.Minute

// LaterSTAN reports whether STAN a comes after b in a terminal's sequence
// (modulo the six-digit wrap).
func LaterSTAN(a, b uint32) bool {
	d := (int64(a) - int64(b) + 1_000_000) % 1_000_000
	return d > 0 && d < 500_000
}

// MemoryKeyStore is a KeyStore in memory.
type MemoryKeyStore struct {
	mu     sync.RWMutex
	m      map[string]TerminalKeys
	signIn map[string]signInMark
}

type signInMark struct {
	stan uint32
	at   time.Time
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
	delete(s.signIn, tid)
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

// SetWorkingKeysFor implements OrderedKeyStore.
func (s *MemoryKeyStore) SetWorkingKeysFor(tid string, w *keys.WorkingKeys, stan uint32, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[tid]
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownTerminal, tid)
	}
	if m, ok := s.signIn[tid]; ok && LaterSTAN(m.stan, stan) && now.Sub(m.at) < SignInOrderWindow {
		return false, nil
	}
	if s.signIn == nil {
		s.signIn = make(map[string]signInMark)
	}
	s.signIn[tid] = signInMark{stan, now}
	t.Working = w
	s.m[tid] = t
	return true, nil
}
