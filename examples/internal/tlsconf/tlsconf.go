// Package tlsconf builds the TLS configurations of the example host and
// terminal: a host certificate (from files, or self-signed with its key pin
// printed) and a terminal that verifies by CA or by pin.
package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/possdk/pos/iso8583/link"
)

// ServerTLS returns the host's TLS configuration: the certificate and key
// files when given, otherwise a fresh self-signed certificate for
// 127.0.0.1 and localhost. pin is the certificate's public-key pin for
// terminals (link.ParsePin).
func ServerTLS(certFile, keyFile string) (cfg *tls.Config, pin link.Pin, err error) {
	var cert tls.Certificate
	switch {
	case certFile != "" && keyFile != "":
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	case certFile != "" || keyFile != "":
		err = errors.New("give both -cert and -key, or neither for a self-signed certificate")
	default:
		cert, err = selfSigned()
	}
	if err != nil {
		return nil, pin, err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, pin, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, link.PinOf(leaf), nil
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "possdk example host"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  loopbacks(),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// ClientTLS returns the terminal's TLS configuration: verified against the
// CA file when given, and pinned to the host's key when pin is given (a
// self-signed host then needs no CA). At least one must be given.
func ClientTLS(caFile, pin string) (*tls.Config, []link.Pin, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var pins []link.Pin
	if pin != "" {
		p, err := link.ParsePin(pin)
		if err != nil {
			return nil, nil, fmt.Errorf("-tls-pin (the host's TLS key pin, printed by examples/host -tls): %w", err)
		}
		pins = append(pins, p)
	}
	switch {
	case caFile != "":
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%s holds no PEM certificate", caFile)
		}
	case pin != "":
		// The pin replaces chain verification for a self-signed host
		// (link.Dialer checks it on every handshake).
		cfg.InsecureSkipVerify = true
	default:
		return nil, nil, errors.New("TLS needs -ca (the host's CA certificate) or -tls-pin (its key pin, printed by examples/host -tls)")
	}
	return cfg, pins, nil
}

func loopbacks() []net.IP { return []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback} }
