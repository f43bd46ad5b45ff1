package msr_test

import (
	"fmt"

	"github.com/possdk/pos/reader/msr"
)

func ExampleParseSwipe() {
	// What a wedge reader typed, Enter included.
	s, err := msr.ParseSwipe(";4761739001010010=22122011143804400000?\n")
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	fmt.Println(s.Track2.Expiry, s.Track2.ServiceCode, s.Track2.ServiceCode.Chip())
	// Output:
	// swipe{track2=476173******0010=********************}
	// 2212 201 true
}
