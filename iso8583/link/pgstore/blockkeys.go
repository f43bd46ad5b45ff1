package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// BlockKeyStore is a link.TerminalKeyStore in PostgreSQL: each terminal's
// TMK and working keys as key blocks under the HSM's local master key, the
// form a Host with an HSM (link.HostConfig.HSM and Terminals) works with.
// Neither the database nor the host's memory ever holds a clear key: a
// key block is encrypted and authenticated under the LMK, which only the
// HSM has. Every host on the database shares it, so a sign-in at one host
// gives the terminal working keys every other host uses.
//
// Each host caches what it read; the Host calls Refresh when a MAC fails,
// which is how it notices a sign-in at another host.
type BlockKeyStore struct {
	pool *pgxpool.Pool

	row keyRow[link.TerminalKeyBlocks]
}

// NewBlockKeyStore returns the key-block store on s's database.
func NewBlockKeyStore(s *Store) *BlockKeyStore { return NewBlockKeyStorePool(s.pool) }

// NewBlockKeyStorePool is NewBlockKeyStore on a pool (the schema must
// exist: New applies it).
func NewBlockKeyStorePool(pool *pgxpool.Pool) *BlockKeyStore {
	s := &BlockKeyStore{pool: pool}
	s.row = keyRow[link.TerminalKeyBlocks]{
		pool: pool, table: "host_terminal_key_blocks", what: "working key blocks",
		load:   s.load,
		encode: func(_ string, tk link.TerminalKeyBlocks) ([]byte, error) { return encodeBlockSet(tk) },
		cache:  newGenCache[link.TerminalKeyBlocks](),
	}
	return s
}

// AddTerminal registers (or replaces) a terminal with its TMK (a key
// block of class hsm.TerminalMasterKey), forgetting its working keys.
func (s *BlockKeyStore) AddTerminal(ctx context.Context, tid string, tmk hsm.KeyBlock) error {
	if tmk == "" {
		return fmt.Errorf("%w: add terminal %q: no TMK", link.ErrStore, tid)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO host_terminal_key_blocks (tid, tmk, keyset, gen) VALUES ($1, $2, NULL, 1)
		ON CONFLICT (tid) DO UPDATE SET tmk = excluded.tmk, keyset = NULL, gen = host_terminal_key_blocks.gen + 1`, tid, tmk.Text())
	if err != nil {
		return fmt.Errorf("%w: add terminal %q: %w", link.ErrStore, tid, err)
	}
	s.Refresh(tid)
	return nil
}

// EnsureTerminal registers a terminal with its TMK unless it is already
// registered (hosts starting with the same terminal list leave each
// other's working keys alone). It reports whether it added the terminal.
func (s *BlockKeyStore) EnsureTerminal(ctx context.Context, tid string, tmk hsm.KeyBlock) (bool, error) {
	if tmk == "" {
		return false, fmt.Errorf("%w: add terminal %q: no TMK", link.ErrStore, tid)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO host_terminal_key_blocks (tid, tmk, keyset, gen) VALUES ($1, $2, NULL, 1) ON CONFLICT (tid) DO NOTHING`, tid, tmk.Text())
	if err != nil {
		return false, fmt.Errorf("%w: add terminal %q: %w", link.ErrStore, tid, err)
	}
	return tag.RowsAffected() == 1, nil
}

// TerminalKeyBlocks implements link.TerminalKeyStore.
func (s *BlockKeyStore) TerminalKeyBlocks(tid string) (link.TerminalKeyBlocks, error) {
	return s.row.get(tid)
}

// blockSet is the stored form of the working-key state.
type blockSet struct {
	Confirmed bool           `json:"confirmed"`
	Working   *blockWorking  `json:"working,omitempty"`
	Previous  *blockWorking  `json:"previous,omitempty"`
	Recent    []blockWorking `json:"recent,omitempty"`
}

type blockWorking struct {
	Mode keys.KeyMode `json:"mode"`
	PIN  string       `json:"pin"` // key blocks under the LMK
	MAC  string       `json:"mac"`
	Data string       `json:"data,omitempty"`
}

func toBlock(w *hsm.WorkingKeys) *blockWorking {
	if w == nil {
		return nil
	}
	return &blockWorking{Mode: w.Mode, PIN: w.PIN.Text(), MAC: w.MAC.Text(), Data: w.Data.Text()}
}

func (b *blockWorking) keys() *hsm.WorkingKeys {
	if b == nil {
		return nil
	}
	return &hsm.WorkingKeys{Mode: b.Mode, PIN: hsm.KeyBlock(b.PIN), MAC: hsm.KeyBlock(b.MAC), Data: hsm.KeyBlock(b.Data)}
}

func encodeBlockSet(tk link.TerminalKeyBlocks) ([]byte, error) {
	set := blockSet{Confirmed: tk.Confirmed, Working: toBlock(tk.Working), Previous: toBlock(tk.Previous)}
	for _, w := range tk.Recent {
		set.Recent = append(set.Recent, *toBlock(w))
	}
	return json.Marshal(set)
}

func decodeBlockSet(b []byte, tk *link.TerminalKeyBlocks) error {
	var set blockSet
	if err := json.Unmarshal(b, &set); err != nil {
		return err
	}
	tk.Confirmed, tk.Working, tk.Previous = set.Confirmed, set.Working.keys(), set.Previous.keys()
	tk.Recent = nil
	for i := range set.Recent {
		tk.Recent = append(tk.Recent, set.Recent[i].keys())
	}
	return nil
}

// load reads a terminal's key blocks.
func (s *BlockKeyStore) load(ctx context.Context, tid string) (link.TerminalKeyBlocks, int64, error) {
	var tmk string
	var set []byte
	var gen int64
	var tk link.TerminalKeyBlocks
	err := s.pool.QueryRow(ctx, "SELECT tmk, keyset, gen FROM host_terminal_key_blocks WHERE tid = $1", tid).Scan(&tmk, &set, &gen)
	if errors.Is(err, pgx.ErrNoRows) {
		return tk, 0, fmt.Errorf("%w: %q", link.ErrUnknownTerminal, tid)
	}
	if err != nil {
		return tk, 0, fmt.Errorf("%w: terminal key blocks %q: %w", link.ErrStore, tid, err)
	}
	tk.TMK = hsm.KeyBlock(tmk)
	if set != nil {
		if err := decodeBlockSet(set, &tk); err != nil {
			return tk, 0, fmt.Errorf("%w: terminal %q working key blocks: %w", link.ErrStore, tid, err)
		}
	}
	return tk, gen, nil
}

// change applies f to a terminal's key blocks and writes them back if no
// other host changed them meanwhile (gen), retrying otherwise.
func (s *BlockKeyStore) change(tid string, f func(tk link.TerminalKeyBlocks) (link.TerminalKeyBlocks, bool)) error {
	return s.row.change(tid, f)
}

// SetWorkingKeyBlocks implements link.TerminalKeyStore
// (link.TerminalKeyBlocks.Rotate). The store keeps the key blocks, not
// field 62 (the host's answer record has it), as the in-memory store does.
func (s *BlockKeyStore) SetWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	return s.change(tid, func(tk link.TerminalKeyBlocks) (link.TerminalKeyBlocks, bool) { return tk.Rotate(w), true })
}

// ConfirmWorkingKeyBlocks implements link.TerminalKeyStore
// (link.TerminalKeyBlocks.Confirm). w is a value this store returned; its
// twin in a fresh read is found by its MAC key block.
func (s *BlockKeyStore) ConfirmWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	if w == nil {
		return nil
	}
	return s.change(tid, func(tk link.TerminalKeyBlocks) (link.TerminalKeyBlocks, bool) {
		for _, c := range append([]*hsm.WorkingKeys{tk.Working}, tk.Recent...) {
			if c != nil && c.MAC == w.MAC {
				return tk.Confirm(c)
			}
		}
		return tk, false
	})
}

// Refresh drops the cached key blocks of tid: the next read goes to the
// database (another host may have signed the terminal in).
func (s *BlockKeyStore) Refresh(tid string) {
	s.row.cache.drop(tid)
}
