package dukpt

import (
	"errors"
	"math/bits"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// aesTerminalAt builds the register state a terminal has when c is its
// next counter, from host-side derivations (see tdesTerminalAt).
func aesTerminalAt(t testing.TB, ik *keys.Key, c uint32) *AESTerminal {
	t.Helper()
	term := &AESTerminal{ikid: aesIKID, alg: ik.Algorithm(), counter: uint64(c)}
	valid := validRegisters(c, aesCounterBits)
	for i := range aesCounterBits {
		if valid&(1<<uint(i)) == 0 {
			continue
		}
		key, err := AESTransactionKey(ik, NewAESKSN(aesIKID, c&^(1<<uint(i+1)-1)|1<<uint(i)))
		if err != nil {
			t.Fatal(err)
		}
		term.reg[i] = key.k
	}
	return term
}

func aesInitialKeys(t testing.TB) []*keys.Key {
	var out []*keys.Key
	for _, bdk := range []*keys.Key{
		mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1"),
		mustKey(keys.AES192, "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210"),
		mustKey(keys.AES256, "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1"),
	} {
		host, err := NewAESHost(bdk)
		if err != nil {
			t.Fatal(err)
		}
		ik, err := host.InitialKey(aesIKID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ik)
	}
	return out
}

// TestAESTerminalVectors replays the supplement's three sequences (first
// eight counters, the 0x1FFFE rollover that skips 0x1FFFF, the last four)
// on the terminal side.
func TestAESTerminalVectors(t *testing.T) {
	vs := map[string]testvec.Vector{}
	for _, v := range testvec.Load(t, "aes.txt") {
		if v.Has("ksn") && v.Has("transaction_key") {
			vs[v.Field("bdk")+v.Field("ksn")] = v
		}
	}
	iks := aesInitialKeys(t)
	for _, ik := range []*keys.Key{iks[0], iks[2]} {
		bdk := "FEDCBA9876543210F1F1F1F1F1F1F1F1"
		if ik.Algorithm() == keys.AES256 {
			bdk += bdk
		}
		for _, seq := range [][]uint32{
			{1, 2, 3, 4, 5, 6, 7, 8},
			{0x1FFFE, 0x20000, 0x20001},
			{0xFFFE2000, 0xFFFE4000, 0xFFFE8000, 0xFFFF0000},
		} {
			var term *AESTerminal
			if seq[0] == 1 {
				var err error
				if term, err = NewAESTerminal(ik, aesIKID); err != nil {
					t.Fatal(err)
				}
			} else {
				term = aesTerminalAt(t, ik, seq[0])
			}
			for _, c := range seq {
				ksn := NewAESKSN(aesIKID, c)
				v, ok := vs[bdk+ksn.String()]
				if !ok {
					t.Fatalf("no vector for %s", ksn)
				}
				if term.KSN() != ksn {
					t.Fatalf("%s: next KSN %s, want %s", ik.Algorithm(), term.KSN(), ksn)
				}
				key, err := term.Next()
				if err != nil {
					t.Fatal(err)
				}
				want := v.Bytes(t, "transaction_key")
				if string(key.k[:len(want)]) != string(want) {
					t.Fatalf("%s %s: key %X, want %X", ik.Algorithm(), ksn, key.k[:len(want)], want)
				}
				checkAESWorkingKeys(t, v, key)
			}
			if seq[0] == 0xFFFE2000 {
				if !term.Exhausted() {
					t.Fatalf("%s: not exhausted after 0xFFFF0000; next %s", ik.Algorithm(), term.KSN())
				}
				if _, err := term.Next(); !errors.Is(err, ErrExhausted) {
					t.Fatalf("Next after 0xFFFF0000: %v, want ErrExhausted", err)
				}
			}
		}
	}
}

// TestAESTerminalAgreesWithHost runs thousands of consecutive transactions
// for each AES BDK size, from the initial load and from deep states
// (including near the 16-one-bit limit), against the host derivation.
func TestAESTerminalAgreesWithHost(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, ik := range aesInitialKeys(t) {
		for _, start := range []uint32{1, 0x1F000, 0x7FFF0000, 0xFFF00000} {
			term := aesTerminalAt(t, ik, start)
			if start == 1 {
				term, _ = NewAESTerminal(ik, aesIKID)
			}
			prev := uint32(0)
			for i := 0; i < n && !term.Exhausted(); i++ {
				key, err := term.Next()
				if err != nil {
					t.Fatalf("%s start %#x step %d: %v", ik.Algorithm(), start, i, err)
				}
				c := key.KSN().Counter()
				if c <= prev || bits.OnesCount32(c) > aesMaxOneBits {
					t.Fatalf("counter %#x after %#x", c, prev)
				}
				if prev != 0 && c-prev < 1<<16 {
					for s := prev + 1; s < c; s++ {
						if bits.OnesCount32(s) <= aesMaxOneBits {
							t.Fatalf("counter %#x skipped", s)
						}
					}
				}
				prev = c
				want, err := AESTransactionKey(ik, key.KSN())
				if err != nil {
					t.Fatal(err)
				}
				if want.k != key.k {
					t.Fatalf("%s KSN %s: terminal %X, host %X", ik.Algorithm(), key.KSN(), key.k, want.k)
				}
			}
		}
	}
}

func TestAESTerminalPersistence(t *testing.T) {
	for _, ik := range aesInitialKeys(t) {
		term, _ := NewAESTerminal(ik, aesIKID)
		twin, _ := NewAESTerminal(ik, aesIKID)
		for i := range 100 {
			b, err := term.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var restored AESTerminal
			if err := restored.UnmarshalBinary(b); err != nil {
				t.Fatalf("%s step %d: %v", ik.Algorithm(), i, err)
			}
			k1, err1 := restored.Next()
			k2, err2 := twin.Next()
			if err1 != nil || err2 != nil || k1.k != k2.k || k1.KSN() != k2.KSN() {
				t.Fatalf("step %d: restored %s %v, uninterrupted %s %v", i, k1, err1, k2, err2)
			}
			term = &restored
		}
	}
	// An exhausted register round-trips and stays exhausted.
	end := aesTerminalAt(t, aesInitialKeys(t)[0], 0xFFFF0000)
	if _, err := end.Next(); err != nil {
		t.Fatal(err)
	}
	b, _ := end.MarshalBinary()
	var back AESTerminal
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if _, err := back.Next(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("restored exhausted terminal: %v", err)
	}
}

func TestAESTerminalStateErrors(t *testing.T) {
	term, _ := NewAESTerminal(aesInitialKeys(t)[0], aesIKID)
	_, _ = term.Next()
	good, _ := term.MarshalBinary()
	resum := func(b []byte) []byte {
		body := append([]byte(nil), b[:len(b)-4]...)
		s := crcIEEE(body)
		return append(body, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
	}
	cases := map[string][]byte{
		"empty":        nil,
		"short":        good[:len(good)-1],
		"magic":        append([]byte("XKA1"), good[4:]...),
		"algorithm":    resum(setBytes(good, 4, byte(keys.TDES2))),
		"aes256 size":  resum(setBytes(good, 4, byte(keys.AES256))),
		"checksum":     append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1),
		"counter zero": resum(setBytes(good, 13, 0, 0, 0, 0, 0, 0, 0, 0)),
		"counter 17":   resum(setBytes(good, 13, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF)),
		"counter big":  resum(setBytes(good, 13, 0, 0, 0, 2, 0, 0, 0, 0)),
		"used reg":     resum(setBytes(good, 21, 1)),
		"missing reg":  resum(zeroBytes(good, 21+16, 16)),
	}
	for name, b := range cases {
		var s AESTerminal
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrState) {
			t.Errorf("%s: %v, want ErrState", name, err)
		}
	}
}
