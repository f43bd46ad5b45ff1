package tlv

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/moov-io/bertlv"

	"github.com/possdk/pos/internal/testvec"
)

func TestDecodeMatchesBertlv(t *testing.T) {
	for _, name := range []string{"field55", "ppse_fci"} {
		buf := readHex(t, name)
		got, err := Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		want, err := bertlv.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Decode differs from bertlv.Decode\n got %v\nwant %v", name, got, want)
		}
		enc, err := Encode(got)
		if err != nil || !bytes.Equal(enc, buf) {
			t.Errorf("%s: Encode(Decode(x)) = % X, %v", name, enc, err)
		}
		benc, _ := bertlv.Encode(got)
		if !bytes.Equal(benc, enc) {
			t.Errorf("%s: Encode differs from bertlv.Encode", name)
		}
	}
}

func TestDecodeRejectsWhatBertlvMisreads(t *testing.T) {
	for _, tt := range []struct {
		hex  string
		want error
	}{
		{"9F0288FFFFFFFFFFFFFFFF", ErrLengthTooLong}, // bertlv v0.1.0 panics
		{"6F80840100", ErrIndefiniteLength},          // bertlv v0.1.0 reads length 0
		{"DF81818101 00", ErrTagTooLong},
	} {
		if _, err := Decode(testvec.Hex(t, tt.hex)); !errors.Is(err, tt.want) {
			t.Errorf("Decode(%s) err = %v, want %v", tt.hex, err, tt.want)
		}
	}
}

func TestEncode(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 300)
	tlvs := []bertlv.TLV{
		bertlv.NewComposite("70", bertlv.NewTag("5a", []byte{0x47, 0x61}), bertlv.NewTag("9F4B", long)),
		bertlv.NewTag("9F02", []byte{0, 0, 0, 0, 0x10, 0}),
	}
	got, err := Encode(tlvs)
	if err != nil {
		t.Fatal(err)
	}
	var b Builder
	b.AddConstructed(0x70, func(b *Builder) {
		b.Add(0x5A, []byte{0x47, 0x61})
		b.Add(0x9F4B, long)
	})
	b.Add(0x9F02, []byte{0, 0, 0, 0, 0x10, 0})
	want, _ := b.Bytes()
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode = % X\nwant % X", got, want)
	}
	for _, bad := range [][]bertlv.TLV{
		{bertlv.NewTag("ZZ", nil)},
		{bertlv.NewComposite("70", bertlv.NewTag("9F", nil))},
		{bertlv.NewComposite("5A", bertlv.NewTag("9F02", nil))},
	} {
		if _, err := Encode(bad); !errors.Is(err, ErrBadTag) && !errors.Is(err, ErrNotConstructed) {
			t.Errorf("Encode(%v) err = %v", bad, err)
		}
	}
}
