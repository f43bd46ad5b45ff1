package tlv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestTag(t *testing.T) {
	tests := []struct {
		hex         string
		tag         Tag
		len         int
		constructed bool
		class       Class
	}{
		{"5A", 0x5A, 1, false, ClassApplication},
		{"6F", 0x6F, 1, true, ClassApplication},
		{"9F02", 0x9F02, 2, false, ClassContextSpecific},
		{"BF0C", 0xBF0C, 2, true, ClassContextSpecific},
		{"DF8129", 0xDF8129, 3, false, ClassPrivate},
		{"1F8181", 0, 0, false, 0}, // invalid: last byte has b8 set
		{"02", 0x02, 1, false, ClassUniversal},
		{"FF8101", 0xFF8101, 3, true, ClassPrivate},
	}
	for _, tt := range tests {
		got, err := ParseTag(tt.hex)
		if tt.tag == 0 {
			if !errors.Is(err, ErrBadTag) {
				t.Errorf("ParseTag(%q) = %v, %v; want ErrBadTag", tt.hex, got, err)
			}
			continue
		}
		if err != nil || got != tt.tag {
			t.Fatalf("ParseTag(%q) = %v, %v; want %v", tt.hex, got, err, tt.tag)
		}
		if got.String() != tt.hex {
			t.Errorf("%v.String() = %q", got, got.String())
		}
		if got.Len() != tt.len || got.Constructed() != tt.constructed || got.Class() != tt.class {
			t.Errorf("%s: len %d constructed %v class %v", tt.hex, got.Len(), got.Constructed(), got.Class())
		}
		if s := string(AppendTag(nil, got)); s != string(testvec.Hex(t, tt.hex)) {
			t.Errorf("AppendTag(%s) = % X", tt.hex, s)
		}
	}
	for _, bad := range []string{"", "9", "9F0", "ZZ", "9F", "5A00", "0102030405", "DF81818101"} {
		if _, err := ParseTag(bad); !errors.Is(err, ErrBadTag) {
			t.Errorf("ParseTag(%q) err = %v, want ErrBadTag", bad, err)
		}
	}
	if got, _ := ParseTag("9f02"); got != 0x9F02 {
		t.Errorf("lower case: %v", got)
	}
	if s := Tag(0xDF8181).String(); s != "DF8181" {
		t.Errorf("uncached String = %q", s)
	}
}

func TestAppendLength(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "00"}, {127, "7F"}, {128, "8180"}, {255, "81FF"}, {256, "820100"},
		{65535, "82FFFF"}, {65536, "83010000"}, {1 << 24, "8401000000"},
	}
	for _, tt := range tests {
		got := AppendLength(nil, tt.n)
		if want := testvec.Hex(t, tt.want); string(got) != string(want) {
			t.Errorf("AppendLength(%d) = % X, want % X", tt.n, got, want)
		}
		if lengthLen(tt.n) != len(got) {
			t.Errorf("lengthLen(%d) = %d, want %d", tt.n, lengthLen(tt.n), len(got))
		}
	}
}
