package link

import "github.com/possdk/pos/keys"

// TerminalKeys are a terminal's keys as the host holds them: the terminal
// master key (TMK, loaded at installation) and the working keys issued at
// the last sign-in (nil before the first).
type TerminalKeys struct {
	TMK *keys.Key
	// Working are the working keys issued last.
	Working *keys.WorkingKeys
	// Confirmed: the terminal has MACed a request with Working.
	Confirmed bool
	// Previous are the last working keys the terminal proved it had,
	// kept while Working is unconfirmed; Recent the other keys issued
	// since (newest first, at most MaxUnconfirmedKeys). A sign-in the
	// terminal did not make (anyone can send an 0800 naming a terminal),
	// did not complete, or that finished after its next one therefore
	// cannot lock it out: the host verifies against each and confirms
	// the set the terminal uses, which drops the others.
	Previous *keys.WorkingKeys
	Recent   []*keys.WorkingKeys
}

// MaxUnconfirmedKeys bounds TerminalKeys.Recent.
const MaxUnconfirmedKeys = 3

// Rotate returns t with w issued: the last confirmed keys stay as
// Previous, unconfirmed ones move to Recent.
func (t TerminalKeys) Rotate(w *keys.WorkingKeys) TerminalKeys {
	return t.with(t.set().rotate(w))
}

// Confirm returns t with w (Working or one of Recent) as the terminal's
// confirmed keys, the others dropped, and whether w was one of them.
func (t TerminalKeys) Confirm(w *keys.WorkingKeys) (TerminalKeys, bool) {
	s, ok := t.set().confirm(w)
	return t.with(s), ok
}

func (t TerminalKeys) set() keySet[*keys.WorkingKeys] {
	return keySet[*keys.WorkingKeys]{t.Working, t.Confirmed, t.Previous, t.Recent}
}

func (t TerminalKeys) with(s keySet[*keys.WorkingKeys]) TerminalKeys {
	t.Working, t.Confirmed, t.Previous, t.Recent = s.working, s.confirmed, s.previous, s.recent
	return t
}

// ConfirmingKeyStore is a KeyStore that keeps the keys of unconfirmed
// sign-ins (TerminalKeys.Previous and Recent). The Host calls
// ConfirmWorkingKeys on the first request that verifies under w when w is
// not yet confirmed.
type ConfirmingKeyStore interface {
	KeyStore
	ConfirmWorkingKeys(tid string, w *keys.WorkingKeys) error
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
	memKeys[TerminalKeys, *keys.WorkingKeys]
}

// NewMemoryKeyStore returns an empty store.
func NewMemoryKeyStore() *MemoryKeyStore {
	return &MemoryKeyStore{newMemKeys[TerminalKeys, *keys.WorkingKeys]()}
}

// AddTerminal registers a terminal with its TMK, forgetting any working
// keys it had.
func (s *MemoryKeyStore) AddTerminal(tid string, tmk *keys.Key) { s.put(tid, TerminalKeys{TMK: tmk}) }

// Terminal implements KeyStore.
func (s *MemoryKeyStore) Terminal(tid string) (TerminalKeys, error) { return s.get(tid) }

// SetWorkingKeys implements KeyStore.
func (s *MemoryKeyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	return s.rotate(tid, w)
}

// ConfirmWorkingKeys implements ConfirmingKeyStore.
func (s *MemoryKeyStore) ConfirmWorkingKeys(tid string, w *keys.WorkingKeys) error {
	return s.confirm(tid, w)
}
