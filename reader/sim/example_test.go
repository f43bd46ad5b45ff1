package sim_test

import (
	"context"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
)

func Example() {
	card, err := sim.NewFromFile("testdata/visa_dda.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	apdu, _ := emv.Select([]byte("1PAY.SYS.DDF01"), false).Bytes()
	resp, err := card.Transmit(context.Background(), apdu)
	fmt.Printf("% X %v\n", resp[len(resp)-2:], err)
	// Output: 90 00 <nil>
}
