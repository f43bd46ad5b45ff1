package pinblock

import (
	"bytes"
	"testing"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"

	"github.com/possdk/pos/internal/testvec"
)

// testDUKPTVector runs a DUKPT vector from the BDK: host derivation of the
// transaction key, then the PIN block, both ways.
func testDUKPTVector(t *testing.T, v testvec.Vector) {
	var c *Cipher
	switch v.Field("kind") {
	case "dukpt_tdes":
		bdk := mustKey(t, keys.TDES2, v.Field("key"), keys.WithUsage(keys.UsageBDK))
		h, err := dukpt.NewTDESHost(bdk)
		if err != nil {
			t.Fatal(err)
		}
		ksn, err := dukpt.ParseKSN(v.Field("ksn"))
		if err != nil {
			t.Fatal(err)
		}
		tk, err := h.TransactionKey(ksn)
		if err != nil {
			t.Fatal(err)
		}
		defer tk.Zero()
		if c, err = TDESDUKPT(tk, vecFormat(t, v), vecRand(t, v)); err != nil {
			t.Fatal(err)
		}
	case "dukpt_aes":
		bdk := mustKey(t, keys.AES128, v.Field("key"), keys.WithUsage(keys.UsageBDK))
		h, err := dukpt.NewAESHost(bdk)
		if err != nil {
			t.Fatal(err)
		}
		ksn, err := dukpt.ParseAESKSN(v.Field("ksn"))
		if err != nil {
			t.Fatal(err)
		}
		tk, err := h.TransactionKey(ksn)
		if err != nil {
			t.Fatal(err)
		}
		defer tk.Zero()
		if c, err = AESDUKPT(tk, vecFormat(t, v), algByName[v.Field("alg")], vecRand(t, v)); err != nil {
			t.Fatal(err)
		}
	}
	pin, pan, want := vecPIN(t, v), v.Field("pan"), v.Bytes(t, "encrypted")
	got, err := c.Encrypt(pin, pan)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%v: Encrypt = %X, want %X", c, got, want)
	}
	back, err := c.Decrypt(want, pan)
	if err != nil || !back.Equal(pin) {
		t.Fatalf("Decrypt: %v", err)
	}
}

// TestDUKPTTerminalToHost: a terminal's future-key register and the host's
// BDK derivation agree on the PIN block for the first 50 transactions, in
// both DUKPT flavours.
func TestDUKPTTerminalToHost(t *testing.T) {
	pin := mustPIN(t, "24680135")
	pan := "4761739001010119"

	bdk := mustKey(t, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageBDK))
	host, err := dukpt.NewTDESHost(bdk)
	if err != nil {
		t.Fatal(err)
	}
	ksn0, _ := dukpt.ParseKSN("FFFF9876543210E00000")
	ipek, err := host.InitialKey(ksn0)
	if err != nil {
		t.Fatal(err)
	}
	term, err := dukpt.NewTDESTerminal(ipek, ksn0)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		tk, err := term.Next()
		if err != nil {
			t.Fatal(err)
		}
		tc, err := TDESDUKPT(tk, Format0, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := tc.Encrypt(pin, pan)
		if err != nil {
			t.Fatal(err)
		}
		hk, err := host.TransactionKey(tk.KSN())
		if err != nil {
			t.Fatal(err)
		}
		hc, err := TDESDUKPT(hk, Format0, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := hc.Decrypt(enc, pan)
		if err != nil || !back.Equal(pin) {
			t.Fatalf("KSN %s: host cannot decrypt the terminal's block: %v", tk.KSN(), err)
		}
	}

	abdk := mustKey(t, keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1", keys.WithUsage(keys.UsageBDK))
	ahost, err := dukpt.NewAESHost(abdk)
	if err != nil {
		t.Fatal(err)
	}
	ikid := [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	ik, err := ahost.InitialKey(ikid)
	if err != nil {
		t.Fatal(err)
	}
	aterm, err := dukpt.NewAESTerminal(ik, ikid)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		tk, err := aterm.Next()
		if err != nil {
			t.Fatal(err)
		}
		tc, err := AESDUKPT(tk, Format4, keys.AES128, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := tc.Encrypt(pin, pan)
		if err != nil {
			t.Fatal(err)
		}
		hk, err := ahost.TransactionKey(tk.KSN())
		if err != nil {
			t.Fatal(err)
		}
		hc, err := AESDUKPT(hk, Format4, keys.AES128, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := hc.Decrypt(enc, pan)
		if err != nil || !back.Equal(pin) {
			t.Fatalf("KSN %s: host cannot decrypt the terminal's block: %v", tk.KSN(), err)
		}
	}
	// An AES-256 working key from an AES-128 BDK is refused by dukpt.
	tk, _ := ahost.TransactionKey(dukpt.NewAESKSN(ikid, 1))
	if _, err := AESDUKPT(tk, Format4, keys.AES256, nil); err == nil {
		t.Error("AES-256 PIN key from an AES-128 BDK accepted")
	}
	if _, err := TDESDUKPT(nil, Format0, nil); err == nil {
		t.Error("nil DUKPT key accepted")
	}
}
