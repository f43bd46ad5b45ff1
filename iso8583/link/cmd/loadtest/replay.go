package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/possdk/pos/internal/cputime"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
)

// newHost is the acquirer host of a run: a simulated issuer, the
// terminals' keys (kr; from: see keyring.hostKeys), and with -db a fresh
// PostgreSQL schema (dropped by drop). It returns the host's key-block
// store (nil with -keys clear).
func newHost(o opts, kr *keyring, from blockStore, log *slog.Logger) (*link.Host, *link.SimIssuer, blockStore, func(), error) {
	issuer := &link.SimIssuer{ZPK: kr.zpk, PINs: map[string]string{pan: pin}}
	cfg := link.HostConfig{Issuer: issuer, AcquirerID: "03099988", Logger: log}
	drop := func() {}
	var st *pgstore.Store
	if o.db != "" {
		var err error
		if st, drop, err = openDB(o.db, o.batchWorkers, o.batchMax); err != nil {
			return nil, nil, nil, nil, err
		}
		cfg.Store = st
	}
	bs, err := kr.hostKeys(context.Background(), &cfg, st, from)
	if err != nil {
		drop()
		return nil, nil, nil, nil, err
	}
	host, err := link.NewHost(cfg)
	if err != nil {
		drop()
		return nil, nil, nil, nil, err
	}
	return host, issuer, bs, drop, nil
}

// recorder passes frames to the host and, while on, keeps a copy of each
// request (the terminals' sales, MACed and with their PIN blocks).
type recorder struct {
	h      link.FrameHandler
	on     atomic.Bool
	mu     sync.Mutex
	frames [][]byte
}

func (r *recorder) ServeFrame(ctx context.Context, frame []byte) []byte {
	if r.on.Load() {
		r.mu.Lock()
		r.frames = append(r.frames, slices.Clone(frame))
		r.mu.Unlock()
	}
	return r.h.ServeFrame(ctx, frame)
}

// replayFrames sends the recorded sales again to a fresh host — a new
// store (in memory, or a fresh PostgreSQL schema with -db), a new issuer,
// the same terminal keys (the same clear-key store, or with -keys hsm the
// key blocks copied from the run's store) — over conns connections, each waiting for the
// answer before its next request as a terminal does. The senders only
// write and read bytes, so the measurement is the host (server, MAC,
// PIN translation, issuer, store) and the kernel's TCP; the check is the
// new issuer's books: every replayed sale approved once.
func replayFrames(o opts, frames [][]byte, kr *keyring, from blockStore, conns int) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	host, issuer, _, drop, err := newHost(o, kr, from, quiet)
	if err != nil {
		return err
	}
	defer drop()
	srv, err := link.NewServer(link.ServerConfig{Handler: host, Logger: quiet})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Close()

	conns = max(1, min(conns, len(frames)))
	lat := make([][]time.Duration, conns)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	cpu0 := cputime.Used()
	start := time.Now()
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			var buf []byte
			for j := i; j < len(frames); j += conns {
				t0 := time.Now()
				if _, err := nc.Write(frames[j]); err != nil {
					errs <- err
					return
				}
				if buf, err = iso8583.ReadFrame(nc, buf, 0); err != nil {
					errs <- fmt.Errorf("frame %d: %w", j, err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cputime.Used() - cpu0
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	n := len(frames)
	fmt.Printf("replay: host alone, %d recorded sales over %d connections, GOMAXPROCS=%d\n", n, conns, runtime.GOMAXPROCS(0))
	fmt.Printf("replay: elapsed=%v throughput=%.0f authorisations/s p50=%v p99=%v max=%v cpu=%v (%.2f cores busy, senders included) cpu/authorisation=%v\n",
		elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), pct(0.50), pct(0.99), all[len(all)-1],
		cpu.Round(time.Millisecond), cpu.Seconds()/elapsed.Seconds(), cpu/time.Duration(n))
	if st := issuer.Stats(); st.Approved != n || st.Amount != int64(100*n) {
		return fmt.Errorf("replay: issuer %+v after %d replayed sales of 100", st, n)
	}
	fmt.Println("replay check: every replayed sale approved once by the new issuer")
	return nil
}
