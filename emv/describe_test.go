package emv

import (
	"errors"
	"strings"
	"testing"

	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

// sample253 is the 253-byte contactless field 55 of the tlv notes: a public
// Mastercard sample (nibssIccSubset) extended with common tags.
const sample253 = "9F26087BCB3647E84652A29F2701809F10120110A040002A0400000000000000000000FF9F370451271F779F360201E3950500802480009A032009179C01009F02060000000010005F2A020566820239009F1A0205669F34034203009F3303E0F9C89F3501229F1E0831323334353637388407A00000000410109F090200009F03060000000000005F3401004F07A00000000410109F0607A00000000410109F4104000001239F5301529F7C200102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F209F0702FF009F0D05B4508480009F0E0500000000009F0F05B4708480009F21031234569F4005F000F0A0019F08020002"

func TestDescribeSample253(t *testing.T) {
	b := testvec.Hex(t, sample253)
	if len(b) != 253 {
		t.Fatalf("sample is %d bytes", len(b))
	}
	out, err := DescribeString(b, DescribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "unknown") {
		t.Errorf("unknown tags in the sample:\n%s", out)
	}
	for _, want := range []string{
		"9F26 Application Cryptogram [8]: 7BCB3647E84652A2",
		"9F27 Cryptogram Information Data (CID) [1]: 80\n  - ARQC\n",
		"  - format: Mastercard M/Chip\n",
		"  - CVR: First GENERATE AC returned ARQC\n",
		"9F03 Amount, Other (Numeric) [6]: 000000000000\n  - amount 0 (minor units)\n",
		"95 Terminal Verification Results (TVR) [5]: 0080248000\n  - ICC and terminal have different application versions\n",
		"9A Transaction Date [3]: 200917\n  - 2020-09-17\n",
		"9C Transaction Type [1]: 00\n  - Purchase of goods or services\n",
		"9F02 Amount, Authorised (Numeric) [6]: 000000001000\n  - amount 1000 (minor units)\n",
		"9F34 Cardholder Verification Method (CVM) Results [3]: 420300\n  - Enciphered PIN verified online\n",
		"9F35 Terminal Type [1]: 22\n  - Merchant controlled, attended, offline with online capability\n",
		"9F1E Interface Device (IFD) Serial Number [8]: \"12345678\"",
		"9F53 Transaction Category Code [1]: \"R\"", // Mastercard meaning, chosen from the AID
		"9F7C Merchant Custom Data [32]",
		"9F40 Additional Terminal Capabilities [5]: F000F0A001\n  - Cash\n",
		"9F21 Transaction Time [3]: 123456\n  - 12:34:56\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestDescribeMasking(t *testing.T) {
	var b tlv.Builder
	b.AddConstructed(0x70, func(b *tlv.Builder) {
		b.Add(0x57, testvec.Hex(t, "4761739001010010D22122011143804400000F"))
		b.Add(0x5A, testvec.Hex(t, "4761739001010010"))
		b.Add(0x5F20, []byte("CARDHOLDER/VISA"))
		b.Add(0x9F1F, []byte("1143804400000"))
		b.Add(0x8E, testvec.Hex(t, "000000000000000042031E031F03"))
		b.Add(0x94, testvec.Hex(t, "08010100100102011801020018010200"))
	})
	raw, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	out, err := DescribeString(raw, DescribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"4761739001010010", "CARDHOLDER", "1143804400000", "2212"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked output contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"70 READ RECORD Response Message Template [",
		"  57 Track 2 Equivalent Data [19]: 476173******0010=********************\n",
		"  5A Application Primary Account Number (PAN) [8]: 476173******0010\n",
		"  5F20 Cardholder Name [15]: [masked]\n",
		"    - rule 1: Enciphered PIN verified online, If terminal supports the CVM, apply succeeding rule if unsuccessful\n",
		"    - SFI 1 records 1-1, 0 for offline data authentication\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	full, err := DescribeString(raw, DescribeOptions{ShowSensitive: true, Indent: "\t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\t5A Application Primary Account Number (PAN) [8]: 4761739001010010\n", "\"CARDHOLDER/VISA\""} {
		if !strings.Contains(full, want) {
			t.Errorf("ShowSensitive: missing %q in\n%s", want, full)
		}
	}
}

func TestDescribeErrors(t *testing.T) {
	for _, bad := range []string{"9F", "9F0206000000", "7003010203", "9F0288FFFFFFFFFFFFFFFF"} {
		_, err := DescribeString(testvec.Hex(t, bad), DescribeOptions{})
		var te *tlv.Error
		if !errors.As(err, &te) {
			t.Errorf("%s: %v, want a *tlv.Error", bad, err)
		}
	}
	// A known tag with a malformed value is described, not rejected.
	out, err := DescribeString(testvec.Hex(t, "950400000000"), DescribeOptions{})
	if err != nil || !strings.Contains(out, "malformed: emv: malformed value: TVR (95) is 4 bytes, want 5") {
		t.Errorf("%v\n%s", err, out)
	}
}
