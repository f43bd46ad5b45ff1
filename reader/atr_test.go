package reader

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// TestATRAnalysis compares ParseATR with what pcsc-tools' ATR_analysis
// printed for the same ATRs (testdata/atr_analysis.txt).
func TestATRAnalysis(t *testing.T) {
	n := testvec.Run(t, testvec.Load(t, "atr_analysis.txt"), func(t *testing.T, v testvec.Vector) {
		raw := v.Bytes(t, "atr")
		expect := v.Str(t, "expect")
		a, err := ParseATR(raw)
		bad := strings.Contains(expect, "truncated") || strings.Contains(expect, "extra") || strings.Contains(expect, "tck=wrong")
		if bad {
			if !errors.Is(err, ErrBadATR) {
				t.Errorf("%X (%s): ATR_analysis found an error, ParseATR gave %v", raw, v.Name, err)
			}
			return
		}
		if err != nil {
			t.Errorf("%X (%s): %v", raw, v.Name, err)
			return
		}
		var got []string
		got = append(got, fmt.Sprintf("K=%d", a.T0&0x0F))
		var lastT = -1
		for i, g := range a.Groups {
			for bit, name := range [4]string{"A", "B", "C", "D"} {
				if g.Has&(1<<bit) == 0 {
					continue
				}
				ib := [4]byte{g.TA, g.TB, g.TC, g.TD}[bit]
				s := fmt.Sprintf("T%s%d=%02X", name, i+1, ib)
				if bit == 0 && i == 0 {
					fi, _, di, _ := a.FiDi()
					s += fmt.Sprintf(" Fi=%d Di=%d", fi, di)
				}
				if bit == 3 {
					lastT = int(ib & 0x0F)
					s += fmt.Sprintf(" T=%d", lastT)
				}
				got = append(got, s)
			}
		}
		got = append(got, fmt.Sprintf("hist=%X", a.Historical))
		if a.HasTCK {
			got = append(got, "tck=ok")
		}
		if want := expect; strings.Join(got, " | ") != want {
			t.Errorf("%X:\n got %s\nwant %s", raw, strings.Join(got, " | "), want)
		}
	})
	if n < 80 {
		t.Fatalf("only %d vectors", n)
	}
}

func TestATRStructureErrors(t *testing.T) {
	for _, s := range []string{
		"", "3B", "3C00", "3B10", "3B8180", "3B0214", "3B021450FF",
		"3B8180010001", // T=1 indicated, TCK 01 does not check
		"3B81800100",   // T=1 indicated, TCK missing
		"3B" + strings.Repeat("0F", 40),
	} {
		if _, err := ParseATR(unhex(s)); !errors.Is(err, ErrBadATR) {
			t.Errorf("%s: got %v, want ErrBadATR", s, err)
		}
	}
}

func TestATRCheckEMV(t *testing.T) {
	tests := []struct {
		atr  string
		cold bool
		ok   bool
		why  string
	}{
		{"3B6500002063CB6A00", true, true, "CB Visa: TB1 00, TC1 00, T=0"},
		{"3B021450", true, false, "cold ATR without TB1"},
		{"3B021450", false, true, "warm ATR may omit TB1"},
		{"3BE900008131FE454A434F503431563232A7", true, true, "T=1, IFSC FE, BWI 4 CWI 5"},
		{"3BDA18FF81B1FE751F030031C573C001400090000C", true, false, "TB1 absent in a cold ATR"},
		{"3B9F958131FE9F006646530501001171DF000003900080", false, false, "TB3 BWI 9"},
		{"3BE900008131FF454A434F503431563232A6", true, false, "IFSC FF"},
		{"3BE900008131FE464A434F503431563232A4", true, false, "CWI 6"},
		{"3BE900008131FE45 4A434F503431563232A7", true, true, "spaces are only in the test"},
		{"3BE900008171FE45014A434F503431563232E6", true, false, "TC3 01 (CRC) rejected"},
		{"3B901100", false, true, "TA1 11 negotiable, T=0 via TD1"},
		{"3B90111000", false, true, "TA1 11, TA2 10: specific mode with T=0"},
		{"3B90141000", false, false, "TA1 14 in specific mode"},
		{"3B90111001", false, false, "TA2 names T=1 but TD1 offers T=0"},
		{"3B90111010", false, false, "TA2 b5 set: implicit parameters"},
		{"3B800F8F", false, false, "TD1 offers T=15 first"},
		{"3B802000", false, false, "TB2 present"},
		{"3B804000", false, false, "TC2 00"},
		{"3B80400A", false, true, "TC2 0A"},
		{"3B80810203", false, false, "TD2 offers T=2"},
		{"3B80810E0F", false, false, "TD1 T=1 needs TD2 T=1, not T=14"},
		{"3B80800E0E", false, true, "T=0 then T=14"},
	}
	for _, tt := range tests {
		a, err := ParseATR(unhex(tt.atr))
		if err != nil {
			t.Errorf("%s (%s): parse: %v", tt.atr, tt.why, err)
			continue
		}
		err = a.CheckEMV(tt.cold)
		if tt.ok && err != nil {
			t.Errorf("%s (%s): rejected: %v", tt.atr, tt.why, err)
		}
		if !tt.ok && !errors.Is(err, ErrATRRejected) {
			t.Errorf("%s (%s): got %v, want ErrATRRejected", tt.atr, tt.why, err)
		}
	}
}

func TestATRString(t *testing.T) {
	a, err := ParseATR(unhex("3BDA18FF81B1FE751F030031C573C001400090000C"))
	if err != nil {
		t.Fatal(err)
	}
	s := a.String()
	for _, want := range []string{
		"TS  3B  direct convention",
		"TA1 18  Fi=372, Di=12, 31 cycles/etu",
		"TC1 FF  extra guard time N=255",
		"TD1 81  protocol T=1; TD2 follow",
		"TA3 FE  IFSC 254",
		"TB3 75  BWI 7, CWI 5",
		"TA4 03  clock stop not supported, class A (5 V), B (3 V)",
		"historical bytes 00 31 C5 73 C0 01 40 00 90 00",
		"TCK 0C  check byte, correct",
		"protocols T=1, T=15",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

func FuzzParseATR(f *testing.F) {
	f.Add(unhex("3B021450"))
	f.Add(unhex("3BDA18FF81B1FE751F030031C573C001400090000C"))
	f.Add(unhex("3BE900008131FE454A434F503431563232A7"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseATR(b)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Raw, b) || len(a.Protocols()) == 0 {
			t.Fatal("inconsistent parse")
		}
		_ = a.String()
		_ = a.CheckEMV(true)
	})
}

func BenchmarkParseATR(b *testing.B) {
	raw := unhex("3BDA18FF81B1FE751F030031C573C001400090000C")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseATR(raw); err != nil {
			b.Fatal(err)
		}
	}
}
