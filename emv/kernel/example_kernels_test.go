package kernel_test

import (
	"context"
	"fmt"
	"time"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/reader/sim"
)

// A UnionPay QuickPass tap of 20.00 (Kernel 7): the reader offers
// electronic cash, the card approves offline against its balance, fDDA
// verifies, and the card reports the balance left.
func ExampleECBalance() {
	cfg, _ := kernel.LoadConfigFile("testdata/terminal.json")
	limit, cvm, floor := int64(50000), int64(10000), int64(5000)
	up := &cfg.AIDs[2] // A000000333, kernel 7 by its RID
	up.TTQ, up.ContactlessLimit, up.ContactlessCVMLimit, up.ContactlessFloorLimit = "26000000", &limit, &cvm, &floor
	up.Kernel7 = &kernel.Kernel7Config{ECTerminalSupport: true}
	card, err := sim.NewFromFile("../../reader/sim/testdata/unionpay_quics.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	k, _ := kernel.New(*cfg)
	res, err := k.RunContactless(context.Background(), card, kernel.Transaction{
		Amount: 2000, Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
	})
	bal, _ := kernel.ECBalance(res)
	fmt.Println(res.Outcome, err, res.Label, res.CID.Type(), res.TVR, "balance", bal)
	// Output: approved <nil> UnionPay QuickPass TC 0000000000 balance 8000
}

// A Mastercard tap of 20.00 (Kernel 2, run for the AID because it has
// kernel2 settings): relay resistance, CDA on GENERATE AC, offline
// approval. The fixed clock makes the relay resistance timing
// deterministic here; a terminal keeps the default (time.Now).
func ExampleKernel2Config() {
	cfg, _ := kernel.LoadConfigFile("testdata/terminal.json")
	limit, cvm, floor := int64(50000), int64(10000), int64(5000)
	cfg.AIDs[1].Kernel2 = &kernel.Kernel2Config{ // A0000000041010
		ContactlessLimitNoODCVM: &limit, ContactlessLimitODCVM: &limit, CVMRequiredLimit: &cvm, FloorLimit: &floor,
		CVMCapabilityCVMRequired: "60", CVMCapabilityNoCVM: "08", RelayResistance: true,
		RelayTimes: kernel.RelayResistanceCfg{MinGrace: 20, MaxGrace: 50, ExpectedCAPDU: 12, ExpectedRAPDU: 18, Accuracy: 300, Mismatch: 50},
	}
	card, err := sim.NewFromFile("../../reader/sim/testdata/mc_contactless.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	card.SetSleep(func(time.Duration) {})
	day := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	cfg.Clock = func() time.Time { return day }
	k, _ := kernel.New(*cfg)
	res, err := k.RunContactless(context.Background(), card, kernel.Transaction{Amount: 2000, Time: day})
	fmt.Println(res.Outcome, err, res.Label, res.CID.Type(), res.TVR, fmt.Sprintf("%X", res.CVMResults))
	// Output: approved <nil> MASTERCARD TC 0000000002 1F0302
}
