package emv_test

import (
	"encoding/hex"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// An issuer verifies an M/Chip CVN 16 ARQC and answers with ARPC method 1
// (pyemv's HSM-generated test data).
func ExampleVerifyAC() {
	imk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	pan, _ := emv.ParsePAN("1234567890123456")
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	d := emv.CryptogramData{
		AmountAuthorised: [6]byte(h("000000009999")), TerminalCountry: [2]byte(h("0124")),
		TVR: emv.TVR(h("8000000000")), CurrencyCode: [2]byte(h("0124")), Date: [3]byte(h("209906")),
		UN: [4]byte(h("ABCDEF12")), AIP: emv.AIP(h("1800")), ATC: [2]byte(h("001C")),
		IAD: h("0110A00003220000000000000000000000FF"),
	}
	k, err := emv.VerifyAC(emv.MChipCVN16, imk, pan, "00", &d, h("24CCF3DEE3158C70"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Zero()
	p, _ := emv.MChipCVN16.Profile()
	in := emv.ARPCInput{ARC: [2]byte{0x00, 0x10}}
	arpc, _ := p.ARPC(k, h("24CCF3DEE3158C70"), in)
	fmt.Printf("tag 91: %X\n", p.IssuerAuthenticationData(arpc, in))
	// Output:
	// tag 91: 73F6BBF389A6586C0010
}

// A PIN change script for a Visa CVN 10 card, with the current PIN in the
// VIS block (pyemv's HSM-generated test data).
func ExampleScriptProfile_PINChangeCommand() {
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	key := func(s string) *keys.Key { k, _ := keys.FromHex(keys.TDES2, s); return k }
	pan, _ := emv.ParsePAN("1234567890123456")
	mkAC, _ := emv.DeriveICCKeyA(key("0123456789ABCDEFFEDCBA9876543210"), pan, "00")
	mkSMI, _ := emv.DeriveICCKeyA(key("FEDCBA98765432100123456789ABCDEF"), pan, "00")
	mkSMC, _ := emv.DeriveICCKeyA(key("89ABCDEF0123456776543210FEDCBA98"), pan, "00")
	p, _ := emv.ScriptProfileOf(emv.VisaCVN10)
	atc, arqc := [2]byte{0x00, 0x1C}, h("29CCA15AE665FA2E")
	smi, _ := p.DeriveSessionKey(mkSMI, atc, arqc)
	smc, _ := p.DeriveSessionKey(mkSMC, atc, arqc)
	newPIN, _ := pinblock.ParsePIN([]byte("9999"))
	current, _ := pinblock.ParsePIN([]byte("8888"))
	cmd, _ := p.PINChangeCommand(mkAC, smi, smc, newPIN, current, atc, arqc)
	fmt.Printf("%X\n", cmd)
	// Output:
	// 84240001182EE025E554BCD87E11D2B6EBC396A939C4A8393B57DD2F3F
}
