package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/iso8583/link"
)

// keyRow is a terminal's key set in a table of (tid, keyset, gen): the
// sealed clear keys of KeyStore or the key blocks of BlockKeyStore. Hosts
// sharing the database change a row by optimistic concurrency: read it
// with its generation, compute the new set, and write it only if the
// generation is still the one read (a conditional UPDATE), else start
// again with the other host's set.
type keyRow[T any] struct {
	pool  *pgxpool.Pool
	table string // host_terminal_keys or host_terminal_key_blocks
	what  string // for errors: "working keys", "working key blocks"
	load  func(ctx context.Context, tid string) (T, int64, error)
	// encode gives the keyset column of a set; its result is wiped after
	// the UPDATE, so it may be sealed clear keys.
	encode func(tid string, v T) ([]byte, error)
	// done records what the row now holds: the set written at gen, or
	// (wrote false) the set read at gen when f changed nothing.
	done func(tid string, v T, gen int64, wrote bool)
}

// change applies f to the row of tid; f returns the new set and whether
// there is anything to write. It gives up after 16 lost races.
func (r keyRow[T]) change(tid string, f func(T) (T, bool)) error {
	ctx := context.Background()
	for range 16 {
		cur, gen, err := r.load(ctx, tid)
		if err != nil {
			return err
		}
		next, write := f(cur)
		if !write {
			r.done(tid, cur, gen, false)
			return nil
		}
		col, err := r.encode(tid, next)
		if err != nil {
			return fmt.Errorf("%w: %s %q: %w", link.ErrStore, r.what, tid, err)
		}
		tag, err := r.pool.Exec(ctx, "UPDATE "+r.table+" SET keyset = $2, gen = gen + 1 WHERE tid = $1 AND gen = $3", tid, col, gen)
		wipe(col)
		if err != nil {
			return fmt.Errorf("%w: %s %q: %w", link.ErrStore, r.what, tid, err)
		}
		if tag.RowsAffected() == 1 {
			r.done(tid, next, gen+1, true)
			return nil
		}
	}
	return fmt.Errorf("%w: %s %q: too many concurrent changes", link.ErrStore, r.what, tid)
}
