package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestHex(t *testing.T) {
	b, err := Hex(nil, strings.NewReader("0x9F 02:06\n00 00 00 01 23 45\n"))
	if err != nil || !bytes.Equal(b, []byte{0x9F, 0x02, 0x06, 0, 0, 0, 1, 0x23, 0x45}) {
		t.Fatalf("%X %v", b, err)
	}
	if b, err := Hex([]string{"9f", "02"}, nil); err != nil || !bytes.Equal(b, []byte{0x9F, 0x02}) {
		t.Errorf("args: %X %v", b, err)
	}
	for in, want := range map[string]string{"9F0G": "invalid character at offset 3", "9F0": "odd number of digits (3)"} {
		if _, err := Hex([]string{in}, nil); !errors.Is(err, ErrNotHex) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := Hex(nil, strings.NewReader(" \n")); !errors.Is(err, ErrNoInput) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Hex(nil, nil); !errors.Is(err, ErrNoInput) {
		t.Errorf("nil stdin: %v", err)
	}
}

// FuzzDecodeHex: any text decodes or fails with ErrNotHex; never a panic.
func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{"", "0x9F02", "9f:02 06", "zz", "0", " 0x", "\u00e99F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeHex(s)
		if err != nil && !errors.Is(err, ErrNotHex) {
			t.Fatalf("%q: %v", s, err)
		}
		if err == nil && len(b) > len(s)/2 {
			t.Fatalf("%q: %d bytes", s, len(b))
		}
	})
}
