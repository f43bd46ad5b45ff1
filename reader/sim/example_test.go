package sim_test

import (
	"context"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
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

// A deliberately faulty card for testing a terminal's defences: asked for
// an ARQC, it answers with a TC, which EMV Book 3 §9.3 forbids (a
// conforming card answers ARQC or AAC). The terminal must not approve it.
func Example_faultyCard() {
	p, err := sim.LoadProfileFile("testdata/visa_dda.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Faults.TCForARQC = true
	card, err := sim.New(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	sel, _ := emv.Select([]byte{0xA0, 0, 0, 0, 0x03, 0x10, 0x10}, false).Bytes()
	gpo, _ := emv.GetProcessingOptions(nil).Bytes()
	for _, apdu := range [][]byte{sel, gpo} {
		if _, err := card.Transmit(ctx, apdu); err != nil {
			fmt.Println(err)
			return
		}
	}
	cdol1 := make([]byte, 29) // 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37
	gac, _ := emv.GenerateAC(emv.ARQC, false, cdol1).Bytes()
	resp, _ := card.Transmit(ctx, gac)
	cid, _, _ := tlv.Find(resp[:len(resp)-2], 0x9F27)
	fmt.Printf("asked ARQC, card answered CID %02X\n", cid)
	// Output: asked ARQC, card answered CID 40
}
