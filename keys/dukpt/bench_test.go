package dukpt

import (
	"crypto/aes"
	"crypto/des"
	"testing"

	"github.com/possdk/pos/keys"
)

// The DUKPT goal (BENCHMARKS.md): host derivation of a PIN key within 1.25x
// of the block-cipher work it cannot avoid, measured in the same run. Each
// benchmark has a "raw" sub-benchmark doing exactly those crypto/des or
// crypto/aes calls and nothing else. Compare the two with -count=10 and
// the minimum of each (the machine is shared: the least disturbed run).

// BenchmarkTDESHostPINKey: worst-case TDES KSN (counter 0x1FF800, 10
// one-bits). Block operations: the initial key, 2 TDES encryptions under
// the BDK's cached schedules; 10 key generation steps of 2 DES key
// schedules and 2 DES encryptions each; the PIN key's check value (a TDES
// key schedule and 1 encryption, which every keys.Key carries).
func BenchmarkTDESHostPINKey(b *testing.B) {
	host, err := NewTDESHost(tdesBDK)
	if err != nil {
		b.Fatal(err)
	}
	ksn, _ := tdesKSN.WithCounter(0x1FF800)
	op := func() {
		key, err := host.TransactionKey(ksn)
		if err != nil {
			b.Fatal(err)
		}
		pk, err := key.PINKey()
		if err != nil {
			b.Fatal(err)
		}
		pk.Zero()
		key.Zero()
	}
	k := tdesBDK.ClearBytes()
	k3 := append(append([]byte(nil), k...), k[:8]...)
	bdk, _ := des.NewTripleDESCipher(k3)
	bdk2, _ := des.NewTripleDESCipher(k3)
	blk := make([]byte, 8)
	raw := func() {
		bdk.Encrypt(blk, blk)
		bdk2.Encrypt(blk, blk)
		for range 10 * 2 {
			c, _ := des.NewCipher(k3[:8])
			c.Encrypt(blk, blk)
		}
	}
	runAll(b, op, raw)
}

func runAll(b *testing.B, op, raw func()) {
	b.Run("dukpt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			op()
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw()
		}
	})
}

// BenchmarkTDESHostTransactionKey is the derivation alone (no check value).
func BenchmarkTDESHostTransactionKey(b *testing.B) {
	host, _ := NewTDESHost(tdesBDK)
	ksn, _ := tdesKSN.WithCounter(0x1FF800)
	b.ReportAllocs()
	for b.Loop() {
		key, err := host.TransactionKey(ksn)
		if err != nil {
			b.Fatal(err)
		}
		key.Zero()
	}
}

// BenchmarkAESHostPINKey: AES-128 BDK, worst-case counter 0xFFFF0000 (16
// one-bits). Block operations: the initial key, 1 AES encryption under the
// BDK's cached schedule; 16 steps of 1 AES key schedule and 1 encryption;
// the working key, 1 key schedule and 1 encryption (keys.Key computes no
// check value until one is asked for).
func BenchmarkAESHostPINKey(b *testing.B) {
	benchAESHostPINKey(b, mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1"), 1)
}

// BenchmarkAES256HostPINKey: AES-256 BDK and working key, counter
// 0xFFFF0000: every derivation is two AES blocks.
func BenchmarkAES256HostPINKey(b *testing.B) {
	benchAESHostPINKey(b, mustKey(keys.AES256, "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1"), 2)
}

// benchAESHostPINKey runs aesPINKeyOps' op against its raw.
func benchAESHostPINKey(b *testing.B, bdk *keys.Key, blocks int) {
	op, raw := aesPINKeyOps(b, bdk, blocks)
	runAll(b, op, raw)
}

// aesPINKeyOps are the host's PIN key for counter 0xFFFF0000 under bdk (a
// working key of the BDK's algorithm) and raw, the same block operations
// done directly: blocks AES encryptions per derivation, the initial key's
// under the BDK's cached schedule, then a fresh key schedule for each of
// the 16 steps and for the working key.
func aesPINKeyOps(tb testing.TB, bdk *keys.Key, blocks int) (op, raw func()) {
	host, err := NewAESHost(bdk)
	if err != nil {
		tb.Fatal(err)
	}
	ksn := NewAESKSN(aesIKID, 0xFFFF0000)
	op = func() {
		key, err := host.TransactionKey(ksn)
		if err != nil {
			tb.Fatal(err)
		}
		pk, err := key.WorkingKey(PINEncryption, bdk.Algorithm())
		if err != nil {
			tb.Fatal(err)
		}
		pk.Zero()
		key.Zero()
	}
	k := bdk.ClearBytes()
	cached, _ := aes.NewCipher(k)
	blk := make([]byte, 16)
	raw = func() {
		for range blocks {
			cached.Encrypt(blk, blk)
		}
		for range 16 + 1 {
			c, _ := aes.NewCipher(k)
			for range blocks {
				c.Encrypt(blk, blk)
			}
		}
	}
	return op, raw
}

// BenchmarkTDESTerminalNext is the terminal's per-transaction cost,
// averaged over the counter sequence from the initial load.
func BenchmarkTDESTerminalNext(b *testing.B) {
	term, _ := NewTDESTerminal(tdesIK, tdesKSN)
	b.ReportAllocs()
	for b.Loop() {
		if term.Exhausted() {
			term, _ = NewTDESTerminal(tdesIK, tdesKSN)
		}
		key, err := term.Next()
		if err != nil {
			b.Fatal(err)
		}
		key.Zero()
	}
}

// BenchmarkAESTerminalNext is BenchmarkTDESTerminalNext for AES-128.
func BenchmarkAESTerminalNext(b *testing.B) {
	ik := aesInitialKeys(b)[0]
	term, _ := NewAESTerminal(ik, aesIKID)
	b.ReportAllocs()
	for b.Loop() {
		key, err := term.Next()
		if err != nil {
			b.Fatal(err)
		}
		key.Zero()
	}
}
