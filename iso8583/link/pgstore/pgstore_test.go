package pgstore_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/iso8583/link/storetest"
)

// pgURL returns the test database, or skips: the PostgreSQL tests run in
// CI (.ci/postgres.sh starts a private cluster and sets POSSDK_PG_URL).
func pgURL(t testing.TB) string {
	u := os.Getenv("POSSDK_PG_URL")
	if u == "" {
		t.Skip("POSSDK_PG_URL is not set: no PostgreSQL to test against (.ci/postgres.sh starts one)")
	}
	return u
}

var schemaSeq atomic.Int64

// freshSchema creates an empty schema and returns a pool configuration
// whose connections use it, so every test starts from an empty store and
// applies the migrations itself.
func freshSchema(t testing.TB) *pgxpool.Config {
	url := pgURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), url)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
			c.Close(context.Background())
		}
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = name
	return cfg
}

func open(t testing.TB, cfg *pgxpool.Config) *pgstore.Store {
	s, err := pgstore.OpenConfig(context.Background(), cfg.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestPostgresConformance runs the Store conformance suite and the host's
// money rules (two hosts, each with its own connection pool, on one
// database) against PostgreSQL.
func TestPostgresConformance(t *testing.T) {
	pgURL(t)
	storetest.Run(t, func(t *testing.T) (link.Store, link.Store) {
		cfg := freshSchema(t)
		return open(t, cfg), open(t, cfg)
	})
}

// TestPostgresMigrationsIdempotent: hosts starting at once all migrate
// (under the advisory lock); the schema is applied once.
func TestPostgresMigrationsIdempotent(t *testing.T) {
	cfg := freshSchema(t)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			s, err := pgstore.OpenConfig(context.Background(), cfg.Copy())
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, cfg)
	var n, distinct, max int
	err := s.Pool().QueryRow(context.Background(), "SELECT count(*), count(DISTINCT version), max(version) FROM possdk_migrations").Scan(&n, &distinct, &max)
	if err != nil || n < 2 || n != distinct || n != max {
		t.Fatalf("%d migrations recorded, %d distinct, latest %d (%v): want each version once", n, distinct, max, err)
	}
}
