package kernel_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/reader/sim"
)

// A contact sale of 200.00 through the outcome API: the kernel stops with
// an Online Request (the amount is over the floor limit), the terminal
// sends Step.Online to its host and resumes with the answer. This host
// approves without issuer authentication data (91), so the card is asked
// for a TC with ARC 00 and gives it.
func Example() {
	cfg, err := kernel.LoadConfigFile("testdata/terminal.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	card, err := sim.NewFromFile("../../reader/sim/testdata/visa_dda.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Hooks.PIN = func(context.Context, kernel.PINKind, int) (string, error) { return "1234", nil }
	k, _ := kernel.New(*cfg)
	s, step := k.StartContact(context.Background(), card, kernel.Transaction{
		Amount: 20000, Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
	})
	if step.Online != nil {
		fmt.Println(step.Outcome, step.Online.PAN, step.Online.Amount)
	}
	if step.Outcome == kernel.OutcomeOnlineRequest {
		// Send step.Online (field 55, PAN, PIN block) to the host here;
		// Resume(nil) when the host cannot be reached.
		step = s.Resume(&kernel.OnlineResponse{Approved: true, ARC: [2]byte{'0', '0'}, AuthCode: "123456"})
	}
	res := step.Result
	fmt.Println(step.Outcome, step.ReversalRequired, res.Label, res.CID.Type(), res.TVR, string(res.Data[0x8A]))
	// Output:
	// online request 476173******0010 20000
	// approved false VISA CREDIT TC 0000008000 00
}

// A contact sale of 20.00 in one call (RunContact, with Hooks.Online for
// the host; none here), approved offline because it is under the floor
// limit: 8A is Y1.
func Example_runContact() {
	cfg, err := kernel.LoadConfigFile("testdata/terminal.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	card, err := sim.NewFromFile("../../reader/sim/testdata/visa_dda.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Hooks.PIN = func(context.Context, kernel.PINKind, int) (string, error) { return "1234", nil }
	k, _ := kernel.New(*cfg)
	res, err := k.RunContact(context.Background(), card, kernel.Transaction{
		Amount: 2000, Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
	})
	fmt.Println(res.Outcome, err, res.Label, res.PAN, res.CID.Type(), res.TVR, string(res.Data[0x8A]))
	// Output: approved <nil> VISA CREDIT 476173******0010 TC 0000000000 Y1
}

// A UnionPay AID record from the acquirer's IC card parameter download
// becomes the terminal's configuration for that AID.
func ExampleParseCUPAIDParams() {
	rec, _ := hex.DecodeString("9F0608A000000333010101DF0101009F08020020DF1105D84000A800DF1205D84004F800" +
		"DF130500100000009F1B0400000000DF14039F3704DF2106000000100000")
	a, err := kernel.ParseCUPAIDParams(rec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.AID, a.PartialSelection, a.TACOnline, *a.FloorLimit, *a.ContactlessCVMLimit)
	// Output: a000000333010101 true d84004f800 0 100000
}
