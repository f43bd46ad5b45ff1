package iso8583

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const secretPAN = "6222021234567890123"

func TestDescribe(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	tx := testSale()
	tx.MerchantName = "银联测试商户"
	frame, err := c.Pack(env0, tx)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.DescribeFrame(&b, frame); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"TPDU 6000010000", "header 602200000000", "CUP POS message 0200",
		"002  Primary Account Number", "622202*********0123", "[track data, 34 chars]", "[PIN block]",
		"[250 bytes hidden]", `"银联测试商户"`, `"000000012345"`, "Message Authentication Code"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, secretPAN) || strings.Contains(out, "2612220123") {
		t.Errorf("card data leaked:\n%s", out)
	}
	// The 0810's keys stay hidden.
	b.Reset()
	if err := c.DescribeFrame(&b, loadSamples(t)["0810"]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "51DBA323") || !strings.Contains(b.String(), "00 (approved)") {
		t.Errorf("0810 dump:\n%s", b.String())
	}
}

func TestNoCardDataInOutput(t *testing.T) {
	tx := testSale()
	var b bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&b, verb+"\n", *tx)
		fmt.Fprintf(&b, verb+"\n", tx)
		fmt.Fprintf(&b, verb+"\n", tx.PAN)
		fmt.Fprintf(&b, verb+"\n", tx.Track2)
		fmt.Fprintf(&b, verb+"\n", tx.PINBlock)
		fmt.Fprintf(&b, verb+"\n", tx.ICC)
	}
	slog.New(slog.NewJSONHandler(&b, nil)).Info("tx", "tx", *tx, "pan", tx.PAN, "track", tx.Track2, "pin", tx.PINBlock)
	js, _ := json.Marshal(tx.PAN.String())
	b.Write(js)
	out := b.String()
	for _, secret := range []string{secretPAN, "2612220123", "0102030405060708", "\x01\x02\x03", "ABCDEFGH", "4142434445"} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "622202*********0123") || !strings.Contains(out, "sale 0200 stan=000173") {
		t.Errorf("summary missing:\n%s", out)
	}
	if got := PAN("12345").String(); got != "[5 digits]" {
		t.Errorf("short PAN %q", got)
	}
}

func TestResponseCodes(t *testing.T) {
	if ReasonMACError.Meaning() != "MAC verification failed" || ResponseCode("51").MeaningZH() != "可用余额不足" {
		t.Error("meanings")
	}
	if !Approved.Approved() || ResponseCode("05").Approved() || ResponseCode("ZZ").Meaning() != "" {
		t.Error("approved")
	}
	if ResponseCode("98").String() != "98 (issuer timed out)" || ResponseCode("ZZ").String() != "ZZ" {
		t.Error("string")
	}
}

// Field 39 by its meaning in that message, CUP subfields, and the CUP ECB
// MAC as its characters (the 0400 of testdata/cup_corpus.txt, source
// there; its MAC replaced by eight hex characters).
func TestDescribeInContext(t *testing.T) {
	var rev corpusFrame
	for _, c := range loadCorpus(t) {
		if c.name == "0400-reversal-datetest" {
			rev = c
		}
	}
	if rev.frame == nil {
		t.Fatal("reversal not in corpus")
	}
	frame := bytes.Clone(rev.frame)
	copy(frame[len(frame)-8:], "3A2E50FC")
	var b bytes.Buffer
	if err := NewCodec(nil, Framing{}).DescribeFrame(&b, frame); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"98 (reversal reason: no response received)",
		`60.1 transaction type                    "22"`, `60.2 batch number                        "160529"`,
		`61.1 original batch number               "233415"`, `61.2 original trace number               "681186"`,
		`61.3 original date (MMDD)                "0529"`,
		`"3A2E50FC" (CUP ECB MAC: 8 hex characters)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "issuer timed out") {
		t.Errorf("reversal reason read as a host answer:\n%s", out)
	}
	// The same code in a response keeps the host's meaning.
	if got := describeValue(39, "0410", []byte("98"), false); got != "98 (issuer timed out)" {
		t.Errorf("0410: %q", got)
	}
	if got := cupSubfields(63, "001银联"); len(got) != 2 || got[0][1] != `"001"` {
		t.Errorf("63: %q", got)
	}
	if got := cupSubfields(60, "2216"); len(got) != 1 || !strings.Contains(got[0][1], "does not split") {
		t.Errorf("short 60: %q", got)
	}
}
