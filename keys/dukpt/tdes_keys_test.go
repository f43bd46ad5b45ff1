package dukpt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// A.4 MAC and data input: ascii "4012345678909D987".
var tdesMessage = []byte("4012345678909D987")

// checkTDESWorkingKeys compares the Table A-1 working keys, the PIN block,
// the MACs and the data ciphertexts with the vector's fields present.
func checkTDESWorkingKeys(t *testing.T, v testvec.Vector, key *TDESKey) {
	t.Helper()
	for _, c := range []struct {
		field string
		get   func() (*keys.Key, error)
		usage keys.Usage
	}{
		{"pin_key", key.PINKey, keys.UsagePIN},
		{"mac_request_key", key.MACRequestKey, keys.UsageMAC},
		{"mac_response_key", key.MACResponseKey, keys.UsageMAC},
		{"data_request_key", key.DataRequestKey, keys.UsageData},
		{"data_response_key", key.DataResponseKey, keys.UsageData},
	} {
		if !v.Has(c.field) {
			continue
		}
		k, err := c.get()
		if err != nil {
			t.Fatal(err)
		}
		if got := k.ClearBytes(); !bytes.Equal(got, v.Bytes(t, c.field)) {
			t.Errorf("%s %X, want %X", c.field, got, v.Bytes(t, c.field))
		}
		if k.Usage() != c.usage || k.Algorithm() != keys.TDES2 {
			t.Errorf("%s is %s/%s", c.field, k.Algorithm(), k.Usage())
		}
	}
	clearBlock := testvec.Hex(t, "041274EDCBA9876F")
	epb, err := key.EncryptPINBlock(clearBlock)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(epb, v.Bytes(t, "encrypted_pin_block")) {
		t.Errorf("encrypted PIN block %X, want %X", epb, v.Bytes(t, "encrypted_pin_block"))
	}
	if back, err := key.DecryptPINBlock(epb); err != nil || !bytes.Equal(back, clearBlock) {
		t.Errorf("decrypted PIN block %X %v", back, err)
	}
	for _, c := range []struct {
		field    string
		enc, dec func([]byte) ([]byte, error)
	}{
		{"data_request", key.EncryptRequest, key.DecryptRequest},
		{"data_response", key.EncryptResponse, key.DecryptResponse},
	} {
		if !v.Has(c.field) {
			continue
		}
		ct, err := c.enc(tdesMessage)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ct, v.Bytes(t, c.field)) {
			t.Errorf("%s %X, want %X", c.field, ct, v.Bytes(t, c.field))
		}
		pt, err := c.dec(ct)
		if err != nil || !bytes.Equal(pt[:len(tdesMessage)], tdesMessage) || !isZero(pt[len(tdesMessage):]) {
			t.Errorf("%s decrypts to %q %v", c.field, pt, err)
		}
	}
}

func TestTDESHelperErrors(t *testing.T) {
	host, _ := NewTDESHost(tdesBDK)
	ksn, _ := tdesKSN.WithCounter(1)
	key, _ := host.TransactionKey(ksn)
	if _, err := key.EncryptPINBlock(make([]byte, 7)); !errors.Is(err, ErrDataLength) {
		t.Errorf("7-byte PIN block: %v", err)
	}
	if _, err := key.DecryptPINBlock(make([]byte, 16)); !errors.Is(err, ErrDataLength) {
		t.Errorf("16-byte PIN block: %v", err)
	}
	for _, n := range []int{0, 7, 17} {
		if _, err := key.DecryptRequest(make([]byte, n)); !errors.Is(err, ErrDataLength) {
			t.Errorf("%d-byte ciphertext: %v", n, err)
		}
	}
}
