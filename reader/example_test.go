package reader_test

import (
	"context"
	"fmt"

	"github.com/possdk/pos/reader"
)

// t0Card is a T=0 card that answers SELECT with 61xx, as most contact EMV
// cards do, so the data must be fetched with GET RESPONSE.
type t0Card struct{}

func (t0Card) ATR() []byte  { return []byte{0x3B, 0x02, 0x14, 0x50} }
func (t0Card) Close() error { return nil }
func (t0Card) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	fmt.Printf("  card got % X\n", apdu)
	if apdu[1] == 0xC0 { // GET RESPONSE
		return []byte{0x6F, 0x02, 0x84, 0x00, 0x90, 0x00}, nil
	}
	return []byte{0x61, 0x04}, nil
}

func ExampleNewTransport() {
	t := reader.NewTransport(t0Card{}, reader.TransportOptions{})
	// SELECT 2PAY.SYS.DDF01 would be longer; a 2-byte AID keeps it short.
	resp, err := t.Transmit(context.Background(), []byte{0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00, 0x00})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v: % X\n", t.Protocol(), resp)
	// Output:
	//   card got 00 A4 04 00 02 A0 00
	//   card got 00 C0 00 00 04
	// T=0: 6F 02 84 00 90 00
}

func ExampleParseATR() {
	a, err := reader.ParseATR([]byte{0x3B, 0x65, 0x00, 0x00, 0x20, 0x63, 0xCB, 0x6A, 0x00})
	if err != nil {
		panic(err)
	}
	fmt.Println(a)
	fmt.Println("EMV cold reset:", a.CheckEMV(true))
	// Output:
	// ATR 3B 65 00 00 20 63 CB 6A 00
	// TS  3B  direct convention
	// T0  65  TB1 TC1 follow, 5 historical bytes
	// TB1 00  VPP not connected
	// TC1 00  extra guard time N=0 etu
	// historical bytes 20 63 CB 6A 00
	// protocols T=0
	// EMV cold reset: <nil>
}
