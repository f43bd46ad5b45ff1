package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's first command: the whole day runs and exits 0.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, w := range []string{"[OK  ] chip sale", "[OK  ] contactless sale", "[OK  ] QuickPass sale", "[OK  ] QR sale", "[OK  ] void",
		"[OK  ] lost response reversed", "[OK  ] settlement", "every step behaved as expected"} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-h"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "usage: demo") {
		t.Errorf("-h: %d %q", code, errOut.String())
	}
	if code := run([]string{"-bogus"}, &out, &errOut); code != 2 {
		t.Errorf("-bogus: %d", code)
	}
	if code := run([]string{"extra"}, &out, &errOut); code != 2 {
		t.Errorf("argument: %d", code)
	}
	bad := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(bad, []byte(`{"terminals": 1}`), 0o600)
	errOut.Reset()
	if code := run([]string{"-keys", bad}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "demo: fixtures: keys file") {
		t.Errorf("bad keys: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"-keys", filepath.Join(t.TempDir(), "none.json")}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no such file") {
		t.Errorf("missing keys: %d %q", code, errOut.String())
	}
}
