package kernel_test

import (
	"context"
	"fmt"
	"time"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/reader/sim"
)

// A contact sale of 20.00 with the software card, approved offline because
// it is under the floor limit.
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
	k, _ := kernel.New(cfg, kernel.Hooks{
		PIN: func(context.Context, kernel.PINKind, int) (string, error) { return "1234", nil },
	}, nil)
	res, err := k.RunContact(context.Background(), card, kernel.Transaction{
		Amount: 2000, Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
	})
	fmt.Println(res.Outcome, err, res.Label, res.PAN, res.CID.Type(), res.TVR)
	// Output: approved <nil> VISA CREDIT 476173******0010 TC 0000000000
}
