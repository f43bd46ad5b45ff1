package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583/link/hostmetrics"
	"github.com/possdk/pos/iso8583/link/pgstore"
)

// derive makes the demonstration's secondary keys from its keys file: a
// production host takes its key encryption key and card-hash key from an
// HSM or a secrets manager, never from a file next to the database.
func derive(k *fixtures.Keys, label string) []byte {
	h := sha256.New()
	h.Write([]byte("possdk example host/" + label + "/"))
	h.Write([]byte(k.IMK))
	h.Write([]byte(k.ZPK))
	return h.Sum(nil)
}

// useDatabase points the host at PostgreSQL: transactions in pgstore,
// terminal keys sealed in its KeyStore (terminals from the keys file are
// added unless already there).
func useDatabase(ctx context.Context, cfg *acquirer.Config, k *fixtures.Keys, url string, logf func(string, ...any)) (func(), error) {
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := pgstore.Open(octx, url)
	if err != nil {
		return nil, err
	}
	ks, err := pgstore.NewKeyStore(st, derive(k, "kek"))
	if err != nil {
		st.Close()
		return nil, err
	}
	added := 0
	for tid := range k.Terminals {
		tmk, err := k.TMK(tid)
		if err != nil {
			st.Close()
			return nil, err
		}
		ok, err := ks.EnsureTerminal(octx, tid, tmk)
		tmk.Zero()
		if err != nil {
			st.Close()
			return nil, err
		}
		if ok {
			added++
		}
	}
	cfg.Store, cfg.KeyStore, cfg.CardKey = st, ks, derive(k, "card-hash")
	logf("store: PostgreSQL (schema migrated; %d terminal(s) added, %d already known)", added, len(k.Terminals)-added)
	return st.Close, nil
}

// serveMetrics registers the host's metrics and serves /metrics.
func serveMetrics(cfg *acquirer.Config, addr string, logf func(string, ...any)) (func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := hostmetrics.New(reg)
	if err != nil {
		return nil, err
	}
	cfg.Metrics = m
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("metrics server: %v", err)
		}
	}()
	logf("metrics on http://%s/metrics", ln.Addr())
	return func() { srv.Close() }, nil
}
