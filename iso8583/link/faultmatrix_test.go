package link

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

// The fault matrix (issue 15): a terminal's working day — sign-in, a sale,
// a partial refund of it, a second sale, its void, settlement — is cut at every durable write (every sync of
// a journal, the counters or a directory), once as a process kill (the
// page cache survives) and once as a power cut (everything since the last
// sync is lost). The terminal then restarts on what is left, signs in,
// drains its reversals and settles. The invariant is checked against the
// other side's own books:
//
//   - the issuer's outstanding amount equals what the terminal settled
//     (every authorisation is in a settled batch or reversed, once);
//   - the terminal's last settlement balanced with the host;
//   - no STAN was used for two different requests;
//   - nothing is left pending.
//
// With the journals' fsyncs removed the power-cut cells fail (the
// reversal written "before the request leaves" is not on disk).

type matrixHost struct {
	e     *testEnv
	mu    sync.Mutex
	stans map[uint32]string // STAN → MTI+amount of the first request that used it
	reuse []string
}

func newMatrixHost(t *testing.T) *matrixHost {
	m := &matrixHost{stans: map[uint32]string{}}
	m.e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, stan := frameKind(frame)
			if mti != "" && mti != "0400" && mti != "0320" {
				// A reversal repeats its original's STAN; so may the
				// same request sent again (not done by this client).
				m.mu.Lock()
				key := fmt.Sprintf("%s/%d", mti, len(frame))
				if prev, ok := m.stans[stan]; ok && prev != key {
					m.reuse = append(m.reuse, fmt.Sprintf("STAN %d: %s then %s", stan, prev, key))
				}
				m.stans[stan] = key
				m.mu.Unlock()
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	m.e.keys.AddTerminal("50080099", mustKey(t, testTMKHex))
	return m
}

type matrixTerminal struct {
	c     *Client
	files termFiles
}

func openMatrixTerminal(t *testing.T, e *testEnv, fsys *crashFS) (*matrixTerminal, error) {
	j, err := OpenJournal("/term/transactions.jnl", WithFS(fsys), WithSealKey(sealKeyA))
	if err != nil {
		return nil, err
	}
	ctr, err := OpenCounters("/term/counters", WithCounterFS(fsys))
	if err != nil {
		return nil, err
	}
	cfg := Config{
		Dialer:   Dialer{Addr: e.addr},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: "50080099", MerchantID: "309310083985008", Operator: "001"},
		TMK:      mustKey(t, testTMKHex),
		Journal:  j, Counters: ctr,
		Timeout: 2 * time.Second, ReversalBackoff: time.Millisecond, ReversalAttempts: 3,
		Logger: quietLogger(),
	}
	c, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &matrixTerminal{c: c, files: termFiles{j, ctr}}, nil
}

func (m *matrixTerminal) close() {
	m.c.Close()
	m.files.j.Close()
	m.files.ctr.Close()
}

// matrixDay runs the day until the first error; settled collects the
// terminal's debit total per settled batch.
func matrixDay(ctx context.Context, t *testing.T, m *matrixTerminal, settled map[uint32]int64) error {
	if err := m.c.SignIn(ctx); err != nil {
		return err
	}
	s1, err := m.c.Sale(ctx, testCard(), 1000, mustPIN(t, testPIN))
	if err != nil {
		return err
	}
	if _, err := m.c.Refund(ctx, s1.Request, testCard(), 300, mustPIN(t, testPIN)); err != nil {
		return err
	}
	s2, err := m.c.Sale(ctx, testCard(), 2000, mustPIN(t, testPIN))
	if err != nil {
		return err
	}
	if _, err := m.c.Void(ctx, s2.Request, testCard(), mustPIN(t, testPIN)); err != nil {
		return err
	}
	return matrixSettle(ctx, m, settled)
}

func matrixSettle(ctx context.Context, m *matrixTerminal, settled map[uint32]int64) error {
	s, err := m.c.Settle(ctx)
	if err != nil {
		return err
	}
	if !s.Balanced {
		return fmt.Errorf("batch %d not balanced: terminal %+v host %+v", s.Batch, s.Terminal, s.Host)
	}
	settled[s.Batch] = s.Terminal.DebitAmount - s.Terminal.CreditAmount
	return nil
}

// matrixCell runs one cell; crashAt 0 is the fault-free run, which
// returns the number of syncs it made.
func matrixCell(t *testing.T, crashAt int, power bool) (syncs int, crashed bool, err error) {
	mh := newMatrixHost(t)
	fsys := newCrashFS()
	ctx := ctxT(t)
	settled := map[uint32]int64{}
	fsys.arm(crashAt, power)
	m, err := openMatrixTerminal(t, mh.e, fsys)
	if err == nil {
		err = matrixDay(ctx, t, m, settled)
		if fsys.didCrash() {
			m.close()
		} else {
			defer m.close()
		}
	}
	syncs = fsys.syncs
	crashed = fsys.didCrash()
	if err != nil && !crashed {
		return syncs, false, fmt.Errorf("fault-free part failed: %w", err)
	}
	if crashed {
		// Reboot and run to quiescence on what the crash left.
		fsys.restart()
		m, err = openMatrixTerminal(t, mh.e, fsys)
		if err != nil {
			return syncs, true, fmt.Errorf("reopening after the crash: %w", err)
		}
		defer m.close()
		if err := m.c.SignIn(ctx); err != nil {
			return syncs, true, fmt.Errorf("sign-in after restart: %w", err)
		}
		if err := m.c.DrainReversals(ctx); err != nil {
			return syncs, true, err
		}
		if err := matrixSettle(ctx, m, settled); err != nil {
			return syncs, true, fmt.Errorf("settlement after restart: %w", err)
		}
		if n := m.c.Pending(); n != 0 {
			return syncs, true, fmt.Errorf("%d reversals pending at quiescence", n)
		}
	}
	// The host's books per batch: a settlement the host balanced counts
	// even when its answer was lost to the crash.
	var total int64
	for b := uint32(1); b <= 3; b++ {
		tot := mh.e.host.Totals("50080099", b)
		total += tot.DebitAmount - tot.CreditAmount
	}
	// Pre-authorisation holds the terminal still has open (approved, no
	// approved completion) are outstanding at the issuer legitimately.
	var holds int64
	if m != nil {
		recs, err := m.c.Records()
		if err != nil {
			return syncs, crashed, err
		}
		done := map[uint64]bool{}
		for _, r := range recs {
			if r.State == StateApproved && r.Completes != 0 {
				done[r.Completes] = true
			}
		}
		for _, r := range recs {
			if r.State == StateApproved && r.Txn.Kind == iso8583.KindPreAuth && !done[r.ID] {
				holds += r.Txn.Amount
			}
		}
	}
	if st := mh.e.issuer.Stats(); st.Amount != total+holds {
		return syncs, crashed, fmt.Errorf("issuer holds %d; the host's settled batches %d + the terminal's open pre-authorisations %d (terminal's settlements %v; issuer %+v)", st.Amount, total, holds, settled, st)
	}
	if len(mh.reuse) > 0 {
		return syncs, crashed, fmt.Errorf("STAN reused: %v", mh.reuse)
	}
	return syncs, crashed, nil
}

func TestFaultMatrixCrashPoints(t *testing.T) {
	n, _, err := matrixCell(t, 0, false)
	if err != nil {
		t.Fatalf("fault-free day: %v", err)
	}
	if n < 10 {
		t.Fatalf("only %d syncs in a day: the crash points are not being counted", n)
	}
	cells, bad := 0, 0
	for _, power := range []bool{false, true} {
		for k := 1; k <= n; k++ {
			cells++
			_, crashed, err := matrixCell(t, k, power)
			if !crashed {
				err = errors.Join(err, fmt.Errorf("the crash at sync %d did not happen", k))
			}
			if err != nil {
				bad++
				t.Errorf("crash at sync %d of %d (power loss %v): %v", k, n, power, err)
			}
		}
	}
	t.Logf("fault matrix: %d durable-write points × 2 crash kinds (kill, power loss) = %d cells; %d hold the invariant", n, cells, cells-bad)
}

// netFault is what the lossy link does to the n-th financial request.
type netFault int

const (
	lostRequest     netFault = iota // never reaches the host
	lostResponse                    // the host acts, the answer is lost
	lateResponse                    // the answer arrives after the terminal's timeout
	badMAC                          // the answer's MAC does not verify
	reversal96                      // answer lost, then the first reversal answered 96
	duplicateAnswer                 // the answer arrives twice
	resetMidFrame                   // half the answer, then the connection is reset and the host is down 2 s
	hostDown                        // the host goes down before the request arrives, back after 2 s
)

func (f netFault) String() string {
	return [...]string{"request lost", "response lost", "response late", "response with bad MAC",
		"response lost, reversal answered 96", "response duplicated",
		"connection reset mid-frame, host down 2 s", "host down 2 s"}[f]
}

// TestFaultMatrixNetwork: each network fault on each financial request of
// the day (two sales and a void), then run to quiescence; the same
// invariant against the issuer's and the host's books.
func TestFaultMatrixNetwork(t *testing.T) {
	faults := []netFault{lostRequest, lostResponse, lateResponse, badMAC, reversal96, duplicateAnswer, resetMidFrame, hostDown}
	cells, bad := 0, 0
	for _, f := range faults {
		for nth := 1; nth <= 3; nth++ {
			cells++
			if err := netCell(t, f, nth); err != nil {
				bad++
				t.Errorf("%v on financial request %d: %v", f, nth, err)
			}
		}
	}
	t.Logf("network fault matrix: %d faults × 3 financial requests = %d cells; %d hold the invariant", len(faults), cells, cells-bad)
}

func netCell(t *testing.T, f netFault, nth int) error {
	var mu sync.Mutex
	seen, rev96 := 0, f == reversal96
	var e *testEnv
	var wrapped FrameHandler
	// outage takes the host down (listener and connections closed) and
	// brings it back after d.
	outage := func(d time.Duration) {
		go func() {
			time.Sleep(50 * time.Millisecond) // let a partial answer go out first
			mu.Lock()
			e.stop()
			mu.Unlock()
			time.Sleep(d)
			mu.Lock()
			e.restart(t, wrapped)
			mu.Unlock()
		}()
	}
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		wrapped = FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, _ := frameKind(frame)
			mu.Lock()
			hit := false
			if mti == "0200" {
				seen++
				hit = seen == nth
			}
			answer96 := mti == "0400" && rev96
			if answer96 {
				rev96 = false
			}
			mu.Unlock()
			if answer96 {
				return answerReversal(t, e, "50080098", frame, "96")
			}
			if !hit {
				return h.ServeFrame(ctx, frame)
			}
			switch f {
			case lostRequest:
				return nil
			case lostResponse, reversal96:
				h.ServeFrame(ctx, frame)
				return nil
			case lateResponse:
				resp := h.ServeFrame(ctx, frame)
				time.Sleep(1300 * time.Millisecond) // past the terminal's 1 s
				return resp
			case badMAC:
				resp := append([]byte(nil), h.ServeFrame(ctx, frame)...)
				resp[len(resp)-1] ^= 0xFF
				return resp
			case duplicateAnswer:
				resp := h.ServeFrame(ctx, frame)
				return append(append([]byte(nil), resp...), resp...)
			case resetMidFrame:
				resp := h.ServeFrame(ctx, frame)
				outage(2 * time.Second)
				return resp[:len(resp)/2]
			case hostDown:
				outage(2 * time.Second)
				return nil
			}
			return nil
		})
		return wrapped
	})
	e.keys.AddTerminal("50080098", mustKey(t, testTMKHex))
	f0 := openTermFiles(t, t.TempDir())
	c, err := NewClient(Config{
		Dialer:   Dialer{Addr: e.addr},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: "50080098", MerchantID: "309310083985008", Operator: "001"},
		TMK:      mustKey(t, testTMKHex),
		Journal:  f0.j, Counters: f0.ctr,
		Timeout: time.Second, ReversalBackoff: 50 * time.Millisecond, ReversalAttempts: 10,
		Logger: quietLogger(),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		return err
	}
	// The day goes on whatever a request's fate: the merchant retries
	// nothing by hand here, the terminal's own recovery must suffice.
	c.Sale(ctx, testCard(), 1000, mustPIN(t, testPIN))
	c.DrainReversals(ctx)
	s2, _ := c.Sale(ctx, testCard(), 2000, mustPIN(t, testPIN))
	c.DrainReversals(ctx)
	if s2 != nil && s2.Approved() {
		c.Void(ctx, s2.Request, testCard(), mustPIN(t, testPIN))
	}
	if err := c.DrainReversals(ctx); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	s, err := c.Settle(ctx)
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	if !s.Balanced {
		return fmt.Errorf("not balanced: terminal %+v host %+v", s.Terminal, s.Host)
	}
	if c.Pending() != 0 {
		return fmt.Errorf("%d pending", c.Pending())
	}
	tot := e.host.Totals("50080098", s.Batch)
	if st := e.issuer.Stats(); st.Amount != tot.DebitAmount-tot.CreditAmount || st.Amount != s.Terminal.DebitAmount-s.Terminal.CreditAmount {
		return fmt.Errorf("issuer holds %d; host settled %d; terminal settled %d", st.Amount, tot.DebitAmount-tot.CreditAmount, s.Terminal.DebitAmount-s.Terminal.CreditAmount)
	}
	return nil
}
