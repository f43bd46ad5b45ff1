package iso8583

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"
)

// The public 0810 (reference §3.10): field 62 for key mode 003 holds two
// wrapped double-length keys, each followed by its 4-byte check value.
func TestSample0810Field62(t *testing.T) {
	c := NewCodec(nil, Framing{})
	_, resp, err := c.Unpack(loadSamples(t)["0810"])
	if err != nil {
		t.Fatal(err)
	}
	m, err := resp.KeyMode()
	if err != nil || m != keys.ModeTDES || m.Field62Len() != len(resp.Field62) {
		t.Fatalf("mode %v len %d: %v", m, len(resp.Field62), err)
	}
	f := []byte(resp.Field62)
	for i, want := range []struct{ key, kcv string }{
		{"51DBA323AF60599287F61C7E5A9484AE", "EF8DE29B"},
		{"D3E614FCB51122D4E9B84E2A608CD9C2", "A4DAABF2"},
	} {
		part := f[i*20 : i*20+20]
		if !bytes.Equal(part[:16], mustHex(want.key)) || !bytes.Equal(part[16:], mustHex(want.kcv)) {
			t.Errorf("key %d: % X", i, part)
		}
	}
	// The TMK is not published; under any other key the first check value
	// (the PIK's) must fail.
	tmk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if _, err := resp.WorkingKeys(tmk); !errors.Is(err, keys.ErrCheckValue) || !errors.Is(err, ErrInvalidField) {
		t.Errorf("wrong TMK: %v", err)
	}
}

func TestWorkingKeysRoundTrip(t *testing.T) {
	tmk, err := keys.Generate(keys.TDES2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCodec(nil, Framing{})
	for _, mode := range []keys.KeyMode{keys.ModeSingleDES, keys.ModeTDES, keys.ModeTDESTrack, keys.ModeSM4} {
		req := testTerm.SignIn(1, 7, mode)
		frame, err := c.Pack(env0, req)
		if err != nil {
			t.Fatal(err)
		}
		env, got, err := c.Unpack(frame)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := got.Response(Approved)
		w, err := keys.NewWorkingKeys(rand.Reader, mode)
		if err != nil {
			t.Fatal(err)
		}
		if err := resp.SetWorkingKeys(tmk, w); err != nil {
			t.Fatal(err)
		}
		frame, err = c.Pack(env.Reply(), resp)
		if err != nil {
			t.Fatal(err)
		}
		_, back, err := c.Unpack(frame)
		if err != nil {
			t.Fatal(err)
		}
		wk, err := back.WorkingKeys(tmk)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if !wk.PIN.Equal(w.PIN) || !wk.MAC.Equal(w.MAC) || (w.Data != nil) != (wk.Data != nil) {
			t.Errorf("%s: keys differ", mode)
		}
		// The MAK drives the codec from here on.
		alg := MACCUP
		mak, err := NewMAC(alg, wk.MAC)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WithMAC(mak).Pack(env0, testSale()); err != nil {
			t.Errorf("%s: sale with new MAK: %v", mode, err)
		}
	}
	if _, err := testSale().WorkingKeys(tmk); !errors.Is(err, ErrInvalidField) {
		t.Errorf("keys from a sale: %v", err)
	}
}
