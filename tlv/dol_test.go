package tlv

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// A typical qVSDC PDOL: TTQ, amount authorised, amount other, terminal
// country code, TVR, currency, date, type, unpredictable number.
const pdolHex = "9F66049F02069F03069F1A0295055F2A029A039C019F3704"

func TestParseDOL(t *testing.T) {
	d, err := ParseDOL(testvec.Hex(t, pdolHex))
	if err != nil {
		t.Fatal(err)
	}
	want := DOL{{0x9F66, 4}, {0x9F02, 6}, {0x9F03, 6}, {0x9F1A, 2}, {0x95, 5}, {0x5F2A, 2}, {0x9A, 3}, {0x9C, 1}, {0x9F37, 4}}
	if len(d) != len(want) {
		t.Fatalf("got %v", d)
	}
	for i := range want {
		if d[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, d[i], want[i])
		}
	}
	if d.Len() != 33 {
		t.Errorf("Len = %d", d.Len())
	}
	for _, bad := range []string{"9F", "9F66", "9F6680", "DF81818101 04", "5A8301"} {
		if _, err := ParseDOL(testvec.Hex(t, bad)); !errors.Is(err, ErrBadDOL) {
			t.Errorf("ParseDOL(%s) err = %v", bad, err)
		}
	}
}

// EMV Book 3 §5.4 padding and truncation rules.
func TestDOLAppendRules(t *testing.T) {
	d := DOL{
		{0x9F02, 6},   // n, shorter: zero-padded on the left
		{0x9F03, 2},   // n, longer: leftmost bytes dropped
		{0x5A, 10},    // cn, shorter: padded with F on the right
		{0x57, 2},     // cn, longer: rightmost bytes dropped
		{0x9F1E, 10},  // an, shorter: zero-padded on the right
		{0x50, 2},     // an, longer: rightmost dropped
		{0x9F37, 4},   // absent: zeros
		{0x70, 3},     // constructed: zeros even if known
		{0x9F66, 4},   // b, exact
		{0xDF8129, 0}, // zero length: nothing
	}
	values := map[Tag]struct {
		v string
		f Format
	}{
		0x9F02: {"1000", FormatNumeric},
		0x9F03: {"000000001234", FormatNumeric},
		0x5A:   {"4761739001010010", FormatCompressedNumeric},
		0x57:   {"476173", FormatCompressedNumeric},
		0x9F1E: {"3132333435", FormatText},
		0x50:   {"56495341", FormatText},
		0x70:   {"010203", FormatBinary},
		0x9F66: {"36000000", FormatBinary},
	}
	src := func(tag Tag) ([]byte, Format, bool) {
		x, ok := values[tag]
		return testvec.Hex(t, x.v), x.f, ok
	}
	got := d.Append([]byte{0xEE}, src)
	want := testvec.Hex(t, "EE 000000001000 1234 4761739001010010FFFF 4761 31323334350000000000 5649 00000000 000000 36000000")
	if !bytes.Equal(got, want) {
		t.Fatalf("got  % X\nwant % X", got, want)
	}
	var seen []Tag
	if err := d.Split(got[1:], func(e DOLEntry, v []byte) {
		if len(v) != e.Len {
			t.Errorf("%s: %d bytes", e.Tag, len(v))
		}
		seen = append(seen, e.Tag)
	}); err != nil || len(seen) != len(d) {
		t.Fatalf("Split: %v %v", seen, err)
	}
	if err := d.Split(got, func(DOLEntry, []byte) {}); !errors.Is(err, ErrBadDOL) {
		t.Fatalf("Split of wrong length: %v", err)
	}
}
