package emv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func deriveMK(t *testing.T, v testvec.Vector) *keys.Key {
	t.Helper()
	imk := tdesKey(t, v.Bytes(t, "imk"))
	if v.Has("imk_kcv2") {
		if got := kcv2(t, imk); got != v.Str(t, "imk_kcv2") {
			t.Fatalf("%s: IMK KCV %s, want %s", v.Name, got, v.Str(t, "imk_kcv2"))
		}
	}
	derive := DeriveICCKeyA
	if v.Field("option") == "B" {
		derive = DeriveICCKeyB
	}
	mk, err := derive(imk, mustPAN(t, v.Str(t, "pan")), v.Field("psn"))
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	return mk
}

func TestKeyDerivationVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "keyderiv.txt"), func(t *testing.T, v testvec.Vector) {
		switch v.Str(t, "kind") {
		case "mk":
			mk := deriveMK(t, v)
			if v.Has("mk") && keyHex(mk) != v.Str(t, "mk") {
				t.Errorf("MK %s, want %s", keyHex(mk), v.Str(t, "mk"))
			}
			if v.Has("mk_kcv2") && kcv2(t, mk) != v.Str(t, "mk_kcv2") {
				t.Errorf("MK KCV %s, want %s", kcv2(t, mk), v.Str(t, "mk_kcv2"))
			}
		case "csk", "csk_from":
			var mk *keys.Key
			if v.Has("mk") {
				mk = tdesKey(t, v.Bytes(t, "mk"))
			} else {
				mk = deriveMK(t, v)
			}
			sk, err := CommonSessionKey(mk, [8]byte(v.Bytes(t, "r")))
			if err != nil {
				t.Fatal(err)
			}
			if v.Has("sk") && keyHex(sk) != v.Str(t, "sk") {
				t.Errorf("SK %s, want %s", keyHex(sk), v.Str(t, "sk"))
			}
			if v.Has("sk_kcv2") && kcv2(t, sk) != v.Str(t, "sk_kcv2") {
				t.Errorf("SK KCV %s, want %s", kcv2(t, sk), v.Str(t, "sk_kcv2"))
			}
		case "visa_sk", "visa_sk_from":
			var mk *keys.Key
			if v.Has("mk") {
				mk = tdesKey(t, v.Bytes(t, "mk"))
			} else {
				mk = deriveMK(t, v)
				if kcv2(t, mk) != v.Str(t, "mk_kcv2") {
					t.Fatalf("MK KCV %s, want %s", kcv2(t, mk), v.Str(t, "mk_kcv2"))
				}
			}
			atc := v.Bytes(t, "atc")
			sk, err := VisaSessionKey(mk, uint16(atc[0])<<8|uint16(atc[1]))
			if err != nil {
				t.Fatal(err)
			}
			if v.Has("sk") && keyHex(sk) != v.Str(t, "sk") {
				t.Errorf("SK %s, want %s", keyHex(sk), v.Str(t, "sk"))
			}
			if v.Has("sk_kcv2") && kcv2(t, sk) != v.Str(t, "sk_kcv2") {
				t.Errorf("SK KCV %s, want %s", kcv2(t, sk), v.Str(t, "sk_kcv2"))
			}
		default:
			t.Fatalf("unknown kind %q", v.Str(t, "kind"))
		}
	})
}

func TestKeyDerivationErrors(t *testing.T) {
	imk := tdesKey(t, testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	aes, err := keys.New(keys.AES128, testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	pan := mustPAN(t, "4761739001010010")
	if _, err := DeriveICCKeyA(aes, pan, "01"); !errors.Is(err, ErrKey) {
		t.Errorf("AES IMK: %v, want ErrKey", err)
	}
	if _, err := DeriveICCKeyA(nil, pan, "01"); !errors.Is(err, ErrKey) {
		t.Errorf("nil IMK: %v, want ErrKey", err)
	}
	if _, err := DeriveICCKeyA(imk, pan, "1"); !errors.Is(err, ErrValue) {
		t.Errorf("1-digit PSN: %v, want ErrValue", err)
	}
	if _, err := DeriveICCKeyB(imk, mustPAN(t, "12345678901234567"), "AB"); !errors.Is(err, ErrValue) {
		t.Errorf("hex PSN: %v, want ErrValue", err)
	}
	if _, err := DeriveICCKeyA(imk, PAN{}, ""); !errors.Is(err, ErrPAN) {
		t.Errorf("empty PAN: %v, want ErrPAN", err)
	}
	if _, err := CommonSessionKey(aes, [8]byte{}); !errors.Is(err, ErrKey) {
		t.Errorf("AES MK: %v, want ErrKey", err)
	}
	if _, err := VisaSessionKey(aes, 1); !errors.Is(err, ErrKey) {
		t.Errorf("AES MK: %v, want ErrKey", err)
	}
}
