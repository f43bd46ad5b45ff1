package tlv

import (
	"bytes"
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestBuilderPPSE(t *testing.T) {
	want := readHex(t, "ppse_fci")
	entry := func(aid, label string, prio byte) func(*Builder) {
		return func(b *Builder) {
			b.Add(0x4F, testvec.Hex(t, aid))
			b.Add(0x50, []byte(label))
			b.Add(0x87, []byte{prio})
		}
	}
	b := NewBuilder(nil)
	b.AddConstructed(0x6F, func(b *Builder) {
		b.Add(0x84, []byte("2PAY.SYS.DDF01"))
		b.AddConstructed(0xA5, func(b *Builder) {
			b.AddConstructed(0xBF0C, func(b *Builder) {
				b.AddConstructed(0x61, entry("A0000000031010", "VISA", 1))
				b.AddConstructed(0x61, entry("A0000000041010", "MASTERCARD", 2))
			})
		})
	})
	got, err := b.Bytes()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got % X, %v\nwant % X", got, err, want)
	}
}

func TestBuilderLongLengths(t *testing.T) {
	for _, n := range []int{127, 128, 200, 255, 256, 300, 70000} {
		val := bytes.Repeat([]byte{0xAB}, n)
		b := NewBuilder([]byte{0x01})
		b.AddConstructed(0x70, func(b *Builder) {
			b.AddConstructed(0x77, func(b *Builder) { b.Add(0x9F4B, val) })
			b.Add(0x5A, []byte{0x12})
		})
		got, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		inner := AppendTLV(nil, 0x77, AppendTLV(nil, 0x9F4B, val))
		want := append([]byte{0x01}, AppendTLV(nil, 0x70, append(inner, 0x5A, 0x01, 0x12))...)
		if !bytes.Equal(got, want) {
			t.Fatalf("n=%d: mismatch", n)
		}
		if err := Validate(got[1:]); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
	}
}

func TestBuilderStickyError(t *testing.T) {
	var b Builder
	b.Add(0x5A, []byte{1})
	b.AddConstructed(0x5A, func(b *Builder) { t.Error("continuation of a primitive tag ran") })
	b.Add(0x9F02, []byte{1})
	if _, err := b.Bytes(); !errors.Is(err, ErrNotConstructed) {
		t.Fatalf("err = %v", err)
	}
	b = Builder{}
	b.Add(0x1F, nil) // a one-byte tag with all low bits set is not a tag
	if !errors.Is(b.Err(), ErrBadTag) {
		t.Fatalf("err = %v", b.Err())
	}
	// A malformed tag is a bad tag whichever method gets it: 0x3F has the
	// constructed bit but, its low five bits all set, announces a
	// subsequent byte a one-byte tag does not have (ISO/IEC 8825-1 8.1.2.4).
	b = Builder{}
	b.AddConstructed(0x3F, func(b *Builder) { t.Error("continuation of an invalid tag ran") })
	if err := b.Err(); !errors.Is(err, ErrBadTag) || errors.Is(err, ErrNotConstructed) {
		t.Fatalf("AddConstructed(0x3F) err = %v, want ErrBadTag only", err)
	}
	b = Builder{}
	b.AddRaw(testvec.Hex(t, "9F0288FFFFFFFFFFFFFFFF"))
	if !errors.Is(b.Err(), ErrLengthTooLong) {
		t.Fatalf("AddRaw err = %v", b.Err())
	}
}
