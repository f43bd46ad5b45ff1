package tlv

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestFind(t *testing.T) {
	fci := readHex(t, "ppse_fci")
	f55 := readHex(t, "field55")
	tests := []struct {
		name string
		buf  []byte
		tag  Tag
		want string // hex; "" means not found
	}{
		{"top level", f55, 0x9F26, "7BCB3647E84652A2"},
		{"last tag", f55, 0x9F08, "0002"},
		{"nested", fci, 0x4F, "A0000000031010"},
		{"constructed itself", fci, 0xA5, "BF0C2E61124F07A000000003101050045649534187010161184F07A0000000041010500A4D415354455243415244870102"},
		{"absent", f55, 0x5A, ""},
		// moov-io/bertlv's FindFirstTag misses 9F02 here: it returns the
		// result of searching the constructed 70 and never looks further.
		{"sibling after constructed", testvec.Hex(t, "7003 5A0112 9F020100"), 0x9F02, "00"},
	}
	for _, tt := range tests {
		v, ok, err := Find(tt.buf, tt.tag)
		if err != nil || ok != (tt.want != "") || !bytes.Equal(v, testvec.Hex(t, tt.want)) {
			t.Errorf("%s: Find(%s) = % X, %v, %v", tt.name, tt.tag, v, ok, err)
		}
	}
	if _, _, err := Find(testvec.Hex(t, "5A01019F0288FFFFFFFFFFFFFFFF"), 0x9F02); !errors.Is(err, ErrLengthTooLong) {
		t.Errorf("Find on bad input: %v", err)
	}
}

func TestFindPath(t *testing.T) {
	fci := readHex(t, "ppse_fci")
	v, ok, err := FindPath(fci, 0x6F, 0xA5, 0xBF0C, 0x61, 0x50)
	if err != nil || !ok || string(v) != "VISA" {
		t.Fatalf("FindPath = %q %v %v", v, ok, err)
	}
	if _, ok, err := FindPath(fci, 0x6F, 0x50); ok || err != nil {
		t.Fatalf("FindPath skipped a level: %v %v", ok, err)
	}
	if _, ok, _ := FindPath(fci); ok {
		t.Fatal("empty path found something")
	}
	if _, _, err := FindPath(testvec.Hex(t, "6F80"), 0x6F, 0x84); !errors.Is(err, ErrIndefiniteLength) {
		t.Fatalf("err = %v", err)
	}
}
