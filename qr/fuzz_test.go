package qr

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode: Decode never panics; whatever it accepts (CRC mismatch
// included) encodes again, decodes to the same objects, and re-encodes to
// the input when the input's CRC was right and upper case. Validation under
// every profile never panics.
func FuzzDecode(f *testing.F) {
	f.Add(specExample)
	f.Add(pixExample)
	f.Add("00020101021129370016A000000677010111011300668012345675802TH530376463046197")
	f.Add("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C")
	f.Add(withCRC("000201" + "62140503***0503***"))
	f.Add(withCRC("000201" + "5900"))
	f.Add("0002")
	var p, q Payload
	f.Fuzz(func(t *testing.T, s string) {
		err := p.Decode(s)
		for prof := EMVCo; prof < numProfiles; prof++ {
			_ = p.Problems(prof)
		}
		if err != nil && !errors.Is(err, ErrCRC) {
			return
		}
		out, eerr := p.Append(nil)
		if eerr != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", s, eerr)
		}
		if err == nil && s == string(out[:len(out)-4])+upperHex(s[len(s)-4:]) && string(out) != s && s[len(s)-4:] == upperHex(s[len(s)-4:]) {
			t.Fatalf("re-encoding changed the payload:\n in %q\nout %q", s, out)
		}
		if err := q.Decode(string(out)); err != nil {
			t.Fatalf("re-encoded payload does not decode: %v\n%q", err, out)
		}
		if len(q.Objects) != len(p.Objects) {
			t.Fatalf("object count changed: %d -> %d", len(p.Objects), len(q.Objects))
		}
		_, _ = p.Pix()
		_, _ = p.VietQR()
		_, _ = p.PromptPay()
		_, _ = p.PayNow()
		_ = p.Profile()
	})
}

// FuzzDecodeCPM: CPM decoding never panics, and what it accepts encodes
// and decodes again to the same shape and the same ICC data.
func FuzzDecodeCPM(f *testing.F) {
	f.Add("hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==")
	f.Add("hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MQ")
	f.Add("hQVDUFYwMg==")
	f.Add("YYA=")
	var c, d CPM
	f.Fuzz(func(t *testing.T, s string) {
		if err := c.Decode(s); err != nil {
			return
		}
		_ = c.String()
		for i := range c.Apps {
			_ = c.PAN(i).String()
			_ = c.Track2(i).String()
		}
		out, err := c.Encode()
		if err != nil {
			t.Fatalf("decoded %q but cannot encode: %v", s, err)
		}
		if err := d.Decode(out); err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if len(d.Apps) != len(c.Apps) || (d.Common == nil) != (c.Common == nil) {
			t.Fatalf("shape changed: %v -> %v", c, d)
		}
		for i := range c.Apps {
			if !bytes.Equal(c.AppendICCData(nil, i), d.AppendICCData(nil, i)) {
				t.Fatalf("ICC data of application %d changed", i)
			}
		}
	})
}
