package link

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

// countingHSM is a software HSM that counts the operations the host asks
// of it, so a test can tell the host's cryptography went through the HSM.
type countingHSM struct {
	*hsm.Software
	generateKeys, generateMAC, verifyMAC, translatePIN atomic.Int64
}

func (c *countingHSM) GenerateWorkingKeys(ctx context.Context, tmk hsm.KeyBlock, m keys.KeyMode) (*hsm.WorkingKeys, error) {
	c.generateKeys.Add(1)
	return c.Software.GenerateWorkingKeys(ctx, tmk, m)
}

func (c *countingHSM) GenerateMAC(ctx context.Context, r hsm.MACRequest) ([]byte, error) {
	c.generateMAC.Add(1)
	return c.Software.GenerateMAC(ctx, r)
}

func (c *countingHSM) VerifyMAC(ctx context.Context, r hsm.MACRequest, mac []byte) error {
	c.verifyMAC.Add(1)
	return c.Software.VerifyMAC(ctx, r, mac)
}

func (c *countingHSM) TranslatePIN(ctx context.Context, r hsm.PINTranslation) ([]byte, error) {
	c.translatePIN.Add(1)
	return c.Software.TranslatePIN(ctx, r)
}

// forEachKeyMode runs a host test with a KeyStore of clear keys (through
// KeyStoreHSM) and with an HSM and key blocks only.
func forEachKeyMode(t *testing.T, f func(*testing.T, *testEnv)) {
	t.Run("keystore", func(t *testing.T) { f(t, newTestEnv(t, false, nil)) })
	t.Run("hsm", func(t *testing.T) { f(t, newHSMTestEnv(t, nil)) })
}

// TestHostHSMTerminalFlow (issue 17): a host that holds key blocks only
// signs a terminal in, verifies and generates MACs and translates PINs
// through the HSM. Oracles outside the HSM: the terminal decodes field 62
// under its clear TMK (keys.DecodeField62) and MACs and enciphers PINs
// with its own keys; the issuer deciphers PIN blocks with its own clear
// zone key and its ledger must show exactly the approved money.
func TestHostHSMTerminalFlow(t *testing.T) {
	e := newHSMTestEnv(t, nil)
	c, f, ctx := e.signedIn(t, t.TempDir(), "50080301", nil)
	if n := e.hsm.generateKeys.Load(); n != 1 {
		t.Fatalf("%d HSM key generations for one sign-in", n)
	}
	// The host's store has the same keys the terminal decoded from field
	// 62: compare check values (CUP field 62 KCVs are the legacy 8-byte
	// check values; the key blocks carry the X9.24 3-byte one).
	tk, err := e.blocks.TerminalKeyBlocks("50080301")
	if err != nil || tk.Working == nil || tk.Confirmed {
		t.Fatalf("host keys after sign-in: %v %v (want unconfirmed working keys)", tk, err)
	}
	for _, p := range []struct {
		name  string
		block hsm.KeyBlock
		clear *keys.Key
	}{{"PIK", tk.Working.PIN, c.wk.PIN}, {"MAK", tk.Working.MAC, c.wk.MAC}} {
		if got, want := p.block.CheckValue(), p.clear.CheckValue(); !bytes.Equal(got, want) {
			t.Fatalf("%s: host key block KCV %X, terminal's key KCV %X", p.name, got, want)
		}
	}
	if len(tk.Working.Field62) != 0 {
		t.Error("the key store keeps field 62")
	}

	s1, err := c.Sale(ctx, testCard(), 12345, mustPIN(t, testPIN))
	if err != nil || !s1.Approved() {
		t.Fatalf("sale: %v %v", s1, err)
	}
	// ISO 9564: the issuer deciphers the translated block with its own
	// ZPK: a wrong PIN is declined 55, so translation preserved the PIN.
	bad, err := c.Sale(ctx, testCard(), 500, mustPIN(t, "999999"))
	if err != nil || bad.Approved() || bad.Response.ResponseCode != RCIncorrectPIN {
		t.Fatalf("sale with wrong PIN: %v %v, want declined 55", bad, err)
	}
	if tk, _ := e.blocks.TerminalKeyBlocks("50080301"); !tk.Confirmed {
		t.Error("a request MACed with the new keys did not confirm them")
	}
	v, err := c.Void(ctx, s1.Request, testCard(), mustPIN(t, testPIN))
	if err != nil || !v.Approved() {
		t.Fatalf("void: %v %v", v, err)
	}
	s2, err := c.Sale(ctx, testCard(), 7000, mustPIN(t, testPIN))
	if err != nil || !s2.Approved() {
		t.Fatalf("sale 2: %v", err)
	}
	st, err := c.Settle(ctx)
	if err != nil || !st.Balanced {
		t.Fatalf("settle: %+v %v", st, err)
	}
	if f.pending() != 0 {
		t.Fatalf("%d reversals left", f.pending())
	}
	is := e.issuer.Stats()
	if is.Amount != 7000 || is.Approved != 3 || is.Declined != 1 {
		t.Fatalf("issuer ledger %+v: want 7000 net, 3 approved (2 sales, 1 void), 1 declined", is)
	}
	// Four requests with a PIN (sale, wrong PIN, void, sale 2), each
	// translated by the HSM; the four are MACed (CUP: financial requests
	// carry field 64) and verified by the HSM, and the three approved
	// answers are MACed (CUP: responses with code 00) by the HSM.
	if n := e.hsm.translatePIN.Load(); n != 4 {
		t.Errorf("%d HSM PIN translations, want 4", n)
	}
	if v, g := e.hsm.verifyMAC.Load(), e.hsm.generateMAC.Load(); v < 4 || g < 3 {
		t.Errorf("HSM MAC verifications %d, generations %d: want one per MACed request and response", v, g)
	}
}

// TestHostHSMMisconfigured: a host with an HSM but no zone key declines
// PIN requests 96 (nothing reaches the issuer), and one with an HSM and no
// key store answers 96 instead of panicking.
func TestHostHSMMisconfigured(t *testing.T) {
	e := newHSMTestEnv(t, nil)
	e.reconfigure(t, func(c *HostConfig) { c.ZoneKey = "" })
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080302", nil)
	s, err := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN))
	if err != nil || s.Response.ResponseCode != RCSystemError {
		t.Fatalf("sale without a zone key: %v %v, want 96", s, err)
	}
	if st := e.issuer.Stats(); st.Approved+st.Declined != 0 {
		t.Fatalf("issuer saw %+v", st)
	}

	if _, err := NewHost(HostConfig{HSM: e.hsm, Logger: quietLogger()}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "HostConfig.Terminals") {
		t.Fatalf("host without Terminals: %v, want ErrConfig naming HostConfig.Terminals", err)
	}
}

// TestKeyStoreHSM: the adapter keeps a KeyStore's semantics: keys drawn
// at a sign-in land in the KeyStore in clear, field 62 decodes under the
// clear TMK to those keys, and confirming through blocks confirms the
// clear set.
func TestKeyStoreHSM(t *testing.T) {
	ks := NewMemoryKeyStore()
	tmk := mustKey(t, testTMKHex)
	ks.AddTerminal("T1", tmk)
	a, err := NewKeyStoreHSM(ks, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tb, err := a.TerminalKeyBlocks("T1")
	if err != nil || tb.TMK == "" || tb.Working != nil {
		t.Fatalf("%v %v", tb, err)
	}
	var sets []*hsm.WorkingKeys
	for range 2 {
		w, err := a.GenerateWorkingKeys(ctx, tb.TMK, keys.ModeTDES)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetWorkingKeyBlocks("T1", w); err != nil {
			t.Fatal(err)
		}
		dec, err := keys.DecodeField62(tmk, keys.ModeTDES, w.Field62)
		if err != nil {
			t.Fatal(err)
		}
		clearSet, _ := ks.Terminal("T1")
		if !clearSet.Working.MAC.Equal(dec.MAC) || !clearSet.Working.PIN.Equal(dec.PIN) {
			t.Fatal("the KeyStore's keys are not the ones field 62 carries")
		}
		sets = append(sets, w)
	}
	tb, _ = a.TerminalKeyBlocks("T1")
	if len(tb.Recent) != 0 || tb.Previous == nil || tb.Working == nil || tb.Working.MAC != sets[1].MAC {
		t.Fatalf("blocks after two unconfirmed sign-ins: %v", tb)
	}
	if err := a.ConfirmWorkingKeyBlocks("T1", tb.Working); err != nil {
		t.Fatal(err)
	}
	if c, _ := ks.Terminal("T1"); !c.Confirmed || c.Previous != nil {
		t.Fatalf("confirm through blocks: %v confirmed=%v", c, c.Confirmed)
	}
	if err := a.SetWorkingKeyBlocks("T1", &hsm.WorkingKeys{MAC: "x"}); !errors.Is(err, ErrStore) {
		t.Fatalf("foreign working keys: %v", err)
	}
	// MACs through the adapter agree with iso8583.NewMAC on the clear MAK.
	c, _ := ks.Terminal("T1")
	ref, err := iso8583.NewMAC(iso8583.MACX919, c.Working.MAC)
	if err != nil {
		t.Fatal(err)
	}
	m := &hsmMAC{ts: a, key: tb.Working.MAC, alg: hsm.MACX919}
	data := []byte("0200 MAC block")
	got, err1 := m.MAC(data)
	want, err2 := ref.MAC(data)
	if err1 != nil || err2 != nil || got != want {
		t.Fatalf("MAC through the HSM %X (%v), with the clear key %X (%v)", got, err1, want, err2)
	}
	if err := m.VerifyMAC(data, want[:]); err != nil {
		t.Fatal(err)
	}
	want[0] ^= 1
	if err := m.VerifyMAC(data, want[:]); !errors.Is(err, hsm.ErrMAC) {
		t.Fatalf("wrong MAC: %v", err)
	}
}
