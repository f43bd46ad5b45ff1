package link

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime"
	"sync"
	"weak"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/keys"
)

// KeyStoreHSM lets a host whose terminal keys live in a KeyStore of clear
// keys (MemoryKeyStore, pgstore's sealed KeyStore, a store of one's own)
// run through the HSM interface: it is a software HSM (hsm.Software, under
// a local master key of its own) and a TerminalKeyStore over the KeyStore.
// Each clear key the KeyStore returns is wrapped into a key block once (per
// pointer; the block is dropped when the KeyStore drops the key), sign-in
// keys are drawn here and recorded in the KeyStore in clear, so the
// KeyStore's semantics (Rotate, Confirm, Refresh, sealing) are unchanged.
// A Host with Keys and no HSM uses one; a host that wants its issuer or
// zone keys under the same LMK builds it with NewKeyStoreHSM and sets
// HostConfig.HSM and HostConfig.Terminals to it.
//
// Keys held this way are in the host's memory by construction; a host
// that must keep them out uses an HSM and a TerminalKeyStore of key blocks.
type KeyStoreHSM struct {
	*hsm.Software
	ks KeyStore

	mu      sync.Mutex
	tmks    map[weak.Pointer[keys.Key]]hsm.KeyBlock
	tmkOf   map[hsm.KeyBlock]weak.Pointer[keys.Key]
	sets    map[weak.Pointer[keys.WorkingKeys]]*hsm.WorkingKeys
	clearOf map[*hsm.WorkingKeys]weak.Pointer[keys.WorkingKeys]
	// pending are clear sets drawn at a sign-in and not yet in the
	// KeyStore (strong references until SetWorkingKeyBlocks).
	pending map[*hsm.WorkingKeys]*keys.WorkingKeys
}

// maxPending bounds KeyStoreHSM.pending (sign-ins drawn but never
// recorded: a store failure between the two).
const maxPending = 1024

var (
	_ hsm.HSM          = (*KeyStoreHSM)(nil)
	_ TerminalKeyStore = (*KeyStoreHSM)(nil)
)

// NewKeyStoreHSM returns a KeyStoreHSM over ks. sw is its software HSM
// (nil: one with a random AES-256 LMK of this process, whose key blocks
// mean nothing after it exits, which suits a KeyStore that keeps the clear
// keys itself).
func NewKeyStoreHSM(ks KeyStore, sw *hsm.Software) (*KeyStoreHSM, error) {
	if ks == nil {
		return nil, fmt.Errorf("%w: NewKeyStoreHSM needs a KeyStore", ErrStore)
	}
	if sw == nil {
		lmk, err := keys.Generate(keys.AES256, rand.Reader)
		if err != nil {
			return nil, err
		}
		if sw, err = hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk, CacheSize: 1 << 17}); err != nil {
			return nil, err
		}
	}
	return &KeyStoreHSM{
		Software: sw, ks: ks,
		tmks:    make(map[weak.Pointer[keys.Key]]hsm.KeyBlock),
		tmkOf:   make(map[hsm.KeyBlock]weak.Pointer[keys.Key]),
		sets:    make(map[weak.Pointer[keys.WorkingKeys]]*hsm.WorkingKeys),
		clearOf: make(map[*hsm.WorkingKeys]weak.Pointer[keys.WorkingKeys]),
		pending: make(map[*hsm.WorkingKeys]*keys.WorkingKeys),
	}, nil
}

// KeyStore returns the clear-key store underneath.
func (s *KeyStoreHSM) KeyStore() KeyStore { return s.ks }

// TerminalKeyBlocks implements TerminalKeyStore: the KeyStore's keys, each
// as the key block made for it.
func (s *KeyStoreHSM) TerminalKeyBlocks(tid string) (TerminalKeyBlocks, error) {
	_, b, err := s.terminal(tid)
	return b, err
}

// terminal returns the terminal's clear keys and their blocks.
func (s *KeyStoreHSM) terminal(tid string) (TerminalKeys, TerminalKeyBlocks, error) {
	tk, err := s.ks.Terminal(tid)
	if err != nil {
		return tk, TerminalKeyBlocks{}, err
	}
	out := TerminalKeyBlocks{Confirmed: tk.Confirmed}
	if tk.TMK != nil {
		if out.TMK, err = s.tmkBlock(tk.TMK); err != nil {
			return tk, out, err
		}
	}
	if out.Working, err = s.setBlocks(tk.Working); err != nil {
		return tk, out, err
	}
	if out.Previous, err = s.setBlocks(tk.Previous); err != nil {
		return tk, out, err
	}
	for _, r := range tk.Recent {
		b, err := s.setBlocks(r)
		if err != nil {
			return tk, out, err
		}
		out.Recent = append(out.Recent, b)
	}
	return tk, out, nil
}

func (s *KeyStoreHSM) tmkBlock(k *keys.Key) (hsm.KeyBlock, error) {
	wp := weak.Make(k)
	s.mu.Lock()
	b, ok := s.tmks[wp]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.Wrap(k, hsm.TerminalMasterKey)
	if err != nil {
		return "", fmt.Errorf("link: terminal master key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.tmks[wp]; ok {
		return old, nil
	}
	s.tmks[wp], s.tmkOf[b] = b, wp
	runtime.AddCleanup(k, func(e tmkEntry) {
		s.mu.Lock()
		delete(s.tmks, e.wp)
		delete(s.tmkOf, e.b)
		s.mu.Unlock()
	}, tmkEntry{wp, b})
	return b, nil
}

type tmkEntry struct {
	wp weak.Pointer[keys.Key]
	b  hsm.KeyBlock
}

type setEntry struct {
	wp weak.Pointer[keys.WorkingKeys]
	b  *hsm.WorkingKeys
}

// setBlocks returns the key blocks made for w (made now on first sight).
func (s *KeyStoreHSM) setBlocks(w *keys.WorkingKeys) (*hsm.WorkingKeys, error) {
	if w == nil {
		return nil, nil
	}
	wp := weak.Make(w)
	s.mu.Lock()
	b, ok := s.sets[wp]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b = &hsm.WorkingKeys{Mode: w.Mode}
	var err error
	if b.PIN, err = s.wrapOpt(w.PIN, hsm.PINKey); err != nil {
		return nil, err
	}
	if b.MAC, err = s.wrapOpt(w.MAC, hsm.MACKey); err != nil {
		return nil, err
	}
	if b.Data, err = s.wrapOpt(w.Data, hsm.DataKey); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.sets[wp]; ok {
		return old, nil
	}
	s.remember(w, wp, b)
	return b, nil
}

// remember maps w and b to each other until w is collected; s.mu is held.
func (s *KeyStoreHSM) remember(w *keys.WorkingKeys, wp weak.Pointer[keys.WorkingKeys], b *hsm.WorkingKeys) {
	s.sets[wp], s.clearOf[b] = b, wp
	runtime.AddCleanup(w, func(e setEntry) {
		s.mu.Lock()
		delete(s.sets, e.wp)
		delete(s.clearOf, e.b)
		s.mu.Unlock()
	}, setEntry{wp, b})
}

func (s *KeyStoreHSM) wrapOpt(k *keys.Key, c hsm.KeyClass) (hsm.KeyBlock, error) {
	if k == nil {
		return "", nil
	}
	b, err := s.Wrap(k, c)
	if err != nil {
		return "", fmt.Errorf("link: working %s: %w", c, err)
	}
	return b, nil
}

// clear returns the clear working keys b was made for (nil if gone).
func (s *KeyStoreHSM) clear(b *hsm.WorkingKeys) *keys.WorkingKeys {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.pending[b]; w != nil {
		return w
	}
	if wp, ok := s.clearOf[b]; ok {
		return wp.Value()
	}
	return nil
}

// GenerateWorkingKeys implements hsm.TerminalSecurity for a TMK this
// KeyStoreHSM made a block of: the keys are drawn in clear (the KeyStore
// keeps clear keys), field 62 is built under the clear TMK, and the blocks
// are remembered until SetWorkingKeyBlocks records the clear set.
func (s *KeyStoreHSM) GenerateWorkingKeys(ctx context.Context, tmk hsm.KeyBlock, m keys.KeyMode) (*hsm.WorkingKeys, error) {
	s.mu.Lock()
	wp, ok := s.tmkOf[tmk]
	s.mu.Unlock()
	var k *keys.Key
	if ok {
		k = wp.Value()
	}
	if k == nil {
		// A TMK block of the underlying HSM's own (not from the KeyStore).
		return s.Software.GenerateWorkingKeys(ctx, tmk, m)
	}
	w, err := keys.NewWorkingKeys(rand.Reader, m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", hsm.ErrInput, err)
	}
	f62, err := keys.EncodeField62(k, w)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", hsm.ErrInput, err)
	}
	b, err := s.setBlocks(w)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.pending) >= maxPending {
		clear(s.pending)
	}
	s.pending[b] = w
	s.mu.Unlock()
	out := *b
	out.Field62 = f62
	return &out, nil
}

// SetWorkingKeyBlocks implements TerminalKeyStore: the clear keys behind w
// go to the KeyStore.
func (s *KeyStoreHSM) SetWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	c, b := s.twin(w)
	if c == nil {
		return fmt.Errorf("%w: working keys for %q were not drawn by this KeyStoreHSM", ErrStore, tid)
	}
	if err := s.ks.SetWorkingKeys(tid, c); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.pending, b)
	s.mu.Unlock()
	return nil
}

// twin finds the clear set of w, which is a set this type returned or a
// copy of one (GenerateWorkingKeys returns a copy with field 62).
func (s *KeyStoreHSM) twin(w *hsm.WorkingKeys) (*keys.WorkingKeys, *hsm.WorkingKeys) {
	if w == nil {
		return nil, nil
	}
	if c := s.clear(w); c != nil {
		return c, w
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for b, c := range s.pending {
		if b.MAC == w.MAC {
			return c, b
		}
	}
	return nil, nil
}

// ConfirmWorkingKeyBlocks implements TerminalKeyStore through the
// KeyStore's ConfirmWorkingKeys (a KeyStore that is not a
// ConfirmingKeyStore keeps no unconfirmed sets: nothing to do).
func (s *KeyStoreHSM) ConfirmWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	c, ok := s.ks.(ConfirmingKeyStore)
	if !ok {
		return nil
	}
	clearSet, _ := s.twin(w)
	if clearSet == nil {
		return nil
	}
	return c.ConfirmWorkingKeys(tid, clearSet)
}

// Refresh passes the host's reload request to a KeyStore that has one.
func (s *KeyStoreHSM) Refresh(tid string) {
	if r, ok := s.ks.(interface{ Refresh(string) }); ok {
		r.Refresh(tid)
	}
}
