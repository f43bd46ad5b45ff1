package pgstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/iso8583/link"
)

// keyRow is a terminal's key set in a table of (tid, keyset, gen): the
// sealed clear keys of KeyStore or the key blocks of BlockKeyStore, with
// the host's cache of what it read. Hosts sharing the database change a
// row by optimistic concurrency: take the set with its generation,
// compute the new set, and write it only if the generation is still the
// one taken (a conditional UPDATE), else start again from the other
// host's set.
type keyRow[T any] struct {
	pool  *pgxpool.Pool
	table string // host_terminal_keys or host_terminal_key_blocks
	what  string // for errors: "working keys", "working key blocks"
	load  func(ctx context.Context, tid string) (T, int64, error)
	// encode gives the keyset column of a set; its result is wiped after
	// the UPDATE, so it may be sealed clear keys.
	encode func(tid string, v T) ([]byte, error)
	cache  *genCache[T]
}

// get returns the terminal's set: the cached one, or read and cached.
func (r keyRow[T]) get(tid string) (T, error) {
	if v, _, ok := r.cache.get(tid); ok {
		return v, nil
	}
	v, gen, err := r.load(context.Background(), tid)
	if err != nil {
		return v, err
	}
	return r.cache.offer(tid, v, gen), nil
}

// change applies f to the row of tid; f returns the new set and whether
// there is anything to write, and must not modify its argument. The first
// try starts from the cached set (a stale one costs a failed UPDATE, not a
// wrong write: the generation guards it), so a sign-in's confirmation is
// one round trip; a try on which f writes nothing is repeated on a fresh
// read. It gives up after 16 lost races.
func (r keyRow[T]) change(tid string, f func(T) (T, bool)) error {
	ctx := context.Background()
	cur, gen, cached := r.cache.get(tid)
	for range 16 {
		if !cached {
			var err error
			if cur, gen, err = r.load(ctx, tid); err != nil {
				return err
			}
		}
		next, write := f(cur)
		if !write {
			if cached {
				cached = false
				continue
			}
			r.cache.offer(tid, cur, gen)
			return nil
		}
		cached = false
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
			r.cache.put(tid, next, gen+1)
			return nil
		}
	}
	return fmt.Errorf("%w: %s %q: too many concurrent changes", link.ErrStore, r.what, tid)
}

// genCache is a host's cache of terminals' key sets with the generation
// each was read at.
type genCache[T any] struct {
	mu sync.Mutex
	m  map[string]genEntry[T]
}

type genEntry[T any] struct {
	v   T
	gen int64
}

func newGenCache[T any]() *genCache[T] { return &genCache[T]{m: make(map[string]genEntry[T])} }

func (c *genCache[T]) get(tid string) (T, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[tid]
	return e.v, e.gen, ok
}

// offer caches v read at gen unless the cache has the same or a newer
// generation, and returns what the cache holds: a caller that read the
// same generation again gets the cached pointers (the Host caches per
// working-key pointer).
func (c *genCache[T]) offer(tid string, v T, gen int64) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.m[tid]; ok && cur.gen >= gen {
		return cur.v
	}
	c.m[tid] = genEntry[T]{v, gen}
	return v
}

// put caches v, just written at gen.
func (c *genCache[T]) put(tid string, v T, gen int64) {
	c.mu.Lock()
	c.m[tid] = genEntry[T]{v, gen}
	c.mu.Unlock()
}

// drop forgets tid: the next read goes to the database.
func (c *genCache[T]) drop(tid string) {
	c.mu.Lock()
	delete(c.m, tid)
	c.mu.Unlock()
}
