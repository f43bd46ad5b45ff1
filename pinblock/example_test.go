package pinblock_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/pinblock"
)

// A terminal enciphers the PIN for field 52 under its PIN key; the host
// deciphers it with the PAN of the same transaction. The key and block are
// the ANSI X9.24-1:2009 A.4 DUKPT example (first transaction's PIN key).
func Example() {
	pik, err := keys.FromHex(keys.TDES2, "042666B49184CF5C68DE9628D0397B36", keys.WithUsage(keys.UsagePIN))
	if err != nil {
		log.Fatal(err)
	}
	c, err := pinblock.NewCipher(pik, pinblock.Format0, nil)
	if err != nil {
		log.Fatal(err)
	}
	digits := []byte("1234") // from the PIN pad
	pin, err := pinblock.ParsePIN(digits)
	clear(digits)
	if err != nil {
		log.Fatal(err)
	}
	defer pin.Wipe()

	field52, err := c.Encrypt(pin, "4012345678909")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%X\n", field52)

	back, err := c.Decrypt(field52, "4012345678909")
	fmt.Println(back, back.Equal(pin), err)
	// Output:
	// 1B9C1845EB993A7A
	// PIN(redacted) true <nil>
}

// Format 4 binds the PAN between two AES encipherments; PANs of any length
// from 1 to 19 digits work. The example is the ep2 PIN encryption vector.
func ExampleCipher_Decrypt() {
	k, _ := keys.FromHex(keys.AES128, "C1D0F8FB4958670DBA40AB1F3752EF0D")
	c, _ := pinblock.NewCipher(k, pinblock.Format4, nil)
	enc, _ := hex.DecodeString("CC17F65586BFD0953010226C4FC5B3CA")

	pin, err := c.Decrypt(enc, "432198765432109870")
	fmt.Println(string(pin.AppendDigits(nil)), err)

	_, err = c.Decrypt(enc, "432198765432109871")
	fmt.Println(errors.Is(err, pinblock.ErrPANMismatch))
	// Output:
	// 1234 <nil>
	// true
}

// A host translates a terminal's format 0 TDES block into a format 4 AES
// block for the network, without the PIN leaving Translate.
func ExampleTranslate() {
	tpk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpk, _ := keys.FromHex(keys.AES128, "00112233445566778899AABBCCDDEEFF")
	fromTerminal, _ := pinblock.NewCipher(tpk, pinblock.Format0, nil)
	toNetwork, _ := pinblock.NewCipher(zpk, pinblock.Format4, nil)

	pin, _ := pinblock.ParsePIN([]byte("123456789012"))
	field52, _ := fromTerminal.Encrypt(pin, "5555555551234567")

	out, err := pinblock.Translate(nil, field52, "5555555551234567", fromTerminal, toNetwork)
	fmt.Println(len(out), err)

	_, err = pinblock.Translate(nil, field52, "4012345678909", fromTerminal, toNetwork)
	fmt.Println(err)
	// Output:
	// 16 <nil>
	// pinblock: PIN block does not match the PAN (or wrong key): ISO-0
}

// Clear blocks: Encode and Decode, here the 12-digit PIN of the psec test
// suite. Printing a block shows its format only.
func ExampleFormat_Encode() {
	pin, _ := pinblock.ParsePIN([]byte("123456789012"))
	b, _ := pinblock.Format0.Encode(pin, "5555555551234567", nil)
	fmt.Printf("%v %X\n", b, b.AppendBytes(nil))

	_, err := pinblock.Format0.Decode([]byte{0x04, 0x12, 0x61, 0xAA, 0xAA, 0xED, 0xCB, 0xAA}, "5555555551234567")
	fmt.Println(err)
	// Output:
	// PINBlock(ISO-0) 0C1261032D8226A9
	// pinblock: PIN block does not match the PAN (or wrong key): ISO-0 fill digit at nibble 15 is not F
}

// Format 3 and 4 fill is random; inject a reader to make it repeatable.
func ExampleNewCipher() {
	k, _ := keys.FromHex(keys.AES128, "00112233445566778899AABBCCDDEEFF")
	c, _ := pinblock.NewCipher(k, pinblock.Format4, bytes.NewReader(bytes.Repeat([]byte{0xFF}, 8)))
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	enc, _ := c.Encrypt(pin, "1234567890123456789")
	fmt.Printf("%X %v\n", enc, c)
	// Output: 28B41FDDD29B743E93124BD8E32D921E pinblock.Cipher(ISO-4, AES-128 KCV 53E107B36E)
}

// A DUKPT host derives the transaction key from the KSN that came with the
// block and deciphers it (ANSI X9.24-1:2009 A.4, first transaction).
func ExampleTDESDUKPT() {
	bdk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210", keys.WithUsage(keys.UsageBDK))
	host, _ := dukpt.NewTDESHost(bdk)
	ksn, _ := dukpt.ParseKSN("FFFF9876543210E00001")
	tk, _ := host.TransactionKey(ksn)
	defer tk.Zero()

	c, _ := pinblock.TDESDUKPT(tk, pinblock.Format0, nil)
	enc, _ := hex.DecodeString("1B9C1845EB993A7A")
	pin, err := c.Decrypt(enc, "4012345678909")
	fmt.Println(c)
	fmt.Println(pin.Len(), err)
	// Output:
	// pinblock.Cipher(ISO-0, TDES DUKPT PIN key, KSN FFFF9876543210E00001)
	// 4 <nil>
}
