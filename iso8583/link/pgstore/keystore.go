package pgstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// ErrSealed reports a key record that does not authenticate under the
// key encryption key (another KEK, or a tampered row).
var ErrSealed = errors.New("pgstore: terminal keys do not authenticate")

// KeyStore is a link.KeyStore in PostgreSQL, shared by every host on the
// database: a sign-in at one host gives the terminal working keys every
// other host uses. Keys are sealed with XChaCha20-Poly1305 under a key
// encryption key the hosts hold (from an HSM or a secrets manager), bound
// to the terminal ID and column: the database never holds a clear key.
//
// Each host caches what it read; Host reloads a terminal's keys when a
// MAC fails (Refresh), which is how it notices a sign-in at another host.
type KeyStore struct {
	pool *pgxpool.Pool
	aead interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		NonceSize() int
	}

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	tk  link.TerminalKeys
	gen int64
}

// NewKeyStore returns the key store on s's database, sealing under kek
// (32 bytes).
func NewKeyStore(s *Store, kek []byte) (*KeyStore, error) {
	return NewKeyStorePool(s.pool, kek)
}

// NewKeyStorePool is NewKeyStore on a pool.
func NewKeyStorePool(pool *pgxpool.Pool, kek []byte) (*KeyStore, error) {
	a, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, fmt.Errorf("pgstore: key encryption key: %w", err)
	}
	return &KeyStore{pool: pool, aead: a, cache: make(map[string]cached)}, nil
}

func (s *KeyStore) seal(tid, col string, clear []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(clear)+16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, clear, []byte("possdk/host_terminal_keys/"+col+"/"+tid)), nil
}

func (s *KeyStore) open(tid, col string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, fmt.Errorf("%w: terminal %q %s", ErrSealed, tid, col)
	}
	b, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte("possdk/host_terminal_keys/"+col+"/"+tid))
	if err != nil {
		return nil, fmt.Errorf("%w: terminal %q %s", ErrSealed, tid, col)
	}
	return b, nil
}

// encodeKey writes algorithm, usage and the key bytes.
func encodeKey(dst []byte, k *keys.Key) []byte {
	if k == nil {
		return append(dst, 0)
	}
	b := k.ClearBytes()
	dst = append(dst, 1, byte(k.Algorithm()), byte(k.Usage()), byte(len(b)))
	dst = append(dst, b...)
	clear(b)
	return dst
}

func decodeKey(b []byte) (*keys.Key, []byte, error) {
	if len(b) < 1 {
		return nil, nil, errors.New("short key record")
	}
	if b[0] == 0 {
		return nil, b[1:], nil
	}
	if len(b) < 4 || len(b) < 4+int(b[3]) {
		return nil, nil, errors.New("short key record")
	}
	alg, usage, n := keys.Algorithm(b[1]), keys.Usage(b[2]), int(b[3])
	k, err := keys.New(alg, b[4:4+n], keys.WithUsage(usage))
	if err != nil {
		k, err = keys.New(alg, b[4:4+n], keys.WithUsage(usage), keys.Legacy())
	}
	if err != nil {
		return nil, nil, err
	}
	return k, b[4+n:], nil
}

// AddTerminal registers (or replaces) a terminal with its TMK, forgetting
// its working keys.
func (s *KeyStore) AddTerminal(ctx context.Context, tid string, tmk *keys.Key) error {
	clear := encodeKey(nil, tmk)
	sealed, err := s.seal(tid, "tmk", clear)
	wipe(clear)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO host_terminal_keys (tid, tmk, working, gen) VALUES ($1, $2, NULL, 1)
		ON CONFLICT (tid) DO UPDATE SET tmk = excluded.tmk, working = NULL, gen = host_terminal_keys.gen + 1,
		signin_stan = NULL, signin_at = NULL`, tid, sealed)
	if err != nil {
		return fmt.Errorf("%w: add terminal %q: %w", link.ErrStore, tid, err)
	}
	s.Refresh(tid)
	return nil
}

// EnsureTerminal registers a terminal with its TMK unless it is already
// registered (hosts starting up with the same terminal list leave each
// other's working keys alone). It reports whether it added the terminal.
func (s *KeyStore) EnsureTerminal(ctx context.Context, tid string, tmk *keys.Key) (bool, error) {
	clear := encodeKey(nil, tmk)
	sealed, err := s.seal(tid, "tmk", clear)
	wipe(clear)
	if err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO host_terminal_keys (tid, tmk, working, gen) VALUES ($1, $2, NULL, 1) ON CONFLICT (tid) DO NOTHING`, tid, sealed)
	if err != nil {
		return false, fmt.Errorf("%w: add terminal %q: %w", link.ErrStore, tid, err)
	}
	return tag.RowsAffected() == 1, nil
}

func wipe(b []byte) { clear(b) }

// Terminal implements link.KeyStore.
func (s *KeyStore) Terminal(tid string) (link.TerminalKeys, error) {
	s.mu.Lock()
	c, ok := s.cache[tid]
	s.mu.Unlock()
	if ok {
		return c.tk, nil
	}
	ctx := context.Background()
	var tmkSealed, wSealed []byte
	var gen int64
	err := s.pool.QueryRow(ctx, "SELECT tmk, working, gen FROM host_terminal_keys WHERE tid = $1", tid).Scan(&tmkSealed, &wSealed, &gen)
	if errors.Is(err, pgx.ErrNoRows) {
		return link.TerminalKeys{}, fmt.Errorf("%w: %q", link.ErrUnknownTerminal, tid)
	}
	if err != nil {
		return link.TerminalKeys{}, fmt.Errorf("%w: terminal keys %q: %w", link.ErrStore, tid, err)
	}
	var tk link.TerminalKeys
	b, err := s.open(tid, "tmk", tmkSealed)
	if err != nil {
		return tk, err
	}
	tk.TMK, _, err = decodeKey(b)
	wipe(b)
	if err != nil {
		return tk, fmt.Errorf("%w: terminal %q TMK: %w", ErrSealed, tid, err)
	}
	if wSealed != nil {
		b, err := s.open(tid, "working", wSealed)
		if err != nil {
			return tk, err
		}
		w, err := decodeWorking(b)
		wipe(b)
		if err != nil {
			return tk, fmt.Errorf("%w: terminal %q working keys: %w", ErrSealed, tid, err)
		}
		tk.Working = w
	}
	s.mu.Lock()
	if cur, ok := s.cache[tid]; !ok || cur.gen < gen {
		s.cache[tid] = cached{tk: tk, gen: gen}
	} else {
		tk = cur.tk
	}
	s.mu.Unlock()
	return tk, nil
}

func decodeWorking(b []byte) (*keys.WorkingKeys, error) {
	if len(b) < 1 {
		return nil, errors.New("short record")
	}
	w := &keys.WorkingKeys{Mode: keys.KeyMode(b[0])}
	rest := b[1:]
	var err error
	for _, slot := range []**keys.Key{&w.PIN, &w.MAC, &w.Data} {
		if *slot, rest, err = decodeKey(rest); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// SetWorkingKeys implements link.KeyStore.
func (s *KeyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	_, err := s.setWorking(tid, w, nil, time.Time{})
	return err
}

// SetWorkingKeysFor implements link.OrderedKeyStore in one statement: the
// row changes only when no later sign-in installed keys within
// link.SignInOrderWindow.
func (s *KeyStore) SetWorkingKeysFor(tid string, w *keys.WorkingKeys, stan uint32, now time.Time) (bool, error) {
	st := int64(stan)
	return s.setWorking(tid, w, &st, now)
}

func (s *KeyStore) setWorking(tid string, w *keys.WorkingKeys, stan *int64, now time.Time) (bool, error) {
	clear := []byte{byte(w.Mode)}
	for _, k := range []*keys.Key{w.PIN, w.MAC, w.Data} {
		clear = encodeKey(clear, k)
	}
	sealed, err := s.seal(tid, "working", clear)
	wipe(clear)
	if err != nil {
		return false, err
	}
	ctx := context.Background()
	var gen int64
	if stan == nil {
		err = s.pool.QueryRow(ctx, "UPDATE host_terminal_keys SET working = $2, gen = gen + 1 WHERE tid = $1 RETURNING gen", tid, sealed).Scan(&gen)
	} else {
		err = s.pool.QueryRow(ctx, `UPDATE host_terminal_keys SET working = $2, gen = gen + 1, signin_stan = $3, signin_at = $4
			WHERE tid = $1 AND NOT (signin_stan IS NOT NULL AND signin_at > $4::timestamptz - $5::interval
				AND ((signin_stan - $3 + 1000000) % 1000000) BETWEEN 1 AND 499999)
			RETURNING gen`, tid, sealed, *stan, now, link.SignInOrderWindow).Scan(&gen)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := s.pool.QueryRow(ctx, "SELECT true FROM host_terminal_keys WHERE tid = $1", tid).Scan(&exists); err == nil {
				return false, nil // a later sign-in's keys stay
			}
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("%w: %q", link.ErrUnknownTerminal, tid)
	}
	if err != nil {
		return false, fmt.Errorf("%w: working keys %q: %w", link.ErrStore, tid, err)
	}
	s.mu.Lock()
	if c, ok := s.cache[tid]; ok {
		c.tk.Working, c.gen = w, gen
		s.cache[tid] = c
	}
	s.mu.Unlock()
	return true, nil
}

// Refresh drops the cached keys of tid: the next Terminal reads them
// again (another host may have signed the terminal in).
func (s *KeyStore) Refresh(tid string) {
	s.mu.Lock()
	delete(s.cache, tid)
	s.mu.Unlock()
}
