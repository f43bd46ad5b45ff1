package reader

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseCommand(t *testing.T) {
	// Cases per ISO/IEC 7816-3:2006 §12.1.3.
	tests := []struct {
		apdu string
		c    Case
		lc   int
		le   int
		ext  bool
	}{
		{"00A40400", Case1, 0, 0, false},
		{"00B2010C00", Case2, 0, 256, false},
		{"80CA9F3605", Case2, 0, 5, false},
		{"0020008008241234FFFFFFFFFF", Case3, 8, 0, false},
		{"00A4040007AFFFFFFFFF123400", Case4, 7, 256, false},
		{"80A8000002830010", Case4, 2, 16, false},
		{"00B00000000000", Case2, 0, 65536, true},
		{"00B00000000100", Case2, 0, 256, true},
		{"00D60000000003010203", Case3, 3, 0, true},
		{"00D60000000003010203 0000", Case4, 3, 65536, true},
	}
	for _, tt := range tests {
		b := unhex(tt.apdu)
		c, err := ParseCommand(b)
		if err != nil {
			t.Errorf("%s: %v", tt.apdu, err)
			continue
		}
		if c.Case != tt.c || len(c.Data) != tt.lc || c.Le != tt.le || c.Extended != tt.ext {
			t.Errorf("%s: got case %d Lc %d Le %d ext %v, want case %d Lc %d Le %d ext %v",
				tt.apdu, c.Case, len(c.Data), c.Le, c.Extended, tt.c, tt.lc, tt.le, tt.ext)
		}
		if got := c.Append(nil); !bytes.Equal(got, b) {
			t.Errorf("%s: Append gave % X", tt.apdu, got)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, s := range []string{"", "00A404", "00A4040004010203", "00A40400020102030405", "00A404000000", "00B000000001", "00D600000000000102", "00D6000000000301"} {
		if _, err := ParseCommand(unhex(s)); !errors.Is(err, ErrBadAPDU) {
			t.Errorf("%q: got %v, want ErrBadAPDU", s, err)
		}
	}
}

func TestSW(t *testing.T) {
	if sw, ok := SW(unhex("6F009000")); !ok || sw != 0x9000 {
		t.Errorf("SW = %04X %v", sw, ok)
	}
	if _, ok := SW([]byte{0x90}); ok {
		t.Error("SW of 1 byte reported ok")
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"00A40400", "00B2010C00", "00A4040007AFFFFFFFFF123400", "00B00000000000", "00D60000000003010203 0000"} {
		f.Add(unhex(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		// Whatever parses must re-encode to the same bytes.
		if got := c.Append(nil); !bytes.Equal(got, b) {
			t.Fatalf("% X re-encoded as % X", b, got)
		}
	})
}
