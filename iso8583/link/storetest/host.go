package storetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Arbitrary test values, not from any standard.
const (
	tmkHex = "0123456789ABCDEFFEDCBA9876543210"
	zpkHex = "89ABCDEF01234567F0E1D2C3B4A59687"
	pan    = "6222021234567890123"
	pan2   = "6222020000000000018"
	pinStr = "123456"
)

// env is two hosts on one store, one key store and one issuer, behind a
// switch that sends each frame to host A or host B.
type env struct {
	t      *testing.T
	hosts  [2]*link.Host
	to     atomic.Int32 // which host gets the next frame
	keys   *link.MemoryKeyStore
	issuer *link.SimIssuer
	addr   string
	// hold, when set, decides per frame to hold it back (returns true).
	mu   sync.Mutex
	hold func(mti string, frame []byte) bool
	held [][]byte
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustKey(t *testing.T, s string) *keys.Key {
	k, err := keys.FromHex(keys.TDES2, s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pin(t *testing.T) pinblock.PIN {
	p, err := pinblock.ParsePIN([]byte(pinStr))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newEnv(t *testing.T, open Opener) *env {
	a, b := open(t)
	zpk, err := pinblock.NewCipher(mustKey(t, zpkHex), pinblock.Format0, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, keys: link.NewMemoryKeyStore(), issuer: &link.SimIssuer{ZPK: zpk, PINs: map[string]string{pan: pinStr, pan2: pinStr}}}
	cardKey := []byte("storetest card key, shared hosts")
	for i, s := range []link.Store{a, b} {
		if e.hosts[i], err = link.NewHost(link.HostConfig{Store: s, Keys: e.keys, ZPK: zpk, Issuer: e.issuer, CardKey: cardKey,
			ID: fmt.Sprintf("host-%c", 'a'+i), Logger: quiet(), RequestTimeout: 5 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := link.NewServer(link.ServerConfig{Handler: link.FrameHandlerFunc(e.serve), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return e
}

func (e *env) serve(ctx context.Context, frame []byte) []byte {
	mti := mtiOf(frame)
	e.mu.Lock()
	if e.hold != nil && e.hold(mti, frame) {
		e.held = append(e.held, append([]byte(nil), frame...))
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()
	return e.hosts[e.to.Load()].ServeFrame(ctx, frame)
}

func mtiOf(frame []byte) string {
	k, _, err := link.ScanKey(iso8583.NewCodec(nil, iso8583.Framing{}))(frame)
	if err != nil {
		return ""
	}
	return k.MTI
}

func (e *env) terminal(tid string) *link.Client {
	return e.terminalTimeout(tid, 1500*time.Millisecond)
}

func (e *env) terminalTimeout(tid string, timeout time.Duration) *link.Client {
	c := e.terminalNoSignIn(tid, timeout)
	if err := c.SignIn(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) terminalNoSignIn(tid string, timeout time.Duration) *link.Client {
	t := e.t
	e.keys.AddTerminal(tid, mustKey(t, tmkHex))
	dir := t.TempDir()
	j, err := link.OpenJournal(filepath.Join(dir, "txn.jnl"))
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := link.OpenCounters(filepath.Join(dir, "counters"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := link.NewClient(link.Config{
		Dialer:   link.Dialer{Addr: e.addr},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: tid, MerchantID: "309310083985008", Operator: "001"},
		TMK:      mustKey(t, tmkHex), Journal: j, Counters: ctr,
		Timeout: timeout, ReversalBackoff: 10 * time.Millisecond, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); j.Close(); ctr.Close() })
	return c
}

func card(p string) link.Card {
	return link.Card{Track2: iso8583.Track(p + "=25121010000000000"), Expiry: "2512", EntryMode: "021"}
}

func (e *env) approved(r *link.Result, err error) *link.Result {
	e.t.Helper()
	if err != nil || !r.Approved() {
		rc := iso8583.ResponseCode("")
		if r != nil && r.Response != nil {
			rc = r.Response.ResponseCode
		}
		e.t.Fatalf("not approved: %v (rc %q)", err, rc)
	}
	return r
}

func (e *env) declined(r *link.Result, err error, want iso8583.ResponseCode, what string) {
	e.t.Helper()
	if err != nil || r.Response == nil || r.Response.ResponseCode != want {
		rc := iso8583.ResponseCode("")
		if r != nil && r.Response != nil {
			rc = r.Response.ResponseCode
		}
		e.t.Fatalf("%s: %v, rc %q; want %s", what, err, rc, want)
	}
}

// ledger checks the issuer's net amount and open holds.
func (e *env) ledger(amount, holds int64) {
	e.t.Helper()
	if st := e.issuer.Stats(); st.Amount != amount || st.Holds != holds {
		e.t.Fatalf("issuer %+v; want amount %d, holds %d", st, amount, holds)
	}
}

// RunHost runs the host's money rules on two hosts sharing the store.
func RunHost(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("ReversalAtOtherHost", func(t *testing.T) {
		// Several hosts serve the same terminals: a reversal at host B
		// undoes the authorisation host A made.
		e := newEnv(t, open)
		c := e.terminal("50080101")
		s := e.approved(c.Sale(ctx, card(pan), 5000, pin(t)))
		e.ledger(5000, 0)
		e.to.Store(1)
		if err := c.Reverse(ctx, s); err != nil {
			t.Fatal(err)
		}
		e.ledger(0, 0)
		if tot := e.hosts[0].Totals("50080101", s.Request.Field60.Batch); tot.DebitCount != 0 {
			t.Fatalf("host A still counts the reversed sale: %+v", tot)
		}
	})
	t.Run("RetransmissionToOtherHost", func(t *testing.T) {
		// A request retransmitted to the other host is answered from the
		// store with the first answer, never authorised twice.
		e := newEnv(t, open)
		c := e.terminal("50080102")
		var first []byte
		e.hold = func(mti string, f []byte) bool {
			if mti == "0200" && first == nil {
				first = append([]byte(nil), f...)
			}
			return false
		}
		s := e.approved(c.Sale(ctx, card(pan), 1234, pin(t)))
		again := e.hosts[1].ServeFrame(ctx, first)
		resp := unpack(t, e, "50080102", again)
		if resp.ResponseCode != "00" || resp.AuthCode != s.Response.AuthCode || resp.RRN != s.Response.RRN {
			t.Fatalf("retransmission at host B: %s auth %q RRN %q; want the first answer %q %q", resp.ResponseCode, resp.AuthCode, resp.RRN, s.Response.AuthCode, s.Response.RRN)
		}
		if st := e.issuer.Stats(); st.Approved != 1 || st.Amount != 1234 {
			t.Fatalf("issuer %+v: authorised more than once", st)
		}
	})
	t.Run("ReversalBeforeOriginal", func(t *testing.T) {
		// UnionPay practice: a reversal that overtakes its original is
		// acknowledged and leaves a tombstone; the late original is
		// declined 12 at whichever host it reaches, and nothing stands at
		// the issuer.
		e := newEnv(t, open)
		c := e.terminal("50080103")
		e.hold = func(mti string, f []byte) bool { return mti == "0200" }
		if _, err := c.Sale(ctx, card(pan), 700, pin(t)); err == nil {
			t.Fatal("the held sale was answered")
		}
		e.mu.Lock()
		e.hold = nil
		late := e.held[0]
		e.mu.Unlock()
		if n, err := drain(ctx, c); err != nil || n != 0 {
			t.Fatalf("reversal: %v (%d pending)", err, n)
		}
		resp := unpack(t, e, "50080103", e.hosts[1].ServeFrame(ctx, late))
		if resp.ResponseCode != "12" {
			t.Fatalf("late original answered %s, want 12", resp.ResponseCode)
		}
		e.ledger(0, 0)
		if st := e.issuer.Stats(); st.Approved != 0 {
			t.Fatalf("issuer %+v: the late original was authorised", st)
		}
	})
	t.Run("VoidThenReversalOfSale", func(t *testing.T) {
		// A voided sale gives its money back once: a reversal of the
		// sale afterwards (at the other host) credits nothing more.
		e := newEnv(t, open)
		c := e.terminal("50080104")
		s := e.approved(c.Sale(ctx, card(pan), 5000, pin(t)))
		e.to.Store(1)
		e.approved(c.Void(ctx, s.Request, card(pan), pin(t)))
		e.ledger(0, 0)
		e.to.Store(0)
		if err := c.Reverse(ctx, s); err != nil {
			t.Fatal(err)
		}
		e.ledger(0, 0)
	})
	t.Run("ReversalOfVoid", func(t *testing.T) {
		// Reversing a void reinstates the sale, because the issuer
		// agrees; settlement counts the sale again.
		e := newEnv(t, open)
		c := e.terminal("50080105")
		s := e.approved(c.Sale(ctx, card(pan), 3000, pin(t)))
		v := e.approved(c.Void(ctx, s.Request, card(pan), pin(t)))
		e.ledger(0, 0)
		e.to.Store(1)
		if err := c.Reverse(ctx, v); err != nil {
			t.Fatal(err)
		}
		e.ledger(3000, 0)
		if tot := e.hosts[0].Totals("50080105", s.Request.Field60.Batch); tot.DebitAmount != 3000 || tot.DebitCount != 1 {
			t.Fatalf("after reversing the void the host counts %+v, want the sale", tot)
		}
	})
	t.Run("VoidChecksOriginal", func(t *testing.T) {
		// A void must carry the original's card and amount.
		e := newEnv(t, open)
		c := e.terminal("50080106")
		s := e.approved(c.Sale(ctx, card(pan), 4000, pin(t)))
		r, err := c.Void(ctx, s.Request, card(pan2), pin(t))
		e.declined(r, err, link.RCInvalidCard, "void with another card")
		wrong := *s.Request
		wrong.Amount = 3999
		r, err = c.Void(ctx, &wrong, card(pan), pin(t))
		e.declined(r, err, link.RCWrongAmount, "void with another amount")
		e.ledger(4000, 0)
	})
	t.Run("RefundsCumulative", func(t *testing.T) {
		// Refunds against one sale may not exceed it in total, counted
		// across hosts.
		e := newEnv(t, open)
		c := e.terminal("50080107")
		s := e.approved(c.Sale(ctx, card(pan), 1000, pin(t)))
		e.approved(c.Refund(ctx, s.Request, card(pan), 600, pin(t)))
		e.to.Store(1)
		r, err := c.Refund(ctx, s.Request, card(pan), 500, pin(t))
		e.declined(r, err, link.RCInvalidAmount, "refund beyond the sale")
		e.approved(c.Refund(ctx, s.Request, card(pan), 400, pin(t)))
		e.ledger(0, 0)
	})
	t.Run("CompletionCapAndHold", func(t *testing.T) {
		// UnionPay: a completion may exceed the pre-authorisation by up
		// to 15%; it releases the hold; a second completion of the same
		// hold is refused.
		e := newEnv(t, open)
		c := e.terminal("50080108")
		p := e.approved(c.PreAuth(ctx, card(pan), 1000, pin(t)))
		e.ledger(1000, 1000)
		r, err := c.Complete(ctx, p.Request, card(pan), 1151, pin(t))
		e.declined(r, err, link.RCWrongAmount, "completion above 115%")
		e.to.Store(1)
		e.approved(c.Complete(ctx, p.Request, card(pan), 1150, pin(t)))
		e.ledger(1150, 0)
		r, err = c.Complete(ctx, p.Request, card(pan), 10, pin(t))
		if err == nil && r.Approved() {
			t.Fatal("a hold was completed twice")
		}
		e.ledger(1150, 0)
	})
	t.Run("PreAuthVoidByAuthCode", func(t *testing.T) {
		// CUP locates the original of a pre-authorisation void by 38 and
		// 61.3; the hold is released.
		e := newEnv(t, open)
		c := e.terminal("50080109")
		p := e.approved(c.PreAuth(ctx, card(pan), 800, pin(t)))
		e.to.Store(1)
		e.approved(c.Void(ctx, p.Request, card(pan), pin(t)))
		e.ledger(0, 0)
	})
	t.Run("CompletionReversalRestoresHold", func(t *testing.T) {
		e := newEnv(t, open)
		c := e.terminal("50080110")
		p := e.approved(c.PreAuth(ctx, card(pan), 900, pin(t)))
		done := e.approved(c.Complete(ctx, p.Request, card(pan), 900, pin(t)))
		e.ledger(900, 0)
		e.to.Store(1)
		if err := c.Reverse(ctx, done); err != nil {
			t.Fatal(err)
		}
		e.ledger(900, 900)
		e.approved(c.Complete(ctx, p.Request, card(pan), 850, pin(t)))
		e.ledger(850, 0)
	})
	t.Run("RaceReversalAndOriginal", func(t *testing.T) {
		// A sale and its reversal reach two hosts at the same instant,
		// twenty times: whatever the interleaving, the issuer keeps
		// nothing and the store counts nothing.
		e := newEnv(t, open)
		c := e.terminalTimeout("50080111", 300*time.Millisecond)
		for i := 0; i < 8; i++ {
			var saleFrame, rev []byte
			e.mu.Lock()
			e.hold = func(mti string, f []byte) bool {
				switch mti {
				case "0200":
					saleFrame = append([]byte(nil), f...)
					return true
				case "0400":
					rev = append([]byte(nil), f...)
					return true
				}
				return false
			}
			e.mu.Unlock()
			c.Sale(ctx, card(pan), int64(100+i), pin(t)) // times out; its reversal is held too
			e.mu.Lock()
			e.hold = nil
			e.mu.Unlock()
			if saleFrame == nil || rev == nil {
				t.Fatalf("round %d: sale or reversal not captured", i)
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); e.hosts[0].ServeFrame(ctx, saleFrame) }()
			go func() { defer wg.Done(); e.hosts[1].ServeFrame(ctx, rev) }()
			wg.Wait()
			if n, err := drain(ctx, c); err != nil || n != 0 {
				t.Fatalf("round %d: %v (%d pending)", i, err, n)
			}
		}
		e.ledger(0, 0)
		var b uint32
		for _, r := range mustRecords(t, c) {
			b = r.Txn.Field60.Batch
		}
		if tot := e.hosts[0].Totals("50080111", b); tot.DebitCount != 0 {
			t.Fatalf("the store counts %+v", tot)
		}
	})
	t.Run("SameRetransmissionTwoHosts", func(t *testing.T) {
		// The same frame at two hosts at once is authorised once.
		e := newEnv(t, open)
		c := e.terminal("50080112")
		var first []byte
		e.hold = func(mti string, f []byte) bool {
			if mti == "0200" && first == nil {
				first = append([]byte(nil), f...)
			}
			return false
		}
		s := e.approved(c.Sale(ctx, card(pan), 4242, pin(t)))
		_ = s
		var wg sync.WaitGroup
		answers := make([]*iso8583.Transaction, 6)
		for i := range answers {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				answers[i] = unpack(t, e, "50080112", e.hosts[i%2].ServeFrame(ctx, first))
			}(i)
		}
		wg.Wait()
		for _, a := range answers {
			if a.AuthCode != s.Response.AuthCode {
				t.Fatalf("answer %s auth %q, want %q", a.ResponseCode, a.AuthCode, s.Response.AuthCode)
			}
		}
		if st := e.issuer.Stats(); st.Approved != 1 {
			t.Fatalf("issuer %+v", st)
		}
	})
	t.Run("ATCReplayRefused", func(t *testing.T) {
		// A cryptogram is good once: a chip request whose ATC (9F36) is
		// not above the card's last one is refused 05, at any host.
		e := newEnv(t, open)
		c := e.terminal("50080113")
		chip := func(atc byte) link.Card {
			return link.Card{PAN: pan, Expiry: "2512", EntryMode: "051", CardSequence: "001",
				ICC: []byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x9F, 0x36, 0x02, 0x00, atc}}
		}
		e.approved(c.Sale(ctx, chip(5), 100, pin(t)))
		e.to.Store(1)
		r, err := c.Sale(ctx, chip(5), 100, pin(t))
		e.declined(r, err, link.RCDoNotHonour, "the same ATC again")
		r, err = c.Sale(ctx, chip(4), 100, pin(t))
		e.declined(r, err, link.RCDoNotHonour, "a lower ATC")
		e.approved(c.Sale(ctx, chip(6), 100, pin(t)))
		e.ledger(200, 0)
	})
	t.Run("LateDuplicateSignIn", func(t *testing.T) {
		// A sign-in request duplicated in the network reaches another
		// host after the terminal got its keys: it is answered with the
		// keys already issued and does not replace them (else every later
		// request, reversals included, fails its MAC).
		e := newEnv(t, open)
		var signIn []byte
		e.hold = func(mti string, f []byte) bool {
			if mti == "0800" {
				signIn = append([]byte(nil), f...)
			}
			return false
		}
		c := e.terminal("50080115")
		before, _ := e.keys.Terminal("50080115")
		if signIn == nil || e.hosts[1].ServeFrame(ctx, signIn) == nil {
			t.Fatal("the duplicate sign-in was not answered")
		}
		after, _ := e.keys.Terminal("50080115")
		if !after.Working.MAC.Equal(before.Working.MAC) {
			t.Fatal("a duplicate sign-in replaced the terminal's working keys")
		}
		e.approved(c.Sale(ctx, card(pan), 100, pin(t)))
	})
	t.Run("StaleSignInKeepsNewerKeys", func(t *testing.T) {
		// The terminal gives up on sign-in 1 and signs in again (2); the
		// host finishes sign-in 1 afterwards (it was slow, or reached
		// another host late). The keys of 2 stay, or the terminal would be
		// locked out.
		e := newEnv(t, open)
		var first []byte
		e.hold = func(mti string, f []byte) bool {
			if mti == "0800" && first == nil {
				first = append([]byte(nil), f...)
				return true
			}
			return false
		}
		c := e.terminalNoSignIn("50080116", 300*time.Millisecond)
		if err := c.SignIn(ctx); err == nil {
			t.Fatal("the held sign-in was answered")
		}
		if err := c.SignIn(ctx); err != nil {
			t.Fatal(err)
		}
		e.hosts[1].ServeFrame(ctx, first) // the stale sign-in, finished late
		e.approved(c.Sale(ctx, card(pan), 100, pin(t)))
	})
	t.Run("SettlementArchives", func(t *testing.T) {
		// A settled batch is archived: the same batch number used again
		// starts empty and balances with only its own sales.
		e := newEnv(t, open)
		c := e.terminal("50080114")
		e.approved(c.Sale(ctx, card(pan), 100, pin(t)))
		s, err := c.Settle(ctx)
		if err != nil || !s.Balanced {
			t.Fatalf("first settlement: %v %+v", err, s)
		}
		// The host is asked to settle the same batch number again with
		// a new sale in it (a terminal whose counter was reset).
		bat := s.Batch
		_ = bat
		e.to.Store(1)
		e.approved(c.Sale(ctx, card(pan), 250, pin(t)))
		s2, err := c.Settle(ctx)
		if err != nil || !s2.Balanced || s2.Host.DebitAmount != 250 {
			t.Fatalf("second settlement: %v %+v", err, s2)
		}
	})
}

func drain(ctx context.Context, c *link.Client) (int, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := c.DrainReversals(dctx)
	return c.Pending(), err
}

func mustRecords(t *testing.T, c *link.Client) []link.TxnRecord {
	rs, err := c.Records()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// unpack reads a host answer under the terminal's current keys.
func unpack(t *testing.T, e *env, tid string, frame []byte) *iso8583.Transaction {
	t.Helper()
	if frame == nil {
		t.Fatal("no answer")
	}
	tk, err := e.keys.Terminal(tid)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := iso8583.NewMAC(iso8583.MACX919, tk.Working.MAC)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(mac).Unpack(frame)
	if err != nil {
		t.Fatalf("answer does not unpack: %v", err)
	}
	return resp
}
