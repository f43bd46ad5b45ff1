package reader

import "fmt"

// ATR is a parsed answer-to-reset (ISO/IEC 7816-3 §8.2). Raw aliases the
// bytes it was parsed from; Historical aliases Raw.
type ATR struct {
	Raw        []byte
	TS         byte       // 3B direct convention, 3F inverse
	T0         byte       // Y1 (b8-b5: TA1..TD1 present) and K (b4-b1: historical count)
	Groups     []ATRGroup // interface bytes: Groups[0] holds TA1 TB1 TC1 TD1
	Historical []byte
	TCK        byte
	HasTCK     bool
}

// ATRGroup is one set of interface bytes TAi TBi TCi TDi; Has says which are
// present (bits: 1 TA, 2 TB, 4 TC, 8 TD, the same order as Y in T0 and TD).
type ATRGroup struct {
	TA, TB, TC, TD byte
	Has            uint8
}

// Presence bits of ATRGroup.Has.
const (
	HasTA uint8 = 1 << iota
	HasTB
	HasTC
	HasTD
)

// maxATR is the longest ATR ISO 7816-3 §8.2.1 allows: TS and 32 more bytes.
const maxATR = 33

// ParseATR parses an ATR as a reader delivers it (already in direct
// convention, TS first). It checks the structure: TS, the interface bytes
// T0 and each TDi announce, K historical bytes, and TCK, present whenever a
// protocol other than T=0 is indicated, whose XOR with T0..the historical
// bytes must be zero (§8.2.5). Errors wrap ErrBadATR and name the offset.
func ParseATR(b []byte) (*ATR, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes, TS and T0 are required", ErrBadATR, len(b))
	}
	if len(b) > maxATR {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrBadATR, len(b), maxATR)
	}
	a := &ATR{Raw: b, TS: b[0], T0: b[1]}
	if a.TS != 0x3B && a.TS != 0x3F {
		return nil, fmt.Errorf("%w: TS %02X at offset 0 is neither 3B nor 3F", ErrBadATR, a.TS)
	}
	off := 2
	y := a.T0 >> 4
	needTCK := false
	for y != 0 {
		var g ATRGroup
		for bit := uint8(0); bit < 4; bit++ {
			if y&(1<<bit) == 0 {
				continue
			}
			if off >= len(b) {
				return nil, fmt.Errorf("%w: interface byte T%c%d at offset %d is missing", ErrBadATR, "ABCD"[bit], len(a.Groups)+1, off)
			}
			switch bit {
			case 0:
				g.TA = b[off]
			case 1:
				g.TB = b[off]
			case 2:
				g.TC = b[off]
			case 3:
				g.TD = b[off]
			}
			g.Has |= 1 << bit
			off++
		}
		a.Groups = append(a.Groups, g)
		y = 0
		if g.Has&HasTD != 0 {
			y = g.TD >> 4
			if g.TD&0x0F != 0 {
				needTCK = true
			}
		}
	}
	k := int(a.T0 & 0x0F)
	if off+k > len(b) {
		return nil, fmt.Errorf("%w: T0 announces %d historical bytes at offset %d, %d present", ErrBadATR, k, off, len(b)-off)
	}
	a.Historical = b[off : off+k]
	off += k
	if needTCK {
		if off >= len(b) {
			return nil, fmt.Errorf("%w: TCK at offset %d is missing (a protocol other than T=0 is indicated)", ErrBadATR, off)
		}
		a.TCK, a.HasTCK = b[off], true
		off++
		var x byte
		for _, c := range b[1:off] {
			x ^= c
		}
		if x != 0 {
			return nil, fmt.Errorf("%w: TCK %02X at offset %d does not check (XOR of T0..TCK is %02X)", ErrBadATR, a.TCK, off-1, x)
		}
	}
	if off != len(b) {
		return nil, fmt.Errorf("%w: %d unexpected bytes after offset %d", ErrBadATR, len(b)-off, off)
	}
	return a, nil
}

// Interface returns the interface byte TA, TB, TC or TD (which = 'A'..'D')
// of group i, counted from 1 as in the standard (TA1, TB2 ...).
func (a *ATR) Interface(which byte, i int) (byte, bool) {
	if i < 1 || i > len(a.Groups) || which < 'A' || which > 'D' {
		return 0, false
	}
	g := a.Groups[i-1]
	bit := uint8(1) << (which - 'A')
	if g.Has&bit == 0 {
		return 0, false
	}
	return [4]byte{g.TA, g.TB, g.TC, g.TD}[which-'A'], true
}

// Protocols lists the protocols the TDi bytes indicate, in order, without
// repeats; T=0 alone when there is no TD1 (ISO 7816-3 §8.2.3).
func (a *ATR) Protocols() []int {
	var ps []int
	seen := uint16(0)
	for _, g := range a.Groups {
		if g.Has&HasTD == 0 {
			break
		}
		t := int(g.TD & 0x0F)
		if seen&(1<<t) == 0 {
			seen |= 1 << t
			ps = append(ps, t)
		}
	}
	if len(ps) == 0 {
		ps = []int{0}
	}
	return ps
}

// Protocol is the first offered protocol, the one a card in negotiable mode
// uses without PPS (ISO 7816-3 §8.2.3), as T=0 or T=1; other protocols
// report ProtocolUnknown.
func (a *ATR) Protocol() Protocol {
	switch a.Protocols()[0] {
	case 0:
		return ProtocolT0
	case 1:
		return ProtocolT1
	}
	return ProtocolUnknown
}

// FiDi returns the clock rate conversion factor Fi, the maximum clock
// frequency in kHz and the baud rate adjustment factor Di coded in TA1
// (ISO 7816-3 §8.3, Tables 7 and 8), defaults 372, 5000 and 1 when TA1 is
// absent. ok is false for reserved codes.
func (a *ATR) FiDi() (fi, fmaxKHz, di int, ok bool) {
	ta1, has := a.Interface('A', 1)
	if !has {
		return 372, 5000, 1, true
	}
	return fiTable[ta1>>4].fi, fiTable[ta1>>4].fmax, diTable[ta1&0x0F], fiTable[ta1>>4].fi != 0 && diTable[ta1&0x0F] != 0
}

// ISO/IEC 7816-3:2006 Table 7 (Fi, f max in kHz) and Table 8 (Di); zero
// marks reserved for future use.
var fiTable = [16]struct{ fi, fmax int }{
	{372, 4000}, {372, 5000}, {558, 6000}, {744, 8000}, {1116, 12000}, {1488, 16000}, {1860, 20000}, {0, 0},
	{0, 0}, {512, 5000}, {768, 7500}, {1024, 10000}, {1536, 15000}, {2048, 20000}, {0, 0}, {0, 0},
}

var diTable = [16]int{0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0}
