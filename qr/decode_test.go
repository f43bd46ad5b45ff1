package qr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	specExample = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
	pixExample  = "00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 123520400005303986540510.005802BR5914THALES OGLIARI6015SAO MIGUEL DO O62070503***63040DC6"
)

// withCRC appends "6304" and the correct CRC to body, so a test can build
// a payload whose only fault is structural.
func withCRC(body string) string {
	body += "6304"
	return fmt.Sprintf("%s%04X", body, crcString(body))
}

// TestCRCCheckValue: the CRC-16/CCITT-FALSE check value from the catalogue
// of parametrised CRC algorithms (reveng.sourceforge.io/crc-catalogue):
// CRC("123456789") = 0x29B1, also quoted in the project's QR samples.
func TestCRCCheckValue(t *testing.T) {
	if got := CRC([]byte("123456789")); got != 0x29B1 {
		t.Errorf("CRC(123456789) = %04X, want 29B1", got)
	}
	if got := crcString("123456789"); got != 0x29B1 {
		t.Errorf("crcString(123456789) = %04X, want 29B1", got)
	}
	if got := CRC(nil); got != 0xFFFF {
		t.Errorf("CRC(nil) = %04X, want FFFF (the initial value)", got)
	}
}

// TestCRCTables rebuilds the slicing tables bit by bit (polynomial 0x1021,
// MSB first) and checks the sliced CRC against a bitwise one at every
// length around the 8-byte stride.
func TestCRCTables(t *testing.T) {
	bitwise := func(b []byte) uint16 {
		crc := uint16(0xFFFF)
		for _, c := range b {
			crc ^= uint16(c) << 8
			for range 8 {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	for i := range 256 {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		if crcTables[0][i] != c {
			t.Fatalf("crcTables[0][%d] = %04X, want %04X", i, crcTables[0][i], c)
		}
		for k := 1; k < 8; k++ {
			p := crcTables[k-1][i]
			if want := p<<8 ^ crcTables[0][byte(p>>8)]; crcTables[k][i] != want {
				t.Fatalf("crcTables[%d][%d] = %04X, want %04X", k, i, crcTables[k][i], want)
			}
		}
	}
	data := []byte(specExample)
	for n := range 40 {
		if got, want := CRC(data[:n]), bitwise(data[:n]); got != want {
			t.Errorf("CRC of %d bytes = %04X, bitwise %04X", n, got, want)
		}
	}
	if got, want := CRC(data), bitwise(data); got != want {
		t.Errorf("CRC of the spec example = %04X, bitwise %04X", got, want)
	}
}

func TestVerifyCRC(t *testing.T) {
	if err := VerifyCRC(specExample); err != nil {
		t.Errorf("spec example: %v", err)
	}
	cases := []struct {
		in   string
		want error
	}{
		{specExample[:len(specExample)-4] + "A13B", ErrCRC},
		{specExample[:len(specExample)-4] + "a13a", nil}, // lower case is accepted
		{specExample[:len(specExample)-4] + "A1G3", ErrCRC},
		{specExample[:len(specExample)-8], ErrCRCMissing},
		{"", ErrCRCMissing},
	}
	for _, c := range cases {
		if err := VerifyCRC(c.in); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("VerifyCRC(...%s) = %v, want %v", c.in[max(0, len(c.in)-8):], err, c.want)
		}
	}
}

// TestDecodeErrors covers the negative cases of the issue: bad CRC, non-hex
// CRC, wrong lengths, zero-length value, duplicate IDs, 63 not last, over
// 512 characters, and a correct CRC on a broken structure.
func TestDecodeErrors(t *testing.T) {
	body := pixExample[:len(pixExample)-8]
	cases := []struct {
		name string
		in   string
		want error
		msg  string // part of the message: where
	}{
		{"bad CRC", body + "63040DC7", ErrCRC, "computed 0DC6"},
		{"non-hex CRC", body + "63040DCX", ErrCRC, "offset 143"},
		{"CRC length 3", body + "63030DC", ErrCRCMissing, "length 3"},
		{"no CRC", withCRC(body)[:len(body)], ErrCRCMissing, "last data object is ID 62"},
		{"63 not last", withCRC(body + "63040DC6" + "5802BR"), ErrDuplicate, ""},
		{"object after 63", body + "63040DC6" + "6502XX", ErrCRCMissing, "follows the CRC"},
		{"zero length", withCRC("000201" + "5900" + "5802BR"), ErrLength, "ID 59 at offset 6 has length 00"},
		{"length past end", "000201" + "5999ABC", ErrSyntax, "runs past the end"},
		{"non-digit length", withCRC("000201" + "59X4ABCD"), ErrSyntax, "length \"X4\""},
		{"non-digit ID", withCRC("000201" + "A904ABCD"), ErrSyntax, "ID \"A9\" at offset 6"},
		{"short tail", withCRC("000201") + "59", ErrSyntax, "too short"},
		{"duplicate root ID", withCRC("000201" + "5802BR" + "5802BR"), ErrDuplicate, "ID 58 again at offset 12"},
		{"duplicate nested ID", withCRC("000201" + "62140503***0503***"), ErrDuplicate, "ID 62.05 again at offset 17"},
		{"broken template, correct CRC", withCRC("000201" + "2610" + "0014br.gov"), ErrSyntax, "template 26"},
		{"broken nested length, correct CRC", withCRC("000201" + "62070599***"), ErrSyntax, "ID 05 at offset 10"},
		{"invalid UTF-8", withCRC("000201" + "5903A\xffB"), ErrSyntax, "invalid UTF-8"},
		{"over 512 characters", withCRC(strings.Repeat("5999"+strings.Repeat("x", 99), 5)), ErrTooLong, "523 characters"},
		{"over 512 characters, UTF-8", withCRC(strings.Repeat("5999"+strings.Repeat("京", 99), 5)), ErrTooLong, "523 characters"},
		{"empty", "", ErrSyntax, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Payload
			err := p.Decode(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("Decode = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not say %q", err, c.msg)
			}
		})
	}
}

// TestDecodeBadCRCKeepsPayload: a CRC mismatch is reported, yet the payload
// is decoded for a caller that must show or log it. The sample is the
// paynow-62-template sample with its last CRC digit changed.
func TestDecodeBadCRCKeepsPayload(t *testing.T) {
	const edited = "00020101021126500009SG.PAYNOW010100211+65123456780301004082030123152040000530370254071234.565802SG5902ME6009Singapore62290106BILLNO50150004TEST0103ABC6304B302"
	var p Payload
	err := p.Decode(edited)
	if !errors.Is(err, ErrCRC) {
		t.Fatalf("Decode = %v, want ErrCRC", err)
	}
	if p.Amount() != "1234.56" || p.Sub(62, 50) != "0004TEST0103ABC" {
		t.Errorf("payload not decoded after the CRC error: amount %q, 62/50 %q", p.Amount(), p.Sub(62, 50))
	}
	if g, ok, err := Find(p.Sub(62, 50), 0); err != nil || !ok || g != "TEST" {
		t.Errorf("Find(62/50, 00) = %q, %v, %v", g, ok, err)
	}
	out, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyCRC(string(out)); err != nil || string(out[:len(out)-4]) != edited[:len(edited)-4] {
		t.Errorf("re-encoding did not repair only the CRC: %s (%v)", out, err)
	}
}

// TestDecodeReuseNoAlloc: decoding into a reused Payload allocates nothing.
func TestDecodeReuseNoAlloc(t *testing.T) {
	var p Payload
	for _, s := range []string{specExample, pixExample} {
		if err := p.Decode(s); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = p.Decode(s) }); n != 0 {
			t.Errorf("Decode allocates %v times per run", n)
		}
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf, _ = p.Append(buf[:0]) }); n != 0 {
		t.Errorf("Append allocates %v times per run", n)
	}
}

// TestDecodeReplaces: a second Decode replaces the first's content.
func TestDecodeReplaces(t *testing.T) {
	var p Payload
	if err := p.Decode(specExample); err != nil {
		t.Fatal(err)
	}
	if err := p.Decode(pixExample); err != nil {
		t.Fatal(err)
	}
	if p.MerchantName() != "THALES OGLIARI" || len(p.Objects) != 10 {
		t.Errorf("after reuse: %q, %d objects", p.MerchantName(), len(p.Objects))
	}
	if err := p.Decode("garbage"); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestScanner(t *testing.T) {
	sc := NewScanner("0002ZH0104最佳运输0202北京")
	var got []string
	for sc.Next() {
		got = append(got, fmt.Sprintf("%s@%d=%s", sc.ID(), sc.Offset(), sc.Value()))
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
	if want := "00@0=ZH 01@6=最佳运输 02@22=北京"; strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
	if _, _, err := Find("0005AB", 1); !errors.Is(err, ErrSyntax) {
		t.Errorf("Find on a broken template: %v", err)
	}
	if _, ok, err := Find("0002AB", 1); ok || err != nil {
		t.Errorf("Find of an absent ID: %v %v", ok, err)
	}
}

func TestIDString(t *testing.T) {
	for _, c := range []struct {
		id   ID
		want string
	}{{0, "00"}, {7, "07"}, {63, "63"}, {99, "99"}, {100, "ID(100)"}} {
		if got := c.id.String(); got != c.want {
			t.Errorf("ID(%d).String() = %q, want %q", uint8(c.id), got, c.want)
		}
	}
	for id, want := range map[ID]bool{2: false, 25: false, 26: true, 51: true, 52: false, 62: true, 63: false, 64: true, 79: false, 80: true, 99: true} {
		if id.IsTemplate() != want {
			t.Errorf("ID %s IsTemplate = %v", id, !want)
		}
	}
}
