package main

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/possdk/pos/iso8583"
)

// FuzzIsodecode: any bytes, under each spec, give a dump (exit 0) or one
// error line (exit 1); never a panic. A dump names the message's MTI as
// the codec reads it, an accepted input is exactly one the codec
// unpacks, and the dump masks the PAN.
func FuzzIsodecode(f *testing.F) {
	f.Add([]byte{0x08, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	if b, err := hex.DecodeString(signIn); err == nil {
		f.Add(b, uint8(0))
		f.Add(b[2:], uint8(1))
	}
	f.Add([]byte("0200\x30\x00\x00\x00\x00\x00\x00\x00"), uint8(2))
	// A CUP 0200 with a PAN and track 2 (the dump must mask them).
	m := iso8583.NewMessage("0200")
	for id, v := range map[int]string{2: "6231987654321098762", 3: "310000", 11: "000001", 35: "6231987654321098762=2512201135792468", 41: "50080001"} {
		if err := m.Set(id, v); err != nil {
			f.Fatal(err)
		}
	}
	cup := iso8583.NewCodec(nil, iso8583.Framing{})
	if body, err := cup.PackMessage(m); err == nil {
		if fr, err := cup.Frame(iso8583.Envelope{}, body); err == nil {
			f.Add(fr[2:], uint8(0))
		}
	}
	specs := []string{"cup", "iso87bcd", "iso87ascii"}
	f.Fuzz(func(t *testing.T, b []byte, spec uint8) {
		name := specs[int(spec)%len(specs)]
		args := []string{"-emv", "-spec", name, hex.EncodeToString(b)}
		var out, errOut strings.Builder
		code := run(args, strings.NewReader(""), &out, &errOut)
		framing := iso8583.Framing{NoTPDU: true, NoHeader: true}
		if name == "cup" {
			framing = iso8583.Framing{}
		}
		codec := iso8583.NewCodec(map[string]func() *iso8583.Spec{"cup": iso8583.CUPSpec, "iso87bcd": iso8583.ISO87BCDSpec, "iso87ascii": iso8583.ISO87ASCIISpec}[name](), framing)
		switch code {
		case 0:
			frame := withLength(b)
			_, body, err := codec.Unframe(frame)
			if err != nil {
				t.Fatalf("dumped a frame the codec refuses: %v", err)
			}
			m, err := codec.UnpackUnverified(body)
			if err != nil {
				t.Fatalf("dumped a message the codec refuses: %v", err)
			}
			if !strings.Contains(out.String(), " message "+m.MTI()+"\n") {
				t.Fatalf("dump does not name MTI %q:\n%s", m.MTI(), out.String())
			}
			// The dump masks the PAN (field 2: first 6, last 4 digits).
			if pan := m.Field(2); len(pan) >= 16 && strings.Trim(pan, "0123456789") == "" {
				mid := pan[6 : len(pan)-4]
				elsewhere := strings.Contains(pan[:6]+" "+pan[len(pan)-4:], mid)
				for _, id := range m.Fields() {
					if id != 2 && strings.Contains(m.Field(id), mid) {
						elsewhere = true
					}
				}
				// The envelope (TPDU, header) and bitmap lines print bytes
				// that are not the PAN's and may hold the same digits (a
				// zero TPDU and a PAN of zeros): they are left out.
				var dump strings.Builder
				for _, line := range strings.SplitAfter(out.String(), "\n") {
					if f := strings.Fields(line); len(f) > 0 && (f[0] == "TPDU" || f[0] == "header" || f[0] == "BMP") {
						continue
					}
					dump.WriteString(line)
				}
				if !elsewhere && strings.Contains(dump.String(), mid) {
					t.Fatalf("dump shows the PAN's middle digits %s:\n%s", mid, out.String())
				}
			}
		case 1:
			if !strings.HasPrefix(errOut.String(), "isodecode: ") || strings.Count(errOut.String(), "\n") != 1 {
				t.Fatalf("error output %q", errOut.String())
			}
		default:
			t.Fatalf("exit %d", code)
		}
	})
}
