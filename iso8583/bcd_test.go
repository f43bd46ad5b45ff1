package iso8583

import (
	"bytes"
	"testing"
)

// Known answers from moov-io/iso8583 v0.26.1 encoding/bcd_test.go and
// encoding/lbcd_test.go (TestBCD, TestLBCD), which our encoders replace.
func TestBCDKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		left   bool
		in     []byte
		length int
		want   string
		read   int
	}{
		{false, []byte{0x12, 0x34}, 4, "1234", 2},
		{false, []byte{0x01, 0x23}, 3, "123", 2},
		{false, []byte{0x12, 0x30}, 3, "230", 2},
		{false, []byte{0x21, 0x43, 0x55}, 4, "2143", 2},
		{false, []byte{0x21, 0x43, 0xff}, 4, "2143", 2},
		{true, []byte{0x12, 0x30}, 4, "1230", 2},
		{true, []byte{0x12, 0x30}, 3, "123", 2},
		{true, []byte{0x12, 0x3F}, 3, "123", 2},
	} {
		got, read, err := bcdEncoder{left: c.left}.Decode(c.in, c.length)
		if err != nil || string(got) != c.want || read != c.read {
			t.Errorf("left=%v Decode(% X, %d) = %q, %d, %v; want %q, %d", c.left, c.in, c.length, got, read, err, c.want, c.read)
		}
	}
	for _, c := range []struct {
		left bool
		in   string
		want []byte
	}{
		{false, "0110", []byte{0x01, 0x10}},
		{false, "123", []byte{0x01, 0x23}},
		{true, "123", []byte{0x12, 0x30}},
		{false, "", []byte{}},
	} {
		if got, err := (bcdEncoder{left: c.left}).Encode([]byte(c.in)); err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("left=%v Encode(%q) = % X, %v; want % X", c.left, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		left   bool
		in     []byte
		length int
	}{
		{false, []byte{0x21, 0x43}, 6}, {false, nil, 6}, {false, []byte{0xAB, 0xCD}, 4},
		{true, []byte{0x12, 0x30}, 5}, {true, nil, 5}, {true, []byte{0xAB, 0xCD}, 4},
		{false, []byte{0x12, 0x3F}, 3}, {true, []byte{0x12, 0x3F}, 4}, {false, []byte{0x1F, 0x23}, 4},
		{false, []byte{1}, -1},
	} {
		if _, _, err := (bcdEncoder{left: c.left}).Decode(c.in, c.length); !isOurs(err) {
			t.Errorf("left=%v Decode(% X, %d): error %v, want a package error", c.left, c.in, c.length, err)
		}
	}
	for _, e := range []bcdEncoder{{}, {left: true}} {
		if _, err := e.Encode([]byte("12a")); !isOurs(err) {
			t.Errorf("Encode(12a): %v", err)
		}
	}
	// moov prefix/bcd_test.go TestBCDVarPrefixer_LHelpers.
	pf := BCDPrefixers()
	for _, c := range []struct {
		p        Prefixer
		max, n   int
		encoding []byte
	}{
		{pf.L, 5, 3, []byte{0x03}}, {pf.LL, 20, 2, []byte{0x02}}, {pf.LL, 20, 12, []byte{0x12}},
		{pf.LLL, 340, 2, []byte{0x00, 0x02}}, {pf.LLL, 340, 200, []byte{0x02, 0x00}}, {pf.LLLL, 9999, 1234, []byte{0x12, 0x34}},
	} {
		got, err := c.p.EncodeLength(c.max, c.n)
		if err != nil || !bytes.Equal(got, c.encoding) {
			t.Errorf("%s.EncodeLength(%d) = % X, %v", c.p.Inspect(), c.n, got, err)
		}
		n, read, err := c.p.DecodeLength(c.max, c.encoding)
		if err != nil || n != c.n || read != len(c.encoding) {
			t.Errorf("%s.DecodeLength(% X) = %d, %d, %v", c.p.Inspect(), c.encoding, n, read, err)
		}
	}
	if _, err := pf.LL.EncodeLength(999, 123); !isOurs(err) {
		t.Errorf("LL 123: %v", err)
	}
	if _, err := pf.LL.EncodeLength(20, 22); !isOurs(err) {
		t.Errorf("LL over max: %v", err)
	}
	if _, _, err := pf.LLL.DecodeLength(20, []byte{0x22}); !isOurs(err) {
		t.Errorf("LLL short: %v", err)
	}
}

// FuzzBCD decodes arbitrary bytes with both alignments: an error wraps a
// package sentinel, and whatever decodes re-encodes to the bytes it came
// from, up to the pad nibble. (Package iso8583/moovx also compares the
// decoders with moov's.)
func FuzzBCD(f *testing.F) {
	f.Add([]byte{0x12, 0x34}, 4)
	f.Add([]byte{0x01, 0x23}, 3)
	f.Add([]byte{0x12, 0x3F}, 3)
	f.Add([]byte{0xAB}, 2)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, src []byte, length int) {
		if length > 4*len(src)+4 || length < -2 {
			length %= 4*len(src) + 4
		}
		for _, e := range []Encoder{BCDEncoder(), LBCDEncoder()} {
			got, read, err := e.Decode(src, length)
			if err != nil {
				if !isOurs(err) {
					t.Fatalf("error without sentinel: %v", err)
				}
				continue
			}
			if len(got) != length || read != (length+1)/2 {
				t.Fatalf("Decode(% X, %d) = %q, read %d", src, length, got, read)
			}
			again, err := e.Encode(got)
			if err != nil || len(again) != read {
				t.Fatalf("re-encode of %q: % X %v", got, again, err)
			}
			// Only the pad nibble of an odd count may differ.
			mask := bytes.Repeat([]byte{0xFF}, read)
			if length%2 == 1 {
				if e == BCDEncoder() {
					mask[0] = 0x0F
				} else {
					mask[read-1] = 0xF0
				}
			}
			for i := range again {
				if again[i]&mask[i] != src[i]&mask[i] {
					t.Fatalf("re-encode of %q: % X from % X", got, again, src[:read])
				}
			}
		}
	})
}
