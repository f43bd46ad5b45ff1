package dukpt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

var (
	tdesBDK = mustKey(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	tdesIK  = mustKey(keys.TDES2, "6AC292FAA1315B4D858AB3A3D7D5933A")
	tdesKSN = KSN(mustHexString("FFFF9876543210E00000"))
)

func mustKey(a keys.Algorithm, s string) *keys.Key {
	k, err := keys.FromHex(a, s)
	if err != nil {
		panic(err)
	}
	return k
}

func mustHexString(s string) []byte {
	b := make([]byte, len(s)/2)
	if err := parseHexAny(b, s); err != nil {
		panic(err)
	}
	return b
}

func parseHexAny(dst []byte, s string) error {
	for i := range dst {
		var v byte
		for _, c := range []byte(s[2*i : 2*i+2]) {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | (c - '0')
			case c >= 'A' && c <= 'F':
				v = v<<4 | (c - 'A' + 10)
			case c >= 'a' && c <= 'f':
				v = v<<4 | (c - 'a' + 10)
			default:
				return fmt.Errorf("bad hex %q", s)
			}
		}
		dst[i] = v
	}
	return nil
}

func TestTDESVectors(t *testing.T) {
	host, err := NewTDESHost(tdesBDK)
	if err != nil {
		t.Fatal(err)
	}
	testvec.Run(t, testvec.Load(t, "tdes.txt"), func(t *testing.T, v testvec.Vector) {
		ksn, err := ParseKSN(v.Field("ksn"))
		if err != nil {
			t.Fatal(err)
		}
		if v.Has("ipek") {
			ik, err := host.InitialKey(ksn)
			if err != nil {
				t.Fatal(err)
			}
			if got := ik.ClearBytes(); !bytes.Equal(got, v.Bytes(t, "ipek")) {
				t.Fatalf("initial key %X, want %X", got, v.Bytes(t, "ipek"))
			}
			if ik.Usage() != keys.UsageDUKPTInitial {
				t.Errorf("initial key usage %s", ik.Usage())
			}
			return
		}
		key, err := host.TransactionKey(ksn)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(key.k[:], v.Bytes(t, "transaction_key")) {
			t.Fatalf("transaction key %X, want %X", key.k, v.Bytes(t, "transaction_key"))
		}
		if key.KSN() != ksn {
			t.Errorf("KSN %s, want %s", key.KSN(), ksn)
		}
		fromIK, err := TDESTransactionKey(tdesIK, ksn)
		if err != nil {
			t.Fatal(err)
		}
		if fromIK.k != key.k {
			t.Errorf("from initial key %X, from BDK %X", fromIK.k, key.k)
		}
		checkTDESWorkingKeys(t, v, key)
	})
}

func TestTDESHostErrors(t *testing.T) {
	aesKey := mustKey(keys.AES128, "0123456789ABCDEFFEDCBA9876543210")
	zeroed := mustKey(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zeroed.Zero()
	for _, k := range []*keys.Key{aesKey, zeroed, nil} {
		if _, err := NewTDESHost(k); !errors.Is(err, ErrKey) {
			t.Errorf("BDK %v: %v, want ErrKey", k, err)
		}
		if _, err := TDESTransactionKey(k, tdesKSN); !errors.Is(err, ErrKey) {
			t.Errorf("initial key %v: %v, want ErrKey", k, err)
		}
		if _, err := NewTDESTerminal(k, tdesKSN); !errors.Is(err, ErrKey) {
			t.Errorf("terminal initial key %v: %v, want ErrKey", k, err)
		}
	}
	host, _ := NewTDESHost(tdesBDK)
	for _, c := range []uint32{0, 0x7FF, 0x1FFFFF} { // 0, 11 one-bits, 21 one-bits
		ksn, _ := tdesKSN.WithCounter(c)
		if _, err := host.TransactionKey(ksn); !errors.Is(err, ErrKSN) {
			t.Errorf("counter %#x: %v, want ErrKSN", c, err)
		}
		if _, err := TDESTransactionKey(tdesIK, ksn); !errors.Is(err, ErrKSN) {
			t.Errorf("counter %#x from initial key: %v, want ErrKSN", c, err)
		}
	}
}

func TestTDESKeyNeverPrintsBytes(t *testing.T) {
	host, _ := NewTDESHost(tdesBDK)
	ksn, _ := tdesKSN.WithCounter(1)
	key, err := host.TransactionKey(ksn)
	if err != nil {
		t.Fatal(err)
	}
	term, _ := NewTDESTerminal(tdesIK, tdesKSN)
	for _, v := range []any{key, *key, term, *term} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
			s := fmt.Sprintf(f, v)
			if strings.Contains(strings.ToUpper(s), "042666B4") || strings.Contains(s, "\x04\x26") {
				t.Errorf("%s of %T leaks key bytes: %s", f, v, s)
			}
			if !strings.Contains(s, "FFFF9876543210E0000") {
				t.Errorf("%s of %T does not show the KSN: %s", f, v, s)
			}
		}
	}
}
