package link

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/pinblock"
)

// TestTerminalFlow runs sign-in with key download, sales, a void, a refund
// and a balanced settlement, over plain TCP and over TLS.
func TestTerminalFlow(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "tcp"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t, useTLS, nil)
			c, f := e.terminal(t, t.TempDir(), "50080001", nil)
			ctx := ctxT(t)
			if _, err := c.Sale(ctx, testCard(), 100, pinblock.PIN{}); !errors.Is(err, ErrNotSignedIn) {
				t.Fatalf("sale before sign-in: %v", err)
			}
			if err := c.SignIn(ctx); err != nil {
				t.Fatal(err)
			}
			tk, _ := e.keys.Terminal("50080001")
			if tk.Working == nil || c.wk == nil || !equalKCV(tk.Working, c) {
				t.Fatal("terminal and host do not share the working keys after sign-in")
			}

			s1, err := c.Sale(ctx, testCard(), 12345, mustPIN(t, testPIN))
			if err != nil || !s1.Approved() {
				t.Fatalf("sale: %v %v", s1, err)
			}
			if s1.Request.RRN == "" || s1.Request.AuthCode == "" {
				t.Errorf("approved sale lacks RRN/auth code: %+v", s1.Request)
			}
			bad, err := c.Sale(ctx, testCard(), 500, mustPIN(t, "999999"))
			if err != nil || bad.Approved() || bad.Response.ResponseCode != RCIncorrectPIN {
				t.Fatalf("sale with wrong PIN: %v %v, want declined 55", bad, err)
			}
			s2, err := c.Sale(ctx, testCard(), 7000, mustPIN(t, testPIN))
			if err != nil || !s2.Approved() {
				t.Fatalf("sale 2: %v", err)
			}
			v, err := c.Void(ctx, s1.Request, testCard(), mustPIN(t, testPIN))
			if err != nil || !v.Approved() {
				t.Fatalf("void: %v %v", v, err)
			}
			if v2, err := c.Void(ctx, s1.Request, testCard(), mustPIN(t, testPIN)); err != nil || v2.Response.ResponseCode != RCAlreadyVoided {
				t.Fatalf("second void: %v %v, want 12", v2, err)
			}
			r, err := c.Refund(ctx, s2.Request, testCard(), 2000, pinblock.PIN{})
			if err != nil || !r.Approved() {
				t.Fatalf("refund: %v %v", r, err)
			}
			if f.pending() != 0 {
				t.Fatalf("%d reversals left after answered requests", f.pending())
			}
			tot, _ := c.Totals()
			want := iso8583.Totals{DebitAmount: 7000, DebitCount: 1, CreditAmount: 2000, CreditCount: 1}
			if tot != want {
				t.Fatalf("terminal totals %+v, want %+v", tot, want)
			}
			batch := f.ctr.Batch()
			if h := e.host.Totals("50080001", batch); h != want {
				t.Fatalf("host totals %+v, want %+v", h, want)
			}
			st, err := c.Settle(ctx)
			if err != nil || !st.Balanced || st.Uploaded != 0 {
				t.Fatalf("settle: %+v %v", st, err)
			}
			if f.ctr.Batch() != batch+1 || f.approved() != 0 {
				t.Errorf("after settlement batch %d (want %d), %d stored", f.ctr.Batch(), batch+1, f.approved())
			}
			if got := e.issuer.Stats().Amount; got != 5000 {
				t.Errorf("issuer net amount %d, want 5000", got)
			}
			if err := c.SignOff(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Sale(ctx, testCard(), 1, pinblock.PIN{}); !errors.Is(err, ErrNotSignedIn) {
				t.Errorf("sale after sign-off: %v", err)
			}
		})
	}
}

func equalKCV(w interface{ String() string }, c *Client) bool { return w.String() == c.wk.String() }

// TestSettlementUnbalanced loses a transaction from the terminal's batch so
// the host's totals differ: the terminal must batch-upload.
func TestSettlementUnbalanced(t *testing.T) {
	e := newTestEnv(t, false, nil)
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080002", nil)
	var last *Result
	for i := range 10 {
		r, err := c.Sale(ctx, testCard(), int64(100*(i+1)), mustPIN(t, testPIN))
		if err != nil || !r.Approved() {
			t.Fatalf("sale %d: %v", i, err)
		}
		last = r
	}
	f.j.Delete(recordID(last.Request))
	batch := f.ctr.Batch()
	st, err := c.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Balanced || st.Uploaded != 9 || st.Host.DebitCount != 10 || st.Terminal.DebitCount != 9 {
		t.Fatalf("settlement %+v, want unbalanced with 9 uploaded, host 10", st)
	}
	if n := e.host.Uploaded("50080002", batch); n != 9 {
		t.Errorf("host received %d upload records, want 9", n)
	}
}

// TestDroppedResponse: the host approves but the response never arrives;
// the reversal goes out at once and is acknowledged, undoing the sale.
func TestDroppedResponse(t *testing.T) {
	var mu sync.Mutex
	dropped, reversals := 0, 0
	e := newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			mti, _ := frameKind(frame)
			resp := h.ServeFrame(ctx, frame)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case mti == "0200" && dropped == 0:
				dropped++
				return nil
			case mti == "0400":
				reversals++
			}
			return resp
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080003", func(cfg *Config) { cfg.Timeout = 300 * time.Millisecond })
	_, err := c.Sale(ctx, testCard(), 999, mustPIN(t, testPIN))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("sale without response: %v, want ErrTimeout", err)
	}
	if f.pending() != 0 || reversals != 1 {
		t.Fatalf("pending %d, reversals at host %d; want 0 and 1", f.pending(), reversals)
	}
	st := e.issuer.Stats()
	if st.Approved != 1 || st.Reversed != 1 || st.Amount != 0 {
		t.Fatalf("issuer %+v: the approved sale was not undone", st)
	}
	if tot := e.host.Totals("50080003", f.ctr.Batch()); tot.DebitCount != 0 {
		t.Errorf("host still counts the reversed sale: %+v", tot)
	}
}

// TestHostDown: the host dies after receiving a sale; the reversal cannot
// be sent, waits on disk, and goes out before the next sale once the host
// is back.
func TestHostDown(t *testing.T) {
	var e *testEnv
	var once sync.Once
	killed := make(chan struct{})
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			resp := h.ServeFrame(ctx, frame)
			if mti, _ := frameKind(frame); mti == "0200" {
				crashed := false
				once.Do(func() { crashed = true })
				if crashed {
					go func() { e.stop(); close(killed) }()
					return nil
				}
			}
			return resp
		})
	})
	c, f := e.terminal(t, t.TempDir(), "50080004", func(cfg *Config) {
		cfg.Timeout = 300 * time.Millisecond
		cfg.ReversalAttempts = 2
	})
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sale(ctx, testCard(), 4242, mustPIN(t, testPIN)); err == nil {
		t.Fatal("sale succeeded with the host down")
	}
	<-killed
	if f.pending() != 1 {
		t.Fatalf("%d pending reversals, want 1", f.pending())
	}
	if _, err := c.Sale(ctx, testCard(), 1, pinblock.PIN{}); !errors.Is(err, ErrPendingReversal) {
		t.Fatalf("sale while host down: %v, want ErrPendingReversal", err)
	}
	e.restart(t, e.host)
	r, err := c.Sale(ctx, testCard(), 5000, mustPIN(t, testPIN))
	if err != nil || !r.Approved() {
		t.Fatalf("sale after restart: %v", err)
	}
	if f.pending() != 0 {
		t.Fatal("reversal still pending")
	}
	if st := e.issuer.Stats(); st.Reversed != 1 || st.Amount != 5000 {
		t.Fatalf("issuer %+v, want the first sale reversed and only the second standing", st)
	}
}

// TestBadResponseMAC: a response whose MAC fails is reversed with A0.
func TestBadResponseMAC(t *testing.T) {
	var mu sync.Mutex
	var reasons []iso8583.ResponseCode
	var e *testEnv
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			resp := h.ServeFrame(ctx, frame)
			switch mti, stan := frameKind(frame); mti {
			case "0200":
				resp = append([]byte(nil), resp...)
				resp[len(resp)-1] ^= 0xFF // corrupt field 64
			case "0400":
				_, sess, err := e.host.session("50080005")
				if err != nil {
					t.Error(err)
					break
				}
				_, req, err := sess.codec.Unpack(frame)
				if err != nil || req.STAN != stan {
					t.Errorf("reversal does not unpack: %v", err)
					break
				}
				mu.Lock()
				reasons = append(reasons, req.ResponseCode)
				mu.Unlock()
			}
			return resp
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080005", nil)
	_, err := c.Sale(ctx, testCard(), 3000, mustPIN(t, testPIN))
	if !errors.Is(err, iso8583.ErrMAC) {
		t.Fatalf("sale with bad response MAC: %v, want ErrMAC", err)
	}
	if f.pending() != 0 || len(reasons) != 1 || reasons[0] != iso8583.ReasonMACError {
		t.Fatalf("pending %d, reversal reasons %v; want one A0", f.pending(), reasons)
	}
	if st := e.issuer.Stats(); st.Amount != 0 {
		t.Fatalf("issuer %+v: sale not undone", st)
	}
}

func TestPinning(t *testing.T) {
	e := newTestEnv(t, true, nil)
	srvCert := e.srvCfg.TLS.Certificates[0].Leaf
	good := PinOf(srvCert)
	d := Dialer{Addr: e.addr, TLS: e.tls, Pins: []Pin{good}}
	nc, err := d.Dial(ctxT(t))
	if err != nil {
		t.Fatalf("dial with the right pin: %v", err)
	}
	nc.Close()
	p, err := ParsePin(good.String())
	if err != nil || p != good {
		t.Fatalf("ParsePin round trip: %v", err)
	}
	var wrong Pin
	wrong[0] = 1
	d.Pins = []Pin{wrong}
	if _, err := d.Dial(ctxT(t)); !errors.Is(err, ErrPinning) {
		t.Fatalf("dial with a wrong pin: %v, want ErrPinning", err)
	}
	// Pinning can replace CA verification for a self-signed host.
	d.TLS = &tls.Config{InsecureSkipVerify: true}
	d.Pins = []Pin{good}
	if nc, err := d.Dial(ctxT(t)); err != nil {
		t.Fatalf("pinned dial without CA: %v", err)
	} else {
		nc.Close()
	}
	// Without a trusted CA and without pins, verification fails.
	d.TLS, d.Pins = &tls.Config{}, nil
	if _, err := d.Dial(ctxT(t)); err == nil {
		t.Fatal("dial to an untrusted certificate succeeded")
	}
}

func TestRiskLimits(t *testing.T) {
	var alarms []Alarm
	e := newTestEnv(t, false, nil)
	e.reconfigure(t, func(c *HostConfig) {
		c.Risk = &Limits{CardCount: 2, TerminalAmount: 100000, AlarmAmount: 50000, Alarm: func(a Alarm) { alarms = append(alarms, a) }}
	})
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080006", nil)
	r1, _ := c.Sale(ctx, testCard(), 60000, mustPIN(t, testPIN))
	r2, _ := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
	r3, _ := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
	if !r1.Approved() || !r2.Approved() || r3.Response.ResponseCode != RCExceedsFrequency {
		t.Fatalf("responses %s %s %s, want 00 00 65", r1.Response.ResponseCode, r2.Response.ResponseCode, r3.Response.ResponseCode)
	}
	// Voiding gives the count back.
	if v, err := c.Void(ctx, r2.Request, testCard(), mustPIN(t, testPIN)); err != nil || !v.Approved() {
		t.Fatalf("void: %v", err)
	}
	if r4, _ := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN)); !r4.Approved() {
		t.Fatalf("sale after void: %s, want 00", r4.Response.ResponseCode)
	}
	if len(alarms) != 2 || alarms[0].Reason != "large amount" || alarms[1].Reason != "card count limit" {
		t.Fatalf("alarms %+v", alarms)
	}
	if s := alarms[0].PAN.String(); s != "622202*********0123" {
		t.Errorf("alarm PAN prints as %q, want masked", s)
	}
}

// TestBatchUploadChipAndRefunds (issue 15): an unbalanced batch with a
// magnetic-stripe sale, a chip sale and a refund. The magnetic-stripe sale
// goes in a 40-digit record (60.3 = 201); the chip sale in its own detail
// message with its field 55 and 60.3 = 205; the refund in its own message
// whose processing code (20xxxx) tells it from a sale.
func TestBatchUploadChipAndRefunds(t *testing.T) {
	var mu sync.Mutex
	var uploads []*iso8583.Transaction
	var e *testEnv
	e = newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			if mti, _ := frameKind(frame); mti == "0320" {
				_, sess, _ := e.host.session("50080003")
				_, up, err := sess.codec.Unpack(frame)
				if err != nil {
					t.Logf("unpack: %v", err)
				}
				if err == nil && up.Kind == iso8583.KindBatchUpload {
					mu.Lock()
					uploads = append(uploads, up)
					mu.Unlock()
				}
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080003", nil)
	mag, err := c.Sale(ctx, testCard(), 1000, mustPIN(t, testPIN))
	if err != nil || !mag.Approved() {
		t.Fatal(err)
	}
	// What the upload carries: the cryptogram data; never the card data
	// the terminal may not keep after authorisation (57, 5A).
	icc := []byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x9F, 0x36, 0x02, 0x00, 0x07}
	sent := append([]byte{0x57, 0x03, 0x62, 0x22, 0x02, 0x5A, 0x02, 0x62, 0x22}, icc...)
	chip, err := c.Sale(ctx, Card{PAN: testPAN, Expiry: "2512", EntryMode: "051", CardSequence: "001", ICC: sent}, 2000, mustPIN(t, testPIN))
	if err != nil || !chip.Approved() {
		t.Fatal(err)
	}
	if _, err := c.Refund(ctx, mag.Request, testCard(), 300, mustPIN(t, testPIN)); err != nil {
		t.Fatal(err)
	}
	extra, err := c.Sale(ctx, testCard(), 5, mustPIN(t, testPIN))
	if err != nil {
		t.Fatal(err)
	}
	f.j.Delete(recordID(extra.Request)) // the terminal lost one: unbalanced
	st, err := c.Settle(ctx)
	if err != nil || st.Balanced || st.Uploaded != 3 {
		t.Fatalf("settlement %+v, %v: want unbalanced, 3 uploaded", st, err)
	}
	if len(uploads) != 3 {
		t.Fatalf("%d upload messages, want 3 (one magnetic-stripe record message, two detail messages)", len(uploads))
	}
	var sawMag, sawChip, sawRefund bool
	for _, u := range uploads {
		switch {
		case len(u.ICC) > 0:
			sawChip = u.Field60.NetMgmt == "205" && string(u.ICC) == string(icc) && u.Amount == 2000 && u.ProcessingCode == "000000" && u.AdditionalData[:2] == "01"
		case u.ProcessingCode == "200000":
			sawRefund = u.Amount == 300 && u.Field60.NetMgmt == "201" && u.Field61 != nil && u.Field61.STAN != 0
		default:
			sawMag = u.Field60.NetMgmt == "201" && u.AdditionalData[:2] == "01" && u.PAN == ""
		}
	}
	if !sawMag || !sawChip || !sawRefund {
		t.Fatalf("magnetic-stripe record %v, chip detail %v, refund detail %v: %+v", sawMag, sawChip, sawRefund, uploads)
	}
}
