// Command host runs the examples' acquirer host: CUP POS over TCP (or
// TLS), sign-in with working keys under each terminal's master key, MACs,
// PIN translation, ARQC verification and ARPC, reversals, voids and
// settlement, with an issuer that knows the software cards.
//
//	go run ./examples/host -addr 127.0.0.1:5000
//	go run ./examples/host -tls            # self-signed; prints the key pin for the terminal's -tls-pin
//	go run ./examples/host -db postgres://possdk@127.0.0.1:5432/possdk -metrics 127.0.0.1:9100
//
// With -db the host keeps its transactions and the terminals' keys (as
// key blocks under its software HSM's LMK) in PostgreSQL, so it forgets nothing on restart and several
// hosts (-addr, -id) can serve the same terminals; -metrics serves
// Prometheus metrics on /metrics.
//
// Then, in another window, go run ./examples/terminal -host 127.0.0.1:5000 day.
// It logs every decision on standard output and stops on Ctrl-C, finishing
// the requests in flight.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/tlsconf"
	"github.com/possdk/pos/iso8583/link"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5000", "address to listen on")
	useTLS := fs.Bool("tls", false, "serve TLS (a self-signed certificate unless -cert and -key are given)")
	certFile := fs.String("cert", "", "TLS certificate file (PEM)")
	keyFile := fs.String("key", "", "TLS private key file (PEM)")
	keysFile := fs.String("keys", "", "keys file (JSON: terminals' TMKs, imk, zpk; default: the published test keys)")
	verbose := fs.Bool("v", false, "also print the link's logs (one operator line per request) to stderr")
	dbURL := fs.String("db", "", "PostgreSQL URL for the host's store and terminal keys (default: in memory)")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics on http://ADDR/metrics")
	keep := fs.Duration("keep", 72*time.Hour, "how long the store keeps records settlement no longer needs (settled, declined, reversed); 0: forever")
	pruneEvery := fs.Duration("prune-every", time.Hour, "how often records older than -keep are dropped")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: host [-addr host:port] [-tls [-cert file -key file]] [-keys file] [-db postgres://...] [-metrics host:port] [-keep 72h] [-v]")
		fs.PrintDefaults()
	}
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *keep < 0 || *pruneEvery <= 0 {
		fmt.Fprintln(stderr, "host: -keep must be 0 or more and -prune-every more than 0")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "host:", err)
		return 1
	}
	k, err := fixtures.LoadKeys(*keysFile)
	if err != nil {
		return fail(err)
	}
	var mu sync.Mutex
	logf := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdout, time.Now().Format("15:04:05.000 ")+format+"\n", a...)
	}
	cfg := acquirer.Config{Keys: k, PINs: fixtures.CardPINs(), Logf: logf}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	var pin link.Pin
	if *useTLS || *certFile != "" {
		if cfg.TLS, pin, err = tlsconf.ServerTLS(*certFile, *keyFile); err != nil {
			return fail(err)
		}
	}
	if *dbURL != "" {
		closeDB, err := useDatabase(ctx, &cfg, k, *dbURL, logf)
		if err != nil {
			return fail(err)
		}
		defer closeDB()
	}
	if *metricsAddr != "" {
		stopMetrics, err := serveMetrics(&cfg, *metricsAddr, logf)
		if err != nil {
			return fail(err)
		}
		defer stopMetrics()
	}
	a, err := acquirer.New(cfg)
	if err != nil {
		return fail(err)
	}
	// Scan-code payments through the simulated wallet gateway; the
	// customer's behaviour is chosen by the code (acquirer.DemoBehaviour).
	gw := acquirer.NewWalletGateway()
	gw.Behave = acquirer.DemoBehaviour
	a.ServeScans(gw, link.ScanProfile{})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(err)
	}
	proto := "TCP"
	if cfg.TLS != nil {
		proto = "TLS, key pin " + pin.String() + ": give it to the terminal as -tls-pin"
	}
	logf("acquirer host listening on %s (%s) for %d terminal(s)", ln.Addr(), proto, len(k.Terminals))
	done := make(chan error, 1)
	go func() { done <- a.Serve(ln) }()
	if *keep > 0 {
		pctx, stopPrune := context.WithCancel(ctx)
		pruned := make(chan struct{})
		go func() { pruneLoop(pctx, a.Host, *pruneEvery, *keep, logf); close(pruned) }()
		defer func() { stopPrune(); <-pruned }()
	}
	select {
	case err := <-done:
		return fail(err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(sctx); err != nil {
		return fail(err)
	}
	if err := <-done; err != nil && !errors.Is(err, link.ErrServerClosed) {
		return fail(err)
	}
	st := a.Issuer.Stats()
	logf("stopped: %d approved, %d declined, %d reversed, net %d.%02d", st.Approved, st.Declined, st.Reversed, st.Amount/100, st.Amount%100)
	return 0
}
