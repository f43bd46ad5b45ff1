package reader

import (
	"fmt"
	"strings"
)

// String decodes the ATR in words, one line per byte or group, in the
// manner of pcsc-tools' ATR_analysis.
func (a *ATR) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ATR % X\n", a.Raw)
	conv := "direct convention"
	if a.TS == 0x3F {
		conv = "inverse convention"
	}
	fmt.Fprintf(&b, "TS  %02X  %s\n", a.TS, conv)
	fmt.Fprintf(&b, "T0  %02X  %s, %d historical bytes\n", a.T0, presence(a.T0>>4, 1), a.T0&0x0F)
	// T is the protocol the bytes of group i (i >= 3) belong to: the one
	// named by TD(i-1) (ISO 7816-3 §8.2.3).
	t := -1
	for i, g := range a.Groups {
		n := i + 1
		if g.Has&HasTA != 0 {
			fmt.Fprintf(&b, "TA%d %02X  %s\n", n, g.TA, a.describeTA(n, g.TA, t))
		}
		if g.Has&HasTB != 0 {
			fmt.Fprintf(&b, "TB%d %02X  %s\n", n, g.TB, describeTB(n, g.TB, t))
		}
		if g.Has&HasTC != 0 {
			fmt.Fprintf(&b, "TC%d %02X  %s\n", n, g.TC, describeTC(n, g.TC, t))
		}
		if g.Has&HasTD != 0 {
			fmt.Fprintf(&b, "TD%d %02X  protocol T=%d; %s\n", n, g.TD, g.TD&0x0F, presence(g.TD>>4, n+1))
			t = int(g.TD & 0x0F)
		}
	}
	if len(a.Historical) > 0 {
		fmt.Fprintf(&b, "historical bytes % X", a.Historical)
		if q := printable(a.Historical); q != "" {
			fmt.Fprintf(&b, " (%q)", q)
		}
		b.WriteByte('\n')
	}
	if a.HasTCK {
		fmt.Fprintf(&b, "TCK %02X  check byte, correct\n", a.TCK)
	}
	ps := a.Protocols()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = fmt.Sprintf("T=%d", p)
	}
	fmt.Fprintf(&b, "protocols %s", strings.Join(names, ", "))
	return b.String()
}

func presence(y byte, i int) string {
	if y == 0 {
		return "no further interface bytes"
	}
	var parts []string
	for bit, name := range [4]string{"TA", "TB", "TC", "TD"} {
		if y&(1<<bit) != 0 {
			parts = append(parts, fmt.Sprintf("%s%d", name, i))
		}
	}
	return strings.Join(parts, " ") + " follow"
}

func (a *ATR) describeTA(i int, v byte, t int) string {
	switch {
	case i == 1:
		fi, fmax, di, ok := a.FiDi()
		if !ok {
			return "Fi/Di: reserved value"
		}
		return fmt.Sprintf("Fi=%d, Di=%d, %d cycles/etu, f max %.1f MHz", fi, di, fi/di, float64(fmax)/1000)
	case i == 2:
		mode := "parameters from interface bytes"
		if v&0x10 != 0 {
			mode = "implicit parameters"
		}
		s := fmt.Sprintf("specific mode, T=%d, %s", v&0x0F, mode)
		if v&0x80 != 0 {
			s += ", mode change impossible"
		} else {
			s += ", mode change possible"
		}
		return s
	case t == 1:
		return fmt.Sprintf("IFSC %d", v)
	case t == 15:
		return fmt.Sprintf("clock stop %s, class %s", [4]string{"not supported", "state L", "state H", "no preference"}[v>>6], classes(v&0x3F))
	}
	return fmt.Sprintf("TA for T=%d", t)
}

func classes(c byte) string {
	var s []string
	for bit, name := range [3]string{"A (5 V)", "B (3 V)", "C (1.8 V)"} {
		if c&(1<<bit) != 0 {
			s = append(s, name)
		}
	}
	if len(s) == 0 {
		return "none indicated"
	}
	return strings.Join(s, ", ")
}

func describeTB(i int, v byte, t int) string {
	switch {
	case i == 1 && v == 0:
		return "VPP not connected"
	case i == 1:
		return fmt.Sprintf("VPP %d, I %d (deprecated)", v&0x1F, v>>5&3)
	case i == 2:
		return fmt.Sprintf("VPP %d (deprecated)", v)
	case t == 1:
		return fmt.Sprintf("BWI %d, CWI %d", v>>4, v&0x0F)
	}
	return fmt.Sprintf("TB for T=%d", t)
}

func describeTC(i int, v byte, t int) string {
	switch {
	case i == 1 && v == 0xFF:
		return "extra guard time N=255: minimum guard time (12 etu T=0, 11 etu T=1)"
	case i == 1:
		return fmt.Sprintf("extra guard time N=%d etu", v)
	case i == 2:
		return fmt.Sprintf("T=0 waiting time integer WI=%d", v)
	case t == 1 && v&1 == 0:
		return "error detection LRC"
	case t == 1:
		return "error detection CRC"
	}
	return fmt.Sprintf("TC for T=%d", t)
}

// printable returns the historical bytes as text when at least half of them
// are printable ASCII, so card names show up; "" otherwise.
func printable(h []byte) string {
	n := 0
	for _, c := range h {
		if c >= 0x20 && c < 0x7F {
			n++
		}
	}
	if n*2 < len(h) || n < 4 {
		return ""
	}
	out := make([]byte, len(h))
	for i, c := range h {
		if c >= 0x20 && c < 0x7F {
			out[i] = c
		} else {
			out[i] = '.'
		}
	}
	return string(out)
}
