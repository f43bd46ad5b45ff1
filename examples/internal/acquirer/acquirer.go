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
	"log/slog"
	"net"

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
	lmk, err := keys.Generate(keys.AES256, rand.Reader)
	if err != nil {
		return nil, err
	}
	sw, err := hsm.NewSoftware(lmk, nil)
	if err != nil {
		return nil, err
	}
	imkBlock, err := sw.Wrap(imk, hsm.IssuerMasterKeyAC)
	if err != nil {
		return nil, err
	}
	zoneKey, err := sw.Wrap(zpk, hsm.PINKey)
	if err != nil {
		return nil, err
	}
	ks, err := link.NewKeyStoreHSM(store, sw)
	if err != nil {
		return nil, err
	}
	sim := &link.SimIssuer{ZPK: zc, PINs: cfg.PINs}
	chip := &chipIssuer{sim: sim, hsm: ks, imk: imkBlock, logf: logf}
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	a := &Acquirer{
		Host: &link.Host{Codec: codec, HSM: ks, Terminals: ks, ZoneKey: zoneKey, Issuer: chip, Logger: logger,
			Store: cfg.Store, CardKey: cfg.CardKey, Metrics: cfg.Metrics},
		Issuer: sim, chip: chip, store: store, logf: logf, codec: codec, scan: link.ScanKey(codec),
	}
	a.server = &link.Server{Handler: a, TLS: cfg.TLS, Logger: logger}
	return a, nil
}

// Serve accepts terminals on ln until Shutdown.
func (a *Acquirer) Serve(ln net.Listener) error { return a.server.Serve(ln) }

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
