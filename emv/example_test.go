package emv_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

func ExampleTVR() {
	var tvr emv.TVR
	tvr.Set(emv.TVROfflineDataAuthNotPerformed)
	tvr.Set(emv.TVRFloorLimitExceeded)
	fmt.Println(tvr)
	for _, w := range tvr.Describe() {
		fmt.Println(w)
	}
	// Output:
	// 8000008000
	// Offline data authentication was not performed
	// Transaction exceeds floor limit
}

func ExampleDescribe() {
	b, _ := hex.DecodeString("70175A0847617390010100105F24032212319F2701809C0100")
	if err := emv.Describe(os.Stdout, b, emv.DescribeOptions{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 70 READ RECORD Response Message Template [23]
	//   5A Application Primary Account Number (PAN) [8]: 476173******0010
	//   5F24 Application Expiration Date [3]: 221231
	//     - 2022-12-31
	//   9F27 Cryptogram Information Data (CID) [1]: 80
	//     - ARQC
	//   9C Transaction Type [1]: 00
	//     - Purchase of goods or services
}

func ExampleParseTag57() {
	b, _ := hex.DecodeString("4761739001010010D22122011143804400000F")
	t2, err := emv.ParseTag57(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t2)
	fmt.Println(t2.PAN, t2.ServiceCode.Chip(), t2.ServiceCode.PINRequired())
	// Output:
	// 476173******0010=********************
	// 476173******0010 true false
}

func ExampleGetProcessingOptions() {
	// Fill the card's PDOL (TTQ, amount, currency) from the terminal's data.
	d := emv.Data{
		0x9F66: {0x36, 0x00, 0x40, 0x00},
		0x9F02: {0x00, 0x00, 0x00, 0x00, 0x10, 0x00},
		0x5F2A: {0x01, 0x56},
	}
	pdol, _ := hex.DecodeString("9F66049F02065F2A02")
	data, err := d.FillDOLBytes(nil, pdol, emv.SchemeUnionPay)
	if err != nil {
		fmt.Println(err)
		return
	}
	apdu, _ := emv.GetProcessingOptions(data).Bytes()
	fmt.Printf("%X\n", apdu)
	// Output:
	// 80A800000E830C36004000000000001000015600
}

func ExampleCryptogramMethod_VerifyARQC() {
	// Visa CVN 18, from pyemv's HSM-generated test: the issuer checks the
	// ARQC of field 55 and answers with an ARPC (method 2) for tag 91.
	imk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	pan, _ := emv.ParsePAN("1234567890123456")
	var f55 []byte
	for _, o := range []struct {
		t tlv.Tag
		v string
	}{
		{0x9F02, "000000004000"}, {0x9F03, "000000000000"}, {0x9F1A, "0124"}, {0x95, "8000048000"},
		{0x5F2A, "0124"}, {0x9A, "191105"}, {0x9C, "01"}, {0x9F37, "52BF4585"}, {0x82, "1800"},
		{0x9F36, "001C"}, {0x9F10, "06011203A0B800"},
	} {
		v, _ := hex.DecodeString(o.v)
		f55 = tlv.AppendTLV(f55, o.t, v)
	}
	d, _ := emv.CryptogramDataFromTLV(f55)
	arqc, _ := hex.DecodeString("7A788EA6B8A3E733")
	sk, err := emv.VisaCVN18.VerifyARQC(imk, pan, "00", &d, arqc)
	if err != nil {
		fmt.Println(err)
		return
	}
	in := emv.ARPCInput{CSU: [4]byte{}}
	arpc, _ := emv.VisaCVN18.ARPC(sk, arqc, in)
	fmt.Printf("ARQC verified, tag 91 = %X\n", emv.VisaCVN18.IssuerAuthenticationData(arpc, in))
	// Output:
	// ARQC verified, tag 91 = 9AF514C100000000
}

func ExampleParseResponse() {
	r, _ := emv.ParseResponse([]byte{0x6A, 0x82})
	err := r.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, emv.SWFileNotFound))
	// Output:
	// emv: card returned an error status: 6A82 (file or application not found)
	// true
}

// An issuer host picks the cryptogram method from field 55's AID and IAD:
// a UnionPay card's 07-length IAD with CVN 01 is PBOC/UICS.
func ExampleCryptogramMethodOf() {
	aid, _ := hex.DecodeString("A000000333010101")
	iad, _ := hex.DecodeString("07000103A0400201")
	m, err := emv.CryptogramMethodOf(aid, iad)
	fmt.Println(m, err)
	// Output: PBOC/UICS CVN 01 <nil>
}
