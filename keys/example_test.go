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

func ExampleRetailMAC() {
	// ANSI X9.19 with a double-length key (ISO/IEC 9797-1:2011 B.4).
	mak, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageMAC))
	left, right, err := mak.DESParts()
	if err != nil {
		fmt.Println(err)
		return
	}
	mac, _ := keys.RetailMAC(left, right, []byte("Now is the time for all "), keys.Padding1, 4)
	fmt.Printf("%X\n", mac)
	// Output:
	// A1C72E74
}

func ExampleCUPMAC() {
	// Worked example from github.com/solo123/pgate pos_mac_test.rb. In real
	// use mab is MTI through field 63, with bit 64 already set.
	mak, _ := keys.FromHex(keys.DES, "2222222222222222", keys.Legacy())
	b, _ := mak.Block()
	mab := []byte{0x12, 0x34, 0x56, 0x78, 0x90, 0xAB, 0xCD, 0xEF, 0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56, 0x78, 0x90}
	mac, _ := keys.CUPMAC(b, mab)
	fmt.Printf("%s\n", mac)
	// Output:
	// E267B6E2
}

func ExampleCMAC() {
	// RFC 4493 §4, Mlen = 16.
	k, _ := keys.FromHex(keys.AES128, "2B7E151628AED2A6ABF7158809CF4F3C")
	b, _ := k.Block()
	msg := []byte{0x6B, 0xC1, 0xBE, 0xE2, 0x2E, 0x40, 0x9F, 0x96, 0xE9, 0x3D, 0x7E, 0x11, 0x73, 0x93, 0x17, 0x2A}
	mac, _ := keys.CMAC(b, msg, 0)
	fmt.Printf("%X\n", mac)
	// Output:
	// 070A16B46B4D4144F79BDD9DD04A287C
}
