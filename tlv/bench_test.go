package tlv

import "testing"

func scanAll(s Scanner) (n int, err error) {
	for s.Next() {
		n++
		if s.Constructed() {
			k, err := scanAll(s.Descend())
			if err != nil {
				return n, err
			}
			n += k
		}
	}
	return n, s.Err()
}

// BenchmarkScan walks the 253-byte field 55 (32 tags). Goal: 0 allocations,
// ≥15× faster than bertlv.Decode (see bench/ and BENCHMARKS.md).
func BenchmarkScan(b *testing.B) {
	buf := readHex(b, "field55")
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := scanAll(NewScanner(buf)); n != 32 || err != nil {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	buf := readHex(b, "field55")
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	buf := readHex(b, "field55")
	tlvs, _ := Decode(buf)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(tlvs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindLast(b *testing.B) {
	buf := readHex(b, "field55")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := Find(buf, 0x9F08); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkBuilder(b *testing.B) {
	src := readHex(b, "field55")
	type obj struct {
		t Tag
		v []byte
	}
	var objs []obj
	for s := NewScanner(src); s.Next(); {
		objs = append(objs, obj{s.Tag(), s.Value()})
	}
	dst := make([]byte, 0, 512)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(dst[:0])
		for _, o := range objs {
			bl.Add(o.t, o.v)
		}
		if out, err := bl.Bytes(); err != nil || len(out) != len(src) {
			b.Fatal(len(out), err)
		}
	}
}

func BenchmarkDOLAppend(b *testing.B) {
	d := DOL{{0x9F66, 4}, {0x9F02, 6}, {0x9F03, 6}, {0x9F1A, 2}, {0x95, 5}, {0x5F2A, 2}, {0x9A, 3}, {0x9C, 1}, {0x9F37, 4}}
	val := []byte{0, 0, 0, 0, 0x10, 0}
	src := func(Tag) ([]byte, Format, bool) { return val, FormatNumeric, true }
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = d.Append(dst[:0], src)
	}
}
