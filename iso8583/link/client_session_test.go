package link

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

// A terminal that runs one process per transaction keeps the working keys
// of its sign-in: the keys exported under the TMK (field 62 layout, CUP
// sign-in) load into a new client, whose sale the host verifies (MAC) and
// approves with no second sign-in. Keys exported under another TMK are
// refused by their check values (keys.ErrCheckValue). The host's ledger
// (SimIssuer.Stats) is the oracle: two approved sales, one sign-in.
func TestResumeWorkingKeys(t *testing.T) {
	e := newTestEnv(t, false, nil)
	var signIns atomic.Int32
	e.reconfigure(t, func(c *HostConfig) { c.Metrics = signInCounter{n: &signIns} })
	dir := t.TempDir()
	c1, _ := e.terminal(t, dir, "10000001", nil)
	ctx := ctxT(t)
	if _, _, err := c1.WorkingKeysUnderTMK(); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("before sign-in: %v", err)
	}
	if err := c1.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := c1.Sale(ctx, testCard(), 100, mustPIN(t, testPIN)); err != nil || !r.Approved() {
		t.Fatalf("first sale: %v %v", r, err)
	}
	mode, f62, err := c1.WorkingKeysUnderTMK()
	if err != nil || mode != keys.ModeTDES || len(f62) != mode.Field62Len() {
		t.Fatalf("export: mode %v, %d bytes, %v", mode, len(f62), err)
	}
	// The export is the key set under the TMK, not the keys in clear.
	tk, _ := e.keys.Terminal("10000001")
	for _, k := range []*keys.Key{tk.Working.PIN, tk.Working.MAC} {
		b := k.ClearBytes()
		if containsBytes(f62, b) {
			t.Error("a working key is in clear in the export")
		}
		clear(b)
	}
	c1.Close()

	cfg := c1.cfg
	c2, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.SignedIn() {
		t.Fatal("a new client holds keys")
	}
	if r, err := c2.Sale(ctx, testCard(), 200, mustPIN(t, testPIN)); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("sale without keys: %v %v", r, err)
	}
	if err := c2.ResumeWorkingKeys(mode, f62); err != nil {
		t.Fatal(err)
	}
	if r, err := c2.Sale(ctx, testCard(), 200, mustPIN(t, testPIN)); err != nil || !r.Approved() {
		t.Fatalf("sale with resumed keys: %v %v", r, err)
	}
	if st := e.issuer.Stats(); st.Approved != 2 || st.Amount != 300 || signIns.Load() != 1 {
		t.Errorf("issuer %+v, %d sign-in(s); want 2 approved, 300, 1 sign-in", st, signIns.Load())
	}

	// Under another TMK the check values fail: nothing is loaded.
	cfg.TMK = mustKey(t, "89ABCDEF01234567F0E1D2C3B4A59687")
	c3, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if err := c3.ResumeWorkingKeys(mode, f62); !errors.Is(err, keys.ErrCheckValue) || c3.SignedIn() {
		t.Errorf("foreign TMK: %v, signed in %v", err, c3.SignedIn())
	}
}

// SignInRequired follows UnionPay practice: A0 and 99 ask for a sign-in.
func TestSignInRequired(t *testing.T) {
	for rc, want := range map[iso8583.ResponseCode]bool{"A0": true, "99": true, "00": false, "05": false, "96": false} {
		if SignInRequired(rc) != want {
			t.Errorf("%s: %v", rc, !want)
		}
	}
}

func containsBytes(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

type signInCounter struct {
	noMetrics
	n *atomic.Int32
}

func (s signInCounter) Request(k iso8583.Kind, _ iso8583.ResponseCode, _ time.Duration) {
	if k == iso8583.KindSignIn {
		s.n.Add(1)
	}
}
