package link

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/tlv"
)

// answerReversal builds the host's 0410 to the reversal frame with rc,
// packed with the terminal's session codec (a 96 carries no MAC; see
// iso8583.ResponseCode.FinishesReversal).
func answerReversal(t *testing.T, e *testEnv, tid string, frame []byte, rc iso8583.ResponseCode) []byte {
	t.Helper()
	_, sess, err := e.host.session(tid)
	if err != nil {
		t.Error(err)
		return nil
	}
	env, req, err := sess.codec.Unpack(frame)
	if err != nil {
		t.Errorf("reversal does not unpack: %v", err)
		return nil
	}
	req.MTI, req.ResponseCode = "0410", rc
	out, err := sess.codec.Pack(env, req)
	if err != nil {
		t.Errorf("packing 0410: %v", err)
		return nil
	}
	return out
}

// TestReversalNotFinishedBy96 (UnionPay practice, issue 15): a 0410 whose
// response code is 96 (the host's issuer call failed) does not finish the
// reversal. It stays pending (Pending reports it), the next sale is
// refused, and once the host answers 00 the issuer's ledger shows the
// sale undone exactly once.
func TestReversalNotFinishedBy96(t *testing.T) {
	var mu sync.Mutex
	dropSale, failReversals := true, 2
	var e *testEnv
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, _ := frameKind(frame)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case mti == "0200" && dropSale:
				dropSale = false
				h.ServeFrame(ctx, frame) // authorised at the issuer, answer lost
				return nil
			case mti == "0400" && failReversals > 0:
				failReversals--
				return answerReversal(t, e, "50080011", frame, "96")
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080011", func(cfg *Config) { cfg.Timeout = 1500 * time.Millisecond })
	if _, err := c.Sale(ctx, testCard(), 700, mustPIN(t, testPIN)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("sale without response: %v", err)
	}
	if c.Pending() != 1 || f.pending() != 1 {
		t.Fatalf("after a 96 to the reversal: Pending %d, want 1", c.Pending())
	}
	if st := e.issuer.Stats(); st.Amount != 700 || st.Reversed != 0 {
		t.Fatalf("issuer %+v: want the sale standing until the reversal is acknowledged", st)
	}
	// The next sale first retries the reversal: a second 96, so refused.
	if _, err := c.Sale(ctx, testCard(), 1, mustPIN(t, testPIN)); !errors.Is(err, ErrPendingReversal) || !errors.Is(err, ErrReversalRefused) {
		t.Fatalf("sale with a reversal answered 96: %v, want ErrPendingReversal and ErrReversalRefused", err)
	}
	if err := c.DrainReversals(ctx); err != nil {
		t.Fatalf("drain once the host answers 00: %v", err)
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending %d after the 00", c.Pending())
	}
	if st := e.issuer.Stats(); st.Amount != 0 || st.Reversed != 1 || st.Approved != 1 {
		t.Fatalf("issuer %+v: want one approval reversed once", st)
	}
}

// TestReversalForged0410 (issue 15): a 0410 "00" whose MAC is not the
// terminal's (a forged or corrupted answer) does not finish the reversal.
func TestReversalForged0410(t *testing.T) {
	var mu sync.Mutex
	dropSale, forge := true, true
	var e *testEnv
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, _ := frameKind(frame)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case mti == "0200" && dropSale:
				dropSale = false
				h.ServeFrame(ctx, frame)
				return nil
			case mti == "0400" && forge:
				forge = false
				resp := append([]byte(nil), answerReversal(t, e, "50080012", frame, "00")...)
				resp[len(resp)-1] ^= 0x55 // field 64 no longer verifies
				return resp
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080012", func(cfg *Config) { cfg.Timeout = 1500 * time.Millisecond })
	if _, err := c.Sale(ctx, testCard(), 800, mustPIN(t, testPIN)); err == nil {
		t.Fatal("sale without response succeeded")
	}
	e.drainUndoesSale(t, c, ctx, "a forged 0410")
}

// TestReverseThenCrash (issue 15): Client.Reverse is one synced write
// (the record becomes "reversal pending", which also takes it out of the
// batch). A crash right after it — before the reversal leaves — must
// still end with the money back: on restart the reversal is sent and the
// batch is empty. (With two journals, a reversal then a batch deletion,
// a crash between them used to keep the sale and drop the reversal.)
func TestReverseThenCrash(t *testing.T) {
	e := newTestEnv(t, false, nil)
	dir := t.TempDir()
	c, f, ctx := e.signedIn(t, dir, "50080013", nil)
	r, err := c.Sale(ctx, testCard(), 900, mustPIN(t, testPIN))
	if err != nil || !r.Approved() {
		t.Fatalf("sale: %v", err)
	}
	// Reverse's write, and then the crash.
	rev, err := r.Request.Reversal(iso8583.ReasonOther)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.putRecord(recordID(r.Request), txnRecord{State: StateReversing, Rev: rev}); err != nil {
		t.Fatal(err)
	}
	if tot, _ := c.Totals(); tot.DebitCount != 0 || f.pending() != 1 {
		t.Fatalf("after the write: batch %+v, pending %d; want empty and 1", tot, f.pending())
	}
	c.Close()
	c2, err := NewClient(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if f.pending() != 0 || f.approved() != 0 {
		t.Fatalf("after restart: %d pending, %d approved records; want 0 and 0", f.pending(), f.approved())
	}
	if st := e.issuer.Stats(); st.Amount != 0 || st.Reversed != 1 {
		t.Fatalf("issuer %+v: the declined-after-approval sale was not undone", st)
	}
}

// TestPartialApproval (CUP response code 10, 部分承兑): the host approves
// part of the amount; the sale is approved for that amount, in the batch
// at that amount, and not reversed as an amount mismatch.
func TestPartialApproval(t *testing.T) {
	var e *testEnv
	var reversals atomic.Int32
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			resp := h.ServeFrame(ctx, frame)
			switch mti, _ := frameKind(frame); mti {
			case "0400":
				reversals.Add(1)
			case "0200":
				_, sess, err := e.host.session("50080014")
				if err != nil {
					t.Error(err)
					return resp
				}
				env, r, err := sess.codec.Unpack(resp)
				if err != nil {
					t.Error(err)
					return resp
				}
				r.ResponseCode, r.Amount = "10", r.Amount/2
				out, err := sess.codec.Pack(env, r)
				if err != nil {
					t.Error(err)
					return resp
				}
				return out
			}
			return resp
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080014", nil)
	r, err := c.Sale(ctx, testCard(), 1000, mustPIN(t, testPIN))
	if err != nil || !r.Approved() {
		t.Fatalf("partially approved sale: %v", err)
	}
	if r.Request.Amount != 500 || reversals.Load() != 0 || f.pending() != 0 {
		t.Fatalf("amount %d, reversals %d, pending %d; want 500, 0, 0", r.Request.Amount, reversals.Load(), f.pending())
	}
	tot, err := c.Totals()
	if err != nil || tot.DebitAmount != 500 || tot.DebitCount != 1 {
		t.Fatalf("batch totals %+v, %v; want one debit of 500", tot, err)
	}
}

// countingProxy forwards TCP connections to addr and counts them.
type countingProxy struct {
	ln    net.Listener
	conns atomic.Int32
}

func newCountingProxy(t *testing.T, addr string) *countingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			u, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

// TestTimeoutRedials (issue 15): after a response timeout the connection
// may be half-open; the client closes it, and the reversal goes out on a
// new connection rather than into the dead socket.
func TestTimeoutRedials(t *testing.T) {
	e := newTestEnv(t, false, loseFirstAnswer("0200"))
	p := newCountingProxy(t, e.addr)
	c, f := e.terminal(t, t.TempDir(), "50080015", func(cfg *Config) {
		cfg.Timeout = 1500 * time.Millisecond
		cfg.Dialer.Addr = p.ln.Addr().String()
	})
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sale(ctx, testCard(), 300, mustPIN(t, testPIN)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("sale: %v", err)
	}
	if f.pending() != 0 {
		t.Fatalf("reversal pending: %d", f.pending())
	}
	if n := p.conns.Load(); n != 2 {
		t.Fatalf("%d connections; want 2 (the timed-out one closed, the reversal on a new one)", n)
	}
	if st := e.issuer.Stats(); st.Amount != 0 || st.Reversed != 1 {
		t.Fatalf("issuer %+v", st)
	}
}

// TestReversalKeepsICCData (CUP POS: a chip reversal's field 55 repeats
// 95, 9F10, 9F36, 9F1E and DF31 of the original): the stored reversal
// keeps those tags and drops the rest, track-equivalent data above all.
func TestReversalKeepsICCData(t *testing.T) {
	var icc []byte
	icc = tlv.AppendTLV(icc, 0x9F26, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	icc = tlv.AppendTLV(icc, 0x95, []byte{0, 0, 0x04, 0x80, 0})
	icc = tlv.AppendTLV(icc, 0x57, []byte{0x62, 0x22, 0x02, 0x12, 0x34, 0x56, 0x78, 0x90, 0xD2, 0x51, 0x21})
	icc = tlv.AppendTLV(icc, 0x9F10, []byte{0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00})
	icc = tlv.AppendTLV(icc, 0x9F36, []byte{0x00, 0x2A})
	sale := &iso8583.Transaction{Kind: iso8583.KindSale, PAN: testPAN, Amount: 100, STAN: 7, ICC: icc,
		TerminalID: "50080016", MerchantID: "309310083985008", EntryMode: "051", Field60: &iso8583.Field60{Batch: 1}}
	rev, err := sale.Reversal(iso8583.ReasonNoResponse)
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeRecord(txnRecord{State: StateReversing, Rev: rev})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := decodeRecord(1, b)
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Rev
	var want []byte
	want = tlv.AppendTLV(want, 0x95, []byte{0, 0, 0x04, 0x80, 0})
	want = tlv.AppendTLV(want, 0x9F10, []byte{0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00})
	want = tlv.AppendTLV(want, 0x9F36, []byte{0x00, 0x2A})
	if string(got.ICC) != string(want) {
		t.Fatalf("reversal field 55 % X, want % X", got.ICC, want)
	}
}

// TestPreAuthCompletion (CUP 预授权 / 预授权完成): the completion names its
// pre-authorisation by the authorisation code, may not exceed the hold,
// releases it and is debited instead; the pre-authorisation itself is not
// in the batch and survives the settlement of a batch its completion is
// not in.
func TestPreAuthCompletion(t *testing.T) {
	e := newTestEnv(t, false, nil)
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080017", nil)
	pa, err := c.PreAuth(ctx, testCard(), 5000, mustPIN(t, testPIN))
	if err != nil || !pa.Approved() {
		t.Fatalf("pre-authorisation: %v", err)
	}
	if st := e.issuer.Stats(); st.Amount != 5000 {
		t.Fatalf("issuer %+v: want the 5000 hold", st)
	}
	if s, err := c.Settle(ctx); err != nil || !s.Balanced || s.Terminal.DebitCount != 0 {
		t.Fatalf("settlement with only a hold open: %+v %v", s, err)
	}
	if f.approved() != 1 {
		t.Fatalf("%d approved records after settlement; want the open pre-authorisation", f.approved())
	}
	if r, err := c.Complete(ctx, pa.Request, testCard(), 6000, mustPIN(t, testPIN)); err != nil || r.Approved() {
		t.Fatalf("completion above the hold: %v, approved %v; want declined", err, r != nil && r.Approved())
	}
	comp, err := c.Complete(ctx, pa.Request, testCard(), 4000, mustPIN(t, testPIN))
	if err != nil || !comp.Approved() {
		t.Fatalf("completion: %v", err)
	}
	if st := e.issuer.Stats(); st.Amount != 4000 {
		t.Fatalf("issuer %+v: want the hold released and 4000 debited", st)
	}
	s, err := c.Settle(ctx)
	if err != nil || !s.Balanced || s.Terminal.DebitAmount != 4000 {
		t.Fatalf("settlement: %+v %v", s, err)
	}
	if n := f.approved(); n != 0 {
		t.Fatalf("%d records left after the completion settled", n)
	}
}
