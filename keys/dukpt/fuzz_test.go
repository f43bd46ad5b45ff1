package dukpt

import (
	"bytes"
	"testing"
)

// FuzzParseKSN parses arbitrary text as both KSN kinds: no panic, and
// whatever parses prints back as the same hex digits.
func FuzzParseKSN(f *testing.F) {
	for _, s := range []string{"FFFF9876543210E00001", "ffff9876543210e0000a", "123456789012345600000001", "", "FFFF9876543210E0000G", "1234"} {
		f.Add(s)
	}
	host, err := NewTDESHost(tdesBDK)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseKSN(s); err == nil {
			if !bytes.EqualFold([]byte(k.String()), []byte(s)) {
				t.Fatalf("ParseKSN(%q) prints %s", s, k)
			}
			if c := k.Counter(); c > tdesCounterMask {
				t.Fatalf("counter %#x", c)
			}
			// Host derivation refuses or succeeds, never panics (at most
			// 10 key generation steps, about 20 µs).
			_, _ = host.TransactionKey(k)
		}
		if k, err := ParseAESKSN(s); err == nil {
			if !bytes.EqualFold([]byte(k.String()), []byte(s)) {
				t.Fatalf("ParseAESKSN(%q) prints %s", s, k)
			}
			if NewAESKSN(k.InitialKeyID(), k.Counter()) != k {
				t.Fatalf("AES KSN %s does not rebuild", k)
			}
		}
	})
}

// FuzzTerminalState feeds arbitrary bytes to both terminals'
// UnmarshalBinary: no panic, and a state that loads must marshal back to
// the same bytes and produce a key or a clean error.
func FuzzTerminalState(f *testing.F) {
	tt, err := NewTDESTerminal(tdesIK, tdesKSN)
	if err != nil {
		f.Fatal(err)
	}
	_, _ = tt.Next()
	tb, _ := tt.MarshalBinary()
	f.Add(tb)
	at, err := NewAESTerminal(aesInitialKeys(f)[0], aesIKID)
	if err != nil {
		f.Fatal(err)
	}
	ab, _ := at.MarshalBinary()
	f.Add(ab)
	f.Add([]byte("DKT1"))
	f.Add([]byte("DKA1\x06"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ts TDESTerminal
		if ts.UnmarshalBinary(b) == nil {
			back, _ := ts.MarshalBinary()
			if !bytes.Equal(back, b) {
				t.Fatal("TDES state does not round-trip")
			}
			_, _ = ts.Next()
		}
		var as AESTerminal
		if as.UnmarshalBinary(b) == nil {
			back, _ := as.MarshalBinary()
			if !bytes.Equal(back, b) {
				t.Fatal("AES state does not round-trip")
			}
			_, _ = as.Next()
		}
	})
}
