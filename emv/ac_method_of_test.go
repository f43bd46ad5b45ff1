package emv

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// TestACMethodOf: the method picked from AID and IAD, for the IADs of the
// published vectors (testdata/ac_methods.txt: pyemv's HSM-generated M/Chip
// and Interac tests; testdata/cryptograms.txt and pboc.txt for the others)
// and for IADs that must not be guessed.
func TestACMethodOf(t *testing.T) {
	h := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ok := []struct {
		aid, iad string
		want     ACMethod
	}{
		{"A0000000041010", "0110A00003220000000000000000000000FF", MChipCVN16},
		{"A0000000041010", "0111A00003220000000000000000000322FF", MChipCVN17},
		{"A0000000041010", "0114A00003220000000000000000000000FF", MChipCVN20},
		{"A0000000041010", "0115A00003220000000000000000000322FF", MChipCVN21},
		{"A0000002771010", "1501850440B100000000B00000000000000000000000", InteracCVN133},
		{"A0000000031010", "06010A03A00000", VisaCVN10},
		{"A000000333010101", "07010103A00000010A0100000000000000", PBOCCVN01},
	}
	for _, c := range ok {
		got, err := ACMethodOf(h(c.aid), h(c.iad))
		if err != nil || got != c.want {
			t.Errorf("ACMethodOf(%s, %s) = %v, %v; want %v", c.aid, c.iad, got, err, c.want)
		}
	}
	bad := []struct{ aid, iad string }{
		{"A0000000041010", "0112A00003220000000000000000000000FF"},         // CVN 18: not an M/Chip version here
		{"A0000000041010", "0110A000032200"},                               // too short for M/Chip
		{"A0000000031010", "0110A00003220000000000000000000000FF"},         // M/Chip IAD on a Visa AID
		{"A0000002771010", "1501860440B100000000B00000000000000000000000"}, // Interac CVN 134
		{"A0000002771010", "1601850440B100000000B00000000000000000000000"}, // length byte wrong
	}
	for _, c := range bad {
		if m, err := ACMethodOf(h(c.aid), h(c.iad)); !errors.Is(err, ErrValue) {
			t.Errorf("ACMethodOf(%s, %s) = %v, %v; want ErrValue", c.aid, c.iad, m, err)
		}
	}
}

// An issuer host picks the cryptogram method of an ARQC from the card's
// AID and IAD: here an M/Chip card's (CVN byte 10).
func ExampleACMethodOf() {
	aid, _ := hex.DecodeString("A0000000041010")
	iad, _ := hex.DecodeString("0110A00003220000000000000000000000FF")
	m, err := ACMethodOf(aid, iad)
	fmt.Println(m, err)
	// Output: M/Chip CVN 10 <nil>
}
