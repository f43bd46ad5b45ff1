package iso8583

import (
	"bytes"
	"errors"
	"testing"
)

func TestISO87Specs(t *testing.T) {
	for _, spec := range []struct {
		name string
		c    *Codec
		mti  []byte
	}{
		{"ASCII", NewCodec(ISO87ASCIISpec(), Framing{NoTPDU: true, NoHeader: true}), []byte("0200")},
		{"BCD", NewCodec(ISO87BCDSpec(), Framing{NoTPDU: true, NoHeader: true}), []byte{0x02, 0x00}},
	} {
		c := spec.c.WithMAC(testMAC("k"))
		m := NewMessage("0200")
		for id, v := range map[int]string{2: "4761739001010119", 3: "000000", 4: "000000001000", 7: "1121055200",
			11: "000173", 35: "4761739001010119=25122011758928889", 41: "TERM0001", 70: "301", 100: "12345"} {
			if err := m.Set(id, v); err != nil {
				t.Fatal(err)
			}
		}
		m.SetBytes(128, make([]byte, 8))
		body, err := c.PackMessage(m)
		if err != nil {
			t.Fatalf("%s: %v", spec.name, err)
		}
		if !bytes.HasPrefix(body, spec.mti) || body[len(spec.mti)]&0x80 == 0 {
			t.Errorf("%s: MTI or secondary bitmap bit missing: % X", spec.name, body[:12])
		}
		got, err := c.UnpackMessage(body)
		if err != nil {
			t.Fatalf("%s: %v", spec.name, err)
		}
		for id, want := range map[int]string{2: "4761739001010119", 35: "4761739001010119=25122011758928889", 70: "301", 100: "12345"} {
			if s := got.Field(id); s != want {
				t.Errorf("%s: field %d = %q", spec.name, id, s)
			}
		}
		body[len(body)-20] ^= 1
		if _, err := c.UnpackMessage(body); !errors.Is(err, ErrMAC) && !errors.Is(err, ErrUnpack) {
			t.Errorf("%s: tamper: %v", spec.name, err)
		}
	}
}
