package emv

import (
	"encoding/hex"
	"io"
	"strings"
	"testing"
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

// FuzzTrack parses track 1 and track 2 text.
func FuzzTrack(f *testing.F) {
	f.Add("%B4761739001010010^CARDHOLDER/TEST^2212201114380440000000000?")
	f.Add(";4761739001010010=22122011143804400000?5")
	f.Add("B1^^^^")
	f.Fuzz(func(t *testing.T, s string) {
		if tr, err := ParseTrack1(s); err == nil {
			_ = tr.String()
		}
		if tr, err := ParseTrack2(s); err == nil {
			if _, after, _ := strings.Cut(tr.String(), "="); strings.Trim(after, "*") != "" {
				t.Fatalf("track 2 String shows data after the separator: %q", tr.String())
			}
		}
		_, _ = ParsePAN(s)
		_, _ = ParseExpiry(s)
		_ = ServiceCode(s).Describe()
	})
}

// FuzzIssuerResponse parses a response field 55.
func FuzzIssuerResponse(f *testing.F) {
	seedHex(f, "910A28993816AFAE4AEB30308A0230307119"+"9F180400000001"+"86098418000004AABBCCDD"+"86058424000000", "9103010203", "72")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseIssuerResponse(b)
		if err != nil {
			return
		}
		for _, s := range r.Scripts {
			for _, c := range s.Commands {
				if len(c) < 4 {
					t.Fatal("short command accepted")
				}
			}
		}
	})
}

// FuzzValues runs every register decoder on the same bytes.
func FuzzValues(f *testing.F) {
	seedHex(f, "0080248000", "3900", "E0F9C8", "000003E80000000042031E031F03", "0110A040002A0400000000000000000000FF",
		"06011203A0B800", "1F2201030000000000000000000000000000000000000000000000000000000000")
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ParseCVMList(b); err == nil {
			_ = x.Describe()
		}
		for _, s := range []Scheme{SchemeEMV, SchemeVisa, SchemeMastercard} {
			if x, err := ParseIAD(b, s); err == nil {
				_ = x.Describe()
			}
		}
		if x, err := ParseTVR(b); err == nil {
			_ = x.Describe()
		}
		if x, err := ParseCVMResults(b); err == nil {
			_ = x.Describe()
		}
		if r, err := ParseResponse(b); err == nil {
			_ = r.SW.Meaning()
			_ = r.Err()
		}
		if _, err := CryptogramDataFromTLV(b); err == nil {
			return
		}
		_ = describeAFL(b)
		_ = describeDOL(b, SchemeEMV)
	})
}
