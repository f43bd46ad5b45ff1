package tlv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestScannerField55(t *testing.T) {
	buf := readHex(t, "field55")
	if len(buf) != 253 {
		t.Fatalf("field 55 sample is %d bytes, want 253", len(buf))
	}
	s := NewScanner(buf)
	var tags []Tag
	for s.Next() {
		if s.Constructed() {
			t.Errorf("%s is constructed", s.Tag())
		}
		tags = append(tags, s.Tag())
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tags) != 32 {
		t.Fatalf("got %d tags, want 32", len(tags))
	}
	if tags[0] != 0x9F26 || tags[31] != 0x9F08 {
		t.Errorf("first/last tags %s %s", tags[0], tags[31])
	}
}

func TestScannerNested(t *testing.T) {
	buf := readHex(t, "ppse_fci")
	s := NewScanner(buf)
	if !s.Next() || s.Tag() != 0x6F || !s.Constructed() || s.Offset() != 0 {
		t.Fatalf("6F: %v %v", s.Tag(), s.Err())
	}
	fci := s.Descend()
	if !fci.Next() || fci.Tag() != 0x84 || string(fci.Value()) != "2PAY.SYS.DDF01" || fci.Offset() != 2 {
		t.Fatalf("84: %v %q offset %d", fci.Tag(), fci.Value(), fci.Offset())
	}
	if !fci.Next() || fci.Tag() != 0xA5 {
		t.Fatalf("A5: %v", fci.Tag())
	}
	a5 := fci.Descend()
	if !a5.Next() || a5.Tag() != 0xBF0C || a5.Offset() != 20 || a5.ValueOffset() != 23 {
		t.Fatalf("BF0C: %v at %d/%d", a5.Tag(), a5.Offset(), a5.ValueOffset())
	}
	dir := a5.Descend()
	var aids []string
	for dir.Next() {
		e := dir.Descend()
		for e.Next() {
			if e.Tag() == 0x4F {
				aids = append(aids, string(e.Value()))
			}
		}
		if e.Err() != nil {
			t.Fatal(e.Err())
		}
	}
	if len(aids) != 2 || aids[1] != "\xA0\x00\x00\x00\x04\x10\x10" || dir.Err() != nil || fci.Next() || s.Next() {
		t.Fatalf("directory entries %d, err %v", len(aids), dir.Err())
	}
	if err := Validate(buf); err != nil {
		t.Fatal(err)
	}
}

func TestScannerErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		opts []Option
		want error
		off  int
	}{
		{"crafted 8-byte length (panics moov-io/bertlv v0.1.0)", "9F0288FFFFFFFFFFFFFFFF", nil, ErrLengthTooLong, 2},
		{"indefinite length", "6F80840100", nil, ErrIndefiniteLength, 1},
		{"indefinite length nested", "6F05A580500100", nil, ErrIndefiniteLength, 3},
		{"value beyond buffer", "9F020600000000", nil, ErrTruncated, 0},
		{"4-byte length beyond buffer", "9F0284FFFFFFFF00", nil, ErrTruncated, 0},
		{"truncated multi-byte tag", "9F", nil, ErrTruncated, 0},
		{"truncated 3-byte tag", "5A01019F", nil, ErrTruncated, 3},
		{"tag without length", "5A", nil, ErrTruncated, 1},
		{"truncated long-form length", "5A8201", nil, ErrTruncated, 1},
		{"5-byte tag", "DF818181010100", nil, ErrTagTooLong, 0},
		{"FF padding not skipped by default", "5A0101FFFF", nil, ErrTruncated, 3},
		{"00 padding refused by option", "5A010100", []Option{NoZeroPadding}, ErrBadTag, 3},
		{"second object truncated", "5A01019F02030000", nil, ErrTruncated, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(testvec.Hex(t, tt.hex), tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset != tt.off {
				t.Fatalf("err = %v, want offset %d", err, tt.off)
			}
		})
	}
}

func TestScannerPadding(t *testing.T) {
	buf := testvec.Hex(t, "00 5A0112 0000 9F020100 00")
	var got []Tag
	s := NewScanner(buf)
	for s.Next() {
		got = append(got, s.Tag())
	}
	if s.Err() != nil || len(got) != 2 || got[1] != 0x9F02 {
		t.Fatalf("got %v, %v", got, s.Err())
	}
	ff := testvec.Hex(t, "FF5A0112FFFF9F020100FF")
	s = NewScanner(ff, SkipFF)
	got = got[:0]
	for s.Next() {
		got = append(got, s.Tag())
	}
	if s.Err() != nil || len(got) != 2 {
		t.Fatalf("SkipFF: got %v, %v", got, s.Err())
	}
}

func TestScannerNonMinimalLength(t *testing.T) {
	s := NewScanner(testvec.Hex(t, "5A8103112233 9F02820001AA"))
	if !s.Next() || s.Len() != 3 || !s.Next() || s.Len() != 1 || s.Value()[0] != 0xAA || s.Next() || s.Err() != nil {
		t.Fatalf("non-minimal lengths: %v", s.Err())
	}
}

func TestScannerDepthLimit(t *testing.T) {
	var buf []byte
	for i := 0; i < MaxDepth+5; i++ {
		buf = append([]byte{0x70, byte(len(buf))}, buf...)
		if len(buf) > 120 {
			break
		}
	}
	// 60 levels of 70 nest in 120 bytes: too deep.
	if err := Validate(buf); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	if _, _, err := Find(buf, 0x5A); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Find err = %v", err)
	}
	if _, err := Decode(buf); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Decode err = %v", err)
	}
}

func TestScannerValueCapacity(t *testing.T) {
	buf := testvec.Hex(t, "5A0211229F020133")
	s := NewScanner(buf)
	s.Next()
	v := append(s.Value(), 0xEE)
	if buf[4] != 0x9F || len(v) != 3 {
		t.Fatal("appending to a Value overwrote the buffer")
	}
}

func TestNestedWalksDoNotAllocate(t *testing.T) {
	buf := readHex(t, "ppse_fci")
	if n := testing.AllocsPerRun(100, func() {
		if err := Validate(buf); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := Find(buf, 0x87); !ok {
			t.Fatal("not found")
		}
		if _, ok, _ := FindPath(buf, 0x6F, 0xA5, 0xBF0C, 0x61, 0x87); !ok {
			t.Fatal("not found")
		}
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
