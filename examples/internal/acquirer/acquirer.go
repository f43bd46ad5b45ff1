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
	"crypto/tls"
	"errors"
	"log/slog"
	"net"

	"github.com/possdk/pos/examples/internal/fixtures"
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
	store := &keyStore{MemoryKeyStore: link.NewMemoryKeyStore(), logf: logf}
	for tid := range cfg.Keys.Terminals {
		tmk, err := cfg.Keys.TMK(tid)
		if err != nil {
			return nil, err
		}
		store.AddTerminal(tid, tmk)
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
	sim := &link.SimIssuer{ZPK: zc, PINs: cfg.PINs}
	chip := &chipIssuer{sim: sim, imk: imk, logf: logf, answers: make(map[answerKey][]byte)}
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	a := &Acquirer{
		Host:   &link.Host{Codec: codec, Keys: store, ZPK: zc, Issuer: chip, Logger: logger},
		Issuer: sim, chip: chip, store: store, logf: logf, codec: codec, scan: link.ScanKey(codec),
	}
	a.server = &link.Server{Handler: a, TLS: cfg.TLS, Logger: logger}
	return a, nil
}

// Serve accepts terminals on ln until Shutdown.
func (a *Acquirer) Serve(ln net.Listener) error { return a.server.Serve(ln) }

// Shutdown stops accepting and waits for requests in flight.
func (a *Acquirer) Shutdown(ctx context.Context) error { return a.server.Shutdown(ctx) }

// ServeFrame implements link.FrameHandler: the Host answers, and the
// response to a chip request gets the issuer's field 55 (ARPC).
//
// link.Issuer returns a response code only, so the ARPC is added here:
// the response is unpacked under the terminal's MAC key, given field 55,
// and MACed again.
func (a *Acquirer) ServeFrame(ctx context.Context, frame []byte) []byte {
	k, _, kerr := a.scan(frame)
	resp := a.Host.ServeFrame(ctx, frame)
	if resp == nil || kerr != nil {
		return resp
	}
	f55, ok := a.chip.answer(k.Terminal, k.STAN)
	if !ok || f55 == nil {
		return resp
	}
	out, err := a.withICC(k.Terminal, resp, f55)
	if err != nil {
		a.logf("cannot add the ARPC to the response: %v", err)
		return resp
	}
	return out
}

func (a *Acquirer) withICC(tid string, resp, f55 []byte) ([]byte, error) {
	tk, err := a.store.Terminal(tid)
	if err != nil {
		return nil, err
	}
	if tk.Working == nil {
		return nil, errors.New("terminal not signed in")
	}
	// link.Host's default MAC algorithm.
	mac, err := iso8583.NewMAC(iso8583.MACX919, tk.Working.MAC)
	if err != nil {
		return nil, err
	}
	c := a.codec.WithMAC(mac)
	env, t, err := c.Unpack(resp)
	if err != nil {
		return nil, err
	}
	t.ICC = f55
	return c.Pack(env, t)
}

// keyStore reports the working keys each sign-in issues.
type keyStore struct {
	*link.MemoryKeyStore
	logf func(format string, a ...any)
}

func (s *keyStore) SetWorkingKeys(tid string, w *keys.WorkingKeys) error {
	s.logf("sign-in of terminal %s: new working keys %s, sent under the TMK", tid, w)
	return s.MemoryKeyStore.SetWorkingKeys(tid, w)
}
