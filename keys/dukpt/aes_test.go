package dukpt

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

var aesIKID = [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}

var usageNames = map[string]Usage{
	"kek": KeyEncryption, "pin": PINEncryption,
	"mac_gen": MACGeneration, "mac_verify": MACVerification, "mac_both": MACBoth,
	"data_enc": DataEncryption, "data_dec": DataDecryption, "data_both": DataBoth,
}

var algNames = map[string]keys.Algorithm{
	"tdes2": keys.TDES2, "tdes3": keys.TDES3, "aes128": keys.AES128, "aes192": keys.AES192, "aes256": keys.AES256,
}

func aesAlg(n int) keys.Algorithm {
	switch n {
	case 16:
		return keys.AES128
	case 24:
		return keys.AES192
	}
	return keys.AES256
}

func TestAESVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "aes.txt"), func(t *testing.T, v testvec.Vector) {
		bdkBytes := v.Bytes(t, "bdk")
		bdk, err := keys.New(aesAlg(len(bdkBytes)), bdkBytes)
		if err != nil {
			t.Fatal(err)
		}
		host, err := NewAESHost(bdk)
		if err != nil {
			t.Fatal(err)
		}
		ik, err := host.InitialKey(aesIKID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Has("initial_key") {
			if got := ik.ClearBytes(); !bytes.Equal(got, v.Bytes(t, "initial_key")) {
				t.Fatalf("initial key %X, want %X", got, v.Bytes(t, "initial_key"))
			}
			return
		}
		ksn, err := ParseAESKSN(v.Field("ksn"))
		if err != nil {
			t.Fatal(err)
		}
		key, err := host.TransactionKey(ksn)
		if err != nil {
			t.Fatal(err)
		}
		if got := key.k[:key.alg.KeyLen()]; !bytes.Equal(got, v.Bytes(t, "transaction_key")) {
			t.Fatalf("transaction key %X, want %X", got, v.Bytes(t, "transaction_key"))
		}
		fromIK, err := AESTransactionKey(ik, ksn)
		if err != nil {
			t.Fatal(err)
		}
		if fromIK.k != key.k || fromIK.KSN() != ksn {
			t.Errorf("from initial key %X, from BDK %X", fromIK.k, key.k)
		}
		checkAESWorkingKeys(t, v, key)
	})
}

func checkAESWorkingKeys(t *testing.T, v testvec.Vector, key *AESKey) {
	t.Helper()
	n := 0
	for _, f := range v.Fields() {
		rest, ok := strings.CutPrefix(f, "wk.")
		if !ok {
			continue
		}
		us, as, _ := strings.Cut(rest, ".")
		u, ok1 := usageNames[us]
		a, ok2 := algNames[as]
		if !ok1 || !ok2 {
			t.Fatalf("field %q: unknown usage or algorithm", f)
		}
		wk, err := key.WorkingKey(u, a)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := wk.ClearBytes(); !bytes.Equal(got, v.Bytes(t, f)) {
			t.Errorf("%s %X, want %X", f, got, v.Bytes(t, f))
		}
		if wk.Algorithm() != a {
			t.Errorf("%s: algorithm %s", f, wk.Algorithm())
		}
		n++
	}
	if v.Has("pin_block_iso4") {
		pk, err := key.WorkingKey(PINEncryption, keys.AES128)
		if err != nil {
			t.Fatal(err)
		}
		// ISO 9564-1 format 4 (computed here only to check the PIN key
		// against the supplement's PIN blocks; package pinblock owns it).
		b, _ := aes.NewCipher(pk.ClearBytes())
		blk := testvec.Hex(t, "441234AAAAAAAAAA2F69ADDE2E9E7ACE")
		pan := testvec.Hex(t, "44111111111111111000000000000000")
		b.Encrypt(blk, blk)
		for i := range blk {
			blk[i] ^= pan[i]
		}
		b.Encrypt(blk, blk)
		if !bytes.Equal(blk, v.Bytes(t, "pin_block_iso4")) {
			t.Errorf("format-4 PIN block %X, want %X", blk, v.Bytes(t, "pin_block_iso4"))
		}
	}
}

func TestAESErrors(t *testing.T) {
	bdk128 := mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
	bdk192 := mustKey(keys.AES192, "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210")
	zeroed := mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
	zeroed.Zero()
	for _, k := range []*keys.Key{tdesBDK, zeroed, nil} {
		if _, err := NewAESHost(k); !errors.Is(err, ErrKey) {
			t.Errorf("BDK %v: %v, want ErrKey", k, err)
		}
		if _, err := AESTransactionKey(k, NewAESKSN(aesIKID, 1)); !errors.Is(err, ErrKey) {
			t.Errorf("initial key %v: %v, want ErrKey", k, err)
		}
		if _, err := NewAESTerminal(k, aesIKID); !errors.Is(err, ErrKey) {
			t.Errorf("terminal initial key %v: %v, want ErrKey", k, err)
		}
	}
	host, _ := NewAESHost(bdk128)
	for _, c := range []uint32{0, 0x1FFFF, 0xFFFFFFFF} { // 0, 17 and 32 one-bits
		if _, err := host.TransactionKey(NewAESKSN(aesIKID, c)); !errors.Is(err, ErrKSN) {
			t.Errorf("counter %#x: %v, want ErrKSN", c, err)
		}
	}
	key, _ := host.TransactionKey(NewAESKSN(aesIKID, 1))
	for _, c := range []struct {
		u Usage
		a keys.Algorithm
	}{
		{PINEncryption, keys.AES192}, {PINEncryption, keys.AES256}, // stronger than AES-128
		{KeyDerivation + 5, keys.AES128}, {usageInitialKey, keys.AES128}, {PINEncryption, keys.SM4}, {PINEncryption, keys.DES},
	} {
		if _, err := key.WorkingKey(c.u, c.a); !errors.Is(err, ErrKeyType) {
			t.Errorf("%s %s: %v, want ErrKeyType", c.u, c.a, err)
		}
	}
	host192, _ := NewAESHost(bdk192)
	key192, err := host192.TransactionKey(NewAESKSN(aesIKID, 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := key192.WorkingKey(DataBoth, keys.AES192); err != nil {
		t.Errorf("AES-192 from AES-192: %v", err)
	}
	if _, err := key192.WorkingKey(DataBoth, keys.AES256); !errors.Is(err, ErrKeyType) {
		t.Errorf("AES-256 from AES-192: %v, want ErrKeyType", err)
	}
	for _, s := range []string{"", "1234567890123456000000", "12345678901234560000000G"} {
		if _, err := ParseAESKSN(s); !errors.Is(err, ErrKSN) {
			t.Errorf("ParseAESKSN(%q): %v", s, err)
		}
	}
	if _, err := AESKSNFromBytes(make([]byte, 10)); !errors.Is(err, ErrKSN) {
		t.Errorf("10-byte AES KSN: %v", err)
	}
}

func TestAESKeyNeverPrintsBytes(t *testing.T) {
	host, _ := NewAESHost(mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1"))
	key, _ := host.TransactionKey(NewAESKSN(aesIKID, 1))
	ik, _ := host.InitialKey(aesIKID)
	term, _ := NewAESTerminal(ik, aesIKID)
	for _, v := range []any{key, *key, term, *term} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			s := fmt.Sprintf(f, v)
			if strings.Contains(strings.ToUpper(s), "4F21B565") || strings.Contains(s, "\x4F\x21") {
				t.Errorf("%s of %T leaks key bytes: %s", f, v, s)
			}
			if !strings.Contains(s, "12345678901234560000000") {
				t.Errorf("%s of %T does not show the KSN: %s", f, v, s)
			}
		}
	}
}
