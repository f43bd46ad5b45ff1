package link

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Test keys. They are arbitrary test values, not from any standard.
const (
	testTMKHex = "0123456789ABCDEFFEDCBA9876543210"
	testZPKHex = "89ABCDEF01234567F0E1D2C3B4A59687"
	testPAN    = "6222021234567890123"
	testPIN    = "123456"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustKey(t testing.TB, s string) *keys.Key {
	t.Helper()
	k, err := keys.FromHex(keys.TDES2, s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPIN(t testing.TB, s string) pinblock.PIN {
	t.Helper()
	p, err := pinblock.ParsePIN([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type testEnv struct {
	host    *Host
	hostCfg HostConfig                      // what host was built from
	srvCfg  ServerConfig                    // what srv was built from, but its Handler
	wrap    func(FrameHandler) FrameHandler // wraps the host's handler (nil: none)
	srv     *Server
	addr    string
	issuer  *SimIssuer
	keys    *MemoryKeyStore
	// HSM mode (newHSMTestEnv): the host's HSM and key-block store.
	hsm    *countingHSM
	blocks *MemoryTerminalKeyStore
	tls    *tls.Config // client side, nil without TLS
	ln     net.Listener
	errc   chan error
}

// newTestEnv starts a host on loopback. wrap, if not nil, wraps the
// host's handler (fault injection).
func newTestEnv(t testing.TB, useTLS bool, wrap func(FrameHandler) FrameHandler) *testEnv {
	t.Helper()
	zpk, err := pinblock.NewCipher(mustKey(t, testZPKHex), pinblock.Format0, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{keys: NewMemoryKeyStore(), issuer: &SimIssuer{ZPK: zpk, PINs: map[string]string{testPAN: testPIN}}}
	e.hostCfg = HostConfig{Keys: e.keys, ZPK: zpk, Issuer: e.issuer, AcquirerID: "03099988", Logger: quietLogger()}
	e.srvCfg = ServerConfig{Logger: quietLogger()}
	if useTLS {
		e.srvCfg.TLS, e.tls = testTLS(t)
	}
	e.launch(t, wrap)
	return e
}

// launch builds the host and the server of e's configurations and starts
// them on loopback.
func (e *testEnv) launch(t testing.TB, wrap func(FrameHandler) FrameHandler) {
	t.Helper()
	e.host, e.wrap = mustHost(t, e.hostCfg), wrap
	e.start(t, "127.0.0.1:0")
	t.Cleanup(func() { e.stop() })
}

// handler is the host's FrameHandler, wrapped.
func (e *testEnv) handler() FrameHandler {
	if e.wrap != nil {
		return e.wrap(e.host)
	}
	return e.host
}

// reconfigure replaces the host by one whose configuration f changed, on
// the same address: a host is configured once, before it serves. Call it
// before the first request (the new host has a fresh MemoryStore).
func (e *testEnv) reconfigure(t testing.TB, f func(*HostConfig)) {
	t.Helper()
	f(&e.hostCfg)
	h := mustHost(t, e.hostCfg)
	e.stop()
	e.host = h
	e.restart(t, e.handler())
}

func mustHost(t testing.TB, cfg HostConfig) *Host {
	t.Helper()
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustServer(t testing.TB, cfg ServerConfig) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testLMKHex is the test software HSM's local master key (AES-256; an
// arbitrary test value).
const testLMKHex = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

// testSoftwareHSM is a software HSM under the test LMK.
func testSoftwareHSM(t testing.TB) *hsm.Software {
	t.Helper()
	lmk, err := keys.FromHex(keys.AES256, testLMKHex)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// newHSMTestEnv is newTestEnv with a host that holds key blocks only: a
// software HSM (counting its operations), a MemoryTerminalKeyStore, and
// the zone PIN key as a key block. The issuer still deciphers PIN blocks
// with its own clear ZPK cipher: an oracle outside the HSM.
func newHSMTestEnv(t testing.TB, wrap func(FrameHandler) FrameHandler) *testEnv {
	t.Helper()
	sw := testSoftwareHSM(t)
	zoneKey, err := sw.Wrap(mustKey(t, testZPKHex), hsm.PINKey)
	if err != nil {
		t.Fatal(err)
	}
	zpk, err := pinblock.NewCipher(mustKey(t, testZPKHex), pinblock.Format0, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{hsm: &countingHSM{Software: sw}, blocks: NewMemoryTerminalKeyStore(),
		issuer: &SimIssuer{ZPK: zpk, PINs: map[string]string{testPAN: testPIN}}}
	e.hostCfg = HostConfig{HSM: e.hsm, Terminals: e.blocks, ZoneKey: zoneKey, Issuer: e.issuer, AcquirerID: "03099988", Logger: quietLogger()}
	e.srvCfg = ServerConfig{Logger: quietLogger()}
	e.launch(t, wrap)
	return e
}

// working returns the identity of the terminal's working key set at the
// host (clear or key blocks), nil before a sign-in.
func (e *testEnv) working(tid string) any {
	if e.blocks != nil {
		tk, _ := e.blocks.TerminalKeyBlocks(tid)
		if tk.Working == nil {
			return nil
		}
		return tk.Working
	}
	tk, _ := e.keys.Terminal(tid)
	if tk.Working == nil {
		return nil
	}
	return tk.Working
}

func (e *testEnv) start(t testing.TB, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	e.ln, e.addr = ln, ln.Addr().String()
	e.errc = make(chan error, 1)
	if e.srv == nil {
		cfg := e.srvCfg
		cfg.Handler = e.handler()
		e.srv = mustServer(t, cfg)
	}
	srv := e.srv
	go func() { e.errc <- srv.Serve(ln) }()
}

// stop closes the server (the "host down" fault). restart brings up a new
// Server with the same Host on the same address.
func (e *testEnv) stop() {
	if e.srv == nil {
		return
	}
	e.srv.Close()
	<-e.errc
	e.srv = nil
}

func (e *testEnv) restart(t testing.TB, h FrameHandler) {
	t.Helper()
	cfg := e.srvCfg
	cfg.Handler = h
	e.srv = mustServer(t, cfg)
	e.start(t, e.addr)
}

type termFiles struct {
	j   *Journal
	ctr *Counters
}

func openTermFiles(t testing.TB, dir string) termFiles {
	t.Helper()
	j, err := OpenJournal(filepath.Join(dir, "transactions.jnl"), WithSealKey(testSealKey))
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := OpenCounters(filepath.Join(dir, "counters"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close(); ctr.Close() })
	return termFiles{j, ctr}
}

var testSealKey = []byte("possdk test storage key, 32 byte")

// pending counts the records that owe a reversal; approved those that are
// approved (in the batch or held).
func (f termFiles) pending() int { return f.count(func(r *txnRecord) bool { return r.pending() }) }

func (f termFiles) approved() int {
	return f.count(func(r *txnRecord) bool { return r.State == StateApproved })
}

func (f termFiles) count(pred func(*txnRecord) bool) int {
	n := 0
	for _, e := range f.j.Entries() {
		r, err := decodeRecord(e.ID, e.Payload)
		if err != nil || pred(r) {
			n++
		}
	}
	return n
}

// terminal registers tid with the host and returns a client for it, its
// files in dir.
// loseFirstAnswer wraps the host's handler: the first request of this MTI
// is handled (the money moves at the issuer) but its answer is lost.
func loseFirstAnswer(mti string) func(FrameHandler) FrameHandler {
	var lost atomic.Bool
	return func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			resp := h.ServeFrame(ctx, frame)
			if m, _ := frameKind(frame); m == mti && lost.CompareAndSwap(false, true) {
				return nil
			}
			return resp
		})
	}
}

// drainUndoesSale checks the end of a reversal that did not finish (after
// what): one reversal pending at c, DrainReversals delivers it, and the
// issuer's books show the sale undone exactly once (a resent reversal
// answered from a cache, or not resent, leaves Reversed at 0).
func (e *testEnv) drainUndoesSale(t testing.TB, c *Client, ctx context.Context, after string) {
	t.Helper()
	if c.Pending() != 1 {
		t.Fatalf("Pending %d after %s, want 1", c.Pending(), after)
	}
	if err := c.DrainReversals(ctx); err != nil || c.Pending() != 0 {
		t.Fatalf("drain after %s: %v, pending %d", after, err, c.Pending())
	}
	if st := e.issuer.Stats(); st.Amount != 0 || st.Reversed != 1 {
		t.Fatalf("issuer %+v after %s and a drain: want the sale reversed once", st, after)
	}
}

// signedIn is terminal, then a sign-in on the test's context (which it
// returns too).
func (e *testEnv) signedIn(t testing.TB, dir, tid string, mod func(*Config)) (*Client, termFiles, context.Context) {
	t.Helper()
	c, f := e.terminal(t, dir, tid, mod)
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	return c, f, ctx
}

func (e *testEnv) terminal(t testing.TB, dir, tid string, mod func(*Config)) (*Client, termFiles) {
	t.Helper()
	if e.blocks != nil {
		tmk, err := e.hsm.Wrap(mustKey(t, testTMKHex), hsm.TerminalMasterKey)
		if err != nil {
			t.Fatal(err)
		}
		e.blocks.AddTerminal(tid, tmk)
	} else {
		e.keys.AddTerminal(tid, mustKey(t, testTMKHex))
	}
	f := openTermFiles(t, dir)
	cfg := Config{
		Dialer:   Dialer{Addr: e.addr, TLS: e.tls},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: tid, MerchantID: "309310083985008", Operator: "001"},
		TMK:      mustKey(t, testTMKHex),
		Journal:  f.j, Counters: f.ctr,
		Timeout: 2 * time.Second, ReversalBackoff: 10 * time.Millisecond,
		Logger: quietLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, f
}

func testCard() Card {
	return Card{Track2: iso8583.Track(testPAN + "=25121010000000000"), Expiry: "2512", EntryMode: "021"}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// frameKind reads the MTI and STAN of a CUP frame (fault injection).
func frameKind(frame []byte) (mti string, stan uint32) {
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	_, body, err := codec.Unframe(frame)
	if err != nil {
		return "", 0
	}
	k, _, err := scanBodyKey(codec.Spec(), body)
	if err != nil {
		return "", 0
	}
	return k.MTI, k.STAN
}
