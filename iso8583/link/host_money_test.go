package link

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

// unpackAnswer reads the host's answer to tid's request.
func unpackAnswer(t *testing.T, e *testEnv, tid string, frame []byte) *iso8583.Transaction {
	t.Helper()
	_, sess, err := e.host.session(tid)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := sess.codec.Unpack(frame)
	if err != nil {
		t.Fatalf("answer does not unpack: %v", err)
	}
	return resp
}

// TestHostReversalBeforeOriginal (issue 16): the sale is held up in the
// network, the terminal times out and its reversal reaches the host first.
// The host keeps a tombstone, so when the late sale arrives it is declined
// (12) without reaching the issuer: nothing stands at the issuer.
func TestHostReversalBeforeOriginal(t *testing.T) {
	var mu sync.Mutex
	var held []byte
	e := newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			if mti, _ := frameKind(frame); mti == "0200" {
				mu.Lock()
				defer mu.Unlock()
				if held == nil {
					held = append([]byte(nil), frame...)
					return nil // delayed in the network
				}
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080021", func(cfg *Config) { cfg.Timeout = 1500 * time.Millisecond })
	if _, err := c.Sale(ctx, testCard(), 5000, mustPIN(t, testPIN)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("sale: %v", err)
	}
	if f.pending() != 0 {
		t.Fatal("reversal not acknowledged")
	}
	// The delayed sale arrives now (held was written by the server's
	// goroutine: read it under the lock).
	mu.Lock()
	late := held
	mu.Unlock()
	resp := unpackAnswer(t, e, "50080021", e.host.ServeFrame(ctx, late))
	if resp.ResponseCode.Approved() {
		t.Fatalf("the late original was approved (%s) after its reversal", resp.ResponseCode)
	}
	if st := e.issuer.Stats(); st.Approved != 0 || st.Amount != 0 {
		t.Fatalf("issuer %+v: the late original reached the issuer", st)
	}
}

// TestHostReversalOfVoidedSale (issue 16): a sale is voided (the money
// goes back), then a reversal of the sale arrives: the host must not
// credit the card a second time.
func TestHostReversalOfVoidedSale(t *testing.T) {
	e := newTestEnv(t, false, nil)
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080022", nil)
	s, err := c.Sale(ctx, testCard(), 5000, mustPIN(t, testPIN))
	if err != nil || !s.Approved() {
		t.Fatalf("sale: %v", err)
	}
	if v, err := c.Void(ctx, s.Request, testCard(), mustPIN(t, testPIN)); err != nil || !v.Approved() {
		t.Fatalf("void: %v", err)
	}
	if err := c.Reverse(ctx, s); err != nil {
		t.Fatalf("reversal of the voided sale: %v", err)
	}
	if st := e.issuer.Stats(); st.Amount != 0 {
		t.Fatalf("issuer %+v: want 0 (5000 debited, 5000 credited once)", st)
	}
}

// flakyIssuer fails its first n Reverse calls (the issuer is unreachable).
type flakyIssuer struct {
	Issuer
	fail atomic.Int32
}

func (f *flakyIssuer) Reverse(ctx context.Context, t *iso8583.Transaction) error {
	if f.fail.Add(-1) >= 0 {
		return errors.New("issuer unreachable")
	}
	return f.Issuer.Reverse(ctx, t)
}

// TestHost96NotFinal (issue 16): a reversal answered 96 because the
// issuer call failed is not the final answer for its retransmission: the
// resend is processed again and undoes the sale.
func TestHost96NotFinal(t *testing.T) {
	e := newTestEnv(t, false, loseFirstAnswer("0200"))
	fi := &flakyIssuer{Issuer: e.issuer}
	fi.fail.Store(1)
	e.reconfigure(t, func(c *HostConfig) { c.Issuer = fi })
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080023", func(cfg *Config) { cfg.Timeout = 1500 * time.Millisecond })
	c.Sale(ctx, testCard(), 700, mustPIN(t, testPIN))
	e.drainUndoesSale(t, c, ctx, "a 96 to the reversal")
}

// TestHostDuplicateAcrossMidnightAndEviction (issue 16): the same sale
// frame sent again after midnight, and again after the duplicate cache
// was pruned, is answered with the original approval and never authorised
// a second time.
func TestHostDuplicateAcrossMidnightAndEviction(t *testing.T) {
	var mu sync.Mutex
	var first []byte
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 4, 23, 59, 50, 0, time.UTC).UnixNano())
	e := newTestEnv(t, false, func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			if mti, _ := frameKind(frame); mti == "0200" {
				mu.Lock()
				if first == nil {
					first = append([]byte(nil), frame...)
				}
				mu.Unlock()
			}
			return h.ServeFrame(ctx, frame)
		})
	})
	e.reconfigure(t, func(c *HostConfig) { c.Now = func() time.Time { return time.Unix(0, now.Load()).UTC() } })
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080024", nil)
	s, err := c.Sale(ctx, testCard(), 1234, mustPIN(t, testPIN))
	if err != nil || !s.Approved() {
		t.Fatalf("sale: %v", err)
	}
	now.Add(int64(time.Minute)) // past midnight
	again := unpackAnswer(t, e, "50080024", e.host.ServeFrame(ctx, first))
	if !again.ResponseCode.Approved() || again.AuthCode != s.Response.AuthCode {
		t.Fatalf("retransmission after midnight: %s auth %q, want the original approval %q", again.ResponseCode, again.AuthCode, s.Response.AuthCode)
	}
	// Another sale, then the store is pruned of everything the duplicate
	// window no longer needs: an approved, unsettled sale stays.
	if _, err := c.Sale(ctx, testCard(), 1, mustPIN(t, testPIN)); err != nil {
		t.Fatal(err)
	}
	now.Add(int64(72 * time.Hour))
	if _, err := e.host.Prune(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	again = unpackAnswer(t, e, "50080024", e.host.ServeFrame(ctx, first))
	if !again.ResponseCode.Approved() || again.AuthCode != s.Response.AuthCode {
		t.Fatalf("retransmission after eviction: %s auth %q", again.ResponseCode, again.AuthCode)
	}
	if st := e.issuer.Stats(); st.Approved != 2 || st.Amount != 1235 {
		t.Fatalf("issuer %+v: want exactly the two sales authorised once each", st)
	}
}

// TestHostHandlerPanic (issue 16): a handler that panics answers 96 and
// the host keeps serving.
func TestHostHandlerPanic(t *testing.T) {
	e := newTestEnv(t, false, nil)
	var once atomic.Bool
	e.host.Handle(iso8583.KindSale, func(ctx context.Context, h *Host, r *Request) (*iso8583.Transaction, error) {
		if once.CompareAndSwap(false, true) {
			panic("boom")
		}
		return hostAuthorize(ctx, h, r)
	})
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080025", nil)
	r, err := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
	if err != nil || r.Response.ResponseCode != RCSystemError {
		t.Fatalf("sale into a panicking handler: %v %v, want a 96 answer", err, r)
	}
	r, err = c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
	if err != nil || !r.Approved() {
		t.Fatalf("the next sale: %v", err)
	}
}

// failingListener returns EMFILE from Accept a few times (the process ran
// out of file descriptors), then accepts as usual.
type failingListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestServerSurvivesDescriptorExhaustion (issue 23): "too many open files"
// from Accept must not stop the host; it backs off and serves the next
// terminal.
func TestServerSurvivesDescriptorExhaustion(t *testing.T) {
	e := newTestEnv(t, false, nil)
	e.stop()
	ln, err := net.Listen("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingListener{Listener: ln}
	fl.fails.Store(3)
	e.srv = mustServer(t, ServerConfig{Handler: e.host, Logger: quietLogger()})
	e.errc = make(chan error, 1)
	srv := e.srv
	go func() { e.errc <- srv.Serve(fl) }()
	c, _ := e.terminal(t, t.TempDir(), "50080026", nil)
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		t.Fatalf("sign-in after EMFILE from accept: %v", err)
	}
	select {
	case err := <-e.errc:
		t.Fatalf("Serve returned: %v", err)
	default:
	}
}

func TestTerminalKeysStringWithoutTMK(t *testing.T) {
	if s := (TerminalKeys{}).String(); s == "" {
		t.Fatal("empty")
	}
}
