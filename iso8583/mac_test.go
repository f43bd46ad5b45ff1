package iso8583

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func TestMACVectors(t *testing.T) {
	algs := map[string]MACAlgorithm{"cup": MACCUP, "x919": MACX919, "x99": MACX99}
	kalgs := map[string]keys.Algorithm{"DES": keys.DES, "TDES2": keys.TDES2}
	n := testvec.Run(t, testvec.Load(t, "mac.txt"), func(t *testing.T, v testvec.Vector) {
		k, err := keys.New(kalgs[v.Str(t, "key_alg")], v.Bytes(t, "key"), keys.Legacy())
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewMAC(algs[v.Str(t, "alg")], k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.MAC(v.Bytes(t, "data"))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.Bytes(t, "mac"); !bytes.Equal(got[:], want) {
			t.Errorf("%s: got %X want %X", v.Str(t, "alg"), got, want)
		}
	})
	if n != 3 {
		t.Fatalf("%d vectors", n)
	}
}

func TestMACWithKeysEndToEnd(t *testing.T) {
	mak, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []MACAlgorithm{MACCUP, MACCUPSingle, MACX919, MACX99} {
		m, err := NewMAC(alg, mak)
		if err != nil {
			t.Fatal(alg, err)
		}
		c := NewCodec(nil, Framing{}).WithMAC(m)
		frame, err := c.Pack(env0, testSale())
		if err != nil {
			t.Fatal(alg, err)
		}
		// Field 64 is keys' MAC of the body before it.
		body := frame[2+TPDULen+HeaderLen:]
		want, _ := m.MAC(body[:len(body)-8])
		if !bytes.Equal(body[len(body)-8:], want[:]) {
			t.Errorf("%s: field 64 mismatch", alg)
		}
		if alg == MACCUP {
			b, _ := mak.Block()
			ref, _ := keys.CUPMAC(b, body[:len(body)-8])
			if !bytes.Equal(ref, want[:]) {
				t.Errorf("CUP MAC differs from keys.CUPMAC")
			}
		}
		if _, _, err := c.Unpack(frame); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
		frame[len(frame)-1] ^= 1
		if _, _, err := c.Unpack(frame); !errors.Is(err, ErrMAC) {
			t.Errorf("%s: tampered MAC: %v", alg, err)
		}
	}
	sm4, err := keys.FromHex(keys.SM4, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMAC(MACCUP, sm4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCodec(nil, Framing{}).WithMAC(m).Pack(env0, testSale()); err != nil {
		t.Errorf("SM4: %v", err)
	}
	if _, err := NewMAC(MACX919, sm4); !errors.Is(err, ErrMAC) {
		t.Errorf("X9.19 with SM4 key: %v", err)
	}
}
