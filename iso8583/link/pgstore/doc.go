// Package pgstore keeps an acquirer host's state in PostgreSQL, through
// github.com/jackc/pgx/v5: Store implements link.Store (transactions,
// their life cycle, tombstones, refund and completion totals, settlement,
// RRN and authorisation-code sequences, per-card ATC high-water marks)
// and KeyStore implements link.KeyStore (terminal master and working
// keys, sealed under a key encryption key). Several link.Host processes
// on one database serve the same terminals: a reversal at one host undoes
// an authorisation made at another, and a request retransmitted to
// another host is answered from the database, never authorised twice.
//
// Start with Open, which applies the embedded schema migrations
// (migrations/*.sql) on start, then give the Store and a KeyStore to the
// Host:
//
//	st, err := pgstore.Open(ctx, "postgres://possdk@127.0.0.1:5432/possdk")
//	ks, err := pgstore.NewKeyStore(st, kek)
//	host, err := link.NewHost(link.HostConfig{Store: st, Keys: ks, CardKey: cardKey, ID: "host-a", ...})
//
// Claims and answers — the two writes of every authorisation — are group
// committed: what concurrent requests write at the same moment travels as
// one pipelined transaction, each caller told its result only after the
// commit (see batch.go; Config.BatchWorkers, Stats). New takes a Config
// when the defaults do not fit.
//
// Every host on the database needs the same key encryption key and card
// key. The conformance suite (link/storetest) runs against this store in
// CI with a real PostgreSQL (.ci/postgres.sh); without POSSDK_PG_URL the
// tests skip with a message.
package pgstore
