package pgstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

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

	row keyRow[link.TerminalKeys]
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
	s := &KeyStore{pool: pool, aead: a}
	s.row = keyRow[link.TerminalKeys]{
		pool: pool, table: "host_terminal_keys", what: "working keys",
		load: s.load, encode: s.sealKeySet, cache: newGenCache[link.TerminalKeys](),
	}
	return s, nil
}

// sealKeySet is the keyset column of tk: its working keys sealed.
func (s *KeyStore) sealKeySet(tid string, tk link.TerminalKeys) ([]byte, error) {
	clear := encodeKeySet(tk)
	defer wipe(clear)
	return s.seal(tid, "keyset", clear)
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
	_, err = s.pool.Exec(ctx, `INSERT INTO host_terminal_keys (tid, tmk, keyset, gen) VALUES ($1, $2, NULL, 1)
		ON CONFLICT (tid) DO UPDATE SET tmk = excluded.tmk, keyset = NULL, gen = host_terminal_keys.gen + 1`, tid, sealed)
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
	tag, err := s.pool.Exec(ctx, `INSERT INTO host_terminal_keys (tid, tmk, keyset, gen) VALUES ($1, $2, NULL, 1) ON CONFLICT (tid) DO NOTHING`, tid, sealed)
	if err != nil {
		return false, fmt.Errorf("%w: add terminal %q: %w", link.ErrStore, tid, err)
	}
	return tag.RowsAffected() == 1, nil
}

func wipe(b []byte) { clear(b) }

// Terminal implements link.KeyStore.
func (s *KeyStore) Terminal(tid string) (link.TerminalKeys, error) { return s.row.get(tid) }

// load reads and opens a terminal's keys.
func (s *KeyStore) load(ctx context.Context, tid string) (link.TerminalKeys, int64, error) {
	var tmkSealed, setSealed []byte
	var gen int64
	var tk link.TerminalKeys
	err := s.pool.QueryRow(ctx, "SELECT tmk, keyset, gen FROM host_terminal_keys WHERE tid = $1", tid).Scan(&tmkSealed, &setSealed, &gen)
	if errors.Is(err, pgx.ErrNoRows) {
		return tk, 0, fmt.Errorf("%w: %q", link.ErrUnknownTerminal, tid)
	}
	if err != nil {
		return tk, 0, fmt.Errorf("%w: terminal keys %q: %w", link.ErrStore, tid, err)
	}
	b, err := s.open(tid, "tmk", tmkSealed)
	if err != nil {
		return tk, 0, err
	}
	tk.TMK, _, err = decodeKey(b)
	wipe(b)
	if err != nil {
		return tk, 0, fmt.Errorf("%w: terminal %q TMK: %w", ErrSealed, tid, err)
	}
	if setSealed != nil {
		b, err := s.open(tid, "keyset", setSealed)
		if err != nil {
			return tk, 0, err
		}
		err = decodeKeySet(b, &tk)
		wipe(b)
		if err != nil {
			return tk, 0, fmt.Errorf("%w: terminal %q working keys: %w", ErrSealed, tid, err)
		}
	}
	return tk, gen, nil
}

// The key set: flags (bit 0 confirmed), then working, previous and the
// recent ones, each a presence byte and a working-key record.
func encodeKeySet(tk link.TerminalKeys) []byte {
	var flags byte
	if tk.Confirmed {
		flags = 1
	}
	out := []byte{flags, byte(len(tk.Recent))}
	for _, w := range append([]*keys.WorkingKeys{tk.Working, tk.Previous}, tk.Recent...) {
		if w == nil {
			out = append(out, 0)
			continue
		}
		out = append(out, 1, byte(w.Mode))
		for _, k := range []*keys.Key{w.PIN, w.MAC, w.Data} {
			out = encodeKey(out, k)
		}
	}
	return out
}

func decodeKeySet(b []byte, tk *link.TerminalKeys) error {
	if len(b) < 2 {
		return errors.New("short record")
	}
	tk.Confirmed = b[0]&1 != 0
	n := int(b[1])
	rest := b[2:]
	sets := make([]*keys.WorkingKeys, 2+n)
	for i := range sets {
		if len(rest) < 1 {
			return errors.New("short record")
		}
		if rest[0] == 0 {
			rest = rest[1:]
			continue
		}
		if len(rest) < 2 {
			return errors.New("short record")
		}
		w := &keys.WorkingKeys{Mode: keys.KeyMode(rest[1])}
		rest = rest[2:]
		var err error
		for _, slot := range []**keys.Key{&w.PIN, &w.MAC, &w.Data} {
			if *slot, rest, err = decodeKey(rest); err != nil {
				return err
			}
		}
		sets[i] = w
	}
	tk.Working, tk.Previous, tk.Recent = sets[0], sets[1], sets[2:]
	if len(tk.Recent) == 0 {
		tk.Recent = nil
	}
	return nil
}

// change applies f to a terminal's keys and writes them back if no other
// host changed them meanwhile (gen), retrying otherwise.
func (s *KeyStore) change(tid string, f func(tk link.TerminalKeys) (link.TerminalKeys, bool)) error {
	return s.row.change(tid, f)
}

// SetWorkingKeys implements link.KeyStore: the keys a sign-in issued
// become Working; the last confirmed ones stay as Previous, unconfirmed
// ones move to Recent (link.TerminalKeys.Rotate).
func (s *KeyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	return s.change(tid, func(tk link.TerminalKeys) (link.TerminalKeys, bool) { return tk.Rotate(w), true })
}

// ConfirmWorkingKeys implements link.ConfirmingKeyStore.
func (s *KeyStore) ConfirmWorkingKeys(tid string, w *keys.WorkingKeys) error {
	// w is a value from this store's cache; find its twin in the
	// database by MAC key (a fresh load has fresh pointers).
	return s.change(tid, func(tk link.TerminalKeys) (link.TerminalKeys, bool) {
		for _, c := range append([]*keys.WorkingKeys{tk.Working}, tk.Recent...) {
			if c != nil && w != nil && c.MAC.Equal(w.MAC) {
				next, ok := tk.Confirm(c)
				return next, ok
			}
		}
		return tk, false
	})
}

// Refresh drops the cached keys of tid: the next Terminal reads them
// again (another host may have signed the terminal in).
func (s *KeyStore) Refresh(tid string) {
	s.row.cache.drop(tid)
}
