package kernel

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

func tap(t *testing.T, s *scenario, card reader.Card, amount int64) (*recordingCard, *Result) {
	t.Helper()
	rc := &recordingCard{Card: card}
	res, _ := s.k.RunContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: amount, Time: testDay})
	return rc, res
}

// TestEntryPointNotAllowedBeforePPSE: Book B §3.1.1 — pre-processing runs
// for every combination before the card is touched; when the amount is at
// or over every combination's contactless transaction limit (Visa and
// UnionPay 500.00 here; Mastercard's Kernel 2 is not run by this reader),
// the outcome is Try Another Interface with no command sent. With the
// UnionPay combination unlimited, PPSE is sent: the Visa entry is then no
// candidate and the outcome is still Try Another Interface.
func TestEntryPointNotAllowedBeforePPSE(t *testing.T) {
	cfg := loadConfig(t)
	limit := int64(50000)
	cfg.AIDs[2].ContactlessLimit = &limit
	s := newScenario(t, cfg)
	rc, res := tap(t, s, loadCard(t, "visa_qvsdc", nil), 50000) // = the limit
	if res.Outcome != Failed || !errors.Is(res.Err, ErrTryAnother) || len(rc.cmds) != 0 {
		t.Fatalf("outcome %v err %v, %d commands sent; want Try Another Interface before PPSE", res.Outcome, res.Err, len(rc.cmds))
	}
	s = newScenario(t, nil)
	rc, res = tap(t, s, loadCard(t, "visa_qvsdc", nil), 50000)
	if res.Outcome != Failed || !errors.Is(res.Err, ErrTryAnother) || len(rc.cmds) != 1 {
		t.Fatalf("outcome %v err %v, commands %X; want Try Another Interface after PPSE alone", res.Outcome, res.Err, rc.cmds)
	}
}

// twoEntries is the qVSDC card with a second application: the first (AID
// aid1, priority 1) before the Visa one (priority 2).
func twoEntries(aid1 string) func(*sim.Profile) {
	return func(p *sim.Profile) {
		second := p.Apps[0]
		second.AID, second.Priority, second.Label = aid1, 1, "FIRST"
		p.Apps[0].Priority = 2
		p.Apps = append([]sim.App{second}, p.Apps...)
	}
}

// TestEntryPointSkipsUnknownKernel: Book B §3.3.2 — the highest priority
// entry asks for Kernel 2 (Mastercard AID, no 9F2A), which this reader
// does not run: it is not a candidate, and the Visa entry is selected
// (SELECT PPSE, SELECT A0000000031010, GPO) and approved offline.
func TestEntryPointSkipsUnknownKernel(t *testing.T) {
	s := newScenario(t, nil)
	rc, res := tap(t, s, loadCard(t, "visa_qvsdc", twoEntries("A0000000041010")), 2000)
	expect(t, res, expectation{Outcome: Approved, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
	want := []string{"00A404000E325041592E5359532E444446303100", "00A4040007A000000003101000"}
	for i, w := range want {
		if i >= len(rc.cmds) || fmt.Sprintf("%X", rc.cmds[i]) != w {
			t.Fatalf("command %d: %X, want %s", i, rc.cmds, w)
		}
	}
	if len(rc.cmds) < 3 || rc.cmds[2][0] != 0x80 || rc.cmds[2][1] != 0xA8 {
		t.Fatalf("third command %X, want GET PROCESSING OPTIONS", rc.cmds[2:])
	}
}

// TestEntryPointPerCombinationLimits: Book B §3.1.1 — limits are per
// combination. At 20.00 the Visa combination (limit 10.00 here) is not
// allowed while the UnionPay one (Kernel 7, no limit) is: the Visa entry,
// though first by priority, is no candidate and the UnionPay application
// is selected and approved offline.
func TestEntryPointPerCombinationLimits(t *testing.T) {
	cfg := loadConfig(t)
	visaLimit, upFloor := int64(1000), int64(5000)
	cfg.AIDs[0].ContactlessLimit = &visaLimit
	cfg.AIDs[2].TTQ = "36004000"
	cfg.AIDs[2].ContactlessFloorLimit = &upFloor
	s := newScenario(t, cfg)
	card := loadCard(t, "visa_qvsdc", func(p *sim.Profile) {
		up := p.Apps[0]
		up.AID, up.Priority, up.Label = "A000000333010101", 2, "UNIONPAY"
		p.Apps[0].Priority = 1
		p.Apps = append(p.Apps, up)
	})
	rc, res := tap(t, s, card, 2000)
	expect(t, res, expectation{Outcome: Approved, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
	if fmt.Sprintf("%X", res.AID) != "A000000333010101" || len(rc.cmds) < 2 || fmt.Sprintf("%X", rc.cmds[1]) != "00A4040008A00000033301010100" {
		t.Fatalf("AID %X, commands %X", res.AID, rc.cmds)
	}
}

// TestContactlessLimitsByType: Book B §3.1.1 pre-processing with limits
// per transaction type (9C). Visa: contactless limit 500.00, CVM limit
// 100.00, floor 50.00, TTQ 36004000; refunds (20) may go to 1000.00; cash
// (01) always needs a CVM (CVM limit 0, which is not "absent"); cashback
// (09) has a floor limit of 0 (every tap online). The TTQ byte 2 sent in
// the GPO shows the per-transaction bits: b8 online cryptogram required,
// b7 CVM required.
func TestContactlessLimitsByType(t *testing.T) {
	cfg := loadConfig(t)
	refund, zero := int64(100000), int64(0)
	cfg.AIDs[0].ContactlessLimitsByType = map[string]ContactlessLimits{
		"20": {Limit: &refund},
		"01": {CVMLimit: &zero},
		"09": {FloorLimit: &zero},
	}
	upLimit := int64(50000)
	cfg.AIDs[2].ContactlessLimit = &upLimit
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		typ     byte
		amount  int64
		tai     bool
		wantTTQ string
	}{
		{"purchase at the limit", 0x00, 60000, true, ""},
		{"refund over the purchase limit", 0x20, 60000, false, "36C04000"},
		{"cash under every limit needs a CVM", 0x01, 2000, false, "36404000"},
		{"purchase under every limit", 0x00, 2000, false, "36004000"},
		{"cashback floor limit 0", 0x09, 100, false, "36804000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t, cfg)
			rc := &recordingCard{Card: loadCard(t, "visa_qvsdc", nil)}
			res, err := s.k.RunContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: tc.amount, Type: tc.typ, Time: testDay})
			if tc.tai {
				if !errors.Is(err, ErrTryAnother) || len(rc.cmds) != 0 {
					t.Fatalf("err %v, %d commands; want Try Another Interface before PPSE", err, len(rc.cmds))
				}
				return
			}
			if got := fmt.Sprintf("%X", res.Data[0x9F66]); got != tc.wantTTQ {
				t.Fatalf("TTQ %s, want %s (outcome %v err %v)", got, tc.wantTTQ, res.Outcome, err)
			}
		})
	}
}
