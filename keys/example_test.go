package keys_test

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

func ExampleFromHex() {
	k, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageKeyEncryption))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k)
	fmt.Printf("%+v\n", k)
	// Output:
	// TDES-2key KCV 08D7B4
	// TDES-2key KCV 08D7B4
}

func ExampleUnwrap() {
	// Vector: TAK download (blog.youkuaiyun.com/zhu244912654/article/details/80005341).
	tmk, _ := keys.FromHex(keys.TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923")
	tak, err := keys.Unwrap(tmk, keys.DES, []byte{0x96, 0xD6, 0x05, 0xEA, 0x17, 0x6B, 0x7E, 0x9E}, keys.Legacy(), keys.WithUsage(keys.UsageMAC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tak.VerifyCheckValue(keys.KCVLegacy, []byte{0x05, 0x47, 0xDB, 0x3E}))
	// Output:
	// <nil>
}

func ExampleFromComponents() {
	k, err := keys.FromComponents(keys.TDES2, []keys.Component{
		{Bytes: []byte{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22}},
		{Bytes: []byte{0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0xDC, 0xFE, 0x98, 0xBA, 0x54, 0x76, 0x10, 0x32}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k.CheckValue()[:2])
	fmt.Printf("%X\n", k.CheckValue())
	// Output:
	// [8 215]
	// 08D7B4
}
