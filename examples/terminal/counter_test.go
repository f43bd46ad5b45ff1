package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/possdk/pos/examples/internal/fixtures"
)

// The counter day as an operator runs it, one command per process run
// against the examples' host: every transaction a counter terminal offers.
// The oracle is the issuer's ledger (link.SimIssuer.Stats: the net amount
// taken from cards, counted by the host, not the terminal) and the slips
// as a UnionPay terminal prints them; the amounts are chosen by hand.
func TestCounterDay(t *testing.T) {
	addr, _, a, log := startHostOn(t, "127.0.0.1:0", false)
	state := t.TempDir()
	base := []string{"-host", addr, "-state", state, "-timeout", "3s"}
	steps := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"signin"}, 0, []string{"signed in: working keys loaded"}},
		// trace 2: sale 100.00
		{[]string{"sale", "100.00"}, 0, []string{"TXN TYPE                    SALE", "TRACE NO.                 000002", "RMB 100.00",
			"I ACKNOWLEDGE SATISFACTORY"}},
		// trace 3: refund 30.00 of trace 2
		{[]string{"refund", "2", "30.00"}, 0, []string{"TXN TYPE                  REFUND", " ORIG TRACE NO.           000002",
			" ORIG AUTH CODE           000001", " ORIG REF NO.       000000000001", "AMOUNT                RMB -30.00",
			"THE AMOUNT ABOVE WILL BE\nCREDITED TO THE CARD ACCOUNT"}},
		// trace 4: balance (no slip, no money)
		{[]string{"balance"}, 0, []string{"CHIP balance inquiry", "BALANCE RMB 8888.00 available"}},
		// trace 5: pre-authorisation 200.00; trace 6: its completion 150.00
		{[]string{"preauth", "200.00"}, 0, []string{"TXN TYPE                PRE-AUTH", "AMOUNT HELD ON THE CARD,\nNOT CHARGED UNTIL COMPLETED"}},
		{[]string{"complete", "5", "150.00"}, 0, []string{"TXN TYPE           AUTH COMPLETE", " ORIG TRACE NO.           000005",
			" ORIG AUTH CODE           000003", "AMOUNT                RMB 150.00"}},
		{[]string{"complete", "5", "10.00"}, 1, nil}, // completed already: no second completion
		// trace 7: pre-authorisation 40.00; trace 8: its void (预授权撤销)
		{[]string{"preauth", "40.00"}, 0, nil},
		{[]string{"void", "7"}, 0, []string{"TXN TYPE           PRE-AUTH VOID", " ORIG TRACE NO.           000007", "HOLD RELEASED"}},
		// trace 9: sale 12.34; trace 10: its void
		{[]string{"tap", "12.34"}, 0, []string{"CONTACTLESS sale of 12.34"}},
		{[]string{"void", "9"}, 0, []string{"TXN TYPE                    VOID", " ORIG TRACE NO.           000009",
			"AMOUNT                RMB -12.34"}},
		{[]string{"void", "9"}, 1, nil}, // voided already
		{[]string{"reprint"}, 0, []string{"DUPLICATE (REPRINT)", "TXN TYPE                    VOID"}},
		{[]string{"reprint", "2"}, 0, []string{"DUPLICATE (REPRINT)", "TRACE NO.                 000002"}},
		{[]string{"reversals"}, 0, []string{"no reversal pending"}},
		// trace 11: QR 5.00; 12: scan 6.00
		{[]string{"qr", "5.00"}, 0, []string{"QR CODE"}},
		{[]string{"scan", "6.00", "134567890123456789"}, 0, []string{"WeChat Pay"}},
		// traces 13, 14: scan refunds of trace 12 — 2.00 refunded, then
		// 5.00 refused (64: more than the 4.00 left)
		{[]string{"scan-refund", "1", "12", "2.00"}, 0, []string{"TXN TYPE             SCAN REFUND", " ORIG TRACE NO.           000012",
			"AMOUNT                 RMB -2.00", "RETURNED TO THE WALLET"}},
		{[]string{"scan-refund", "1", "12", "5.00"}, 1, []string{"refused: 64 (original amount incorrect) — nothing refunded"}},
		// The card batch: debits 100 + 150 + 5, credits 30 (voids cancel;
		// the scan-code payment settles through the wallet's channel).
		{[]string{"settle"}, 0, []string{"host 3 debit(s) 255.00, 1 credit(s) 30.00", ": balanced"}},
		{[]string{"settle"}, 0, []string{"batch 000002 is empty: nothing to settle, no message sent"}},
	}
	for _, st := range steps {
		code, out, errOut := term(t, append(append([]string{}, base...), st.args...)...)
		if code != st.code {
			t.Fatalf("%v: exit %d, want %d: %s\n%s", st.args, code, st.code, errOut, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", st.args, w, out)
			}
		}
		if strings.Contains(out+errOut, "6225880123456780") {
			t.Errorf("%v: PAN printed in full", st.args)
		}
	}
	// One sign-in for the whole day: the working keys were kept.
	if n := log.count("sign-in of terminal"); n != 1 {
		t.Errorf("%d sign-ins at the host, want 1 (the keys are kept between commands):\n%s", n, log)
	}
	// The issuer's ledger: 100 - 30 + 150 (the hold released) + 0 (pre-auth
	// voided) + 12.34 - 12.34 + 5 = 225.00 on cards; the scan-code payment
	// goes through the wallet gateway, not the card issuer.
	if st := a.Issuer.Stats(); st.Amount != 22500 || st.Holds != 0 {
		t.Errorf("issuer ledger: %+v, want amount 22500 and no hold", st)
	}
}

// A terminal keeps its working keys across commands: the second command
// sends no sign-in; when the host no longer knows the keys (restarted
// with its keys in memory) it answers A0 and the terminal signs in again
// by itself. The state directory holds no key, PAN or track in clear.
func TestWorkingKeysKept(t *testing.T) {
	addr, _, a, log := startHostOn(t, "127.0.0.1:0", false)
	state := t.TempDir()
	base := []string{"-host", addr, "-state", state, "-timeout", "3s"}
	code, out, errOut := term(t, append(base, "sale", "1.00")...)
	if code != 0 || !strings.Contains(out, "signed in:") {
		t.Fatalf("first sale: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = term(t, append(base, "sale", "2.00")...)
	if code != 0 || strings.Contains(out, "signed in:") || !strings.Contains(out, "working keys of the last sign-in loaded") {
		t.Fatalf("second sale: exit %d: %s\n%s", code, errOut, out)
	}
	if n := log.count("sign-in of terminal"); n != 1 {
		t.Fatalf("%d sign-ins, want 1", n)
	}

	// Everything secret the terminal handled: the TMK, the working keys
	// (clear, from the host's key store), the card's PAN and track 2.
	tk, err := a.TerminalKeys(fixtures.TerminalID)
	if err != nil || tk.Working == nil {
		t.Fatalf("host keys: %v", err)
	}
	var secrets [][]byte
	for _, k := range []interface{ ClearBytes() []byte }{tk.TMK, tk.Working.PIN, tk.Working.MAC} {
		b := k.ClearBytes()
		secrets = append(secrets, b, []byte(hex.EncodeToString(b)), []byte(strings.ToUpper(hex.EncodeToString(b))))
	}
	pan := "6225880123456780"
	bcd, _ := hex.DecodeString(pan)
	secrets = append(secrets, []byte(pan), bcd)
	files := 0
	err = filepath.Walk(state, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds a secret in clear (%d bytes)", filepath.Base(path), len(s))
			}
		}
		// Nor a run of 13-19 digits (a PAN in any form) in text.
		if m := regexp.MustCompile(`[0-9]{13,19}`).Find(b); m != nil {
			t.Errorf("%s holds a long digit run %q", filepath.Base(path), m)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walking the state: %v (%d files)", err, files)
	}
	if _, err := os.Stat(filepath.Join(state, "workingkeys.journal")); err != nil {
		t.Errorf("no kept working keys: %v", err)
	}

	// The host restarts with its keys in memory: it no longer knows the
	// terminal's working keys, answers A0 (MAC error, sign in again), and
	// the terminal signs in and sends the sale again.
	stopHost(a)
	_, _, _, log2 := startHostOn(t, addr, false)
	code, out, errOut = term(t, append(base, "sale", "3.00")...)
	if code != 0 || !strings.Contains(out, "A0 (MAC verification failed): the host asks for a new sign-in") ||
		!strings.Contains(out, "signed in:") || !strings.Contains(out, "RMB 3.00") {
		t.Fatalf("sale after the host lost the keys: exit %d: %s\n%s", code, errOut, out)
	}
	if n := log2.count("sign-in of terminal"); n != 1 {
		t.Errorf("%d sign-ins at the restarted host, want 1", n)
	}
	// And the next command uses the new keys without a sign-in.
	code, out, _ = term(t, append(base, "balance")...)
	if code != 0 || strings.Contains(out, "signed in:") {
		t.Errorf("balance after the new sign-in: exit %d\n%s", code, out)
	}
}

// The terminal and the host say what is wrong when one speaks TLS and the
// other plain TCP.
func TestTLSMismatch(t *testing.T) {
	tlsAddr, pin, _, tlsLog := startHostOn(t, "127.0.0.1:0", true)
	plainAddr, _, _, plainLog := startHostOn(t, "127.0.0.1:0", false)

	// A plain terminal, a TLS host.
	code, _, errOut := term(t, "-host", tlsAddr, "-state", t.TempDir(), "-timeout", "2s", "sale", "1.00")
	if code != 1 || !strings.Contains(errOut, "the host at "+tlsAddr+" expects TLS: give -tls-pin") {
		t.Errorf("plain terminal, TLS host: exit %d: %s", code, errOut)
	}
	if tlsLog.count("TLS handshake from 127.0.0.1:") == 0 || tlsLog.count("the terminal speaks plain TCP; this host expects TLS") == 0 {
		t.Errorf("TLS host log:\n%s", tlsLog)
	}

	// A TLS terminal, a plain host.
	code, _, errOut = term(t, "-host", plainAddr, "-tls-pin", pin, "-state", t.TempDir(), "-timeout", "2s", "sale", "1.00")
	if code != 1 || !strings.Contains(errOut, "the host at "+plainAddr+" does not speak TLS: it expects plain TCP") {
		t.Errorf("TLS terminal, plain host: exit %d: %s", code, errOut)
	}
	if plainLog.count("TLS handshake from 127.0.0.1:") == 0 || plainLog.count("this host expects plain TCP") == 0 {
		t.Errorf("plain host log:\n%s", plainLog)
	}
}
