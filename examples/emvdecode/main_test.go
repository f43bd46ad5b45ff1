package main

import (
	"bytes"
	"strings"
	"testing"
)

func runCmd(args []string, stdin string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

const record = "70175A0847617390010100105F24032212319F2701809C0100"

func TestDecodeArgument(t *testing.T) {
	code, out, errOut := runCmd([]string{record}, "")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"70 READ RECORD Response Message Template [23]\n",
		"  5A Application Primary Account Number (PAN) [8]: 476173******0010\n",
		"    - 2022-12-31\n",
		"    - ARQC\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "4761739001010010") {
		t.Error("PAN printed without -reveal")
	}
}

func TestDecodeStdinReveal(t *testing.T) {
	code, out, _ := runCmd([]string{"-reveal"}, "70 17 5A08:4761739001010010\n5F2403221231 9F270180 9C0100\n")
	if code != 0 || !strings.Contains(out, ": 4761739001010010\n") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestDecodeScheme(t *testing.T) {
	// 9F6E means Form Factor Indicator to Visa, Third Party Data to Mastercard.
	_, visa, _ := runCmd([]string{"-scheme", "visa", "9F6E0423880000"}, "")
	_, mc, _ := runCmd([]string{"-scheme", "Mastercard", "9F6E0423880000"}, "")
	if !strings.Contains(visa, "Form Factor Indicator") || !strings.Contains(mc, "Third Party Data") {
		t.Errorf("visa %q / mastercard %q", visa, mc)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{[]string{"9F0206000000"}, "", 1, "emvdecode: tlv: truncated"},
		{[]string{"zz"}, "", 1, "emvdecode: not hex: 'zz'"},
		{nil, "  ", 1, "emvdecode: no input"},
		{[]string{"-scheme", "diners", "9C0100"}, "", 2, "unknown scheme"},
		{[]string{"-bogus"}, "", 2, "usage: emvdecode"},
	}
	for _, tc := range tests {
		code, out, errOut := runCmd(tc.args, tc.stdin)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", tc.args, code, errOut, out)
		}
	}
	if code, _, errOut := runCmd([]string{"-h"}, ""); code != 0 || !strings.Contains(errOut, "usage: emvdecode") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
}
