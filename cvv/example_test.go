package cvv_test

import (
	"fmt"

	"github.com/possdk/pos/cvv"
	"github.com/possdk/pos/keys"
)

// The worked example of the Visa CVV test data.
func ExampleCompute() {
	cvk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	v, _ := cvv.Compute(cvk, "4123456789012345", "8701", "101", 3)
	fmt.Println(v)
	fmt.Println(cvv.Verify(cvk, "4123456789012345", "8701", "101", "561"))
	// Output:
	// 561
	// <nil>
}
