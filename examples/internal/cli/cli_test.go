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
	for in, want := range map[string]string{"9F0G": "not hex: character 'G' at offset 3", "9F0": "odd number of digits (3)",
		"9F0\x01": "not hex: invalid character at offset 3"} {
		if _, err := Hex([]string{in}, nil); !errors.Is(err, ErrNotHex) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", in, err)
		}
	}
	// Words typed by mistake are quoted; a mistyped key (mostly hex) is
	// never shown, only where it goes wrong.
	if _, err := Hex([]string{"hello world"}, nil); err == nil || err.Error() != "not hex: 'hello world'" {
		t.Errorf("words: %v", err)
	}
	key := "0123456789ABCDEFFEDCBA987654321G"
	if _, err := Hex([]string{key}, nil); err == nil || strings.Contains(err.Error(), key[:8]) || !strings.Contains(err.Error(), "offset 31") {
		t.Errorf("mistyped key: %v", err)
	}
	// Over 1 MiB: refused as such, not cut.
	big := strings.Repeat("00", MaxInput/2) + "00"
	if _, err := Hex(nil, strings.NewReader(big)); !errors.Is(err, ErrTooLarge) || err.Error() != "input is larger than the 1 MiB limit: standard input has more than 1048576 bytes" {
		t.Errorf("big stdin: %v", err)
	}
	if _, err := Text([]string{big}, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big argument: %v", err)
	}
	if b, err := Hex(nil, strings.NewReader(big[:MaxInput])); err != nil || len(b) != MaxInput/2 {
		t.Errorf("exactly 1 MiB: %d bytes, %v", len(b), err)
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
		// Input that is mostly hex digits (a key, card data) never
		// appears in the error. (Eight characters after trimming: a
		// shorter text — "1" followed by Unicode spaces — matches any
		// message by accident.)
		if ts := strings.TrimSpace(s); err != nil && len(ts) >= 8 && strings.Contains(err.Error(), ts) {
			digits := 0
			for _, c := range []byte(strings.TrimSpace(s)) {
				if isHexDigit(c) {
					digits++
				}
			}
			if digits*2 >= len(strings.TrimSpace(s)) {
				t.Fatalf("%q: quoted in %v", s, err)
			}
		}
	})
}
