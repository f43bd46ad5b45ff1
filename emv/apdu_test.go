package emv

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// Expected encodings follow EMV Book 1 §11.3 and Book 3 §6.5 (command
// coding tables); the PPSE SELECT is the first command of every
// contactless transaction (Book B §3.3.2).
func TestCommandEncoding(t *testing.T) {
	mustCmd := func(c Command, err error) Command {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	pin := [8]byte{0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"SELECT PPSE", Select([]byte(PPSE), false), "00A404000E325041592E5359532E444446303100"},
		{"SELECT next", Select(testvec.Hex(t, "A0000000031010"), true), "00A4040207A000000003101000"},
		{"GPO empty PDOL", GetProcessingOptions(nil), "80A8000002830000"},
		{"GPO with PDOL data", GetProcessingOptions(testvec.Hex(t, "36004000000000001000")), "80A800000C830A3600400000000000100000"},
		{"READ RECORD SFI 1 rec 1", mustCmd(ReadRecord(1, 1)), "00B2010C00"},
		{"READ RECORD SFI 2 rec 3", mustCmd(ReadRecord(2, 3)), "00B2031400"},
		{"GET DATA PIN try counter", mustCmd(GetData(0x9F17)), "80CA9F1700"},
		{"GENERATE AC ARQC CDA", GenerateAC(ARQC, true, testvec.Hex(t, "0102")), "80AE90000201020" + "0"},
		{"GENERATE AC TC", GenerateAC(TC, false, testvec.Hex(t, "01")), "80AE4000010100"},
		{"GENERATE AC AAC", GenerateAC(AAC, false, testvec.Hex(t, "01")), "80AE0000010100"},
		{"VERIFY plaintext", VerifyPlaintext(pin), "0020008008241234FFFFFFFFFF"},
		{"VERIFY enciphered", VerifyEnciphered(testvec.Hex(t, "AABB")), "0020008802AABB"},
		{"INTERNAL AUTHENTICATE", InternalAuthenticate(testvec.Hex(t, "01020304")), "008800000401020304" + "00"},
		{"GET CHALLENGE", GetChallenge(), "0084000000"},
		{"EXTERNAL AUTHENTICATE", ExternalAuthenticate(testvec.Hex(t, "28993816AFAE4AEB3030")), "008200000A28993816AFAE4AEB3030"},
		{"GET RESPONSE", GetResponse(0x1C), "00C000001C"},
	}
	for _, tc := range tests {
		b, err := tc.cmd.Bytes()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := fmt.Sprintf("%X", b); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if s := VerifyPlaintext(pin).String(); strings.Contains(s, "1234") || s != "VERIFY 00200080 Lc=8" {
		t.Errorf("VERIFY String %q", s)
	}
}

func TestCommandErrors(t *testing.T) {
	for _, tc := range []struct{ sfi, rec int }{{0, 1}, {31, 1}, {1, 0}, {1, 256}} {
		if _, err := ReadRecord(tc.sfi, tc.rec); !errors.Is(err, ErrAPDU) {
			t.Errorf("ReadRecord(%d,%d): %v", tc.sfi, tc.rec, err)
		}
	}
	if _, err := GetData(0xDF8129); !errors.Is(err, ErrAPDU) {
		t.Errorf("GET DATA 3-byte tag: %v", err)
	}
	if _, err := GenerateAC(ARQC, false, make([]byte, 256)).Bytes(); !errors.Is(err, ErrAPDU) {
		t.Errorf("256 data bytes: %v", err)
	}
	if _, err := (Command{INS: 0xB2, Le: 257}).Bytes(); !errors.Is(err, ErrAPDU) {
		t.Errorf("Le 257: %v", err)
	}
}

func TestResponse(t *testing.T) {
	r, err := ParseResponse(testvec.Hex(t, "6F0A84085041592E5359539000"))
	if err != nil || !r.OK() || r.Err() != nil || len(r.Data) != 11 {
		t.Fatalf("%+v %v", r, err)
	}
	r, _ = ParseResponse(testvec.Hex(t, "6A82"))
	err = r.Err()
	if !errors.Is(err, ErrStatus) || !errors.Is(err, SWFileNotFound) || errors.Is(err, SWRecordNotFound) {
		t.Errorf("6A82: %v", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.SW != 0x6A82 {
		t.Errorf("As: %v", err)
	}
	if got := err.Error(); got != "emv: card returned an error status: 6A82 (file or application not found)" {
		t.Errorf("message %q", got)
	}
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrAPDU) {
		t.Errorf("1 byte: %v", err)
	}
	for sw, want := range map[StatusWord]string{
		0x63C2: "verification failed, 2 tries left",
		0x6110: "16 more bytes available (GET RESPONSE)",
		0x6C08: "wrong Le, 8 bytes available",
		0x6283: "selected file deactivated (application blocked)",
		0x6985: "conditions of use not satisfied",
		0x6999: "command not allowed",
		0x9301: "unknown status",
	} {
		if got := sw.Meaning(); got != want {
			t.Errorf("%s: %q, want %q", sw, got, want)
		}
	}
	if n, ok := StatusWord(0x63C1).Tries(); !ok || n != 1 {
		t.Error("Tries 63C1")
	}
	if _, ok := SWOK.Tries(); ok {
		t.Error("Tries 9000")
	}
}
