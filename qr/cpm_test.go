package qr

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

const cpmSpecHex = "8505435056303161134F07A0000000555555500850726F647563743161134F07A0000000666666500850726F647563743262495A0812345678901234585F200E43415244484F4C4445522F454D565F2D08727565736465656E64219F100706010A030000009F2608584FD385FA234BCC9F360200019F37046D58EF13"

func cpmFromHex(t testing.TB, h string) string {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// TestCPMSpecExample decodes the QRCPS-CPM example and checks every field a
// terminal uses, then encodes it back byte for byte.
func TestCPMSpecExample(t *testing.T) {
	s := testvec.Load(t, "cpm_samples.txt")[0]
	if cpmFromHex(t, cpmSpecHex) != s.Str(t, "payload") {
		t.Fatal("sample hex and base64 disagree")
	}
	c, err := ParseCPM(s.Str(t, "payload"))
	if err != nil {
		t.Fatal(err)
	}
	if c.PayloadFormat != "CPV01" || len(c.Apps) != 2 || c.Common == nil {
		t.Fatalf("shape: %q, %d apps, common %v", c.PayloadFormat, len(c.Apps), c.Common != nil)
	}
	checks := []struct{ got, want string }{
		{hexOf(c.AID(0)), "A0000000555555"},
		{hexOf(c.AID(1)), "A0000000666666"},
		{c.Label(0), "Product1"},
		{c.Label(1), "Product2"},
		{c.PAN(0).Digits(), "1234567890123458"}, // from the common template
		{c.PAN(1).String(), "123456******3458"},
		{c.Track2(0).String(), "track2(none)"},
		{hexOf(c.AppendICCData(nil, 0)), "9F100706010A030000009F2608584FD385FA234BCC9F360200019F37046D58EF13"},
	}
	for i, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("check %d: got %q, want %q", i, ck.got, ck.want)
		}
	}
	for tag, want := range map[tlv.Tag]string{0x9F26: "584FD385FA234BCC", 0x9F36: "0001", 0x9F37: "6D58EF13", TagCardholderName: hexOf([]byte("CARDHOLDER/EMV")), TagLanguage: hexOf([]byte("ruesdeen"))} {
		if v, ok := c.Lookup(1, tag); !ok || hexOf(v) != want {
			t.Errorf("Lookup(1, %s) = %X, %v, want %s", tag, v, ok, want)
		}
	}
	if _, ok := c.Lookup(2, TagAID); ok {
		t.Error("Lookup of a third application succeeded")
	}
	raw, err := c.AppendTLV(nil)
	if err != nil || hexOf(raw) != cpmSpecHex {
		t.Errorf("AppendTLV = %X, %v", raw, err)
	}
	if out, err := c.Encode(); err != nil || out != s.Str(t, "payload") {
		t.Errorf("Encode = %s, %v", out, err)
	}
}

// TestCPMMasking: no way of printing a CPM, its parts or its PAN shows the
// PAN or track 2 in full.
func TestCPMMasking(t *testing.T) {
	c := buildCPM(t)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cpm", "payload", c, "pan", c.PAN(0), "t2", c.Track2(0), "app", c.Apps[0], "el", c.Apps[0].Elements[1])
	outputs := []string{
		fmt.Sprintf("%v|%+v|%#v|%s|%x", c, c, c, c, c),
		fmt.Sprintf("%v|%+v|%#v", *c, *c, *c),
		fmt.Sprintf("%v|%+v|%#v|%s|%x|%q", c.PAN(0), c.PAN(0), c.PAN(0), c.PAN(0), c.PAN(0), c.PAN(0)),
		fmt.Sprintf("%v|%+v|%#v|%x", c.Track2(0), c.Track2(0), c.Track2(0), c.Track2(0)),
		fmt.Sprintf("%v|%+v|%#v", c.Apps, c.Apps, c.Apps[0].Elements),
		logged.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{"4761739001010010", "4761739001010010D2512", "476173900101", "JOHN"} {
			if strings.Contains(strings.ToUpper(out), secret) {
				t.Errorf("output shows %s: %s", secret, out)
			}
		}
	}
	if !strings.Contains(outputs[0], "476173******0010") || !strings.Contains(outputs[3], "track2(17 bytes, PAN 476173******0010)") {
		t.Errorf("masked forms missing:\n%s\n%s", outputs[0], outputs[3])
	}
}

// buildCPM makes a payload with track 2 in the application, a 63 and a 64
// that both carry 9F36, and a cardholder name.
func buildCPM(t testing.TB) *CPM {
	t.Helper()
	t2, _ := hex.DecodeString("4761739001010010D25122011234567890FF")
	pan, _ := hex.DecodeString("4761739001010010")
	in := CPM{
		Apps: []Template{{Elements: []Element{
			{Tag: TagAID, Value: []byte{0xA0, 0, 0, 0, 3, 0x10, 0x10}},
			{Tag: TagTrack2, Value: t2[:17]},
			{Tag: TagPAN, Value: pan},
			{Tag: TagAppTransparent, Value: testvec.Hex(t, "9F2608AABBCCDDEEFF00119F360200079F2701809F100706011203A00000")},
		}}},
		Common: &Template{Elements: []Element{
			{Tag: TagCardholderName, Value: []byte("JOHN/SMITH")},
			{Tag: TagCommonTransp, Value: testvec.Hex(t, "9F360200019F37041234567882021980")},
		}},
	}
	s, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCPM(s)
	if err != nil {
		t.Fatalf("ParseCPM(%s): %v", s, err)
	}
	return c
}

func TestCPMBuildAndICCData(t *testing.T) {
	c := buildCPM(t)
	if c.PayloadFormat != CPMFormatIndicator {
		t.Errorf("PayloadFormat %q", c.PayloadFormat)
	}
	// 63 first, then 64 without the 9F36 that 63 already gave.
	want := "9F2608AABBCCDDEEFF00119F360200079F2701809F100706011203A00000" + "9F37041234567882021980"
	if got := hexOf(c.AppendICCData(nil, 0)); got != want {
		t.Errorf("ICC data\n got %s\nwant %s", got, want)
	}
	if v, _ := c.Lookup(0, 0x9F36); hexOf(v) != "0007" {
		t.Errorf("9F36 = %X, want the application's 0007", v)
	}
	if got := c.PAN(0).Digits(); got != "4761739001010010" {
		t.Errorf("PAN %s", got)
	}
	if c.AppendICCData(nil, 5) != nil {
		t.Error("ICC data for a missing application")
	}
	// Without 5A the PAN comes from track 2.
	c.Apps[0].Elements = append(c.Apps[0].Elements[:2:2], c.Apps[0].Elements[3])
	if got := c.PAN(0).Digits(); got != "4761739001010010" {
		t.Errorf("PAN from track 2: %s", got)
	}
	if _, err := (&CPM{}).Encode(); !errors.Is(err, ErrMissing) {
		t.Errorf("encoding no application: %v", err)
	}
	bad := CPM{Apps: []Template{{Elements: []Element{{Tag: TagAppTransparent, Value: []byte{0x9F}}}}}}
	if _, err := bad.Encode(); !errors.Is(err, ErrTLV) {
		t.Errorf("encoding a broken 63: %v", err)
	}
}

func TestCPMDecodeErrors(t *testing.T) {
	app := "61134F07A0000000555555500850726F6475637431"
	common := "620A5A081234567890123458"
	cases := []struct {
		name string
		in   string // hex, or base64 text when prefixed with "b64:"
		want error
		msg  string
	}{
		{"not base64", "b64:hQ!!", ErrBase64, ""},
		{"empty", "b64:", ErrCPM, "empty"},
		{"truncated TLV", "85054350563031" + "6113", ErrTLV, "offset"},
		{"indefinite length", "85054350563031" + "6180" + "0000", ErrTLV, "indefinite"},
		{"zero padding", "85054350563031" + "00" + app + common, ErrTLV, ""},
		{"85 not first", app + "85054350563031" + common, ErrCPM, "want 85"},
		{"wrong version", "85054350563032" + app + common, ErrCPM, "\"CPV02\""},
		{"85 twice", "85054350563031" + "85054350563031" + app, ErrDuplicate, "85 again"},
		{"no application", "85054350563031" + common, ErrMissing, "no application template"},
		{"62 twice", "85054350563031" + app + common + common, ErrDuplicate, "62 again"},
		{"61 after 62", "85054350563031" + common + app, ErrCPM, "after the common"},
		{"unknown top-level tag", "85054350563031" + app + common + "9F2602AABB", ErrCPM, "not allowed at the top level"},
		{"duplicate in 61", "85054350563031" + "61124F07A00000005555554F07A0000000555555" + common, ErrDuplicate, "tag 4F again"},
		{"duplicate in 64", "85054350563031" + app + "6216" + "5A081234567890123458" + "640A9F360200019F36020002", ErrDuplicate, "tag 9F36 again"},
		{"64 inside 61", "85054350563031" + "6110" + "4F07A0000000555555" + "64059F36020001", ErrCPM, "only 63"},
		{"no AID", "85054350563031" + "610A500850726F6475637431" + common, ErrMissing, "no AID"},
		{"no PAN or track 2", "85054350563031" + app, ErrMissing, "neither a PAN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := strings.TrimPrefix(c.in, "b64:")
			if in == c.in {
				in = cpmFromHex(t, c.in)
			}
			_, err := ParseCPM(in)
			if !errors.Is(err, c.want) {
				t.Fatalf("ParseCPM = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q lacks %q", err, c.msg)
			}
		})
	}
}

// TestCPMUnpadded: base64 without '=' padding is accepted too.
func TestCPMUnpadded(t *testing.T) {
	s := strings.TrimRight(cpmFromHex(t, cpmSpecHex), "=")
	if _, err := ParseCPM(s); err != nil {
		t.Error(err)
	}
}

func TestCPMReuse(t *testing.T) {
	var c CPM
	s := cpmFromHex(t, cpmSpecHex)
	other := buildCPM(t)
	o, _ := other.Encode()
	for _, in := range []string{s, o, s} {
		if err := c.Decode(in); err != nil {
			t.Fatal(err)
		}
	}
	if c.Label(0) != "Product1" || len(c.Apps) != 2 {
		t.Errorf("after reuse: %q, %d apps", c.Label(0), len(c.Apps))
	}
	// Allocations come only from tlv.Validate's recursion (one Scanner
	// per constructed level); the CPM buffers themselves are reused.
	t.Logf("Decode into a reused CPM: %v allocations", testing.AllocsPerRun(50, func() { _ = c.Decode(s) }))
}
