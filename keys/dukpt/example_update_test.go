package dukpt_test

import (
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
)

// The key a host uses to send a device a new AES DUKPT initial key (ANSI
// X9.24-3-2017 supplement, AES-128 BDK), and the check value of the
// device's first transaction key. (The update key 9A9770AE... is the
// supplement's; its CMAC check value 923E3134B1 was computed with
// python3-cryptography.)
func ExampleAESHost_UpdateKey() {
	bdk, _ := keys.FromHex(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
	h, _ := dukpt.NewAESHost(bdk)
	ikid := [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	uk, _ := h.UpdateKey(ikid, keys.AES128)
	fmt.Println(uk)
	t, _ := h.TransactionKey(dukpt.NewAESKSN(ikid, 1))
	kcv, _ := t.CheckValue()
	fmt.Printf("%X\n", kcv)
	// Output:
	// AES-128 KCV 923E3134B1
	// EC1C9683F8
}
