package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Arbitrary test values, not from any standard.
const (
	mhTMK = "0123456789ABCDEFFEDCBA9876543210"
	mhZPK = "89ABCDEF01234567F0E1D2C3B4A59687"
	mhPAN = "6222021234567890123"
)

var (
	mhKEK     = []byte("multi-host test key encryption k")
	mhCardKey = []byte("multi-host test card hashing key")
)

// pgIssuer is the issuer behind every host process: its ledger is a table
// in the same database, so the test can compare it with the terminals'
// settlements at the end. Like a real issuer it is idempotent per
// terminal, batch and STAN, and remembers a reversal that came first.
type pgIssuer struct{ pool *pgxpool.Pool }

const issuerSchema = `CREATE TABLE IF NOT EXISTS sim_issuer (
	tid text, batch bigint, stan bigint, kind smallint NOT NULL, amount bigint NOT NULL,
	rc text NOT NULL, approved boolean NOT NULL, reversed boolean NOT NULL,
	orig_batch bigint, orig_stan bigint,
	PRIMARY KEY (tid, batch, stan))`

func (p *pgIssuer) Authorize(ctx context.Context, t *iso8583.Transaction, _ []byte) (link.IssuerResult, error) {
	if t.Kind == iso8583.KindBalance {
		return link.IssuerResult{RC: "00"}, nil
	}
	var rc string
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		b := int64(t.Field60.Batch)
		var prev string
		err := tx.QueryRow(ctx, "SELECT rc FROM sim_issuer WHERE tid=$1 AND batch=$2 AND stan=$3 FOR UPDATE", t.TerminalID, b, int64(t.STAN)).Scan(&prev)
		if err == nil {
			rc = prev // a repeat: the first answer (or "12" after a reversal)
			if rc == "" {
				rc = "12"
			}
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rc = "00"
		var ob, os any
		if t.Kind == iso8583.KindVoid {
			ob, os = int64(t.Field61.Batch), int64(t.Field61.STAN)
			tag, err := tx.Exec(ctx, "UPDATE sim_issuer SET reversed = true WHERE tid=$1 AND batch=$2 AND stan=$3 AND approved AND NOT reversed", t.TerminalID, ob, os)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				rc = "25"
			}
		}
		_, err = tx.Exec(ctx, "INSERT INTO sim_issuer VALUES ($1,$2,$3,$4,$5,$6,$7,false,$8,$9)",
			t.TerminalID, b, int64(t.STAN), int16(t.Kind), t.Amount, rc, rc == "00", ob, os)
		return err
	})
	return link.IssuerResult{RC: iso8583.ResponseCode(rc)}, err
}

func (p *pgIssuer) Reverse(ctx context.Context, t *iso8583.Transaction) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		b := int64(t.Field60.Batch)
		var approved, reversed bool
		var kind int16
		var ob, os *int64
		err := tx.QueryRow(ctx, "SELECT approved, reversed, kind, orig_batch, orig_stan FROM sim_issuer WHERE tid=$1 AND batch=$2 AND stan=$3 FOR UPDATE",
			t.TerminalID, b, int64(t.STAN)).Scan(&approved, &reversed, &kind, &ob, &os)
		if errors.Is(err, pgx.ErrNoRows) {
			_, err = tx.Exec(ctx, "INSERT INTO sim_issuer VALUES ($1,$2,$3,$4,$5,'',false,true,NULL,NULL)", t.TerminalID, b, int64(t.STAN), int16(t.Kind), t.Amount)
			return err
		}
		if err != nil || !approved || reversed {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE sim_issuer SET reversed = true WHERE tid=$1 AND batch=$2 AND stan=$3", t.TerminalID, b, int64(t.STAN)); err != nil {
			return err
		}
		if iso8583.Kind(kind) == iso8583.KindVoid && ob != nil {
			_, err = tx.Exec(ctx, "UPDATE sim_issuer SET reversed = false WHERE tid=$1 AND batch=$2 AND stan=$3", t.TerminalID, *ob, *os)
		}
		return err
	})
}

// hostChild runs one host process (the test binary re-executed) until it
// is killed.
func hostChild() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("MH_PG_URL"))
	if err != nil {
		panic(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = os.Getenv("MH_SCHEMA")
	cfg.MaxConns = 16
	st, err := pgstore.OpenConfig(ctx, cfg)
	if err != nil {
		panic(err)
	}
	hcfg := link.HostConfig{Store: st, Issuer: &pgIssuer{st.Pool()}, CardKey: mhCardKey,
		ID: os.Getenv("MH_ID"), RequestTimeout: 2 * time.Second, Lease: 3 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch os.Getenv("MH_KEYS") {
	case mhBlocks:
		// This process's own HSM instance under the fleet's LMK; the key
		// blocks (TMKs in the database, the zone key here) were made by
		// another instance, the test's.
		sw, err := newBKHSM()
		if err != nil {
			panic(err)
		}
		hcfg.HSM, hcfg.Terminals, hcfg.ZoneKey = sw, pgstore.NewBlockKeyStore(st), hsm.KeyBlock(os.Getenv("MH_ZONE_KEY"))
	case mhSealed:
		ks, err := pgstore.NewKeyStore(st, mhKEK)
		if err != nil {
			panic(err)
		}
		zk, _ := keys.FromHex(keys.TDES2, mhZPK)
		zpk, err := pinblock.NewCipher(zk, pinblock.Format0, nil)
		if err != nil {
			panic(err)
		}
		hcfg.Keys, hcfg.ZPK = ks, zpk
	default:
		panic("MH_KEYS is neither " + mhBlocks + " nor " + mhSealed)
	}
	if os.Getenv("MH_DEBUG") != "" {
		hcfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h, err := link.NewHost(hcfg)
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", os.Getenv("MH_ADDR"))
	if err != nil {
		panic(err)
	}
	fmt.Println("ready")
	srv, err := link.NewServer(link.ServerConfig{Handler: h, MaxInFlight: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	srv.Serve(ln)
}

func TestMain(m *testing.M) {
	if os.Getenv("MH_CHILD") == "1" {
		hostChild()
		return
	}
	os.Exit(m.Run())
}

// hostProc is a host process the test can kill and restart.
type hostProc struct {
	addr string
	env  []string
	cmd  *exec.Cmd
	gen  int
}

func (p *hostProc) start(t *testing.T) {
	p.gen++
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(p.env, "MH_CHILD=1", "MH_ADDR="+p.addr, fmt.Sprintf("MH_ID=%s-gen%d", p.addr, p.gen))...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	// The host dies with the test, even if the test itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("host %s did not start: %q %v", p.addr, buf, err)
	}
	p.cmd = cmd
}

func (p *hostProc) kill() {
	if p.cmd != nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		p.cmd = nil
	}
}

// proxy is the network between terminals and hosts: it sends each request
// frame to a host chosen at random among the three and injects faults:
// responses lost, requests duplicated to another host (a retransmission
// reaching a second host), and hosts that are down.
type proxy struct {
	hosts   []*hostProc
	rng     *rand.Rand
	mu      sync.Mutex
	lost    atomic.Int64
	dups    atomic.Int64
	down    atomic.Int64
	lossPct int
}

func (p *proxy) pick() (int, int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.IntN(len(p.hosts)), p.rng.IntN(len(p.hosts)), p.rng.IntN(100)
}

func roundTrip(addr string, frame []byte) []byte {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(frame); err != nil {
		return nil
	}
	resp, err := iso8583.ReadFrame(c, nil, 1<<16)
	if err != nil {
		return nil
	}
	return resp
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			for {
				frame, err := iso8583.ReadFrame(c, nil, 1<<16)
				if err != nil {
					return
				}
				h, other, dice := p.pick()
				if dice < 3 {
					// The same request also reaches another host.
					p.dups.Add(1)
					go roundTrip(p.hosts[other].addr, append([]byte(nil), frame...))
				}
				resp := roundTrip(p.hosts[h].addr, frame)
				if resp == nil {
					p.down.Add(1)
					continue
				}
				if dice >= 100-p.lossPct {
					p.lost.Add(1)
					continue // the response is lost
				}
				c.Write(resp)
			}
		}()
	}
}

// The terminal key stores the host processes run on (MH_KEYS).
const (
	// mhBlocks: pgstore.BlockKeyStore and a software HSM per process, all
	// under one LMK (a fleet sharing one HSM's LMK): no clear key in the
	// database or in a host's store.
	mhBlocks = "blocks"
	// mhSealed: pgstore.KeyStore, clear keys sealed under a KEK every
	// host holds (the configuration before the HSM).
	mhSealed = "sealed"
)

// TestMultiHostPostgres: three host processes on one PostgreSQL database,
// 64 terminals spread across them by a lossy proxy, each making sales (and
// voiding some) with responses lost, requests duplicated to a second host,
// and one host killed with SIGKILL mid-run and restarted. At the end every
// terminal's reversals are done and its batch settles balanced, and the
// issuer's ledger equals the settled batches exactly: no authorisation
// lost, duplicated or reversed twice. It runs with the hosts on HSM key
// blocks (BlockKeyStore: the production configuration, which must also
// leave no clear key in the database) and on the sealed clear-key
// KeyStore.
func TestMultiHostPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-host run skipped in -short")
	}
	t.Run("BlockKeyStore", func(t *testing.T) { multiHost(t, mhBlocks) })
	t.Run("SealedKeyStore", func(t *testing.T) { multiHost(t, mhSealed) })
}

func multiHost(t *testing.T, keyStore string) {
	cfg := freshSchema(t)
	schema := cfg.ConnConfig.RuntimeParams["search_path"]
	st := open(t, cfg)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, issuerSchema); err != nil {
		t.Fatal(err)
	}
	terminals, sales := 64, 200
	if v, err := strconv.Atoi(os.Getenv("POSSDK_MULTIHOST_SALES")); err == nil && v > 0 {
		sales = v
	}
	tmk, _ := keys.FromHex(keys.TDES2, mhTMK)
	zk, _ := keys.FromHex(keys.TDES2, mhZPK)
	env := []string{"MH_PG_URL=" + pgURL(t), "MH_SCHEMA=" + schema, "MH_KEYS=" + keyStore}
	var sw *hsm.Software // the test's HSM instance (blocks)
	switch keyStore {
	case mhBlocks:
		// The key ceremony: the TMKs and the zone PIN key enter the HSM
		// (Wrap stands in for ImportComponents) and only their key blocks
		// go to the database and the host processes.
		sw = bkHSM(t)
		bks := pgstore.NewBlockKeyStore(st)
		for i := 0; i < terminals; i++ {
			b, err := sw.Wrap(tmk, hsm.TerminalMasterKey)
			if err != nil {
				t.Fatal(err)
			}
			if err := bks.AddTerminal(ctx, fmt.Sprintf("6%07d", i), b); err != nil {
				t.Fatal(err)
			}
		}
		zoneKey, err := sw.Wrap(zk, hsm.PINKey)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, "MH_ZONE_KEY="+zoneKey.Text())
	case mhSealed:
		ks, err := pgstore.NewKeyStore(st, mhKEK)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < terminals; i++ {
			if err := ks.AddTerminal(ctx, fmt.Sprintf("6%07d", i), tmk); err != nil {
				t.Fatal(err)
			}
		}
	}
	var hosts []*hostProc
	for i := 0; i < 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		p := &hostProc{addr: addr, env: env}
		p.start(t)
		hosts = append(hosts, p)
	}
	t.Cleanup(func() {
		for _, h := range hosts {
			h.kill()
		}
	})
	px := &proxy{hosts: hosts, rng: rand.New(rand.NewPCG(1, 2)), lossPct: 4}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pln.Close()
	go px.serve(pln)

	var done atomic.Int64
	total := int64(terminals * sales)
	killed := make(chan struct{})
	go func() {
		// Kill host 1 with SIGKILL a third of the way through, restart it
		// two seconds later.
		for done.Load() < total/3 {
			time.Sleep(20 * time.Millisecond)
		}
		hosts[1].kill()
		time.Sleep(2 * time.Second)
		hosts[1].start(t)
		close(killed)
	}()

	type result struct {
		tid     string
		settled iso8583.Totals
		wk      *keys.WorkingKeys // the terminal's working keys at the end
		err     error
	}
	results := make(chan result, terminals)
	pin, _ := pinblock.ParsePIN([]byte("123456"))
	for i := 0; i < terminals; i++ {
		go func(i int) {
			tid := fmt.Sprintf("6%07d", i)
			r := result{tid: tid}
			defer func() { results <- r }()
			dir := t.TempDir()
			j, err := link.OpenJournal(filepath.Join(dir, "txn.jnl"))
			if err != nil {
				r.err = err
				return
			}
			defer j.Close()
			ctr, err := link.OpenCounters(filepath.Join(dir, "counters"))
			if err != nil {
				r.err = err
				return
			}
			defer ctr.Close()
			c, err := link.NewClient(link.Config{
				Dialer:   link.Dialer{Addr: pln.Addr().String()},
				Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
				Terminal: iso8583.Terminal{TerminalID: tid, MerchantID: "309310083985008", Operator: "001"},
				TMK:      tmk, Journal: j, Counters: ctr, Timeout: 1500 * time.Millisecond, ReversalBackoff: 20 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				r.err = err
				return
			}
			defer c.Close()
			cctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
			defer cancel()
			for c.SignIn(cctx) != nil {
				if cctx.Err() != nil {
					r.err = errors.New("sign-in never succeeded")
					return
				}
			}
			card := link.Card{Track2: iso8583.Track(mhPAN + "=25121010000000000"), Expiry: "2512", EntryMode: "021"}
			for n := 0; n < sales; n++ {
				s, err := c.Sale(cctx, card, int64(100+n), pin)
				done.Add(1)
				if err == nil && s.Approved() && n%10 == 3 {
					c.Void(cctx, s.Request, card, pin)
				}
				c.DrainReversals(cctx)
			}
			deadline := time.Now().Add(2 * time.Minute)
			var lastErr error
			for c.Pending() > 0 {
				if time.Now().After(deadline) {
					recs, _ := c.Records()
					var pend []string
					for _, x := range recs {
						if x.State != link.StateApproved && x.Reversal != nil {
							pend = append(pend, fmt.Sprintf("reversal of %s STAN %06d batch %d state %v", x.Reversal.Original, x.Reversal.STAN, x.Reversal.Field60.Batch, x.State))
						}
					}
					var hostRows []string
					rows, qerr := st.Pool().Query(ctx, "SELECT stan, mti, state, rc, owner, lease, approved, reversed FROM host_txn WHERE tid = $1 AND (state <> 2 OR rc <> '00' OR mti = '0400')", tid)
					if qerr != nil {
						hostRows = append(hostRows, qerr.Error())
					}
					for rows != nil && rows.Next() {
						var stan int64
						var mti, rc, owner string
						var state int16
						var lease time.Time
						var ap, rv bool
						rows.Scan(&stan, &mti, &state, &rc, &owner, &lease, &ap, &rv)
						hostRows = append(hostRows, fmt.Sprintf("%06d/%s state %d rc %q owner %s lease %s approved %v reversed %v", stan, mti, state, rc, owner, lease.Format("15:04:05.000"), ap, rv))
					}
					r.err = fmt.Errorf("%d reversals never acknowledged (%v): terminal %v; host rows %v", c.Pending(), lastErr, pend, hostRows)
					return
				}
				lastErr = c.DrainReversals(cctx)
			}
			for {
				s, err := c.Settle(cctx)
				if err == nil {
					if !s.Balanced {
						r.err = fmt.Errorf("batch %d not balanced: terminal %+v host %+v", s.Batch, s.Terminal, s.Host)
					}
					r.settled = s.Terminal
					mode, f62, err := c.WorkingKeysUnderTMK()
					if err == nil {
						r.wk, err = keys.DecodeField62(tmk, mode, f62)
					}
					if err != nil {
						r.err = fmt.Errorf("the terminal's working keys: %w", err)
					}
					return
				}
				if cctx.Err() != nil {
					r.err = fmt.Errorf("settlement: %w", err)
					return
				}
			}
		}(i)
	}
	var settledNet int64
	final := make(map[string]*keys.WorkingKeys, terminals)
	for i := 0; i < terminals; i++ {
		r := <-results
		if r.err != nil {
			t.Errorf("terminal %s: %v", r.tid, r.err)
		}
		settledNet += r.settled.DebitAmount - r.settled.CreditAmount
		final[r.tid] = r.wk
	}
	<-killed
	if keyStore == mhBlocks {
		blocksOnly(t, st, sw, tmk, zk, final)
	}
	// The issuer's ledger: approved debits not reversed (voids reverse the
	// sale they cancel).
	var issuerNet int64
	var issued, reversed int64
	err = st.Pool().QueryRow(ctx, `SELECT coalesce(sum(amount) FILTER (WHERE approved AND NOT reversed AND kind = $1), 0),
		count(*) FILTER (WHERE approved AND kind = $1), count(*) FILTER (WHERE reversed AND kind = $1) FROM sim_issuer`,
		int16(iso8583.KindSale)).Scan(&issuerNet, &issued, &reversed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d terminals × %d sales through 3 hosts (one SIGKILLed and restarted): %d responses lost, %d requests duplicated to a second host, %d requests to a host that was down; issuer approved %d sales, %d undone; net %d = settled %d",
		keyStore, terminals, sales, px.lost.Load(), px.dups.Load(), px.down.Load(), issued, reversed, issuerNet, settledNet)
	if issuerNet != settledNet {
		t.Fatalf("issuer ledger %d != settled batches %d", issuerNet, settledNet)
	}
	if px.lost.Load() == 0 || px.dups.Load() == 0 || px.down.Load() == 0 {
		t.Fatal("a fault never happened: the test proved nothing about it")
	}
}

// blocksOnly checks what hosts on an HSM left in the database: every
// terminal's row holds its TMK and the working keys the terminal ended
// with as key blocks that the fleet's LMK opens to the terminal's own keys
// (check values compared with the terminal's clear keys), no row holds a
// clear key (TMK, zone key, any terminal's working keys), and the sealed
// clear-key table was never written.
func blocksOnly(t *testing.T, st *pgstore.Store, sw *hsm.Software, tmk, zk *keys.Key, final map[string]*keys.WorkingKeys) {
	t.Helper()
	ctx := context.Background()
	bks := pgstore.NewBlockKeyStore(st) // a fresh reader: nothing cached
	clear := []*keys.Key{tmk, zk}
	for tid, wk := range final {
		if wk == nil {
			continue // reported with the terminal's error
		}
		clear = append(clear, wk.PIN, wk.MAC)
		if wk.Data != nil {
			clear = append(clear, wk.Data)
		}
		tk, err := bks.TerminalKeyBlocks(tid)
		if err != nil {
			t.Errorf("terminal %s: %v", tid, err)
			continue
		}
		if kcv, err := sw.CheckValue(ctx, tk.TMK); err != nil || !bytes.Equal(kcv, tmk.CheckValue()) {
			t.Errorf("terminal %s: the TMK block opens to check value %X (%v), want the TMK's %X", tid, kcv, err, tmk.CheckValue())
		}
		held := false
		for _, w := range append([]*hsm.WorkingKeys{tk.Working, tk.Previous}, tk.Recent...) {
			if w == nil {
				continue
			}
			mac, err1 := sw.CheckValue(ctx, w.MAC)
			pin, err2 := sw.CheckValue(ctx, w.PIN)
			if err1 == nil && err2 == nil && bytes.Equal(mac, wk.MAC.CheckValue()) && bytes.Equal(pin, wk.PIN.CheckValue()) {
				held = true
			}
		}
		if !held {
			t.Errorf("terminal %s: no stored key block set opens to the terminal's working keys (%v)", tid, tk)
		}
	}
	if n := noClearKeys(t, st, clear...); n != len(final) {
		t.Errorf("%d rows of key blocks, want one per terminal (%d)", n, len(final))
	}
	var sealed int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM host_terminal_keys").Scan(&sealed); err != nil || sealed != 0 {
		t.Errorf("%d rows in the sealed clear-key table (%v), want none: the hosts ran on key blocks", sealed, err)
	}
}
