package iso8583

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestMalformed(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	s := loadSamples(t)
	body0800 := s["0800"][2+TPDULen+HeaderLen:]
	sale, err := c.PackTransaction(testSale())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body []byte
		want error
	}{
		{"empty", nil, ErrUnpack},
		{"MTI only", body0800[:2], ErrUnpack},
		{"truncated bitmap", body0800[:6], ErrUnpack},
		{"truncated field", body0800[:len(body0800)-2], ErrUnpack},
		{"truncated sale", sale[:len(sale)/2], ErrUnpack},
		{"bad BCD in MTI", append([]byte{0x0A, 0x00}, body0800[2:]...), ErrUnpack},
		{"bad BCD in STAN", func() []byte { b := bytes.Clone(body0800); b[10] = 0xAB; return b }(), ErrUnpack},
		// Bit 2 set but no PAN follows: the bitmap claims an absent field.
		{"bitmap claims absent field", mustHex("0800 4000000000000000"), ErrUnpack},
		// Bit 5 is not in the CUP spec.
		{"bitmap claims undefined field", mustHex("0800 0800000000000000 000000"), ErrUnpack},
		{"secondary bitmap bit", func() []byte { b := bytes.Clone(body0800); b[2] |= 0x80; return b }(), ErrUnpack},
		// Field 2 LLVAR: length 0x99 = 99 digits > 19.
		{"oversized LLVAR", mustHex("0200 4000000000000000 99 1234"), ErrUnpack},
		// Field 2 length byte not BCD.
		{"bad length prefix", mustHex("0200 4000000000000000 1F 1234"), ErrUnpack},
		// Field 55 LLL = 0999 > 255.
		{"oversized LLLVAR", mustHex("0200 0000000000000200 0999 00"), ErrUnpack},
		// Field 2 with a letter nibble.
		{"PAN bad nibble", mustHex("0200 4000000000000000 04 12A4"), ErrUnpack},
		{"PAN bad pad", mustHex("0200 4000000000000000 03 1237"), ErrUnpack},
		{"trailing data after MAC", append(bytes.Clone(sale), 0), ErrUnpack},
		// Field 60 with 9 digits: 60.3 cut short.
		{"field 60 truncated subfield", mustHex("0800 0000000000000010 0009 0000000110"), ErrUnpack},
		// Field 63 with invalid GBK (lead byte without trail).
		{"bad GBK", mustHex("0800 0000000000000002 0001 81"), ErrUnpack},
	}
	for _, tc := range cases {
		_, err := c.UnpackTransaction(tc.body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestFrameErrors(t *testing.T) {
	c := NewCodec(nil, Framing{})
	good := loadSamples(t)["0800"]
	bad := bytes.Clone(good)
	binary.BigEndian.PutUint16(bad, 0x0040)
	for name, f := range map[string][]byte{
		"empty":              nil,
		"one byte":           {0},
		"length mismatch":    bad,
		"short for envelope": {0, 3, 0x60, 0, 0},
		"truncated":          good[:len(good)-1],
	} {
		if _, _, err := c.Unpack(f); !errors.Is(err, ErrFrame) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (Framing{}).Append(nil, Envelope{}, make([]byte, MaxFrame)); !errors.Is(err, ErrFrame) {
		t.Errorf("oversized frame: %v", err)
	}
}
