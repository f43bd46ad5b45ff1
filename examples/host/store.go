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
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583/link/hostmetrics"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
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
// terminal keys as key blocks under a software HSM's LMK in its
// BlockKeyStore (terminals from the keys file are added unless already
// there). No clear terminal key is in the database or the host's memory.
func useDatabase(ctx context.Context, cfg *acquirer.Config, k *fixtures.Keys, url string, logf func(string, ...any)) (func(), error) {
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Every host on the database needs the same LMK: a production host's
	// comes from its HSM (or hsm.OpenLMK, sealed under a passphrase).
	lmk, err := keys.New(keys.AES256, derive(k, "lmk"))
	if err != nil {
		return nil, err
	}
	sw, err := hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})
	if err != nil {
		return nil, err
	}
	st, err := pgstore.Open(octx, url)
	if err != nil {
		return nil, err
	}
	bks := pgstore.NewBlockKeyStore(st)
	added := 0
	for tid := range k.Terminals {
		tmk, err := k.TMK(tid)
		if err != nil {
			st.Close()
			return nil, err
		}
		block, err := sw.Wrap(tmk, hsm.TerminalMasterKey)
		tmk.Zero()
		if err != nil {
			st.Close()
			return nil, err
		}
		ok, err := bks.EnsureTerminal(octx, tid, block)
		if err != nil {
			st.Close()
			return nil, err
		}
		if ok {
			added++
		}
	}
	cfg.Store, cfg.HSM, cfg.Terminals, cfg.CardKey = st, sw, bks, derive(k, "card-hash")
	logf("store: PostgreSQL (schema migrated; %d terminal(s) added, %d already known; keys as HSM key blocks)", added, len(k.Terminals)-added)
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
