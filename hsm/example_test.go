package hsm_test

import (
	"context"
	"fmt"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/keys"
)

// An acquirer host's day with a software HSM: the terminal master key
// enters from two components (key ceremony), sign-in draws working keys
// (field 62 for the terminal, key blocks for the host's store), and each
// request's MAC is verified under the stored MAK block.
func Example() {
	ctx := context.Background()
	lmk, _ := keys.FromHex(keys.AES256, "6B1A5C0F2E3D4C5B6A79889796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3")
	h, _ := hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})

	c1 := keys.Component{Bytes: []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}}
	c2 := keys.Component{Bytes: []byte{0x3C, 0x5A, 0x7E, 0x91, 0xB2, 0xD4, 0xF6, 0x08, 0x17, 0x29, 0x3B, 0x4D, 0x5F, 0x61, 0x73, 0x85}}
	tmk, _ := h.ImportComponents(ctx, hsm.TerminalMasterKey, keys.TDES2, []keys.Component{c1, c2})
	fmt.Println(tmk)

	w, _ := h.GenerateWorkingKeys(ctx, tmk, keys.ModeTDES)
	fmt.Println(len(w.Field62), "bytes of field 62")

	mab := []byte("MTI through field 63")
	mac, _ := h.GenerateMAC(ctx, hsm.MACRequest{Key: w.MAC, Algorithm: hsm.MACX919, Data: mab})
	fmt.Println(h.VerifyMAC(ctx, hsm.MACRequest{Key: w.MAC, Algorithm: hsm.MACX919, Data: mab}, mac))
	// Output:
	// KeyBlock(K0 T E KCV 828C39)
	// 40 bytes of field 62
	// <nil>
}
