package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key hosts starting at once take
// while they migrate (one migrates, the others then find nothing to do).
const migrationLock = 0x706f7373_64_6b // "possdk"

// Store is a link.Store in PostgreSQL. Several hosts (processes,
// machines) open the same database and share its state: every Update is
// one transaction that locks the rows it reads (SELECT … FOR UPDATE, in
// key order, so two hosts never deadlock), and a record created by two
// hosts at once is inserted by one of them (the primary key decides; the
// other retries and finds it).
type Store struct {
	pool  *pgxpool.Pool
	batch *batcher // nil: no group commit

	seqMu sync.Mutex
	seqs  map[string]*seqBlock
}

// seqBlock is a block of sequence values this Store hands out without a
// round trip: nextval n reserves [n·seqBlockSize, (n+1)·seqBlockSize).
type seqBlock struct{ next, end uint64 }

const seqBlockSize = 64

// Open connects to the database at url (a PostgreSQL URL or DSN, e.g.
// "postgres://user@host:5432/db"), applies the embedded schema
// migrations it does not have yet, and returns the store. Close it when
// done.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("%w: postgres URL: %w", link.ErrStore, err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	return New(ctx, Config{Pool: cfg})
}

// Config configures a Store.
type Config struct {
	// Pool is the connection pool's configuration (required; from
	// pgxpool.ParseConfig).
	Pool *pgxpool.Config
	// BatchWorkers is how many group-commit batches may be in flight at
	// once (see batch.go): 0 means DefaultBatchWorkers; a negative
	// number turns group commit off (every claim and answer is its own
	// transaction).
	BatchWorkers int
	// BatchMax is the most statements in one batch (0:
	// DefaultBatchMax).
	BatchMax int
}

// New connects with cfg, applies the embedded schema migrations the
// database does not have yet, and returns the store. Close it when done.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Pool == nil {
		return nil, fmt.Errorf("%w: pgstore.Config without a Pool", link.ErrStore)
	}
	if cfg.BatchMax < 0 {
		return nil, fmt.Errorf("%w: pgstore.Config.BatchMax %d is negative", link.ErrStore, cfg.BatchMax)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", link.ErrStore, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if cfg.BatchWorkers >= 0 {
		w, m := cfg.BatchWorkers, cfg.BatchMax
		if w == 0 {
			w = DefaultBatchWorkers
		}
		if m == 0 {
			m = DefaultBatchMax
		}
		s.batch = newBatcher(s, w, m)
	}
	return s, nil
}

// Pool returns the connection pool (for a KeyStore on the same database).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close runs what is queued for group commit and closes the
// connections.
func (s *Store) Close() {
	if s.batch != nil {
		s.batch.close()
	}
	s.pool.Close()
}

// migrate applies migrations/NNN_*.sql in order, each in a transaction
// with its version recorded, under an advisory lock.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%w: migrate: %w", link.ErrStore, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("%w: migrate: %w", link.ErrStore, err)
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS possdk_migrations (version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())"); err != nil {
		return fmt.Errorf("%w: migrate: %w", link.ErrStore, err)
	}
	var have int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM possdk_migrations").Scan(&have); err != nil {
		return fmt.Errorf("%w: migrate: %w", link.ErrStore, err)
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("%w: migration %s has no version number", link.ErrStore, base)
		}
		if v <= have {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("%w: migration %s: %w", link.ErrStore, base, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO possdk_migrations (version) VALUES ($1)", v); err != nil {
			return fmt.Errorf("%w: migration %s: %w", link.ErrStore, base, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%w: migrate: %w", link.ErrStore, err)
	}
	return nil
}

const txnColumns = `tid, batch, stan, mti, kind, state, fingerprint, amount, card_hash, card_masked,
	rc, auth_code, rrn, local_time, local_date, settlement_date, add_response, add_data, add_amounts, issuer_data, keys,
	approved, reversed, voided, refunded, completed, orig_tid, orig_batch, orig_stan, orig_mti,
	settled, owner, lease, created`

func scanTxn(row pgx.Row) (*link.HostTxn, error) {
	var (
		r                                   link.HostTxn
		batch, stan                         int64
		kind, state                         int16
		fp, ch                              []byte
		rc                                  string
		otid, omti                          *string
		obatch, ostan                       *int64
		lease, created                      time.Time
		localTime, localDate, settlementDat string
		issuerData, keyData                 []byte
	)
	err := row.Scan(&r.Key.TID, &batch, &stan, &r.Key.MTI, &kind, &state, &fp, &r.Amount, &ch, &r.CardMasked,
		&rc, &r.Answer.AuthCode, &r.Answer.RRN, &localTime, &localDate, &settlementDat,
		&r.Answer.AdditionalResponse, &r.Answer.AdditionalData, &r.Answer.AdditionalAmounts, &issuerData, &keyData,
		&r.Approved, &r.Reversed, &r.Voided, &r.Refunded, &r.Completed, &otid, &obatch, &ostan, &omti,
		&r.Settled, &r.Owner, &lease, &created)
	if err != nil {
		return nil, err
	}
	r.Key.Batch, r.Key.STAN = uint32(batch), uint32(stan)
	r.Kind, r.State = iso8583.Kind(kind), link.HostState(state)
	copy(r.Fingerprint[:], fp)
	copy(r.CardHash[:], ch)
	r.Answer.RC = iso8583.ResponseCode(rc)
	r.Answer.IssuerData, r.Answer.Keys = iso8583.Hidden(issuerData), iso8583.Hidden(keyData)
	r.Answer.LocalTime, r.Answer.LocalDate, r.Answer.SettlementDate = localTime, localDate, settlementDat
	if otid != nil && obatch != nil && ostan != nil && omti != nil {
		r.Orig = &link.TxnKey{TID: *otid, Batch: uint32(*obatch), STAN: uint32(*ostan), MTI: *omti}
	}
	r.Lease, r.Created = lease.UTC(), created.UTC()
	return &r, nil
}

// args returns r's column values in txnColumns order.
func args(r *link.HostTxn) []any {
	var otid, omti any
	var obatch, ostan any
	if r.Orig != nil {
		otid, obatch, ostan, omti = r.Orig.TID, int64(r.Orig.Batch), int64(r.Orig.STAN), r.Orig.MTI
	}
	return []any{
		r.Key.TID, int64(r.Key.Batch), int64(r.Key.STAN), r.Key.MTI, int16(r.Kind), int16(r.State), r.Fingerprint[:], r.Amount,
		r.CardHash[:], r.CardMasked, string(r.Answer.RC), r.Answer.AuthCode, r.Answer.RRN, r.Answer.LocalTime, r.Answer.LocalDate,
		r.Answer.SettlementDate, r.Answer.AdditionalResponse, r.Answer.AdditionalData, r.Answer.AdditionalAmounts, []byte(r.Answer.IssuerData), []byte(r.Answer.Keys),
		r.Approved, r.Reversed, r.Voided, r.Refunded, r.Completed, otid, obatch, ostan, omti,
		r.Settled, r.Owner, r.Lease, r.Created,
	}
}

var (
	insertSQL = func() string {
		n := len(strings.Split(txnColumns, ","))
		ph := make([]string, n)
		for i := range ph {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
		return "INSERT INTO host_txn (" + txnColumns + ") VALUES (" + strings.Join(ph, ", ") + ") ON CONFLICT DO NOTHING"
	}()
	updateSQL = func() string {
		cols := strings.Split(txnColumns, ",")
		var set []string
		for i, c := range cols[4:] {
			set = append(set, strings.TrimSpace(c)+" = $"+strconv.Itoa(i+5))
		}
		return "UPDATE host_txn SET " + strings.Join(set, ", ") + " WHERE tid = $1 AND batch = $2 AND stan = $3 AND mti = $4"
	}()
)

// errRetry makes Update run again (a record was created by another host
// at the same moment).
var errRetry = errors.New("pgstore: retry")

// retryable reports a conflict another attempt resolves.
func retryable(err error) bool {
	if errors.Is(err, errRetry) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "23505": // serialization failure, deadlock, unique violation
			return true
		}
	}
	return false
}

// Update implements link.Store.
func (s *Store) Update(ctx context.Context, keys []link.TxnKey, fn func(recs []*link.HostTxn) error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		err = s.update(ctx, keys, fn)
		if !retryable(err) {
			break
		}
	}
	if err != nil && !errors.Is(err, link.ErrLeaseLost) && !errors.Is(err, ctx.Err()) {
		var pe *pgconn.PgError
		if errors.As(err, &pe) || errors.Is(err, errRetry) || isConnErr(err) {
			return fmt.Errorf("%w: update: %w", link.ErrStore, err)
		}
	}
	return err
}

func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

func (s *Store) update(ctx context.Context, keys []link.TxnKey, fn func(recs []*link.HostTxn) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// Two round trips: BEGIN and the locking reads in one pipelined
	// batch, the writes and COMMIT in another.
	open := false
	defer func() {
		if open {
			// Roll back on any failure; a connection in an unknown
			// state is closed rather than returned to the pool.
			if _, rerr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				conn.Conn().Close(context.WithoutCancel(ctx))
			}
		}
	}()
	// Lock in key order: two hosts updating the same pair never deadlock.
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return keys[a].Compare(keys[b]) })
	var rb pgx.Batch
	rb.Queue("BEGIN")
	for _, i := range order {
		k := keys[i]
		rb.Queue("SELECT "+txnColumns+" FROM host_txn WHERE tid = $1 AND batch = $2 AND stan = $3 AND mti = $4 FOR UPDATE",
			k.TID, int64(k.Batch), int64(k.STAN), k.MTI)
	}
	open = true
	br := conn.SendBatch(ctx, &rb)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return err
	}
	recs := make([]*link.HostTxn, len(keys))
	before := make([][]any, len(keys))
	for _, i := range order {
		r, err := scanTxn(br.QueryRow())
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			br.Close()
			return err
		default:
			recs[i] = r
			before[i] = args(r)
		}
	}
	if err := br.Close(); err != nil {
		return err
	}
	if err := fn(recs); err != nil {
		return err
	}
	var wb pgx.Batch
	var inserts []bool
	for _, i := range order {
		r := recs[i]
		if r == nil {
			continue
		}
		r.Key = keys[i]
		a := args(r)
		if before[i] == nil {
			wb.Queue(insertSQL, a...)
			inserts = append(inserts, true)
			continue
		}
		if same(before[i], a) {
			continue
		}
		wb.Queue(updateSQL, a...)
		inserts = append(inserts, false)
	}
	if len(inserts) == 0 {
		_, err := conn.Exec(ctx, "COMMIT")
		open = err != nil
		return err
	}
	wb.Queue("COMMIT")
	bw := conn.SendBatch(ctx, &wb)
	for _, ins := range inserts {
		tag, err := bw.Exec()
		if err != nil {
			bw.Close()
			return err
		}
		if ins && tag.RowsAffected() == 0 {
			bw.Close()
			return errRetry // created by another host meanwhile
		}
	}
	if _, err := bw.Exec(); err != nil { // COMMIT
		bw.Close()
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}
	open = false
	return nil
}

// same compares two argument lists.
func same(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case []byte:
			y, _ := b[i].([]byte)
			if string(x) != string(y) {
				return false
			}
		case time.Time:
			y, _ := b[i].(time.Time)
			if !x.Equal(y) {
				return false
			}
		default:
			if a[i] != b[i] {
				return false
			}
		}
	}
	return true
}

// Get implements link.Store.
func (s *Store) Get(ctx context.Context, k link.TxnKey) (*link.HostTxn, error) {
	row := s.pool.QueryRow(ctx, "SELECT "+txnColumns+" FROM host_txn WHERE tid = $1 AND batch = $2 AND stan = $3 AND mti = $4",
		k.TID, int64(k.Batch), int64(k.STAN), k.MTI)
	r, err := scanTxn(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: get %s: %w", link.ErrStore, k, err)
	}
	return r, nil
}

// FindAuth implements link.Store.
func (s *Store) FindAuth(ctx context.Context, tid, auth string) ([]link.HostTxn, error) {
	// kind is a literal so that the planner can use the partial index
	// host_txn_preauth (migration 002).
	rows, err := s.pool.Query(ctx, "SELECT "+txnColumns+" FROM host_txn WHERE tid = $1 AND auth_code = $2 AND approved AND auth_code <> '' AND kind = "+preAuthKind+" ORDER BY tid, batch, stan, mti",
		tid, auth)
	if err != nil {
		return nil, fmt.Errorf("%w: find auth: %w", link.ErrStore, err)
	}
	defer rows.Close()
	var out []link.HostTxn
	for rows.Next() {
		r, err := scanTxn(rows)
		if err != nil {
			return nil, fmt.Errorf("%w: find auth: %w", link.ErrStore, err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: find auth: %w", link.ErrStore, err)
	}
	return out, nil
}

// preAuthKind is iso8583.KindPreAuth as stored (the literal in migration
// 002's index predicate).
var preAuthKind = strconv.Itoa(int(iso8583.KindPreAuth))

// liveSQL selects what settlement counts (link.HostTxn.Live).
const liveSQL = `state = 2 AND approved AND NOT reversed AND NOT voided`

func kindList(kinds ...iso8583.Kind) string {
	var s []string
	for _, k := range kinds {
		s = append(s, strconv.Itoa(int(k)))
	}
	return strings.Join(s, ", ")
}

var (
	debitKinds  = kindList(iso8583.KindSale, iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionAdvice)
	creditKinds = kindList(iso8583.KindRefund)
	totalsSQL   = `SELECT
	coalesce(sum(amount) FILTER (WHERE kind IN (` + debitKinds + `)), 0),
	count(*) FILTER (WHERE kind IN (` + debitKinds + `)),
	coalesce(sum(amount) FILTER (WHERE kind IN (` + creditKinds + `)), 0),
	count(*) FILTER (WHERE kind IN (` + creditKinds + `))
	FROM host_txn WHERE tid = $1 AND batch = $2 AND settled = $3 AND ` + liveSQL
)

func scanTotals(row pgx.Row) (iso8583.Totals, error) {
	var t iso8583.Totals
	var dc, cc int64
	if err := row.Scan(&t.DebitAmount, &dc, &t.CreditAmount, &cc); err != nil {
		return t, err
	}
	t.DebitCount, t.CreditCount = int(dc), int(cc)
	return t, nil
}

// Totals implements link.Store.
func (s *Store) Totals(ctx context.Context, tid string, batch uint32) (open, settled iso8583.Totals, err error) {
	if open, err = scanTotals(s.pool.QueryRow(ctx, totalsSQL, tid, int64(batch), false)); err != nil {
		return open, settled, fmt.Errorf("%w: totals: %w", link.ErrStore, err)
	}
	if settled, err = scanTotals(s.pool.QueryRow(ctx, totalsSQL, tid, int64(batch), true)); err != nil {
		return open, settled, fmt.Errorf("%w: totals: %w", link.ErrStore, err)
	}
	return open, settled, nil
}

// Settle implements link.Store: one transaction sums the open batch and
// marks its answered records settled.
func (s *Store) Settle(ctx context.Context, tid string, batch uint32) (iso8583.Totals, error) {
	var t iso8583.Totals
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Lock the batch's open rows first, so a record answered during
		// the settlement is either in it or in the next batch.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM host_txn WHERE tid = $1 AND batch = $2 AND NOT settled AND state <> 1 FOR UPDATE", tid, int64(batch)); err != nil {
			return err
		}
		var err error
		if t, err = scanTotals(tx.QueryRow(ctx, totalsSQL, tid, int64(batch), false)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE host_txn SET settled = true WHERE tid = $1 AND batch = $2 AND NOT settled AND state <> 1", tid, int64(batch)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM host_upload WHERE tid = $1 AND batch = $2", tid, int64(batch))
		return err
	})
	if err != nil {
		return t, fmt.Errorf("%w: settle: %w", link.ErrStore, err)
	}
	return t, nil
}

var seqName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// Next implements link.Store with a PostgreSQL sequence per name
// (nextval: never rolled back, never repeated, no row lock), each value
// of which reserves a block of 64 for this Store: values are unique
// across hosts and increase for each host, one round trip per 64.
func (s *Store) Next(ctx context.Context, name string) (uint64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	if s.seqs == nil {
		s.seqs = make(map[string]*seqBlock)
	}
	b := s.seqs[name]
	if b == nil || b.next == b.end {
		n, err := s.nextval(ctx, name)
		if err != nil {
			return 0, err
		}
		b = &seqBlock{next: n * seqBlockSize, end: (n + 1) * seqBlockSize}
		s.seqs[name] = b
	}
	v := b.next
	b.next++
	return v, nil
}

func (s *Store) nextval(ctx context.Context, name string) (uint64, error) {
	if !seqName.MatchString(name) {
		return 0, fmt.Errorf("%w: sequence name %q", link.ErrStore, name)
	}
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT nextval('host_seq_"+name+"')").Scan(&n)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined table: a new sequence
		if _, err := s.pool.Exec(ctx, "CREATE SEQUENCE IF NOT EXISTS host_seq_"+name); err != nil {
			return 0, fmt.Errorf("%w: sequence %s: %w", link.ErrStore, name, err)
		}
		err = s.pool.QueryRow(ctx, "SELECT nextval('host_seq_"+name+"')").Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: sequence %s: %w", link.ErrStore, name, err)
	}
	return uint64(n), nil
}

// AdvanceATC implements link.Store in one statement: the row is written
// only when atc is above the stored one.
func (s *Store) AdvanceATC(ctx context.Context, card [32]byte, atc uint32) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO host_atc (card, atc) VALUES ($1, $2)
		ON CONFLICT (card) DO UPDATE SET atc = excluded.atc WHERE host_atc.atc < excluded.atc`, card[:], int64(atc))
	if err != nil {
		return false, fmt.Errorf("%w: ATC: %w", link.ErrStore, err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddUploaded implements link.Store.
func (s *Store) AddUploaded(ctx context.Context, tid string, batch uint32, n int) (int, error) {
	var total int64
	err := s.pool.QueryRow(ctx, `INSERT INTO host_upload (tid, batch, n) VALUES ($1, $2, $3)
		ON CONFLICT (tid, batch) DO UPDATE SET n = host_upload.n + excluded.n RETURNING n`, tid, int64(batch), int64(n)).Scan(&total)
	if err != nil {
		return 0, fmt.Errorf("%w: batch upload: %w", link.ErrStore, err)
	}
	return int(total), nil
}

// Prune implements link.Store with the rule of link.HostTxn: settled,
// declined, reversed, voided and non-money records older than before go;
// approved unsettled money, open pre-authorisation holds and pending
// claims stay.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	money := kindList(iso8583.KindSale, iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionAdvice, iso8583.KindRefund)
	preauth := int(iso8583.KindPreAuth)
	tag, err := s.pool.Exec(ctx, `DELETE FROM host_txn WHERE created < $1 AND state <> 1 AND NOT (
		kind = `+strconv.Itoa(preauth)+` AND approved AND NOT reversed AND NOT voided AND completed = 0 AND state = 2
	) AND (
		settled OR state = 3 OR NOT approved OR reversed OR voided OR kind NOT IN (`+money+`)
	)`, before)
	if err != nil {
		return 0, fmt.Errorf("%w: prune: %w", link.ErrStore, err)
	}
	return int(tag.RowsAffected()), nil
}

// Create implements link.StoreFastPath: one INSERT … ON CONFLICT DO NOTHING.
func (s *Store) Create(ctx context.Context, r *link.HostTxn) (bool, error) {
	if s.batch != nil {
		n, err := s.batch.exec(ctx, &batchOp{key: r.Key, what: "create", sql: insertSQL, args: args(r)})
		return n == 1, err
	}
	tag, err := s.pool.Exec(ctx, insertSQL, args(r)...)
	if err != nil {
		return false, fmt.Errorf("%w: create %s: %w", link.ErrStore, r.Key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Finish implements link.StoreFastPath: one conditional UPDATE.
func (s *Store) Finish(ctx context.Context, k link.TxnKey, owner string, a link.Answer, approved bool) error {
	args := []any{k.TID, int64(k.Batch), int64(k.STAN), k.MTI, owner, int16(link.HostAnswered), approved, string(a.RC), a.AuthCode, a.RRN,
		a.LocalTime, a.LocalDate, a.SettlementDate, a.AdditionalResponse, a.AdditionalData, a.AdditionalAmounts, []byte(a.IssuerData), []byte(a.Keys)}
	var n int64
	if s.batch != nil {
		var err error
		if n, err = s.batch.exec(ctx, &batchOp{key: k, what: "finish", sql: finishSQL, args: args}); err != nil {
			return err
		}
	} else {
		tag, err := s.pool.Exec(ctx, finishSQL, args...)
		if err != nil {
			return fmt.Errorf("%w: finish %s: %w", link.ErrStore, k, err)
		}
		n = tag.RowsAffected()
	}
	if n == 0 {
		return link.ErrLeaseLost
	}
	return nil
}

const finishSQL = `UPDATE host_txn SET state = $6, approved = $7, rc = $8, auth_code = $9, rrn = $10,
		local_time = $11, local_date = $12, settlement_date = $13, add_response = $14, add_data = $15, add_amounts = $16,
		issuer_data = $17, keys = $18
		WHERE tid = $1 AND batch = $2 AND stan = $3 AND mti = $4 AND state = 1 AND owner = $5`
