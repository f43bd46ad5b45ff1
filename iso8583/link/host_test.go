package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
)

// rawSale packs a sale as the signed-in client c would, without the
// client's bookkeeping, for sending the same bytes twice.
func rawSale(t *testing.T, c *Client, stan uint32, amount int64) []byte {
	t.Helper()
	s := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: amount, STAN: stan,
		TerminalID: c.cfg.Terminal.TerminalID, MerchantID: c.cfg.Terminal.MerchantID,
		Field60: &iso8583.Field60{Batch: c.cfg.Counters.Batch()}}
	testCard().apply(s)
	if err := s.SetPIN(c.pik, mustPIN(t, testPIN)); err != nil {
		t.Fatal(err)
	}
	f, err := c.codec.Pack(c.cfg.Envelope, s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func respCode(t *testing.T, c *Client, frame []byte) iso8583.ResponseCode {
	t.Helper()
	codec := c.codec
	if codec == nil {
		codec = c.base
	}
	_, r, err := codec.Unpack(frame)
	if err != nil {
		t.Fatalf("response does not unpack: %v", err)
	}
	return r.ResponseCode
}

// TestHostDuplicates sends one sale twice (answered with the same bytes,
// authorised once) and a different sale under the same STAN (94).
func TestHostDuplicates(t *testing.T) {
	e := newTestEnv(t, false, nil)
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080010", nil)
	f := rawSale(t, c, 500, 1234)
	r1 := e.host.ServeFrame(ctx, f)
	r2 := e.host.ServeFrame(ctx, f)
	if respCode(t, c, r1) != iso8583.Approved || !bytes.Equal(r1, r2) {
		t.Fatalf("retransmission answered differently:\n%X\n%X", r1, r2)
	}
	if st := e.issuer.Stats(); st.Approved != 1 {
		t.Fatalf("issuer approved %d times, want once", st.Approved)
	}
	other := rawSale(t, c, 500, 9999)
	if rc := respCode(t, c, e.host.ServeFrame(ctx, other)); rc != RCDuplicate {
		t.Fatalf("different request under a used STAN: %s, want 94", rc)
	}
}

func TestHostRejects(t *testing.T) {
	e := newTestEnv(t, false, nil)
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080011", nil)
	f := rawSale(t, c, 600, 100)
	bad := append([]byte(nil), f...)
	bad[len(bad)-1] ^= 1
	if rc := respCode(t, c, e.host.ServeFrame(ctx, bad)); rc != iso8583.ReasonMACError {
		t.Errorf("request with a bad MAC: %s, want A0", rc)
	}
	if st := e.issuer.Stats(); st.Approved != 0 {
		t.Errorf("request with a bad MAC reached the issuer")
	}
	// Cut short (length prefix fixed up): a format error, addressed from
	// the fields that still scan.
	short := append([]byte(nil), f[:len(f)-3]...)
	binary.BigEndian.PutUint16(short, uint16(len(short)-2))
	if rc := respCode(t, c, e.host.ServeFrame(ctx, short)); rc != RCFormatError {
		t.Errorf("truncated request: %s, want 30", rc)
	}
	// A response sent to the host is not answered, with a valid MAC or not.
	_, req, err := c.codec.Unpack(f)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := req.Response(iso8583.Approved)
	if err != nil {
		t.Fatal(err)
	}
	resp.RRN, resp.AuthCode, resp.LocalTime, resp.LocalDate = "000000000001", "123456", "120000", "0101"
	rf, err := c.codec.Pack(c.cfg.Envelope, resp)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.host.ServeFrame(ctx, rf); r != nil {
		t.Errorf("response answered with %X", r)
	}
	if st := e.issuer.Stats(); st.Approved != 0 {
		t.Errorf("a response sent to the host reached the issuer")
	}
	rf[len(rf)-1] ^= 1
	if r := e.host.ServeFrame(ctx, rf); r != nil {
		t.Errorf("response with a bad MAC answered with %X", r)
	}

	stranger, _ := e.terminal(t, t.TempDir(), "50089998", nil)
	e.keys = NewMemoryKeyStore() // forget everyone (a host's fields are set before its first request)
	e.host = mustHost(t, HostConfig{Keys: e.keys, ZPK: e.hostCfg.ZPK, Issuer: e.issuer, Logger: quietLogger()})
	signIn := stranger.cfg.Terminal.SignIn(1, 1, stranger.cfg.KeyMode)
	frame, err := stranger.base.Pack(stranger.cfg.Envelope, signIn)
	if err != nil {
		t.Fatal(err)
	}
	if rc := respCode(t, stranger, e.host.ServeFrame(ctx, frame)); rc != RCUnknownTerminal {
		t.Errorf("unknown terminal: %s, want 97", rc)
	}
	if r := e.host.ServeFrame(ctx, []byte{0, 3, 1, 2, 3}); r != nil {
		t.Errorf("garbage answered with %X", r)
	}
}

// TestReversalOvertakesOriginal: a reversal that arrives while its
// original is still being authorised waits for it, then undoes it.
func TestReversalOvertakesOriginal(t *testing.T) {
	e := newTestEnv(t, false, nil)
	block, entered := make(chan struct{}), make(chan struct{}, 1)
	e.reconfigure(t, func(c *HostConfig) { c.Issuer = &slowIssuer{SimIssuer: e.issuer, gate: block, entered: entered} })
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080012", nil)
	sale := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: 777, STAN: 900,
		TerminalID: "50080012", MerchantID: c.cfg.Terminal.MerchantID, Field60: &iso8583.Field60{Batch: c.cfg.Counters.Batch()}}
	testCard().apply(sale)
	if err := sale.SetPIN(c.pik, mustPIN(t, testPIN)); err != nil {
		t.Fatal(err)
	}
	f, _ := c.codec.Pack(c.cfg.Envelope, sale)
	rev, _ := sale.Reversal(iso8583.ReasonNoResponse)
	rf, _ := c.codec.Pack(c.cfg.Envelope, rev)
	done := make(chan []byte)
	go func() { done <- e.host.ServeFrame(ctx, f) }()
	<-entered // the sale is being authorised
	revDone := make(chan []byte)
	go func() { revDone <- e.host.ServeFrame(ctx, rf) }()
	// Either order of what follows must end with the sale undone; the
	// pause makes the reversal wait on the unfinished original.
	time.Sleep(50 * time.Millisecond)
	close(block)
	<-done
	if rc := respCode(t, c, <-revDone); rc != iso8583.Approved {
		t.Fatalf("reversal answered %s", rc)
	}
	if st := e.issuer.Stats(); st.Approved != 1 || st.Reversed != 1 {
		t.Fatalf("issuer %+v: the overtaken sale was not undone", st)
	}
}

type slowIssuer struct {
	*SimIssuer
	gate    chan struct{}
	entered chan struct{}
}

func (s *slowIssuer) Authorize(ctx context.Context, t *iso8583.Transaction, pin []byte) (IssuerResult, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.gate
	return s.SimIssuer.Authorize(ctx, t, pin)
}

// TestNewHostConfig: NewHost refuses a configuration that cannot make a
// host, with an error that wraps ErrConfig and names the field, instead of
// failing (or answering 96) at the first request.
func TestNewHostConfig(t *testing.T) {
	ks := NewMemoryKeyStore()
	sw := testSoftwareHSM(t)
	adapter, err := NewKeyStoreHSM(ks, sw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		cfg   HostConfig
		field string // "" : accepted
	}{
		{"keys", HostConfig{Keys: ks}, ""},
		{"HSM and Terminals", HostConfig{HSM: sw, Terminals: NewMemoryTerminalKeyStore()}, ""},
		{"KeyStoreHSM without Terminals (it holds them)", HostConfig{HSM: adapter}, ""},
		{"neither HSM nor Keys", HostConfig{}, "HostConfig has neither HSM nor Keys"},
		{"HSM and Keys", HostConfig{HSM: sw, Terminals: NewMemoryTerminalKeyStore(), Keys: ks}, "HostConfig.Keys"},
		{"HSM without Terminals", HostConfig{HSM: sw}, "HostConfig.Terminals"},
		{"negative RequestTimeout", HostConfig{Keys: ks, RequestTimeout: -time.Second}, "HostConfig.RequestTimeout"},
		{"negative Lease", HostConfig{Keys: ks, Lease: -time.Second}, "HostConfig.Lease"},
		{"short CardKey", HostConfig{Keys: ks, CardKey: []byte("15 bytes key...")}, "HostConfig.CardKey"},
		{"unknown MAC", HostConfig{Keys: ks, MAC: iso8583.MACAlgorithm(99)}, "HostConfig.MAC"},
	} {
		h, err := NewHost(c.cfg)
		switch {
		case c.field == "" && (err != nil || h == nil):
			t.Errorf("%s: %v, want a host", c.name, err)
		case c.field != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) || h != nil):
			t.Errorf("%s: %v, %v; want nil and ErrConfig naming %s", c.name, h, err, c.field)
		}
	}
}

// TestNewServerConfig: the same for NewServer.
func TestNewServerConfig(t *testing.T) {
	h := echoHandler(0)
	for _, c := range []struct {
		name  string
		cfg   ServerConfig
		field string
	}{
		{"handler only", ServerConfig{Handler: h}, ""},
		{"no handler", ServerConfig{}, "ServerConfig.Handler"},
		{"negative MaxFrame", ServerConfig{Handler: h, MaxFrame: -1}, "ServerConfig.MaxFrame"},
		{"negative IdleTimeout", ServerConfig{Handler: h, IdleTimeout: -1}, "ServerConfig.IdleTimeout"},
		{"negative WriteTimeout", ServerConfig{Handler: h, WriteTimeout: -1}, "ServerConfig.WriteTimeout"},
		{"negative MaxConnsPerSource", ServerConfig{Handler: h, MaxConnsPerSource: -1}, "ServerConfig.MaxConnsPerSource"},
		{"negative MaxInFlight", ServerConfig{Handler: h, MaxInFlight: -1}, "ServerConfig.MaxInFlight"},
	} {
		s, err := NewServer(c.cfg)
		switch {
		case c.field == "" && (err != nil || s == nil):
			t.Errorf("%s: %v, want a server", c.name, err)
		case c.field != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) || s != nil):
			t.Errorf("%s: %v, %v; want nil and ErrConfig naming %s", c.name, s, err, c.field)
		}
	}
}

// TestNewClientConfig: the same for NewClient (the terminal side).
func TestNewClientConfig(t *testing.T) {
	f := openTermFiles(t, t.TempDir())
	good := Config{Terminal: iso8583.Terminal{TerminalID: "50080001", MerchantID: "309310083985008"},
		TMK: mustKey(t, testTMKHex), Journal: f.j, Counters: f.ctr}
	for _, c := range []struct {
		name  string
		mod   func(*Config)
		field string
	}{
		{"complete", func(*Config) {}, ""},
		{"no journal", func(c *Config) { c.Journal = nil }, "Journal"},
		{"no counters", func(c *Config) { c.Counters = nil }, "Counters"},
		{"no TMK", func(c *Config) { c.TMK = nil }, "Config.TMK"},
		{"no terminal ID", func(c *Config) { c.Terminal.TerminalID = "" }, "TerminalID"},
		{"no merchant ID", func(c *Config) { c.Terminal.MerchantID = "" }, "MerchantID"},
	} {
		cfg := good
		c.mod(&cfg)
		cl, err := NewClient(cfg)
		switch {
		case c.field == "" && (err != nil || cl == nil):
			t.Errorf("%s: %v, want a client", c.name, err)
		case c.field != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) || cl != nil):
			t.Errorf("%s: %v; want ErrConfig naming %s", c.name, err, c.field)
		}
		if cl != nil {
			cl.Close()
		}
	}
}
