package dukpt

import (
	"bytes"
	"errors"
	"hash/crc32"
	"math/bits"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// tdesTerminalAt builds the register state a terminal has when c is its
// next counter, from host-side derivations: register i holds the key of c's
// bits above i plus bit i. It lets tests start near the standard's rollover
// examples and the end of the counter space without a million Next calls.
func tdesTerminalAt(t testing.TB, ik *keys.Key, ksn KSN, c uint32) *TDESTerminal {
	t.Helper()
	term := &TDESTerminal{ksn: ksn.Initial(), counter: c}
	valid := validRegisters(c, tdesCounterBits)
	for i := range tdesCounterBits {
		if valid&(1<<uint(i)) == 0 {
			continue
		}
		k, err := ksn.WithCounter(c&^(1<<uint(i+1)-1) | 1<<uint(i))
		if err != nil {
			t.Fatal(err)
		}
		key, err := TDESTransactionKey(ik, k)
		if err != nil {
			t.Fatal(err)
		}
		term.fkr[i] = key.k
	}
	return term
}

func TestTDESTerminalVectors(t *testing.T) {
	vs := testvec.Load(t, "tdes.txt")
	var initial, rollover []testvec.Vector
	for _, v := range vs {
		switch {
		case v.Has("ipek"):
		case v.Field("ksn") >= "FFFF9876543210EFF800":
			rollover = append(rollover, v)
		default:
			initial = append(initial, v)
		}
	}
	for _, seq := range []struct {
		name string
		vs   []testvec.Vector
	}{{"A.4.2", initial}, {"A.4.3", rollover}} {
		t.Run(seq.name, func(t *testing.T) {
			first, _ := ParseKSN(seq.vs[0].Field("ksn"))
			var term *TDESTerminal
			if first.Counter() == 1 {
				var err error
				if term, err = NewTDESTerminal(tdesIK, first); err != nil {
					t.Fatal(err)
				}
			} else {
				term = tdesTerminalAt(t, tdesIK, first, first.Counter())
			}
			for _, v := range seq.vs {
				want, _ := ParseKSN(v.Field("ksn"))
				if term.KSN() != want {
					t.Fatalf("next KSN %s, want %s", term.KSN(), want)
				}
				key, err := term.Next()
				if err != nil {
					t.Fatal(err)
				}
				if key.KSN() != want || !bytes.Equal(key.k[:], v.Bytes(t, "transaction_key")) {
					t.Fatalf("%s: key %X, want %X", want, key.k, v.Bytes(t, "transaction_key"))
				}
				checkTDESWorkingKeys(t, v, key)
			}
		})
	}
}

// TestTDESTerminalAgreesWithHost runs thousands of consecutive
// transactions from the initial load and from states deep in the counter
// space, and checks every key against the host's derivation from the BDK.
func TestTDESTerminalAgreesWithHost(t *testing.T) {
	host, _ := NewTDESHost(tdesBDK)
	n := 4000
	if testing.Short() {
		n = 500
	}
	starts := []uint32{1, 0x0FF800, 0x155555 &^ 0x3F, 0x1FF000}
	for _, start := range starts {
		var term *TDESTerminal
		if start == 1 {
			ik, err := host.InitialKey(tdesKSN)
			if err != nil {
				t.Fatal(err)
			}
			term, _ = NewTDESTerminal(ik, tdesKSN)
		} else {
			term = tdesTerminalAt(t, tdesIK, tdesKSN, start)
		}
		prev := uint32(0)
		for i := 0; i < n && !term.Exhausted(); i++ {
			key, err := term.Next()
			if err != nil {
				t.Fatalf("start %#x step %d: %v", start, i, err)
			}
			c := key.KSN().Counter()
			if c <= prev || bits.OnesCount32(c) > tdesMaxOneBits {
				t.Fatalf("start %#x: counter %#x after %#x", start, c, prev)
			}
			// No counter with at most 10 one-bits may be skipped.
			for s := prev + 1; prev != 0 && s < c; s++ {
				if bits.OnesCount32(s) <= tdesMaxOneBits {
					t.Fatalf("start %#x: counter %#x skipped", start, s)
				}
			}
			prev = c
			want, err := host.TransactionKey(key.KSN())
			if err != nil {
				t.Fatal(err)
			}
			if want.k != key.k {
				t.Fatalf("KSN %s: terminal %X, host %X", key.KSN(), key.k, want.k)
			}
		}
	}
}

func TestTDESTerminalExhaustion(t *testing.T) {
	// The last usable counter is the top 10 bits: 0x1FF800.
	term := tdesTerminalAt(t, tdesIK, tdesKSN, 0x1FF000)
	var last KSN
	for !term.Exhausted() {
		key, err := term.Next()
		if err != nil {
			t.Fatal(err)
		}
		last = key.KSN()
	}
	if last.Counter() != 0x1FF800 {
		t.Errorf("last counter %#x, want 0x1FF800", last.Counter())
	}
	if _, err := term.Next(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("Next after the end: %v, want ErrExhausted", err)
	}
	b, _ := term.MarshalBinary()
	var back TDESTerminal
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatalf("exhausted state does not round-trip: %v", err)
	}
	if _, err := back.Next(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("restored exhausted terminal: %v, want ErrExhausted", err)
	}
}

func TestTDESTerminalPersistence(t *testing.T) {
	term, err := NewTDESTerminal(tdesIK, tdesKSN)
	if err != nil {
		t.Fatal(err)
	}
	twin, _ := NewTDESTerminal(tdesIK, tdesKSN)
	for i := range 300 {
		b, err := term.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var restored TDESTerminal
		if err := restored.UnmarshalBinary(b); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		k1, err1 := restored.Next()
		k2, err2 := twin.Next()
		if err1 != nil || err2 != nil || k1.k != k2.k || k1.KSN() != k2.KSN() {
			t.Fatalf("step %d: restored %s %v, uninterrupted %s %v", i, k1, err1, k2, err2)
		}
		term = &restored
	}
}

func TestTerminalNotLoaded(t *testing.T) {
	var tt TDESTerminal
	if _, err := tt.Next(); !errors.Is(err, ErrState) {
		t.Errorf("zero TDESTerminal: %v, want ErrState", err)
	}
	var at AESTerminal
	if _, err := at.Next(); !errors.Is(err, ErrState) {
		t.Errorf("zero AESTerminal: %v, want ErrState", err)
	}
}

func TestTDESTerminalStateErrors(t *testing.T) {
	term, _ := NewTDESTerminal(tdesIK, tdesKSN)
	_, _ = term.Next()
	good, _ := term.MarshalBinary()
	resum := func(b []byte) []byte {
		body := b[:len(b)-4]
		out := append([]byte(nil), body...)
		sum := crcIEEE(body)
		return append(out, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
	}
	cases := map[string][]byte{
		"empty":        nil,
		"short":        good[:len(good)-1],
		"magic":        append([]byte("XKT1"), good[4:]...),
		"checksum":     append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1),
		"counter zero": resum(setBytes(good, 14, 0, 0, 0, 0)),
		"counter 11":   resum(setBytes(good, 14, 0, 0, 0x07, 0xFF)),
		"counter big":  resum(setBytes(good, 14, 0, 0x40, 0, 0)),
		"ksn counter":  resum(setBytes(good, 13, 1)),
		"used reg":     resum(setBytes(good, 18, 1)),      // register 0 was erased after counter 1
		"missing reg":  resum(zeroBytes(good, 18+16, 16)), // register 1 (counter 2) is needed
	}
	for name, b := range cases {
		var s TDESTerminal
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrState) {
			t.Errorf("%s: %v, want ErrState", name, err)
		}
	}
	var s TDESTerminal
	if err := s.UnmarshalBinary(resum(good)); err != nil {
		t.Errorf("re-summed good state: %v", err)
	}
}

func setBytes(b []byte, off int, v ...byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[off:], v)
	return out
}

func zeroBytes(b []byte, off, n int) []byte {
	out := append([]byte(nil), b...)
	clear(out[off : off+n])
	return out
}

func crcIEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
