package link

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"time"
)

// Pin is the SHA-256 of a certificate's SubjectPublicKeyInfo (the HPKP
// "pin-sha256" of RFC 7469 §2.4): it survives certificate renewal with the
// same key.
type Pin [sha256.Size]byte

// PinOf returns the pin of cert's public key.
func PinOf(cert *x509.Certificate) Pin { return sha256.Sum256(cert.RawSubjectPublicKeyInfo) }

// ParsePin reads a pin in the base64 form of RFC 7469 (as printed by
// `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst
// -sha256 -binary | base64`).
func ParsePin(s string) (Pin, error) {
	var p Pin
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(p) {
		return p, fmt.Errorf("%w: pin must be base64 of %d bytes", ErrPinning, len(p))
	}
	copy(p[:], b)
	return p, nil
}

func (p Pin) String() string { return base64.StdEncoding.EncodeToString(p[:]) }

// Dialer opens terminal connections to a host.
type Dialer struct {
	// Addr is the host's host:port.
	Addr string
	// TLS, when not nil, wraps the connection in TLS with this config.
	// The server certificate is verified against TLS.RootCAs (nil: the
	// system roots) unless InsecureSkipVerify is set, which Pins can then
	// replace for self-signed hosts.
	TLS *tls.Config
	// Pins, when not empty, require the server's leaf certificate key to
	// match one of them, in addition to the usual verification.
	Pins []Pin
	// Timeout bounds the TCP connect and TLS handshake (default 10 s; the
	// context's deadline also applies).
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period (0: the net package default).
	KeepAlive time.Duration
}

// Dial connects to the host.
func (d *Dialer) Dial(ctx context.Context) (net.Conn, error) {
	to := d.Timeout
	if to <= 0 {
		to = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	nd := net.Dialer{KeepAlive: d.KeepAlive}
	nc, err := nd.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, fmt.Errorf("link: dialling %s: %w", d.Addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		// A POS request is one small write; do not wait to coalesce it.
		_ = tc.SetNoDelay(true)
	}
	if d.TLS == nil {
		if len(d.Pins) > 0 {
			nc.Close()
			return nil, fmt.Errorf("%w: pins configured without TLS", ErrPinning)
		}
		return nc, nil
	}
	if d.TLS.InsecureSkipVerify && len(d.Pins) == 0 {
		// Nothing would verify the host at all.
		nc.Close()
		return nil, fmt.Errorf("%w: InsecureSkipVerify without pins verifies nothing; set Pins or verify the chain", ErrPinning)
	}
	cfg := d.TLS.Clone()
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		host, _, err := net.SplitHostPort(d.Addr)
		if err == nil {
			cfg.ServerName = host
		}
	}
	if len(d.Pins) > 0 {
		pins := d.Pins
		next := cfg.VerifyConnection
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: no server certificate", ErrPinning)
			}
			got := PinOf(cs.PeerCertificates[0])
			ok := 0
			for i := range pins {
				ok |= subtle.ConstantTimeCompare(got[:], pins[i][:])
			}
			if ok != 1 {
				return fmt.Errorf("%w: server key %s", ErrPinning, got)
			}
			if next != nil {
				return next(cs)
			}
			return nil
		}
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("link: TLS handshake with %s: %w", d.Addr, err)
	}
	return tc, nil
}
