package main

import (
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// FuzzIsodecode: any bytes, under each spec, give output or an error exit;
// never a panic.
func FuzzIsodecode(f *testing.F) {
	f.Add([]byte{0x08, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	if b, err := hex.DecodeString(signIn); err == nil {
		f.Add(b, uint8(0))
		f.Add(b[2:], uint8(1))
	}
	f.Add([]byte("0200\x30\x00\x00\x00\x00\x00\x00\x00"), uint8(2))
	specs := []string{"cup", "iso87bcd", "iso87ascii"}
	f.Fuzz(func(t *testing.T, b []byte, spec uint8) {
		args := []string{"-emv", "-spec", specs[int(spec)%len(specs)], hex.EncodeToString(b)}
		if code := run(args, strings.NewReader(""), io.Discard, io.Discard); code != 0 && code != 1 {
			t.Fatalf("exit %d", code)
		}
	})
}
