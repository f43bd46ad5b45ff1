package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

func runCmd(t *testing.T, args []string, stdin string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// signIn is the public CUP 0810 sign-in response (github.com/Ajsgn/Java8583
// QuickStart.java, constant MTI0810; also in iso8583/testdata).
const signIn = "007960000000006022000000000810003800010AC0001400017210014105100803099988303531303030303030323033303035303038303030313330393331303038333938353030380011000000420030004051DBA323AF60599287F61C7E5A9484AEEF8DE29BD3E614FCB51122D4E9B84E2A608CD9C2A4DAABF2"

const mak = "0123456789ABCDEFFEDCBA9876543210"

// saleFrame packs a chip sale with field 55 and a CUP MAC under mak.
func saleFrame(t *testing.T) []byte {
	t.Helper()
	k, err := keys.FromHex(keys.TDES2, mak)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := iso8583.NewMAC(iso8583.MACCUP, k)
	if err != nil {
		t.Fatal(err)
	}
	codec := iso8583.NewCodec(iso8583.CUPSpec(), iso8583.Framing{}).WithMAC(mac)
	icc, _ := hex.DecodeString("9F2608A1B2C3D4E5F607189F2701809F360200415A0862220212345678905F340101")
	sale := &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890", Amount: 12345, STAN: 7,
		EntryMode: "051", CardSequence: "001", TerminalID: "50080001", MerchantID: "309310083985008",
		ICC: icc, Field60: &iso8583.Field60{Batch: 172},
	}
	frame, err := codec.Pack(iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 1}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}}, sale)
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

func TestSignInResponse(t *testing.T) {
	code, out, errOut := runCmd(t, []string{signIn}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"TPDU 6000000000", "CUP POS message 0810", "039", "00 (approved)", "062", "[40 bytes hidden]"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "51DBA323AF") {
		t.Error("field 62 key bytes printed")
	}
}

func TestSaleEMVAndMAC(t *testing.T) {
	frame := hex.EncodeToString(saleFrame(t))
	code, out, errOut := runCmd(t, []string{"-emv", "-mak", mak, "-mac", "cup"}, frame)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"622202******7890", "field 55 (", "9F26 Application Cryptogram [8]: A1B2C3D4E5F60718",
		"5A Application Primary Account Number (PAN) [8]: 622202******7890", "field 64 MAC verified (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "6222021234567890") {
		t.Error("PAN printed in full")
	}

	// Same message without the length prefix, from stdin, with spaces.
	code, out, _ = runCmd(t, nil, strings.Join(strings.SplitAfter(frame[4:], "00"), " "))
	if code != 0 || !strings.Contains(out, "CUP POS message 0200") {
		t.Fatalf("without prefix: exit %d\n%s", code, out)
	}

	// One bit of the amount changed: the MAC no longer verifies.
	b, _ := hex.DecodeString(frame)
	i := bytes.Index(b, []byte{0x00, 0x00, 0x00, 0x01, 0x23, 0x45})
	if i < 0 {
		t.Fatal("amount not found")
	}
	b[i+5] ^= 1
	code, out, errOut = runCmd(t, []string{"-mak", mak, "-mac", "cup", hex.EncodeToString(b)}, "")
	if code != 1 || !strings.Contains(errOut, "does not verify") || !strings.Contains(out, "0200") {
		t.Errorf("tampered: exit %d, stderr %q", code, errOut)
	}
	// The wrong algorithm does not verify either.
	if code, _, _ = runCmd(t, []string{"-mak", mak, "-mac", "x919", frame}, ""); code != 1 {
		t.Errorf("wrong algorithm: exit %d", code)
	}
}

func TestISO87ASCII(t *testing.T) {
	m := iso8583.NewMessage("0200")
	for id, v := range map[int]string{2: "4761739001010010", 3: "000000", 4: "000000001000", 11: "000123", 41: "TERM0001"} {
		if err := m.Set(id, v); err != nil {
			t.Fatal(id, err)
		}
	}
	body, err := iso8583.NewCodec(iso8583.ISO87ASCIISpec(), iso8583.Framing{}).PackMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, []string{"-spec", "iso87ascii", hex.EncodeToString(body)}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"message 0200", "476173******0010", `"000000001000"`, `"TERM0001"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{"not hex", []string{"00zz"}, "", 1, "isodecode: not hex: character 'z' at offset 2"},
		{"empty", nil, " \n", 1, "isodecode: no input"},
		{"truncated", []string{signIn[:60]}, "", 1, "isodecode: iso8583: malformed"},
		{"bad bitmap length", []string{"0800FFFFFFFF"}, "", 1, "isodecode: iso8583:"},
		{"unknown spec", []string{"-spec", "iso93", "00"}, "", 2, "unknown spec"},
		{"unknown framing", []string{"-framing", "x", "00"}, "", 2, "unknown framing"},
		{"unknown mac", []string{"-mac", "md5", "00"}, "", 2, "unknown MAC algorithm"},
		{"bad mak", []string{"-mak", "0123", signIn}, "", 2, "-mak: a MAK is"},
		{"bad flag", []string{"-bogus"}, "", 2, "usage: isodecode"},
	}
	for _, tc := range tests {
		code, _, errOut := runCmd(t, tc.args, tc.stdin)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q", tc.name, code, errOut)
		}
	}
	if code, _, errOut := runCmd(t, []string{"-h"}, ""); code != 0 || !strings.Contains(errOut, "usage: isodecode") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
}

// reversal is the public CUP 0400 reversal of iso8583/testdata/cup_corpus.txt
// (github.com/Ajsgn/Java8583 DateTest.java, doTrade(); card data changed by
// its author; X9.19 MAC).
const reversal = "0066601012000060220000000004007038048002C0801916123456789012345600000000000000050068118623352105290210653938617874657374332D33303635383130353439393030303331353600082216052900162334156811860529284C79DC9A2E50FC"

func TestReversalInContext(t *testing.T) {
	code, out, errOut := runCmd(t, []string{reversal}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"98 (reversal reason: no response received)",
		`60.1 transaction type                    "22"`, `60.2 batch number                        "160529"`,
		`61.2 original trace number               "681186"`, `61.3 original date (MMDD)                "0529"`,
		"284C79DC9A2E50FC", // X9.19: raw bytes, shown as hex
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "issuer timed out") || strings.Contains(out, "1234567890123456") {
		t.Errorf("reversal reason read as a host answer, or PAN printed:\n%s", out)
	}
}

// With -spec cup the MAC defaults to the CUP ECB method; the output says
// which verified, or which were tried; the CUP MAC is shown as its eight
// characters, and 60 and 63 are split.
func TestDefaultMAC(t *testing.T) {
	frame := hex.EncodeToString(saleFrame(t))
	code, out, errOut := runCmd(t, []string{"-mak", mak, frame}, "")
	if code != 0 || !strings.Contains(out, "field 64 MAC verified (CUP ECB under MAK KCV") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	b, _ := hex.DecodeString(frame)
	macChars := string(b[len(b)-8:])
	for _, want := range []string{`"` + macChars + `" (CUP ECB MAC: 8 hex characters)`, `60.2 batch number                        "000172"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	code, _, errOut = runCmd(t, []string{"-mak", "FEDCBA98765432100123456789ABCDEF", frame}, "")
	if code != 1 || !strings.Contains(errOut, "MAC does not verify under MAK KCV") || !strings.Contains(errOut, "tried CUP ECB, X9.19; choose with -mac") {
		t.Errorf("wrong key: exit %d, %q", code, errOut)
	}
	// An X9.19-MACed frame verifies by default too, and says so.
	k, _ := keys.FromHex(keys.TDES2, mak)
	x919, _ := iso8583.NewMAC(iso8583.MACX919, k)
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	_, body, _ := codec.Unframe(b)
	m, err := codec.UnpackUnverified(body)
	if err != nil {
		t.Fatal(err)
	}
	body, err = codec.WithMAC(x919).PackMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := codec.Frame(iso8583.Envelope{}, body)
	if code, out, errOut = runCmd(t, []string{"-mak", mak, hex.EncodeToString(f)}, ""); code != 0 || !strings.Contains(out, "MAC verified (X9.19 under") {
		t.Errorf("X9.19 frame: exit %d %q %q", code, out, errOut)
	}
}

func TestFrameErrors(t *testing.T) {
	b, _ := hex.DecodeString(signIn)
	// The prefix says one byte less than the frame holds.
	short := bytes.Clone(b)
	short[1]--
	code, _, errOut := runCmd(t, []string{hex.EncodeToString(short)}, "")
	if code != 1 || !strings.Contains(errOut, "length prefix says 120 bytes, frame has 121") {
		t.Errorf("short prefix: exit %d, %q", code, errOut)
	}
	// A byte after the last field, the prefix counting it.
	extra := append(bytes.Clone(b), 0xFF)
	extra[1]++
	code, _, errOut = runCmd(t, []string{hex.EncodeToString(extra)}, "")
	if code != 1 || !strings.Contains(errOut, "1 bytes after the last field") {
		t.Errorf("trailing byte: exit %d, %q", code, errOut)
	}
	// Without a prefix, a trailing byte is an error too.
	code, _, errOut = runCmd(t, []string{hex.EncodeToString(append(bytes.Clone(b[2:]), 0xFF))}, "")
	if code != 1 || !strings.Contains(errOut, "1 bytes after the last field") {
		t.Errorf("trailing byte, no prefix: exit %d, %q", code, errOut)
	}
}
