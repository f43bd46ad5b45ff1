package pinblock_test

import (
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// An issuer checks a PIN against the card's Visa PVV (psec's test data).
func ExampleVerifyPVV() {
	pvk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	pin, _ := pinblock.ParsePIN([]byte("4524"))
	fmt.Println(pinblock.PVV(pvk, "1122334455667788", 1, pin))
	fmt.Println(pinblock.VerifyPVV(pvk, "1122334455667788", 1, pin, "8523"))
	// Output:
	// 8523 <nil>
	// <nil>
}
