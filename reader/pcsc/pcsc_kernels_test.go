//go:build pcsc && (cgo || windows)

package pcsc

import (
	"context"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// TestPCSCContactlessKernels taps the Mastercard M/Chip card (Kernel 2:
// GPO, EXCHANGE RELAY RESISTANCE DATA, records, GENERATE AC with CDA), the
// Mastercard-style phone (CDCVM) and the UnionPay QuickPass card (Kernel 7,
// electronic cash) through the real pcscd: the software card is inserted
// through vsmartcard-vpcd and the kernel drives it over PC/SC. Relay
// resistance is timed on the real clock here, so its thresholds are set
// wide (a CI machine is slow and shared: this checks the protocol, not the
// timing; the timing rules are the emv/kernel scenario tests').
func TestPCSCContactlessKernels(t *testing.T) {
	imk, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kernel.LoadConfigFile("../../emv/kernel/testdata/terminal.json")
	if err != nil {
		t.Fatal(err)
	}
	l1, l2, cvm, floor := int64(50000), int64(100000), int64(10000), int64(5000)
	cfg.AIDs[1].Kernel2 = &kernel.Kernel2Config{
		ContactlessLimitNoODCVM: &l1, ContactlessLimitODCVM: &l2, CVMRequiredLimit: &cvm, FloorLimit: &floor,
		CVMCapabilityCVMRequired: "60", CVMCapabilityNoCVM: "08", OnDeviceCVM: true, RelayResistance: true,
		RelayTimes: kernel.RelayResistanceCfg{MinGrace: 20, MaxGrace: 60000, ExpectedCAPDU: 12, ExpectedRAPDU: 18, Accuracy: 60000, Mismatch: 50},
	}
	upLimit, upCVM, upFloor := int64(50000), int64(10000), int64(5000)
	up := &cfg.AIDs[2]
	up.TTQ, up.ContactlessLimit, up.ContactlessCVMLimit, up.ContactlessFloorLimit = "26000000", &upLimit, &upCVM, &upFloor
	up.Kernel7 = &kernel.Kernel7Config{ECTerminalSupport: true}
	day := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		profile string
		amount  int64
		online  bool
		cvm     string
	}{
		{"mc_contactless", 2000, false, "1F0302"},
		{"mc_phone", 15000, true, "010002"},
		{"unionpay_quics", 2000, false, "1F0002"},
		{"unionpay_quics", 8000, true, "1F0002"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			c := open(t)
			card, err := sim.NewFromFile("../sim/testdata/" + tc.profile + ".json")
			if err != nil {
				t.Fatal(err)
			}
			card.SetSleep(func(time.Duration) {}) // the real link is the delay
			insert(t, card)
			waitFor(t, c, reader.Inserted)
			ctx := context.Background()
			rc, err := c.Open(ctx, slot0)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			verified := false
			online := func(ctx context.Context, req *kernel.OnlineRequest) (*kernel.OnlineResponse, error) {
				d, err := emv.CryptogramDataFromTLV(req.Field55)
				if err != nil {
					return nil, err
				}
				ac, _, _ := tlv.Find(req.Field55, 0x9F26)
				iad, _, _ := tlv.Find(req.Field55, 0x9F10)
				aid, _, _ := tlv.Find(req.Field55, 0x84)
				var m emv.ACMethod = emv.MastercardCVN(0)
				if len(iad) == 18 {
					m = emv.MastercardCVN(iad[1])
				} else if m, err = emv.CryptogramMethodOf(aid, iad); err != nil {
					return nil, err
				}
				k, err := emv.VerifyAC(m, imk, req.PAN, req.PSN, &d, ac)
				if err != nil {
					t.Errorf("issuer: %v", err)
					return nil, err
				}
				k.Zero()
				verified = true
				return &kernel.OnlineResponse{Approved: true, ARC: [2]byte{'0', '0'}}, nil
			}
			kc := *cfg
			kc.Hooks = kernel.Hooks{
				OnlinePIN: func(context.Context, emv.PAN) ([]byte, error) { return []byte{1, 2, 3, 4, 5, 6, 7, 8}, nil },
				Online:    online,
			}
			k, err := kernel.New(kc)
			if err != nil {
				t.Fatal(err)
			}
			res, err := k.RunContactless(ctx, reader.NewTransport(rc, reader.TransportOptions{}), kernel.Transaction{Amount: tc.amount, Time: day})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != kernel.Approved || res.WentOnline != tc.online || verified != tc.online {
				t.Fatalf("outcome %v online %v verified %v, want approved online %v (TVR %s)", res.Outcome, res.WentOnline, verified, tc.online, res.TVR)
			}
			if got := res.CVMResults; string([]byte{got[0], got[1], got[2]}) != string(h(tc.cvm)) {
				t.Errorf("9F34 %X, want %s", got, tc.cvm)
			}
			if res.TVR.Has(emv.TVRCDAFailed) || res.TVR.Has(emv.TVRDDAFailed) {
				t.Errorf("TVR %s", res.TVR)
			}
			t.Logf("%s through pcscd: %v, %s, TVR %s TSI %s CVM %X", tc.profile, res.Outcome, res.Label, res.TVR, res.TSI, res.CVMResults)
		})
	}
}

func h(s string) []byte {
	out := make([]byte, len(s)/2)
	for i := range out {
		var b byte
		for _, c := range s[2*i : 2*i+2] {
			b <<= 4
			switch {
			case c >= '0' && c <= '9':
				b |= byte(c - '0')
			default:
				b |= byte(c-'A') + 10
			}
		}
		out[i] = b
	}
	return out
}
