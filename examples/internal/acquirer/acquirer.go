// Package acquirer is the demonstration's acquirer host: iso8583/link's
// Host (sign-in with working keys, MACs, PIN translation, duplicate
// detection, reversals, settlement) with an issuer that verifies chip
// cryptograms and answers with an ARPC, as the examples' host program and
// the scripted demo day run it.
//
// It is example code, not a product: keys live in memory, the issuer knows
// the software cards' PINs and master key.
package acquirer

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Config configures an Acquirer.
type Config struct {
	Keys *fixtures.Keys
	// PINs the issuer checks online PINs against (PAN -> PIN).
	PINs map[string]string
	// Logf receives one line per event worth showing (nil: none).
	Logf func(format string, a ...any)
	// Logger receives the link's logs (nil: discarded).
	Logger *slog.Logger
	// TLS, when not nil, makes Listen serve TLS.
	TLS *tls.Config
	// Store holds the host's transactions (nil: in memory). Hosts that
	// share a Store need the same CardKey and a shared KeyStore.
	Store   link.Store
	CardKey []byte
	// KeyStore holds the terminals' keys (nil: in memory, loaded from
	// Keys). A shared one must already know the terminals.
	KeyStore link.KeyStore
	// Metrics receives the host's measurements (nil: none).
	Metrics link.HostMetrics
	// HSM and Terminals, set together, make the host hold key blocks
	// only: Terminals (e.g. pgstore.BlockKeyStore) has the terminals'
	// TMKs wrapped under the HSM's LMK, and KeyStore is not used.
	HSM       *hsm.Software
	Terminals link.TerminalKeyStore
}

// Acquirer is a host ready to serve terminals.
type Acquirer struct {
	Host   *link.Host
	Issuer *link.SimIssuer

	chip  *chipIssuer
	store *keyStore
	logf  func(format string, a ...any)
	codec *iso8583.Codec
	scan  link.KeyFunc

	server *link.Server
	plain  bool // no TLS: a TLS handshake is refused with a hint
}

// New builds an acquirer from cfg.
func New(cfg Config) (*Acquirer, error) {
	if cfg.Keys == nil {
		cfg.Keys = fixtures.TestKeys()
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mem := link.NewMemoryKeyStore()
	store := &keyStore{KeyStore: mem, logf: logf}
	if cfg.KeyStore != nil {
		store.KeyStore = cfg.KeyStore
	} else {
		for tid := range cfg.Keys.Terminals {
			tmk, err := cfg.Keys.TMK(tid)
			if err != nil {
				return nil, err
			}
			mem.AddTerminal(tid, tmk)
		}
	}
	imk, err := cfg.Keys.IssuerMasterKey()
	if err != nil {
		return nil, err
	}
	zpk, err := cfg.Keys.ZonePINKey()
	if err != nil {
		return nil, err
	}
	zc, err := pinblock.NewCipher(zpk, pinblock.Format0, nil)
	if err != nil {
		return nil, err
	}
	// The host's cryptography goes through a software HSM: the issuer
	// master key and the zone PIN key become key blocks under its LMK (a
	// random one: this example keeps its keys in memory anyway), and the
	// terminals' keys come from the KeyStore through link.KeyStoreHSM.
	sw := cfg.HSM
	if (cfg.HSM == nil) != (cfg.Terminals == nil) {
		return nil, errors.New("acquirer: set both HSM and Terminals, or neither")
	}
	if sw == nil {
		lmk, err := keys.Generate(keys.AES256, rand.Reader)
		if err != nil {
			return nil, err
		}
		if sw, err = hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk}); err != nil {
			return nil, err
		}
	}
	imkBlock, err := sw.Wrap(imk, hsm.IssuerMasterKeyAC)
	if err != nil {
		return nil, err
	}
	zoneKey, err := sw.Wrap(zpk, hsm.PINKey)
	if err != nil {
		return nil, err
	}
	var hostHSM interface {
		hsm.HSM
		hsm.CardSecurity
	}
	var terminals link.TerminalKeyStore
	if cfg.Terminals != nil {
		// Key blocks only: no clear terminal key in this process.
		hostHSM, terminals = sw, &blockLog{TerminalKeyStore: cfg.Terminals, logf: logf}
	} else {
		ks, err := link.NewKeyStoreHSM(store, sw)
		if err != nil {
			return nil, err
		}
		hostHSM, terminals = ks, ks
	}
	// Every demo card has RMB 8,888.00 available (field 54: savings
	// account 10, available balance 02, CNY, credit).
	sim := &link.SimIssuer{ZPK: zc, PINs: cfg.PINs, Balance: "1002156C000000888800"}
	chip := &chipIssuer{sim: sim, hsm: hostHSM, imk: imkBlock, logf: logf}
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	host, err := link.NewHost(link.HostConfig{Codec: codec, HSM: hostHSM, Terminals: terminals, ZoneKey: zoneKey, Issuer: chip, Logger: logger,
		Store: cfg.Store, CardKey: cfg.CardKey, Metrics: cfg.Metrics})
	if err != nil {
		return nil, err
	}
	a := &Acquirer{
		Host:   host,
		Issuer: sim, chip: chip, store: store, logf: logf, codec: codec, scan: link.ScanKey(codec),
		plain: cfg.TLS == nil,
	}
	a.server, err = link.NewServer(link.ServerConfig{Handler: a, TLS: cfg.TLS, Logger: logger,
		OnHandshakeError: func(remote net.Addr, err error) {
			hint := ""
			if strings.Contains(err.Error(), "does not look like a TLS handshake") {
				hint = " (the terminal speaks plain TCP; this host expects TLS: give the terminal -tls-pin)"
			}
			logf("TLS handshake from %s failed: %v%s", remote, err, hint)
		}})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Serve accepts terminals on ln until Shutdown. A host without TLS says so
// when a terminal opens a TLS handshake, rather than waiting for a frame
// that never comes.
func (a *Acquirer) Serve(ln net.Listener) error {
	if a.plain {
		ln = &plainOnly{Listener: ln, logf: a.logf}
	}
	return a.server.Serve(ln)
}

// plainOnly is a plain-TCP host's listener: a connection whose first bytes
// are a TLS handshake record (0x16 0x03) is logged and closed.
type plainOnly struct {
	net.Listener
	logf func(format string, a ...any)
}

func (l *plainOnly) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: c, logf: l.logf}, nil
}

type sniffConn struct {
	net.Conn
	logf    func(format string, a ...any)
	checked bool
	head    []byte
}

// errTLSOnPlain closes a connection that opened with a TLS handshake.
var errTLSOnPlain = errors.New("acquirer: TLS handshake on the plain-TCP port")

func (c *sniffConn) Read(p []byte) (int, error) {
	if c.checked {
		if len(c.head) > 0 {
			n := copy(p, c.head)
			c.head = c.head[n:]
			return n, nil
		}
		return c.Conn.Read(p)
	}
	// The first two bytes: a CUP frame's length, or a TLS record's type
	// and major version.
	var b [2]byte
	if _, err := io.ReadFull(c.Conn, b[:]); err != nil {
		return 0, err
	}
	c.checked = true
	if b[0] == 0x16 && b[1] == 0x03 {
		c.logf("TLS handshake from %s refused: this host expects plain TCP (start it with -tls, or run the terminal without -tls, -tls-pin and -ca)", c.RemoteAddr())
		c.Conn.Close()
		return 0, errTLSOnPlain
	}
	c.head = b[:]
	return c.Read(p)
}

// Shutdown stops accepting and waits for requests in flight.
func (a *Acquirer) Shutdown(ctx context.Context) error { return a.server.Shutdown(ctx) }

// ServeFrame implements link.FrameHandler: the Host answers (with the
// issuer's field 55, the ARPC, for a chip request).
func (a *Acquirer) ServeFrame(ctx context.Context, frame []byte) []byte {
	return a.Host.ServeFrame(ctx, frame)
}

// keyStore reports the working keys each sign-in issues.
type keyStore struct {
	link.KeyStore
	logf func(format string, a ...any)
}

func (s *keyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	s.logf("sign-in of terminal %s: new working keys %s, sent under the TMK", tid, w)
	return s.KeyStore.SetWorkingKeys(tid, w)
}

// ConfirmWorkingKeys implements link.ConfirmingKeyStore when the store
// does.
func (s *keyStore) ConfirmWorkingKeys(tid string, w *keys.WorkingKeys) error {
	if c, ok := s.KeyStore.(link.ConfirmingKeyStore); ok {
		return c.ConfirmWorkingKeys(tid, w)
	}
	return nil
}

// Refresh passes a host's reload request to a shared key store.
func (s *keyStore) Refresh(tid string) {
	if r, ok := s.KeyStore.(interface{ Refresh(string) }); ok {
		r.Refresh(tid)
	}
}

// blockLog reports the working keys each sign-in issues, for a host on
// key blocks; Refresh passes a host's reload request to a shared store.
type blockLog struct {
	link.TerminalKeyStore
	logf func(format string, a ...any)
}

func (s *blockLog) SetWorkingKeyBlocks(tid string, w *hsm.WorkingKeys) error {
	s.logf("sign-in of terminal %s: new working keys (MAK %s), sent under the TMK", tid, w.MAC)
	return s.TerminalKeyStore.SetWorkingKeyBlocks(tid, w)
}

func (s *blockLog) Refresh(tid string) {
	if r, ok := s.TerminalKeyStore.(interface{ Refresh(string) }); ok {
		r.Refresh(tid)
	}
}

// TerminalKeys returns a terminal's keys as the example's key store holds
// them (in memory, clear: this is a demonstration acquirer), so tests can
// check that none of them leaks on the terminal's side.
func (a *Acquirer) TerminalKeys(tid string) (link.TerminalKeys, error) {
	return a.store.Terminal(tid)
}
