// Package odatest holds a test PKI for offline data authentication: a
// certification authority key (1408-bit), an issuer key (1152-bit) and three
// ICC keys (1024-bit), generated for possdk's tests and software cards. They
// are published test keys: never personalise a real card with them, and never
// load TestCAKey into a production terminal.
package odatest

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"sync"
	"time"

	"github.com/possdk/pos/emv/oda"
)

//go:embed *.pem
var files embed.FS

// CAIndex is the CA Public Key Index (tag 8F) the test CA key is published
// under, for every RID.
const CAIndex = 0xF1

// CAExpiry is when the test CA key expires in the store TestCAStore builds.
var CAExpiry = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)

var keys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	m := map[string]*rsa.PrivateKey{}
	for _, name := range []string{"ca", "issuer", "icc1", "icc2", "icc3"} {
		raw, err := files.ReadFile(name + ".pem")
		if err != nil {
			panic(err) // embedded at build time: cannot happen
		}
		blk, _ := pem.Decode(raw)
		if blk == nil {
			panic("odatest: " + name + ".pem is not PEM")
		}
		k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
		if err != nil {
			panic(fmt.Sprintf("odatest: %s.pem: %v", name, err))
		}
		k.Precompute()
		m[name] = k
	}
	return m
})

// CAKey returns the test CA's private key.
func CAKey() *rsa.PrivateKey { return keys()["ca"] }

// IssuerKey returns the test issuer's private key.
func IssuerKey() *rsa.PrivateKey { return keys()["issuer"] }

// ICCKey returns test ICC key n, for n from 1 to 3 (nil otherwise).
func ICCKey(n int) *rsa.PrivateKey { return keys()[fmt.Sprintf("icc%d", n)] }

// CAStore returns a store holding the test CA public key at index CAIndex
// under each RID given (5 bytes each).
func CAStore(rids ...[]byte) *oda.CAStore {
	s, _ := oda.NewCAStore()
	for _, rid := range rids {
		if err := s.Add(oda.NewCAPublicKey(rid, CAIndex, &CAKey().PublicKey, CAExpiry)); err != nil {
			panic(err) // a key we built ourselves: cannot fail
		}
	}
	return s
}
