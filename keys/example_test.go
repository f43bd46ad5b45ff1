package keys_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

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

func ExampleDecodeField62() {
	// Host side: fresh working keys under the TMK (use crypto/rand.Reader).
	tmk, _ := keys.FromHex(keys.TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923", keys.WithUsage(keys.UsageKeyEncryption))
	host, _ := keys.NewWorkingKeys(strings.NewReader(strings.Repeat("possdk example random bytes ", 4)), keys.ModeTDESTrack)
	f62, _ := keys.EncodeField62(tmk, host)

	// Terminal side: decrypt and check every key, or get nothing.
	mode, _ := keys.ParseKeyMode("004")
	w, err := keys.DecodeField62(tmk, mode, f62)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Zero()
	fmt.Println(len(f62), w.PIN.Equal(host.PIN), w.MAC.Usage(), w.Data.Algorithm())

	f62[19] ^= 1 // damage the PIK check value
	_, err = keys.DecodeField62(tmk, mode, f62)
	fmt.Println(errors.Is(err, keys.ErrCheckValue))
	// Output:
	// 60 true MAC TDES-2key
	// true
}

func ExampleEncryptTrack() {
	tdk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageData))
	b, _ := tdk.Block()
	// Track 2 "6222021234567890123=49121011234567890", packed, F-padded.
	track := []byte{0x62, 0x22, 0x02, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x3D, 0x49, 0x12, 0x10, 0x11, 0x23, 0x45, 0x67, 0x89, 0x0F}
	plain := append([]byte(nil), track...)
	_ = keys.EncryptTrack(b, track)
	fmt.Println(bytes.Equal(track[:10], plain[:10]), bytes.Equal(track[10:18], plain[10:18]), track[18] == plain[18])
	_ = keys.DecryptTrack(b, track)
	fmt.Println(bytes.Equal(track, plain))
	// Output:
	// true false true
	// true
}
