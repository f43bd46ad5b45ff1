package pinblock

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// TestNoDigitsPrinted formats a PIN and a clear block with every common
// verb and through slog, and checks no digit or block byte shows.
func TestNoDigitsPrinted(t *testing.T) {
	pin, err := ParsePIN([]byte("987654321098"))
	if err != nil {
		t.Fatal(err)
	}
	blk, err := Format2.Encode(pin, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	type holder struct {
		P PIN
		B Block
	}
	type private struct {
		pin PIN
		blk Block
	}
	values := []any{pin, &pin, blk, &blk, holder{pin, blk}, []PIN{pin}, private{pin, blk}, &private{pin, blk}, map[string]Block{"b": blk}}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q", "%o", "%b", "%08d", "% x"}
	secrets := []string{"987654", "9876", "2C98", "2c98", "[9 8 7"}
	// fmt prints the pointers inside an unexported field as numbers (it
	// cannot call their methods); an address may contain "9876" by
	// chance, so the addresses' renderings are taken out before the
	// check. The digits themselves sit behind the pointers.
	var addrs []string
	for _, p := range []uintptr{reflect.ValueOf(pin.p).Pointer(), reflect.ValueOf(blk.p).Pointer()} {
		for _, verb := range []string{"%d", "%x", "%X", "%o", "%b"} {
			addrs = append(addrs, fmt.Sprintf(verb, p))
		}
	}
	for _, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, a := range addrs {
				out = strings.ReplaceAll(out, a, "ADDR")
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("fmt %s of %T = %q shows %q", verb, v, out, s)
				}
			}
		}
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("pin entered", "pin", pin, "block", blk, "holder", holder{pin, blk})
	}
	for _, s := range secrets {
		if strings.Contains(buf.String(), s) {
			t.Errorf("slog output %q shows %q", buf.String(), s)
		}
	}
	if got := fmt.Sprint(blk); got != "PINBlock(ISO-2)" {
		t.Errorf("Block prints %q, want the format only", got)
	}
}

func TestWipe(t *testing.T) {
	pin, _ := ParsePIN([]byte("1234"))
	blk, err := Format0.Encode(pin, "4012345678909", nil)
	if err != nil {
		t.Fatal(err)
	}
	copyOfPIN := pin
	copyOfPIN.Wipe() // wiping a copy wipes the original
	if !pin.IsZero() || pin.Len() != 0 || *pin.p != 0 {
		t.Error("PIN not wiped")
	}
	copyOfBlk := blk
	blk.Wipe()
	if *copyOfBlk.p.b != ([16]byte{}) {
		t.Error("Block (copy) not wiped")
	}
	if _, err := blk.PIN("4012345678909"); err == nil {
		t.Error("a wiped block still decodes")
	}
	if _, err := Format0.Encode(pin, "4012345678909", nil); err == nil {
		t.Error("a wiped PIN still encodes")
	}
}

func TestParsePIN(t *testing.T) {
	for _, s := range []string{"", "123", "1234567890123", "12a4", "12 4", "１２３４"} {
		if _, err := ParsePIN([]byte(s)); err == nil {
			t.Errorf("ParsePIN(%q) accepted", s)
		} else if strings.Contains(err.Error(), s) && s != "" {
			t.Errorf("error %q repeats the input", err)
		}
	}
	p, err := ParsePIN([]byte("0000"))
	if err != nil || string(p.AppendDigits(nil)) != "0000" || p.Len() != 4 {
		t.Fatalf("ParsePIN(0000) = %v, %v", p.AppendDigits(nil), err)
	}
	q, _ := ParsePIN([]byte("00000"))
	if p.Equal(q) {
		t.Error("PINs of different length compare equal")
	}
}
