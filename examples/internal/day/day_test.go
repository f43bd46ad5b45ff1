package day

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/examples/internal/fixtures"
)

// cardNumbers are the full PANs of the day's cards; none may be printed.
var cardNumbers = []string{"6225880123456780", "4895370099887766", "5413330089010434", "6250947000000014", "5413330089020029", "6225880123450012"}

func TestDay(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	state := t.TempDir()
	rep, err := Run(ctx, Config{Out: &out, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	// PCI DSS 3.5.1 (issue 15): after a whole day the terminal's state
	// directory holds none of the day's PANs in clear, as hex text or as
	// packed BCD.
	noClearPANs(t, state)
	s := out.String()
	if !rep.OK() {
		t.Fatalf("steps failed:\n%s", s)
	}
	var names []string
	for _, st := range rep.Steps {
		names = append(names, st.Name)
	}
	want := "sign-in,chip sale,contactless sale,QuickPass sale,QR merchant code,QR sale,scan sale,scan sale cancelled at the deadline,void,lost response reversed,settlement"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	for _, w := range []string{
		// sign-in: working keys with check values
		"new working keys mode 003 PIK TDES-2key KCV ", "check values verified",
		// chip: ARQC verified, ARPC back, TC from the card after it
		"verified (EMV CCD cryptogram version 5", "ARPC ", "kernel: approved, TC ", "CVM online PIN",
		// contactless from the phone
		"verified (M/Chip CVN 11", "CVM consumer device (phone)",
		// QuickPass: the PBOC CVN 01 ARQC checked by the host
		"verified (PBOC/UICS CVN 01",
		// QR both ways
		"merchant-presented code (UnionPay profile", "▀", "scanned consumer-presented code: UnionPay QuickPass",
		// receipts
		"MERCHANT COPY", "CARDHOLDER COPY", "CARD NO.        622588******6780", "ENTRY                       CHIP",
		"AID             A000000333010101", "APP               UnionPay Debit", "TXN TYPE                    VOID",
		"BATCH NO.                 000001", "AUTH CODE", "REF NO.", "TRACE NO.", "\nTC              ",
		// scan: a WeChat Pay code, USERPAYING then paid; one cancelled
		"WALLET                WeChat Pay", "PAY CODE      13************6789", "ORDER NO.   4200",
		"(USERPAYING); next query in 2s", "cancel of order", "(acquirer: close); not charged",
		// lost response
		"no response before the deadline", "reversal (0400) sent at once and acknowledged by the host (0410)",
		// settlement
		"terminal 3 debit(s) 188.30, 0 credit(s) 0.00, host 3 debit(s) 188.30, 0 credit(s) 0.00: balanced",
		"every step behaved as expected",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("transcript lacks %q", w)
		}
	}
	for _, pan := range cardNumbers {
		if strings.Contains(s, pan) {
			t.Errorf("transcript shows PAN %s in full", pan)
		}
	}
	for _, code := range []string{scanConfirms, scanNeverConfirms} {
		if strings.Contains(s, code) {
			t.Errorf("transcript shows payment code %s in full", code)
		}
	}
	if n := strings.Count(s, "MERCHANT COPY"); n != 6 {
		t.Errorf("%d merchant copies, want 6 (chip, Mastercard tap, QuickPass tap, QR, scan, void)", n)
	}
}

// A host whose issuer master key is not the cards' cannot verify their
// ARQCs: it declines, the day reports the failure.
func TestDayWrongIssuerKey(t *testing.T) {
	k := fixtures.TestKeys()
	k.IMK = "00112233445566778899AABBCCDDEEFF"
	var out bytes.Buffer
	rep, err := Run(context.Background(), Config{Out: &out, Keys: k, StateDir: t.TempDir(), Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("day succeeded with the wrong IMK:\n%s", out.String())
	}
	failed := map[string]bool{}
	for _, st := range rep.Steps {
		failed[st.Name] = !st.OK
	}
	if !failed["chip sale"] || !failed["contactless sale"] || failed["sign-in"] || failed["QR sale"] {
		t.Errorf("failures %v", failed)
	}
	for _, w := range []string{"does NOT verify", "SOME STEPS FAILED"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("transcript lacks %q", w)
		}
	}
}

func TestDayHostDown(t *testing.T) {
	var out bytes.Buffer
	// Nothing listens on port 1: sign-in fails and nothing else is tried.
	rep, err := Run(context.Background(), Config{Out: &out, HostAddr: "127.0.0.1:1", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Steps) != 1 || rep.Steps[0].Name != "sign-in" {
		t.Fatalf("report %+v\n%s", rep.Steps, out.String())
	}
}

func noClearPANs(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, pan := range cardNumbers {
			bcd, _ := hex.DecodeString(pan)
			for _, form := range [][]byte{[]byte(pan), []byte(hex.EncodeToString([]byte(pan))),
				[]byte(strings.ToUpper(hex.EncodeToString([]byte(pan)))), bcd} {
				if bytes.Contains(b, form) {
					t.Errorf("%s holds PAN %s…%s in clear", path, pan[:6], pan[len(pan)-4:])
				}
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("state directory: %v, %d files", err, files)
	}
}
