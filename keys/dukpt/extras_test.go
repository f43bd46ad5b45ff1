package dukpt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func algByName(t *testing.T, s string) keys.Algorithm {
	switch s {
	case "AES128":
		return keys.AES128
	case "TDES2":
		return keys.TDES2
	case "TDES3":
		return keys.TDES3
	}
	t.Fatalf("alg %q", s)
	return 0
}

// Update keys (published), and the MAC, data and check-value helpers
// against python3-cryptography over the published working keys: each
// output verifies, and a changed message or the other direction's key
// does not.
func TestDUKPTExtras(t *testing.T) {
	seen := 0
	testvec.Run(t, testvec.Load(t, "extras.txt"), func(t *testing.T, v testvec.Vector) {
		seen++
		bdk := v.Bytes(t, "bdk")
		switch {
		case v.Has("update_key"):
			ik, err := keys.New(keys.AES128, v.Bytes(t, "ik"))
			if err != nil {
				t.Fatal(err)
			}
			alg := algByName(t, v.Field("alg"))
			uk, err := AESUpdateKey(ik, [8]byte(v.Bytes(t, "ikid")), alg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(uk.ClearBytes(), v.Bytes(t, "update_key")) || uk.Usage() != keys.UsageKeyEncryption {
				t.Errorf("update key %X (%s), want %X", uk.ClearBytes(), uk.Usage(), v.Bytes(t, "update_key"))
			}
			bk, _ := keys.New(keys.AES128, bdk)
			h, _ := NewAESHost(bk)
			uk2, err := h.UpdateKey([8]byte(v.Bytes(t, "ikid")), alg)
			if err != nil || !uk2.Equal(uk) {
				t.Errorf("host update key differs (%v)", err)
			}
		case v.Has("cmac_gen_aes128"):
			bk, _ := keys.New(keys.AES128, bdk)
			h, _ := NewAESHost(bk)
			ksn, _ := AESKSNFromBytes(v.Bytes(t, "ksn"))
			tk, err := h.TransactionKey(ksn)
			if err != nil {
				t.Fatal(err)
			}
			msg := v.Bytes(t, "msg")
			mac, err := tk.CMAC(MACGeneration, keys.AES128, msg)
			if err != nil || !bytes.Equal(mac, v.Bytes(t, "cmac_gen_aes128")) {
				t.Errorf("CMAC %X (%v)", mac, err)
			}
			if err := tk.VerifyCMAC(MACGeneration, keys.AES128, msg, mac[:8]); err != nil {
				t.Errorf("VerifyCMAC: %v", err)
			}
			if err := tk.VerifyCMAC(MACVerification, keys.AES128, msg, mac); !errors.Is(err, keys.ErrMAC) {
				t.Errorf("response key verifies a request CMAC: %v", err)
			}
			hm, err := tk.HMAC(MACGeneration, HMAC128, msg)
			if err != nil || !bytes.Equal(hm, v.Bytes(t, "hmac_gen_128")) {
				t.Errorf("HMAC %X (%v)", hm, err)
			}
			if err := tk.VerifyHMAC(MACGeneration, HMAC128, append(msg, '0'), hm); !errors.Is(err, keys.ErrMAC) {
				t.Errorf("changed message verifies: %v", err)
			}
			if _, err := tk.HMAC(MACGeneration, HMAC256, msg); !errors.Is(err, ErrKeyType) {
				t.Errorf("HMAC-256 key from an AES-128 BDK: %v", err)
			}
			ct, err := tk.Encrypt(DataEncryption, keys.AES128, nil, msg)
			if err != nil || !bytes.Equal(ct, v.Bytes(t, "data_enc_aes128")) {
				t.Errorf("ciphertext %X (%v)", ct, err)
			}
			pt, err := tk.Decrypt(DataEncryption, keys.AES128, nil, ct)
			if err != nil || !bytes.HasPrefix(pt, msg) {
				t.Errorf("round trip %q (%v)", pt, err)
			}
			if _, err := tk.Encrypt(MACGeneration, keys.AES128, nil, msg); !errors.Is(err, ErrKeyType) {
				t.Errorf("data encryption under a MAC usage: %v", err)
			}
			kcv, err := tk.CheckValue()
			if err != nil || !bytes.Equal(kcv, v.Bytes(t, "kcv")) {
				t.Errorf("KCV %X (%v)", kcv, err)
			}
		case v.Has("cmac_request"):
			bk, _ := keys.New(keys.TDES2, bdk)
			h, _ := NewTDESHost(bk)
			ksn, _ := KSNFromBytes(v.Bytes(t, "ksn"))
			tk, err := h.TransactionKey(ksn)
			if err != nil {
				t.Fatal(err)
			}
			msg := v.Bytes(t, "msg")
			req, err := tk.CMACRequest(msg)
			if err != nil || !bytes.Equal(req, v.Bytes(t, "cmac_request")) {
				t.Errorf("request CMAC %X (%v)", req, err)
			}
			resp, err := tk.CMACResponse(msg)
			if err != nil || !bytes.Equal(resp, v.Bytes(t, "cmac_response")) {
				t.Errorf("response CMAC %X (%v)", resp, err)
			}
			if err := tk.VerifyCMACRequest(msg, req[:4]); err != nil {
				t.Errorf("VerifyCMACRequest: %v", err)
			}
			if err := tk.VerifyCMACResponse(msg, req[:4]); !errors.Is(err, keys.ErrMAC) {
				t.Errorf("request CMAC verifies as response: %v", err)
			}
			kcv, err := tk.CheckValue()
			if err != nil || !bytes.Equal(kcv, v.Bytes(t, "kcv")) {
				t.Errorf("KCV %X (%v)", kcv, err)
			}
		default:
			t.Fatal("unknown vector")
		}
	})
	if seen != 5 {
		t.Fatalf("%d vectors ran", seen)
	}
}
