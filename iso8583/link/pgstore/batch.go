package pgstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/possdk/pos/iso8583/link"
)

// Group commit. The fast path's statements (a request's claim, its
// answer) are single-row writes that many requests make at the same
// moment. Run one by one, each is a transaction: a round trip, a
// backend wake-up and a commit (WAL flush) per statement, and on a small
// machine the database's CPU, not the disk, is the limit. The batcher
// queues them and sends whatever is waiting as one pipelined batch that
// PostgreSQL runs as one implicit transaction (one Sync, one commit).
//
// Safety, statement by statement:
//   - a caller hears its result only after the batch committed (the
//     batch's Close read ReadyForQuery without error), so "recorded"
//     still means durable;
//   - a batch is all or nothing: when any statement fails the database
//     rolls back the rest, and each statement is then run again on its
//     own, so one bad request never fails its neighbours;
//   - a batch's statements are sorted by key, as Update locks its rows,
//     so two batches in flight (or a batch and an Update) take row locks
//     in one order and cannot deadlock; a deadlock the database reports
//     anyway is retried one by one like any failure;
//   - a caller that gives up (its context ends) stops waiting, but its
//     statement may still commit — exactly as a single statement whose
//     caller gave up after sending it. The host treats both the same
//     way: an unrecorded claim is taken over after its lease, an
//     unrecorded answer makes the host answer nothing (the terminal
//     reverses).
//
// With no concurrency a batch is one statement and costs what it did
// before; under load batches grow to what arrived during the previous
// round trip.
type batcher struct {
	s    *Store
	ops  chan *batchOp
	max  int
	stop chan struct{}
	wg   sync.WaitGroup

	batches, statements, failed atomic.Int64
}

// Stats counts the group commits of a Store since it opened.
type Stats struct {
	// Batches is how many transactions carried claims and answers;
	// Statements how many claims and answers they carried (Statements /
	// Batches is the mean batch size).
	Batches, Statements int64
	// FailedBatches counts batches the database refused, whose
	// statements were then run one by one.
	FailedBatches int64
}

// Stats returns the group-commit counts (zero with group commit off).
func (s *Store) Stats() Stats {
	if s.batch == nil {
		return Stats{}
	}
	return Stats{Batches: s.batch.batches.Load(), Statements: s.batch.statements.Load(), FailedBatches: s.batch.failed.Load()}
}

// batchOp is one statement waiting for its batch.
type batchOp struct {
	key  link.TxnKey
	what string // "create", "finish": for errors
	sql  string
	args []any
	done chan batchResult // buffered: the worker never blocks on a caller that left
}

type batchResult struct {
	rows int64
	err  error
}

// Batching defaults: workers (batches in flight at once) and the most
// statements in one batch.
const (
	DefaultBatchWorkers = 2
	DefaultBatchMax     = 128
)

// batchTimeout bounds one batch (or one statement run on its own): a
// worker never waits forever on a database that stopped answering.
const batchTimeout = 30 * time.Second

func newBatcher(s *Store, workers, max int) *batcher {
	b := &batcher{s: s, ops: make(chan *batchOp, workers*max), max: max, stop: make(chan struct{})}
	for range workers {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// close stops the workers after they have run what is queued.
func (b *batcher) close() {
	close(b.stop)
	b.wg.Wait()
}

// exec queues one statement and waits for its result.
func (b *batcher) exec(ctx context.Context, op *batchOp) (int64, error) {
	op.done = make(chan batchResult, 1)
	select {
	case b.ops <- op:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-b.stop:
		return 0, fmt.Errorf("%w: store closed", link.ErrStore)
	}
	select {
	case r := <-op.done:
		return r.rows, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (b *batcher) work() {
	defer b.wg.Done()
	batch := make([]*batchOp, 0, b.max)
	for {
		batch = batch[:0]
		select {
		case op := <-b.ops:
			batch = append(batch, op)
		case <-b.stop:
			// Run what is still queued, then stop.
			for {
				select {
				case op := <-b.ops:
					b.run([]*batchOp{op})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < b.max {
			select {
			case op := <-b.ops:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		b.run(batch)
	}
}

// run executes batch as one transaction, or each statement on its own if
// that fails.
func (b *batcher) run(batch []*batchOp) {
	b.statements.Add(int64(len(batch)))
	if len(batch) > 1 {
		b.batches.Add(1)
		slices.SortStableFunc(batch, func(x, y *batchOp) int { return x.key.Compare(y.key) })
		if rows, err := b.send(batch); err == nil {
			for i, op := range batch {
				op.done <- batchResult{rows: rows[i]}
			}
			return
		}
		b.failed.Add(1)
	}
	for _, op := range batch {
		if len(batch) == 1 {
			b.batches.Add(1)
		}
		op.done <- b.one(op)
	}
}

// send runs the batch as one pipelined implicit transaction (its
// statements in key order) and returns each statement's row count once
// the transaction committed. Two claims of one key in one batch: the
// first inserts, the second finds the row (0 rows), as at two moments.
func (b *batcher) send(batch []*batchOp) ([]int64, error) {
	// The batch outlives any one caller.
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	conn, err := b.s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	var pb pgx.Batch
	for _, op := range batch {
		pb.Queue(op.sql, op.args...)
	}
	br := conn.SendBatch(ctx, &pb)
	rows := make([]int64, len(batch))
	var first error
	for i := range batch {
		tag, err := br.Exec()
		if err != nil && first == nil {
			first = err
		}
		rows[i] = tag.RowsAffected()
	}
	// Close reads the Sync's ReadyForQuery: the commit. Only after it
	// are the results true.
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	if first != nil {
		if isConnErr(first) {
			conn.Conn().PgConn().Close(ctx) //nolint:errcheck // the pool drops it
		}
		return nil, first
	}
	return rows, nil
}

// one runs op by itself (its own transaction), retrying what a retry
// resolves.
func (b *batcher) one(op *batchOp) batchResult {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	var (
		tag pgconn.CommandTag
		err error
	)
	for range 5 {
		tag, err = b.s.pool.Exec(ctx, op.sql, op.args...)
		if err == nil || !retryable(err) {
			break
		}
	}
	if err != nil {
		return batchResult{err: fmt.Errorf("%w: %s %s: %w", link.ErrStore, op.what, op.key, err)}
	}
	return batchResult{rows: tag.RowsAffected()}
}
