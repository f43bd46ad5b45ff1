package iso8583_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/possdk/pos/iso8583"
)

// A transaction marshalled with encoding/json masks its card data; a store
// that must keep the PAN (a reversal journal) asks for it by name.
func ExampleTransaction_MarshalStorage() {
	t := &iso8583.Transaction{Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 100, STAN: 7,
		Track2: "6222021234567890123=2512101", PINBlock: iso8583.PINBlock{1, 2, 3, 4, 5, 6, 7, 8}}
	logged, _ := json.Marshal(t)
	stored, _ := t.MarshalStorage()
	fmt.Println("json.Marshal has the PAN:", strings.Contains(string(logged), "6222021234567890123"))
	fmt.Println("json.Marshal PAN field:", strings.Contains(string(logged), `"PAN":"622202*********0123"`))
	fmt.Println("MarshalStorage has the PAN:", strings.Contains(string(stored), "6222021234567890123"))
	var back iso8583.Transaction
	_ = back.UnmarshalStorage(stored)
	fmt.Println("round trip:", string(back.PAN) == string(t.PAN), string(back.Track2) == string(t.Track2))
	// Output:
	// json.Marshal has the PAN: false
	// json.Marshal PAN field: true
	// MarshalStorage has the PAN: true
	// round trip: true true
}
