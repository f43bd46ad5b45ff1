package reader

import "fmt"

// CheckEMV applies the terminal's acceptance rules for the characters of an
// ATR, EMV Book 1 v4.3 §8.3.3 ("terminal behaviour"), to a parsed ATR. cold
// says whether it answered a cold reset (TB1 must then be 00); after a
// rejected cold ATR the terminal tries one warm reset. A nil error means
// accept; rejections wrap ErrATRRejected and name the byte.
func (a *ATR) CheckEMV(cold bool) error {
	rej := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrATRRejected}, args...)...)
	}
	// TS: 3B or 3F (ParseATR already refuses anything else).
	ta2, hasTA2 := a.Interface('A', 2)
	if ta1, ok := a.Interface('A', 1); ok && hasTA2 && ta2&0x10 == 0 {
		// Specific mode: the card uses TA1 at once; only F=372 and
		// D = 1, 2 or 4 are required of a terminal.
		if ta1 < 0x11 || ta1 > 0x13 {
			return rej("TA1 %02X in specific mode is outside 11-13", ta1)
		}
	}
	tb1, hasTB1 := a.Interface('B', 1)
	if cold && (!hasTB1 || tb1 != 0x00) {
		if !hasTB1 {
			return rej("TB1 absent in a cold ATR (must be 00: no VPP)")
		}
		return rej("TB1 %02X in a cold ATR (must be 00: no VPP)", tb1)
	}
	// TC1: any value; FF means minimum guard time (12 etu T=0, 11 etu T=1).
	td1, hasTD1 := a.Interface('D', 1)
	if hasTD1 && td1&0x0F > 1 {
		return rej("TD1 %02X offers T=%d first; only T=0 or T=1", td1, td1&0x0F)
	}
	if hasTA2 {
		if ta2&0x10 != 0 {
			return rej("TA2 %02X: specific mode with implicit parameters (b5 = 1)", ta2)
		}
		if want := td1 & 0x0F; ta2&0x0F != want {
			return rej("TA2 %02X names T=%d, but TD1 offers T=%d first", ta2, ta2&0x0F, want)
		}
	}
	if tb2, ok := a.Interface('B', 2); ok {
		return rej("TB2 %02X present (programming voltage is not supported)", tb2)
	}
	if tc2, ok := a.Interface('C', 2); ok && tc2 == 0x00 {
		return rej("TC2 00: a waiting time integer of zero")
	}
	td2, hasTD2 := a.Interface('D', 2)
	if hasTD2 {
		t := td2 & 0x0F
		if t != 0x1 && t != 0xE {
			return rej("TD2 %02X offers T=%d; only T=1 or T=14 (E) may follow", td2, t)
		}
		if td1&0x0F == 1 && t != 1 {
			return rej("TD2 %02X: TD1 offers T=1 so TD2 must too", td2)
		}
	}
	t1 := (hasTD1 && td1&0x0F == 1) || (hasTD2 && td2&0x0F == 1)
	if t1 {
		// Group 3 carries the T=1 specific bytes when TD2 says T=1.
		if ta3, ok := a.Interface('A', 3); ok && (ta3 < 0x10 || ta3 == 0xFF) {
			return rej("TA3 %02X: IFSC must be 10-FE", ta3)
		}
		if tb3, ok := a.Interface('B', 3); ok {
			bwi, cwi := tb3>>4, tb3&0x0F
			if bwi > 4 {
				return rej("TB3 %02X: BWI %d exceeds 4", tb3, bwi)
			}
			if cwi > 5 {
				return rej("TB3 %02X: CWI %d exceeds 5", tb3, cwi)
			}
			// 2^CWI must exceed N+1, N being the extra guard time of TC1
			// (N = FF counts as -1).
			n, _ := a.Interface('C', 1)
			if n != 0xFF && 1<<cwi <= int(n)+1 {
				return rej("TB3 %02X: 2^CWI = %d is not greater than N+1 = %d (TC1 %02X)", tb3, 1<<cwi, int(n)+1, n)
			}
		} else if hasTD2 && td2&0x0F == 1 {
			return rej("TB3 absent: a T=1 card must give BWI and CWI")
		}
		if tc3, ok := a.Interface('C', 3); ok && tc3 != 0x00 {
			return rej("TC3 %02X: only the LRC (00) is supported", tc3)
		}
	}
	return nil
}
