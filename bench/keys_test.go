package bench

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/cbcmac"
	"github.com/possdk/pos/keys"
)

// Peer: github.com/emmansun/gmsm v0.44.0 cbcmac (ANSI retail MAC, CMAC over
// any cipher.Block), the only maintained Go MAC library in the design's
// dependency table. Same key, same 256-byte message.

var keysMsg = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

var (
	x919Key = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}
	aesKey  = []byte{0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C}
)

func BenchmarkKeysX919_possdk(b *testing.B) {
	k, err := keys.New(keys.TDES2, x919Key)
	if err != nil {
		b.Fatal(err)
	}
	l, r, err := k.DESParts()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 16)
	b.SetBytes(int64(len(keysMsg)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = keys.AppendRetailMAC(buf[:0], l, r, keysMsg, keys.Padding1, 8)
	}
}

func BenchmarkKeysX919_gmsm(b *testing.B) {
	// gmsm's default padding for the retail MAC is ISO 9797-1 method 2;
	// the cost per block is what is compared here.
	m := cbcmac.NewANSIRetailMAC(des.NewCipher, x919Key[:8], x919Key[8:], 8)
	b.SetBytes(int64(len(keysMsg)))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.MAC(keysMsg)
	}
}

func BenchmarkKeysCMACAES_possdk(b *testing.B) {
	a, _ := aes.NewCipher(aesKey)
	buf := make([]byte, 0, 32)
	b.SetBytes(int64(len(keysMsg)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = keys.AppendCMAC(buf[:0], a, keysMsg, 16)
	}
}

func BenchmarkKeysCMACAES_gmsm(b *testing.B) {
	a, _ := aes.NewCipher(aesKey)
	m := cbcmac.NewCMAC(a, 16)
	b.SetBytes(int64(len(keysMsg)))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.MAC(keysMsg)
	}
}

// BenchmarkKeysPaired runs possdk and gmsm (and raw DES-CBC) alternately in
// small batches and reports ratios of median batch times, so that a busy
// machine slows both sides alike.
func BenchmarkKeysPaired(b *testing.B) {
	k, _ := keys.New(keys.TDES2, x919Key)
	l, r, _ := k.DESParts()
	a, _ := aes.NewCipher(aesKey)
	gRetail := cbcmac.NewANSIRetailMAC(des.NewCipher, x919Key[:8], x919Key[8:], 8)
	cbc := cipher.NewCBCEncrypter(l, make([]byte, 8))
	out := make([]byte, len(keysMsg))
	buf := make([]byte, 0, 32)
	fns := []struct {
		name string
		f    func()
	}{
		{"descbc", func() { cbc.CryptBlocks(out, keysMsg) }},
		{"x919-possdk", func() { _, _ = keys.AppendRetailMAC(buf[:0], l, r, keysMsg, keys.Padding1, 8) }},
		{"x919-gmsm", func() { _ = gRetail.MAC(keysMsg) }},
		{"cmac-possdk", func() { _, _ = keys.AppendCMAC(buf[:0], a, keysMsg, 16) }},
		{"cmac-gmsm", func() { _ = cbcmac.NewCMAC(a, 16).MAC(keysMsg) }},
	}
	const batch, samples = 4, 2048
	t := make([][]time.Duration, len(fns))
	for i := range t {
		t[i] = make([]time.Duration, samples)
	}
	n := 0
	for b.Loop() {
		for i, fn := range fns {
			t0 := time.Now()
			for range batch {
				fn.f()
			}
			t[i][n%samples] = time.Since(t0)
		}
		n++
	}
	med := make([]float64, len(fns))
	for i := range fns {
		d := t[i][:min(n, samples)]
		slices.Sort(d)
		med[i] = float64(d[len(d)/2]) / batch
		b.ReportMetric(med[i], fns[i].name+"-ns/op")
	}
	b.ReportMetric(med[1]/med[0], "x919/descbc")
	b.ReportMetric(med[1]/med[2], "x919-possdk/gmsm")
	b.ReportMetric(med[3]/med[4], "cmac-possdk/gmsm")
}
