package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

// TestRequestedKernelID: Book B §3.3.2.5 — the Requested Kernel ID is the
// RID's default when 9F2A is absent or empty, the short kernel ID (byte
// 1) when byte 1 b8-b7 is 00b, the first three bytes otherwise (none when
// shorter).
func TestRequestedKernelID(t *testing.T) {
	for _, tc := range []struct {
		aid, kid string
		want     string
	}{
		{"A0000000031010", "", "03"},
		{"A0000000041010", "", "02"},
		{"A00000002501", "", "04"},
		{"A0000000651010", "", "05"},
		{"A0000001523010", "", "06"},
		{"A000000333010101", "", "07"},
		{"A0000009999999", "", ""},
		{"A0000000031010", "03", "03"},
		{"A0000000031010", "0300AA", "03"},
		{"A0000000041010", "03", "03"},
		{"A0000000031010", "C1", ""},
		{"A0000000031010", "C1AABBCC", "C1AABB"},
		{"A0000000031010", "4102", ""},
	} {
		got := requestedKernel(Candidate{AID: h2b(tc.aid), KernelID: h2b(tc.kid)})
		if !bytes.Equal(got, h2b(tc.want)) {
			t.Errorf("AID %s 9F2A %q: requested kernel %X, want %s", tc.aid, tc.kid, got, tc.want)
		}
	}
}

// TestContactlessKernelRouting: Book B §3.3.2 — a PPSE entry is a
// candidate only when the reader supports its AID and runs the kernel it
// requests. An entry for a kernel this reader does not run (Mastercard's
// default Kernel 2, an explicit 9F2A 02, a proprietary C1 kernel) is no
// candidate: the outcome is Try Another Interface after SELECT PPSE alone,
// never a card-data error from running the wrong kernel's GPO.
func TestContactlessKernelRouting(t *testing.T) {
	// SELECT (Book 1 §11.3.2) by name, first occurrence, "2PAY.SYS.DDF01", Le 00.
	const ppse = "00A404000E325041592E5359532E444446303100"
	for _, tc := range []struct {
		name, aid, kid string
		served         bool
	}{
		{"Visa AID, no 9F2A: default Kernel 3", "A0000000031010", "", true},
		{"Visa AID, 9F2A 03", "A0000000031010", "03", true},
		{"Mastercard AID, no 9F2A: default Kernel 2", "A0000000041010", "", false},
		{"Visa AID, 9F2A 02", "A0000000031010", "02", false},
		{"Visa AID, proprietary 9F2A C1AABB", "A0000000031010", "C1AABB", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t, nil)
			card := &recordingCard{Card: loadCard(t, "visa_qvsdc", func(p *sim.Profile) {
				p.Apps[0].AID = tc.aid
				p.Apps[0].KernelID = tc.kid
			})}
			res, err := s.k.RunContactless(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
			if tc.served {
				expect(t, res, expectation{Outcome: Approved, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
				return
			}
			if res.Outcome != Failed || !errors.Is(err, ErrTryAnother) || errors.Is(err, ErrCardData) {
				t.Fatalf("outcome %v err %v; want Try Another Interface", res.Outcome, err)
			}
			if len(card.cmds) != 1 || fmt.Sprintf("%X", card.cmds[0]) != ppse {
				t.Fatalf("commands %X; want SELECT PPSE only", card.cmds)
			}
		})
	}
}
