package dukpt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// TestTDESMACVectors checks the X9.19 MACs of X9.24-1:2009 A.4 under the
// MAC request and response keys.
func TestTDESMACVectors(t *testing.T) {
	host, _ := NewTDESHost(tdesBDK)
	for _, v := range testvec.Load(t, "tdes.txt") {
		if !v.Has("mac_request_4") {
			continue
		}
		ksn, _ := ParseKSN(v.Field("ksn"))
		key, err := host.TransactionKey(ksn)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			full, short string
			mac         func([]byte) ([]byte, error)
			verify      func(msg, mac []byte) error
		}{
			{"mac_request", "mac_request_4", key.MACRequest, key.VerifyMACRequest},
			{"mac_response", "mac_response_4", key.MACResponse, key.VerifyMACResponse},
		} {
			if !v.Has(c.short) {
				continue
			}
			got, err := c.mac(tdesMessage)
			if err != nil {
				t.Fatal(err)
			}
			want := v.Bytes(t, c.short)
			if v.Has(c.full) {
				want = v.Bytes(t, c.full)
			}
			if !bytes.Equal(got[:len(want)], want) {
				t.Errorf("%s %X, want %X", c.full, got, want)
			}
			if err := c.verify(tdesMessage, v.Bytes(t, c.short)); err != nil {
				t.Errorf("verify %s: %v", c.short, err)
			}
			bad := append([]byte(nil), want...)
			bad[0] ^= 1
			if err := c.verify(tdesMessage, bad); !errors.Is(err, keys.ErrMAC) {
				t.Errorf("verify corrupted %s: %v, want keys.ErrMAC", c.short, err)
			}
		}
	}
}

func TestTDESMACErrors(t *testing.T) {
	host, _ := NewTDESHost(tdesBDK)
	ksn, _ := tdesKSN.WithCounter(1)
	key, _ := host.TransactionKey(ksn)
	for _, n := range []int{0, 3, 9} {
		if err := key.VerifyMACRequest(tdesMessage, make([]byte, n)); !errors.Is(err, ErrDataLength) {
			t.Errorf("%d-byte MAC: %v", n, err)
		}
	}
}
