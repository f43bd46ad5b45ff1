package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/iso8583/link/storetest"
)

// pending is a claim as the host makes it.
func pending(tid string, stan uint32, fp byte) *link.HostTxn {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &link.HostTxn{
		Key: link.TxnKey{TID: tid, Batch: 1, STAN: stan, MTI: "0200"}, Kind: iso8583.KindSale, State: link.HostPending,
		Fingerprint: [32]byte{fp}, Amount: 100, Owner: "h1", Lease: now.Add(time.Minute), Created: now,
	}
}

// TestGroupCommitIsolatesABadStatement: a batch is one transaction, so a
// statement the database refuses rolls back its neighbours. Each of them
// must then be run on its own: the good claims are recorded (seen by
// another connection) and reported created, the bad one alone fails.
// Reporting the rolled-back transaction's row counts would report the
// good claims created while the database has none of them.
func TestGroupCommitIsolatesABadStatement(t *testing.T) {
	cfg := freshSchema(t)
	s, other := open(t, cfg), open(t, cfg)
	var rs []*link.HostTxn
	for i := range 8 {
		rs = append(rs, pending("50080016", uint32(i+1), 1))
	}
	rs = append(rs, pending("5008\x00017", 9, 1)) // PostgreSQL text cannot hold NUL
	created, errs := s.CreateGroup(rs)
	for i, r := range rs[:8] {
		if !created[i] || errs[i] != nil {
			t.Fatalf("good claim %s: created %v, %v", r.Key, created[i], errs[i])
		}
		got, err := other.Get(context.Background(), r.Key)
		if err != nil || got == nil || got.State != link.HostPending || got.Owner != "h1" {
			t.Fatalf("good claim %s not in the database: %+v, %v", r.Key, got, err)
		}
	}
	if created[8] || !errors.Is(errs[8], link.ErrStore) {
		t.Fatalf("bad claim: created %v, err %v (want an ErrStore)", created[8], errs[8])
	}
	if st := s.Stats(); st.FailedBatches != 1 {
		t.Fatalf("stats %+v, want one failed batch", st)
	}
}

// TestGroupCommitSameKeyTwice: two claims of one key in one batch (a
// retransmission arriving with its original) — the first inserts, the
// second finds the row, exactly as if they came one after the other.
func TestGroupCommitSameKeyTwice(t *testing.T) {
	cfg := freshSchema(t)
	s := open(t, cfg)
	a, b := pending("50080016", 7, 0xA), pending("50080016", 7, 0xB)
	created, errs := s.CreateGroup([]*link.HostTxn{a, b})
	if errs[0] != nil || errs[1] != nil || !created[0] || created[1] {
		t.Fatalf("created %v, errors %v; want the first only", created, errs)
	}
	got, err := s.Get(context.Background(), a.Key)
	if err != nil || got.Fingerprint != a.Fingerprint {
		t.Fatalf("stored %+v (%v), want the first claim's", got, err)
	}
}

// TestGroupCommitUnderLoad: concurrent claims and answers travel in
// shared transactions (fewer commits than statements), and every one is
// recorded as if alone: each claim created once, each answer on its own
// record, a second claim of a key refused.
func TestGroupCommitUnderLoad(t *testing.T) {
	cfg := freshSchema(t)
	s, err := pgstore.New(context.Background(), pgstore.Config{Pool: cfg.Copy(), BatchWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	const n = 256
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := pending(fmt.Sprintf("5008%04d", i%16), uint32(i), 1)
			if ok, err := s.Create(ctx, r); !ok || err != nil {
				errs <- fmt.Errorf("claim %s: %v %v", r.Key, ok, err)
				return
			}
			if ok, err := s.Create(ctx, r); ok || err != nil {
				errs <- fmt.Errorf("second claim %s: created %v, %v", r.Key, ok, err)
				return
			}
			a := link.Answer{RC: "00", AuthCode: fmt.Sprintf("%06d", i), RRN: fmt.Sprintf("%012d", i)}
			if err := s.Finish(ctx, r.Key, "h1", a, true); err != nil {
				errs <- fmt.Errorf("answer %s: %v", r.Key, err)
			}
			if err := s.Finish(ctx, r.Key, "h2", a, true); !errors.Is(err, link.ErrLeaseLost) {
				errs <- fmt.Errorf("answer by a host that does not own %s: %v, want ErrLeaseLost", r.Key, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		k := link.TxnKey{TID: fmt.Sprintf("5008%04d", i%16), Batch: 1, STAN: uint32(i), MTI: "0200"}
		got, err := s.Get(ctx, k)
		if err != nil || got.State != link.HostAnswered || !got.Approved || got.Answer.AuthCode != fmt.Sprintf("%06d", i) {
			t.Fatalf("%s: %+v, %v", k, got, err)
		}
	}
	st := s.Stats()
	if st.Statements != 4*n || st.Batches >= st.Statements || st.FailedBatches != 0 {
		t.Fatalf("stats %+v: want %d statements in fewer batches, none failed", st, 4*n)
	}
	t.Logf("%d statements in %d transactions", st.Statements, st.Batches)
}

// TestPostgresConformanceNoGroupCommit runs the conformance suite with
// group commit off (every claim and answer its own transaction).
func TestPostgresConformanceNoGroupCommit(t *testing.T) {
	pgURL(t)
	storetest.Run(t, func(t *testing.T) (link.Store, link.Store) {
		cfg := freshSchema(t)
		var out [2]link.Store
		for i := range out {
			s, err := pgstore.New(context.Background(), pgstore.Config{Pool: cfg.Copy(), BatchWorkers: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			out[i] = s
		}
		return out[0], out[1]
	})
}

// TestPreAuthIndexKind: migration 002's partial index names the
// pre-authorisation kind by its stored number, and FindAuth's plan uses
// it (a completion finds its hold without scanning the terminal's rows).
func TestPreAuthIndexKind(t *testing.T) {
	if iso8583.KindPreAuth != 7 {
		t.Fatalf("iso8583.KindPreAuth is %d: migration 002's index predicate says 7 — add a migration", iso8583.KindPreAuth)
	}
	s := open(t, freshSchema(t))
	ctx := context.Background()
	var plan string
	rows, err := s.Pool().Query(ctx, "EXPLAIN SELECT 1 FROM host_txn WHERE tid = '50080016' AND auth_code = '123456' AND approved AND auth_code <> '' AND kind = 7")
	if err == nil {
		plan = ""
		for rows.Next() {
			var line string
			if err = rows.Scan(&line); err != nil {
				break
			}
			plan += line + "\n"
		}
		rows.Close()
	}
	if err != nil || !strings.Contains(plan, "host_txn_preauth") {
		t.Fatalf("plan %q (%v): want the host_txn_preauth index", plan, err)
	}
}
