package tlv

import (
	"bytes"
	"encoding/hex"
	"testing"
)

var fuzzSeeds = []string{
	"9F26087BCB3647E84652A29F2701809F10120110A040002A0400000000000000000000FF",
	"6F43840E325041592E5359532E4444463031A531BF0C2E61124F07A000000003101050045649534187010161184F07A0000000041010500A4D415354455243415244870102",
	"9F0288FFFFFFFFFFFFFFFF", "6F80840100", "DF818181010100", "005A010100", "FF5A0101", "5A8103112233", "70037003700100",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
}

// FuzzScanner: never panics; every accepted object lies inside the buffer at
// the offset it claims, and nested scanning agrees with Validate.
func FuzzScanner(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := Validate(data) == nil
		ok := walk(t, data, NewScanner(data))
		if ok != valid {
			t.Fatalf("walk ok=%v, Validate ok=%v", ok, valid)
		}
		s := NewScanner(data, SkipFF)
		for s.Next() {
		}
	})
}

func walk(t *testing.T, whole []byte, s Scanner) bool {
	for s.Next() {
		off, raw := s.Offset(), s.Raw()
		if off < 0 || off+len(raw) > len(whole) || !bytes.Equal(whole[off:off+len(raw)], raw) {
			t.Fatalf("object %s claims offset %d outside the buffer", s.Tag(), off)
		}
		if !bytes.HasSuffix(raw, s.Value()) || !s.Tag().Valid() {
			t.Fatalf("object %s: bad raw/value", s.Tag())
		}
		if s.Constructed() && !walk(t, whole, s.Descend()) {
			return false
		}
	}
	return s.Err() == nil
}

// FuzzDecode: never panics; for every input the scanner accepts,
// Encode(Decode(x)) gives back x, except where x used padding or non-minimal
// lengths, in which case decoding the re-encoding gives the same tree.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tlvs, err := Decode(data)
		if err != nil {
			if Validate(data) == nil {
				t.Fatalf("Decode failed on valid input: %v", err)
			}
			return
		}
		enc, err := Encode(tlvs)
		if err != nil {
			t.Fatalf("Encode of decoded tree: %v", err)
		}
		if bytes.Equal(enc, data) {
			return
		}
		if minimal(data) {
			t.Fatalf("minimal input re-encoded differently:\n in % X\nout % X", data, enc)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatal(err)
		}
		enc2, _ := Encode(again)
		if !bytes.Equal(enc, enc2) {
			t.Fatal("re-encoding is not stable")
		}
	})
}

// minimal reports whether data has no padding and only minimal lengths.
func minimal(data []byte) bool {
	s := NewScanner(data)
	pos := 0
	for s.Next() {
		if s.Offset() != pos {
			return false // padding skipped
		}
		hdr := len(s.Raw()) - s.Len()
		if hdr != s.Tag().Len()+lengthLen(s.Len()) {
			return false
		}
		if s.Constructed() && !minimal(s.Value()) {
			return false
		}
		pos = s.Offset() + len(s.Raw())
	}
	return pos == len(data)
}

// FuzzDOL: never panics; a parsed DOL re-encodes to what it parsed when the
// lengths were minimal, and filling it always gives Len() bytes.
func FuzzDOL(f *testing.F) {
	f.Add([]byte{0x9F, 0x66, 0x04, 0x9F, 0x02, 0x06, 0x5A, 0x81, 0x0A})
	f.Add([]byte{0x9F})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDOL(data)
		if err != nil {
			return
		}
		out := d.Append(nil, func(tag Tag) ([]byte, Format, bool) {
			return data, Format(tag % 4), tag%3 != 0
		})
		if len(out) != d.Len() {
			t.Fatalf("filled %d bytes, want %d", len(out), d.Len())
		}
	})
}
