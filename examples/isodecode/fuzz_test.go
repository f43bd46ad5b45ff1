package main

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/possdk/pos/iso8583"
)

// FuzzIsodecode: any bytes, under each spec, give a dump (exit 0) or one
// error line (exit 1); never a panic. A dump names the message's MTI as
// the codec reads it, and an accepted input is exactly one the codec
// unpacks.
func FuzzIsodecode(f *testing.F) {
	f.Add([]byte{0x08, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	if b, err := hex.DecodeString(signIn); err == nil {
		f.Add(b, uint8(0))
		f.Add(b[2:], uint8(1))
	}
	f.Add([]byte("0200\x30\x00\x00\x00\x00\x00\x00\x00"), uint8(2))
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
		case 1:
			if !strings.HasPrefix(errOut.String(), "isodecode: ") || strings.Count(errOut.String(), "\n") != 1 {
				t.Fatalf("error output %q", errOut.String())
			}
		default:
			t.Fatalf("exit %d", code)
		}
	})
}
