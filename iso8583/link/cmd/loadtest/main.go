// Command loadtest drives one in-process acquirer host (link.Host on a
// link.Server over loopback TCP) with many concurrent terminals
// (link.Client), each making sales with a PIN: every request and approved
// response carries an X9.19 MAC, every PIN block is translated from the
// terminal's PIK to the issuer's zone key, and every sale's reversal is
// journalled and synced before it is sent. It then checks that no sale was
// lost or duplicated (terminal batches, host ledger and issuer agree) and
// prints throughput and latency percentiles.
//
//	go run ./iso8583/link/cmd/loadtest -terminals 64 -sales 500
//
// -dir selects where the terminals' journals live: the default is a
// temporary directory on disk (every journal write is fsynced); /dev/shm
// shows the cost without the disk. -seal=false stores the journals
// unsealed (to measure what sealing costs). -faults P makes the link lossy:
// each request meets, with probability P, one of: request lost, response
// lost, response late (past the terminal's timeout), response with a bad
// MAC. The terminals then drain their reversals and the check compares
// every terminal's batch with the host's ledger and the issuer's own
// books, so a sale charged twice or lost shows up.
//
// -db postgres://… keeps the host's state in PostgreSQL (link/pgstore, a
// fresh schema per run, dropped at the end). -settle-every N makes each
// terminal settle its batch every N sales and -prune D prunes the host's
// store every D of what settlement and a D-long duplicate window no longer
// need; -rss prints the process's resident memory as the run progresses
// (the memory-flatness check of BENCHMARKS.md). -batch-workers and
// -batch-max tune pgstore's group commit.
//
// -keys selects the host's keys. hsm (the default) is a production host's
// configuration: the host's cryptography (sign-in keys, MACs, PIN
// translation to the zone PIN key) goes through a software HSM (package
// hsm) under a local master key of the run, and the host holds only key
// blocks under it — the terminals' TMKs and working keys in a
// link.MemoryTerminalKeyStore, or with -db in pgstore.BlockKeyStore, and
// the zone PIN key. clear keeps the terminals' keys in clear in the host's
// memory (link.MemoryKeyStore) with a clear zone PIN key, the
// configuration before the HSM, to compare the CPU per authorisation. The
// simulated issuer checks the PINs with its own copy of the zone key.
//
// -replay then sends the run's sale frames again, as recorded, to a fresh
// host (empty store, new issuer, same terminal keys) over as many
// connections as terminals: the host's throughput (and CPU per
// authorisation) without the terminals' work, checked against the new
// issuer's books.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/possdk/pos/internal/cputime"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

const (
	pan = "6222021234567890123"
	pin = "123456"
)

func main() {
	terminals := flag.Int("terminals", 64, "concurrent terminals")
	sales := flag.Int("sales", 500, "sales per terminal")
	dir := flag.String("dir", "", "directory for the terminals' journals (default: a new temporary directory)")
	reserve := flag.Int("stan-reserve", 1, "STANs reserved per counter write")
	seal := flag.Bool("seal", true, "seal the journals at rest (XChaCha20-Poly1305)")
	faults := flag.Float64("faults", 0, "probability that a request meets a network fault")
	timeout := flag.Duration("timeout", 10*time.Second, "terminal response timeout (use ~300ms with -faults)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	db := flag.String("db", "", "PostgreSQL URL for the host's store (default: in memory)")
	settleEvery := flag.Int("settle-every", 0, "each terminal settles after this many sales (0: never)")
	prune := flag.Duration("prune", 0, "prune the host's store at this interval, with this duplicate window (0: never)")
	rss := flag.Bool("rss", false, "print resident memory at every tenth of the run")
	batchWorkers := flag.Int("batch-workers", 0, "with -db: group-commit batches in flight (0: pgstore's default; -1: no group commit)")
	batchMax := flag.Int("batch-max", 0, "with -db: most statements in one group-commit batch (0: pgstore's default)")
	keyMode := flag.String("keys", keysHSM, "the host's keys: hsm (a software HSM; the terminals' keys and the zone PIN key as key blocks under its LMK, with -db in pgstore.BlockKeyStore) or clear (clear keys in the host's memory, the configuration before the HSM)")
	replay := flag.Bool("replay", false, "after the run, replay its sale frames (MACs and PIN blocks as the terminals made them) against a fresh host with an empty store, over as many connections as terminals, to measure the host without the terminals' work")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(opts{*terminals, *sales, *dir, *reserve, *seal, *faults, *timeout, *db, *settleEvery, *prune, *rss, *batchWorkers, *batchMax, *replay, *keyMode}); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type opts struct {
	nTerm, nSales int
	dir           string
	reserve       int
	seal          bool
	faults        float64
	timeout       time.Duration
	db            string
	settleEvery   int
	prune         time.Duration
	rss           bool
	batchWorkers  int
	batchMax      int
	replay        bool
	keys          string
}

// lossy is the fault-injecting link in front of the host.
type lossy struct {
	h                                link.FrameHandler
	p                                float64
	late                             time.Duration
	mu                               sync.Mutex
	rng                              *mrand.Rand
	lostReq, lostResp, lateN, badMAC atomic.Int64
}

func (l *lossy) ServeFrame(ctx context.Context, frame []byte) []byte {
	l.mu.Lock()
	hit, kind := l.rng.Float64() < l.p, l.rng.IntN(4)
	l.mu.Unlock()
	if !hit {
		return l.h.ServeFrame(ctx, frame)
	}
	switch kind {
	case 0:
		l.lostReq.Add(1)
		return nil
	case 1:
		l.lostResp.Add(1)
		l.h.ServeFrame(ctx, frame)
		return nil
	case 2:
		l.lateN.Add(1)
		resp := l.h.ServeFrame(ctx, frame)
		time.Sleep(l.late)
		return resp
	default:
		l.badMAC.Add(1)
		resp := append([]byte(nil), l.h.ServeFrame(ctx, frame)...)
		if len(resp) > 0 {
			resp[len(resp)-1] ^= 0xFF
		}
		return resp
	}
}

func run(o opts) error {
	nTerm, nSales, dir, reserve := o.nTerm, o.nSales, o.dir, o.reserve
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, err := os.MkdirTemp(dir, "loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)

	kr, err := newKeyring(o.keys, nTerm)
	if err != nil {
		return err
	}
	host, issuer, blocks, drop, err := newHost(o, kr, nil, quiet)
	if err != nil {
		return err
	}
	defer drop()
	if o.prune > 0 {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(o.prune)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					host.Prune(context.Background(), o.prune)
				}
			}
		}()
	}
	rec := &recorder{h: host}
	var handler link.FrameHandler = rec
	var lossyLink *lossy
	if o.faults > 0 {
		lossyLink = &lossy{h: rec, p: o.faults, late: o.timeout + o.timeout/2, rng: mrand.New(mrand.NewPCG(1, 2))}
		handler = lossyLink
	}
	srv, err := link.NewServer(link.ServerConfig{Handler: handler, Logger: quiet})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Close()

	card := link.Card{Track2: iso8583.Track(pan + "=25121010000000000"), Expiry: "2512", EntryMode: "021"}
	clients := make([]*link.Client, nTerm)
	tids := make([]string, nTerm)
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	ctx := context.Background()
	for i := range clients {
		tids[i] = fmt.Sprintf("T%07d", i+1)
		tmk, err := keys.Generate(keys.TDES2, rand.Reader)
		if err != nil {
			return err
		}
		if err := kr.addTerminal(ctx, blocks, tids[i], tmk); err != nil {
			return fmt.Errorf("%s: %w", tids[i], err)
		}
		d := filepath.Join(base, tids[i])
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
		var jopts []link.JournalOption
		if o.seal {
			key := make([]byte, 32)
			rand.Read(key)
			jopts = append(jopts, link.WithSealKey(key))
		}
		txns, err := link.OpenJournal(filepath.Join(d, "transactions.jnl"), jopts...)
		if err != nil {
			return err
		}
		ctr, err := link.OpenCounters(filepath.Join(d, "counters"), link.WithReserve(reserve))
		if err != nil {
			return err
		}
		closers = append(closers, txns, ctr)
		c, err := link.NewClient(link.Config{
			Dialer:   link.Dialer{Addr: ln.Addr().String()},
			Terminal: iso8583.Terminal{TerminalID: tids[i], MerchantID: "309310083985008"},
			TMK:      tmk,
			Journal:  txns, Counters: ctr,
			Timeout: o.timeout, Logger: quiet,
			ReversalBackoff: 20 * time.Millisecond, ReversalAttempts: 50,
		})
		if err != nil {
			return err
		}
		closers = append(closers, c)
		if err := c.SignIn(ctx); err != nil {
			return fmt.Errorf("%s: %w", tids[i], err)
		}
		clients[i] = c
	}

	p, err := pinblock.ParsePIN([]byte(pin))
	if err != nil {
		return err
	}
	lat := make([][]time.Duration, nTerm)
	var done atomic.Int64
	settled := make([]iso8583.Totals, nTerm) // per terminal, summed over its settlements
	if o.rss {
		fmt.Printf("rss: sales=0 rss=%d MiB\n", rssMiB())
	}
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	rec.on.Store(o.replay && o.faults == 0)
	cpu0 := cputime.Used()
	start := time.Now()
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, nSales)
			for range nSales {
				t0 := time.Now()
				r, err := c.Sale(ctx, card, 100, p)
				l = append(l, time.Since(t0))
				if n := done.Add(1); o.rss && n%int64(max(nTerm*nSales/10, 1)) == 0 {
					fmt.Printf("rss: sales=%d rss=%d MiB\n", n, rssMiB())
				}
				if o.settleEvery > 0 && len(l)%o.settleEvery == 0 {
					if s, err := c.Settle(ctx); err == nil && s.Balanced {
						settled[i].DebitAmount += s.Terminal.DebitAmount
						settled[i].DebitCount += s.Terminal.DebitCount
						issuer.Clear(tids[i], s.Batch)
					} else if err == nil {
						firstErr.CompareAndSwap(nil, fmt.Errorf("%s: batch not balanced: terminal %+v host %+v", tids[i], s.Terminal, s.Host))
					}
				}
				if err == nil && !r.Approved() {
					err = fmt.Errorf("declined %s", r.Response.ResponseCode)
				}
				if err != nil {
					failed.Add(1)
					if o.faults == 0 {
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}
			lat[i] = l
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cputime.Used() - cpu0
	rec.on.Store(false)

	// Quiescence: every terminal sends what it still owes back.
	if o.faults > 0 {
		lossyLink.mu.Lock()
		lossyLink.p = 0
		lossyLink.mu.Unlock()
		for i, c := range clients {
			if err := c.DrainReversals(ctx); err != nil {
				return fmt.Errorf("%s: draining reversals: %w", tids[i], err)
			}
		}
	}
	// Lost or duplicated: every terminal's batch, the host's ledger and
	// the issuer's own books must agree, sale for sale and fen for fen.
	var problems []error
	total := nTerm * nSales
	approved := 0
	var amount int64
	for i, c := range clients {
		tt, err := c.Totals()
		if err != nil {
			problems = append(problems, err)
			continue
		}
		var ht iso8583.Totals
		if o.settleEvery == 0 {
			ht = host.Totals(tids[i], 1)
		} else {
			ht = tt // the host's side was checked at every settlement
		}
		tt.DebitAmount += settled[i].DebitAmount
		tt.DebitCount += settled[i].DebitCount
		ht.DebitAmount += settled[i].DebitAmount
		ht.DebitCount += settled[i].DebitCount
		approved += tt.DebitCount
		amount += tt.DebitAmount
		if ht != tt || tt.DebitAmount != int64(100*tt.DebitCount) || c.Pending() != 0 ||
			(o.faults == 0 && tt.DebitCount != nSales) {
			problems = append(problems, fmt.Errorf("%s: terminal %+v, host %+v, pending %d", tids[i], tt, ht, c.Pending()))
		}
	}
	st := issuer.Stats()
	if st.Amount != amount || st.Approved-st.Reversed != approved {
		problems = append(problems, fmt.Errorf("issuer %+v; terminals hold %d sales, %d fen", st, approved, amount))
	}
	if lossyLink != nil {
		fmt.Printf("faults: p=%.3f requests lost=%d responses lost=%d late=%d bad MAC=%d; sales approved=%d of %d, issuer reversed=%d\n",
			o.faults, lossyLink.lostReq.Load(), lossyLink.lostResp.Load(), lossyLink.lateN.Load(), lossyLink.badMAC.Load(),
			approved, total, st.Reversed)
	}

	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	fmt.Printf("terminals=%d sales/terminal=%d total=%d failed=%d GOMAXPROCS=%d journals=%s sealed=%v keys=%s\n",
		nTerm, nSales, total, failed.Load(), runtime.GOMAXPROCS(0), base, o.seal, o.keys)
	fmt.Printf("elapsed=%v throughput=%.0f authorisations/s p50=%v p99=%v max=%v\n",
		elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), pct(0.50), pct(0.99), all[len(all)-1])
	if cpu > 0 {
		per := cpu / time.Duration(total)
		fmt.Printf("cpu=%v (%.2f cores busy) cpu/authorisation=%v (terminals and host together) => %.0f authorisations/s on %d idle cores\n",
			cpu.Round(time.Millisecond), cpu.Seconds()/elapsed.Seconds(), per, float64(runtime.NumCPU())/per.Seconds(), runtime.NumCPU())
	}
	if e := firstErr.Load(); e != nil {
		problems = append(problems, fmt.Errorf("first failure: %w", e.(error)))
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	fmt.Println("check: no sale lost or duplicated (terminal batches = host ledger = issuer's books)")
	if o.replay {
		return replayFrames(o, rec.frames, kr, blocks, nTerm)
	}
	return nil
}

// rssMiB reads the process's resident set size (Linux; 0 elsewhere).
func rssMiB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	fmt.Sscan(string(b), &size, &res)
	return res * int64(os.Getpagesize()) >> 20
}
