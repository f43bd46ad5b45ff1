package link

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

// testTLS makes a self-signed CA-less server certificate for 127.0.0.1 and
// a client config that trusts it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	cert, leaf := testCert(t)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func testCert(t testing.TB) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test host"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

// serveTLS starts an echo server with cfg and returns its address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	s := mustServer(t, ServerConfig{Handler: echoHandler(0), TLS: cfg, Logger: quietLogger()})
	return startServer(t, s)
}

// TestServerTLSRefusesCBC (issue 23): the host speaks TLS 1.2+ with AEAD
// suites only; a client offering only a CBC/SHA-1 suite is refused, an
// AEAD one accepted.
func TestServerTLSRefusesCBC(t *testing.T) {
	srv, cli := testTLS(t)
	addr := serveTLS(t, srv)
	cbc := cli.Clone()
	cbc.MaxVersion = tls.VersionTLS12
	cbc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	if c, err := tls.Dial("tcp", addr, cbc); err == nil {
		c.Close()
		t.Fatal("a CBC-SHA1 suite was accepted")
	}
	old := cli.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS11, tls.VersionTLS11
	if c, err := tls.Dial("tcp", addr, old); err == nil {
		c.Close()
		t.Fatal("TLS 1.1 was accepted")
	}
	gcm := cli.Clone()
	gcm.MaxVersion = tls.VersionTLS12
	gcm.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	c, err := tls.Dial("tcp", addr, gcm)
	if err != nil {
		t.Fatalf("an AEAD suite was refused: %v", err)
	}
	c.Close()
}

// TestServerMutualTLS (issue 23): with client-certificate authentication
// the host accepts a terminal presenting a certificate from its CA and
// refuses one without.
func TestServerMutualTLS(t *testing.T) {
	srv, cli := testTLS(t)
	termCert, termLeaf := clientCert(t)
	cas := x509.NewCertPool()
	cas.AddCert(termLeaf)
	srv.ClientCAs, srv.ClientAuth = cas, tls.RequireAndVerifyClientCert
	addr := serveTLS(t, srv)
	ctx := context.Background()
	with := cli.Clone()
	with.Certificates = []tls.Certificate{termCert}
	nc, err := (&Dialer{Addr: addr, TLS: with}).Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(nc, testKey)
	defer c.Close()
	k := Key{Terminal: "T1", STAN: 1}
	if _, err := c.RoundTrip(ctx, k, testFrame('Q', k, "")); err != nil {
		t.Fatalf("terminal with a client certificate: %v", err)
	}
	nc2, err := (&Dialer{Addr: addr, TLS: cli}).Dial(ctx)
	if err == nil {
		c2 := NewConn(nc2, testKey)
		defer c2.Close()
		k2 := Key{Terminal: "T1", STAN: 2}
		if _, err := c2.RoundTrip(ctx, k2, testFrame('Q', k2, "")); err == nil {
			t.Fatal("a terminal without a client certificate was served")
		}
	}
}

// TestDialerRefusesUnverified (issue 23): InsecureSkipVerify without pins
// would verify nothing.
func TestDialerRefusesUnverified(t *testing.T) {
	srv, _ := testTLS(t)
	addr := serveTLS(t, srv)
	_, err := (&Dialer{Addr: addr, TLS: &tls.Config{InsecureSkipVerify: true}}).Dial(context.Background())
	if !errors.Is(err, ErrPinning) {
		t.Fatalf("got %v, want ErrPinning", err)
	}
}

// clientCert makes a self-signed terminal certificate for client
// authentication.
func clientCert(t testing.TB) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "terminal 50080001"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}
