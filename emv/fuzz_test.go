package emv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/possdk/pos/tlv"
)

func seedHex(f *testing.F, hs ...string) {
	for _, h := range hs {
		b, err := hex.DecodeString(h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDescribe: any bytes either fail tlv validation or describe without
// panicking, and masked output never contains a valid PAN from tag 5A.
func FuzzDescribe(f *testing.F) {
	seedHex(f, sample253, "70135A0847617390010100105F200F4341524448", "9F10200FA501A00300000000000000000000000F00000000000000000000000000000000",
		"8E0E000003E80000000042031E031F03", "94080801010010010201", "9F", "7003010203")
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := DescribeString(b, DescribeOptions{})
		if err != nil {
			return
		}
		d := Data{}
		if _, err := d.AddTLV(b); err != nil {
			t.Fatalf("Describe accepted what AddTLV refuses: %v", err)
		}
		if v, ok := d[0x5A]; ok {
			if p, err := ParsePANBCD(v); err == nil && p.Len() >= 10 {
				for _, line := range strings.Split(out, "\n") {
					if strings.HasPrefix(strings.TrimLeft(line, " "), "5A ") && strings.Contains(line, p.Digits()) {
						t.Fatalf("PAN leaked in masked output: %q", line)
					}
				}
			}
		}
		_ = Describe(io.Discard, b, DescribeOptions{ShowSensitive: true, Scheme: SchemeVisa})
	})
}

// FuzzTag57 parses tag 57 and re-encodes what parsed.
func FuzzTag57(f *testing.F) {
	seedHex(f, "4761739001010010D22122011143804400000F", "5413330089010434D2512201", "D0", "")
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTag57(b)
		if err != nil {
			return
		}
		back, err := ParseTag57(tr.AppendTag57(nil))
		if err != nil || back != tr {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// luhnOK is the ISO/IEC 7812-1 check, written here as the oracle for
// PAN.LuhnValid.
func luhnOK(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// FuzzTrack parses track 1, track 2 and PAN text. Properties: a parsed
// track 2's PAN, expiry, service code and discretionary data are the
// text's own, in order around the '=' (ISO/IEC 7813; 'D' as in tag 57
// is accepted too), and the track
// survives a tag 57 round trip; a parsed track 1's PAN and name are the
// text's fields between its '^', its discretionary data the text's end,
// and it is at most 76 characters; a PAN round-trips through BCD (tag 5A)
// and its Luhn check agrees with an independent one (a check digit needs
// at least one digit before it); every refusal wraps
// ErrTrack or ErrPAN; nothing prints data after the separator.
func FuzzTrack(f *testing.F) {
	f.Add("%B4761739001010010^CARDHOLDER/TEST^2212201114380440000000000?")
	f.Add(";4761739001010010=22122011143804400000?5")
	f.Add("B1^^^^")
	f.Add("6222021234567890123")
	f.Fuzz(func(t *testing.T, s string) {
		if tr, err := ParseTrack1(s); err == nil {
			data, _, _ := strings.Cut(strings.TrimPrefix(s, "%"), "?")
			if !strings.HasPrefix(data, "B"+tr.PAN.Digits()+"^"+tr.Name+"^") || !strings.HasSuffix(data, tr.Discretionary) ||
				!strings.Contains(data, tr.Expiry+string(tr.ServiceCode)) || len(data) > 76 {
				t.Fatalf("track 1 fields %q %q %q %q %q are not the text's", tr.PAN.Digits(), tr.Name, tr.Expiry, tr.ServiceCode, tr.Discretionary)
			}
			if n := strings.Trim(tr.Name, "* /"); len(n) >= 3 && strings.Contains(tr.String(), n) {
				t.Fatalf("track 1 String shows the name: %q", tr.String())
			}
		} else if !errors.Is(err, ErrTrack) && !errors.Is(err, ErrPAN) {
			t.Fatalf("track 1 error wraps no sentinel: %v", err)
		}
		if tr, err := ParseTrack2(s); err == nil {
			if _, after, _ := strings.Cut(tr.String(), "="); strings.Trim(after, "*") != "" {
				t.Fatalf("track 2 String shows data after the separator: %q", tr.String())
			}
			after := tr.Expiry + string(tr.ServiceCode) + tr.Discretionary
			if !strings.Contains(s, tr.PAN.Digits()+"="+after) && !strings.Contains(s, tr.PAN.Digits()+"D"+after) {
				t.Fatalf("track 2 fields %q %q %q %q are not the text's", tr.PAN.Digits(), tr.Expiry, tr.ServiceCode, tr.Discretionary)
			}
			back, err := ParseTag57(tr.AppendTag57(nil))
			if err != nil || back != tr {
				t.Fatalf("track 2 → tag 57 → track 2: %v", err)
			}
		} else if !errors.Is(err, ErrTrack) && !errors.Is(err, ErrPAN) {
			t.Fatalf("track 2 error wraps no sentinel: %v", err)
		}
		if p, err := ParsePAN(s); err == nil {
			if p.Digits() != s {
				t.Fatalf("PAN %q from %q", p.Digits(), s)
			}
			if p.LuhnValid() != (len(s) >= 2 && luhnOK(s)) {
				t.Fatalf("LuhnValid(%q) = %v", s, p.LuhnValid())
			}
			back, err := ParsePANBCD(p.AppendBCD(nil))
			if err != nil || back.Digits() != s {
				t.Fatalf("PAN → BCD → PAN: %q %v", back.Digits(), err)
			}
		} else if !errors.Is(err, ErrPAN) {
			t.Fatalf("PAN error wraps no sentinel: %v", err)
		}
		_, _ = ParseExpiry(s)
		_ = ServiceCode(s).Describe()
	})
}

// FuzzIssuerResponse parses a response field 55 and checks it against a
// walk of the same bytes with the tlv scanner (the oracle): AuthData is
// the last top-level 91, ARC the last 8A, one script per top-level 71 or
// 72 in order with its 86 commands in order; a refusal wraps ErrValue or
// a tlv sentinel.
func FuzzIssuerResponse(f *testing.F) {
	seedHex(f, "910A28993816AFAE4AEB30308A0230307119"+"9F180400000001"+"86098418000004AABBCCDD"+"86058424000000", "9103010203", "72")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseIssuerResponse(b)
		if err != nil {
			var te *tlv.Error
			if !errors.Is(err, ErrValue) && !errors.As(err, &te) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		var auth, arc []byte
		var scripts [][][]byte
		var tags []tlv.Tag
		s := tlv.NewScanner(b)
		for s.Next() {
			switch s.Tag() {
			case 0x91:
				auth = s.Value()
			case 0x8A:
				arc = s.Value()
			case 0x71, 0x72:
				var cmds [][]byte
				c := s.Descend()
				for c.Next() {
					if c.Tag() == 0x86 {
						cmds = append(cmds, c.Value())
					}
				}
				scripts = append(scripts, cmds)
				tags = append(tags, s.Tag())
			}
		}
		if !bytes.Equal(r.AuthData, auth) || !bytes.Equal(r.ARC, arc) {
			t.Fatalf("91 %X / 8A %X, the scanner finds %X / %X", r.AuthData, r.ARC, auth, arc)
		}
		if len(r.Scripts) != len(scripts) {
			t.Fatalf("%d scripts, the scanner finds %d", len(r.Scripts), len(scripts))
		}
		for i, sc := range r.Scripts {
			if sc.Tag != tags[i] || len(sc.Commands) != len(scripts[i]) {
				t.Fatalf("script %d: tag %v with %d commands, the scanner finds %v with %d", i, sc.Tag, len(sc.Commands), tags[i], len(scripts[i]))
			}
			for j, c := range sc.Commands {
				if len(c) < 4 || !bytes.Equal(c, scripts[i][j]) {
					t.Fatalf("script %d command %d: %X, the scanner finds %X", i, j, c, scripts[i][j])
				}
			}
		}
	})
}

// FuzzValues runs every register decoder on the same bytes. Properties:
// a CVM list re-encodes to its bytes (EMV Book 3 §10.5: 4+4 bytes of
// amounts, then 2-byte rules); a TVR is its 5 bytes; a response APDU is
// its data followed by SW1 SW2; refusals wrap a sentinel.
func FuzzValues(f *testing.F) {
	seedHex(f, "0080248000", "3900", "E0F9C8", "000003E80000000042031E031F03", "0110A040002A0400000000000000000000FF",
		"06011203A0B800", "1F2201030000000000000000000000000000000000000000000000000000000000")
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ParseCVMList(b); err == nil {
			// b8 of a rule's first byte is RFU (Book 3 Annex C3), which
			// the parser ignores and writes as 0.
			want := bytes.Clone(b)
			for i := 8; i < len(want); i += 2 {
				want[i] &^= 0x80
			}
			if got := x.Append(nil); !bytes.Equal(got, want) {
				t.Fatalf("CVM list %X re-encodes as %X", b, got)
			}
			if len(x.Rules) != (len(b)-8)/2 {
				t.Fatalf("%d rules from %d bytes", len(x.Rules), len(b))
			}
			_ = x.Describe()
		} else if !errors.Is(err, ErrValue) {
			t.Fatalf("CVM list error wraps no sentinel: %v", err)
		}
		for _, s := range []Scheme{SchemeEMV, SchemeVisa, SchemeMastercard} {
			if x, err := ParseIAD(b, s); err == nil {
				_ = x.Describe()
			} else if !errors.Is(err, ErrValue) {
				t.Fatalf("IAD error wraps no sentinel: %v", err)
			}
		}
		if x, err := ParseTVR(b); err == nil {
			if len(b) != 5 || !bytes.Equal(x[:], b) {
				t.Fatalf("TVR %X from %X", x[:], b)
			}
			_ = x.Describe()
		} else if len(b) == 5 {
			t.Fatalf("5 bytes refused as a TVR: %v", err)
		}
		if x, err := ParseCVMResults(b); err == nil {
			_ = x.Describe()
		}
		if r, err := ParseResponse(b); err == nil {
			if len(b) < 2 || !bytes.Equal(r.Data, b[:len(b)-2]) || uint16(r.SW) != uint16(b[len(b)-2])<<8|uint16(b[len(b)-1]) {
				t.Fatalf("response %X: data %X SW %04X", b, r.Data, r.SW)
			}
			_ = r.SW.Meaning()
			_ = r.Err()
		} else if !errors.Is(err, ErrAPDU) {
			t.Fatalf("response error wraps no sentinel: %v", err)
		}
		if _, err := CryptogramDataFromTLV(b); err == nil {
			return
		}
		_ = describeAFL(b)
		_ = describeDOL(b, SchemeEMV)
	})
}
