package dukpt_test

import (
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
)

// A host decrypts the PIN block of ANSI X9.24-1:2009 A.4 (KSN counter 1)
// with the PIN key derived from the BDK and the KSN sent by the terminal.
func ExampleTDESHost() {
	bdk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageBDK))
	host, err := dukpt.NewTDESHost(bdk)
	if err != nil {
		fmt.Println(err)
		return
	}
	ksn, _ := dukpt.ParseKSN("FFFF9876543210E00001")
	key, err := host.TransactionKey(ksn)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer key.Zero()
	pin, _ := key.PINKey()
	fmt.Println(key) // never prints key bytes
	fmt.Println(pin)
	clearBlock, _ := key.DecryptPINBlock([]byte{0x1B, 0x9C, 0x18, 0x45, 0xEB, 0x99, 0x3A, 0x7A})
	fmt.Printf("clear ISO format 0 block %X\n", clearBlock) // decode it with package pinblock
	// Output:
	// TDES DUKPT key KSN FFFF9876543210E00001
	// TDES-2key KCV A10107
	// clear ISO format 0 block 041274EDCBA9876F
}

// A PIN pad loads its initial key once, then takes one key per
// transaction, persisting the register before using the key.
func ExampleTDESTerminal() {
	ipek, _ := keys.FromHex(keys.TDES2, "6AC292FAA1315B4D858AB3A3D7D5933A")
	ksn, _ := dukpt.ParseKSN("FFFF9876543210E00000")
	term, err := dukpt.NewTDESTerminal(ipek, ksn)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		key, err := term.Next()
		if err != nil {
			fmt.Println(err) // ErrExhausted after about a million transactions
			return
		}
		state, _ := term.MarshalBinary() // write to secure storage now
		epb, _ := key.EncryptPINBlock([]byte{0x04, 0x12, 0x74, 0xED, 0xCB, 0xA9, 0x87, 0x6F})
		fmt.Printf("KSN %s PIN block %X (state %d bytes)\n", key.KSN(), epb, len(state))
		key.Zero()
	}
	// Output:
	// KSN FFFF9876543210E00001 PIN block 1B9C1845EB993A7A (state 358 bytes)
	// KSN FFFF9876543210E00002 PIN block 10A01C8D02C69107 (state 358 bytes)
	// KSN FFFF9876543210E00003 PIN block 18DC07B94797B466 (state 358 bytes)
}

// AES DUKPT: the host derives the terminal's initial key and the working
// keys of any transaction; the terminal derives the same keys.
func ExampleAESHost() {
	bdk, _ := keys.FromHex(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
	host, _ := dukpt.NewAESHost(bdk)
	ikid := [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	ik, _ := host.InitialKey(ikid)

	term, _ := dukpt.NewAESTerminal(ik, ikid)
	tk, _ := term.Next()
	pinT, _ := tk.WorkingKey(dukpt.PINEncryption, keys.AES128)

	hk, _ := host.TransactionKey(tk.KSN())
	pinH, _ := hk.WorkingKey(dukpt.PINEncryption, keys.AES128)
	macH, _ := hk.WorkingKey(dukpt.MACGeneration, keys.TDES2)

	fmt.Println(tk.KSN(), pinT.Equal(pinH))
	fmt.Println(pinH)
	fmt.Println(macH)
	_, err := hk.WorkingKey(dukpt.PINEncryption, keys.AES256)
	fmt.Println(err)
	// Output:
	// 123456789012345600000001 true
	// AES-128 KCV 98964FF967
	// TDES-2key KCV 4045A3
	// dukpt: unsupported key type: AES-256 working key is stronger than the AES-128 derivation key
}
