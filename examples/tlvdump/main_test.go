package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		out    []string // substrings of stdout
		errOut string   // substring of stderr
		absent string   // must not appear in stdout
	}{
		{
			name: "nested from args",
			args: []string{"6F1B8407A0000000031010A510500B5649534120435245444954870101"},
			out:  []string{"6F (27 bytes)", "  84 [7] A0000000031010", "  A5 (16 bytes)", `    50 [11] 5649534120435245444954 "VISA CREDIT"`, "    87 [1] 01"},
		},
		{
			name:   "PAN masked from stdin",
			stdin:  "70 0A 5A 08 47 61 73 90 01 01 00 10\n",
			out:    []string{"5A [8] 476173******0010 (masked)"},
			absent: "4761739001010010",
		},
		{
			name: "PAN revealed on request",
			args: []string{"-reveal", "5A084761739001010010"},
			out:  []string{"5A [8] 4761739001010010"},
		},
		{
			name:   "track 2 masked",
			args:   []string{"5711" + "4761739001010010D25122011234567890"},
			out:    []string{"57 [17] <17 bytes masked>"},
			absent: "D2512",
		},
		{name: "crafted length", args: []string{"9F0288FFFFFFFFFFFFFFFF"}, code: 1, errOut: "at offset 2"},
		{name: "truncated value", args: []string{"5A0847617390"}, code: 1, errOut: "truncated value of tag 5A at offset 0"},
		{name: "not hex", args: []string{"5Z"}, code: 1, errOut: "not hex: character 'Z' at offset 1"},
		{name: "words", args: []string{"hello", "world"}, code: 1, errOut: "not hex: 'hello world'"},
		{name: "over 1 MiB", stdin: strings.Repeat("00", 1<<19) + "00", code: 1, errOut: "input is larger than the 1 MiB limit"},
		{name: "empty", stdin: "  ", code: 1, errOut: "no input"},
		{name: "help", args: []string{"-h"}, code: 0, errOut: "usage: tlvdump"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			if tt.errOut != "" && !strings.Contains(stderr.String(), tt.errOut) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.errOut)
			}
			if tt.absent != "" && strings.Contains(stdout.String(), tt.absent) {
				t.Errorf("stdout shows %q:\n%s", tt.absent, stdout.String())
			}
		})
	}
}
